/* fir8: one output sample of an 8-tap FIR filter: y = sat16((sum h[k] *
 * x[k] + 2^14) >> 15), x[0] the newest of 8 int16 input samples (fully
 * partitioned), h fixed Q15 coefficients written as literals in the
 * expression (gain about 1.7, so loud inputs saturate). The int32
 * accumulator cannot overflow: sum |h| * 32768 < 2^31. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FIR_TAPS 8

int16_t fir8(const int16_t x[FIR_TAPS])
{
#pragma HLS array_partition variable=x complete
    int32_t acc = 1205 * (int32_t)x[0];
    acc += -3022 * (int32_t)x[1];
    acc += 7431 * (int32_t)x[2];
    acc += 20480 * (int32_t)x[3];
    acc += 15873 * (int32_t)x[4];
    acc += -4410 * (int32_t)x[5];
    acc += 2290 * (int32_t)x[6];
    acc += -911 * (int32_t)x[7];
    int32_t y = (acc + (1 << 14)) >> 15;
    if (y > 32767)
        y = 32767;
    else if (y < -32768)
        y = -32768;
    return (int16_t)y;
}

/* ---------------- testbench ---------------- */
#define NCALLS 1000

static uint32_t tb_state = 0xf1f8f1f8u;
static uint32_t tb_rand(void)
{
    tb_state ^= tb_state << 13;
    tb_state ^= tb_state >> 17;
    tb_state ^= tb_state << 5;
    return tb_state;
}

static uint32_t tb_hash = 2166136261u;
static void tb_mix(uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        tb_hash ^= (v >> (8 * i)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

/* reference: rolled convolution over a sliding stream, int64 accumulate,
 * rounding by floor division of (acc + 2^14) */
static const int32_t ref_h[FIR_TAPS] = {
    1205, -3022, 7431, 20480, 15873, -4410, 2290, -911
};

static int32_t ref_fir(const int16_t *hist)
{
    int64_t acc = 0;
    for (int k = 0; k < FIR_TAPS; k++)
        acc += (int64_t)ref_h[k] * hist[k];
    int64_t num = acc + 16384;
    int64_t q = num / 32768;
    if (num % 32768 != 0 && num < 0)
        q -= 1;
    return q > 32767 ? 32767 : (q < -32768 ? -32768 : (int32_t)q);
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xf1f8f1f8u;
    }
    int fail = 0, sat = 0;
    int16_t hist[FIR_TAPS] = { 0 };
    for (int call = 0; call < NCALLS; call++) {
        /* shift a new sample into the window (stream order) */
        for (int k = FIR_TAPS - 1; k > 0; k--)
            hist[k] = hist[k - 1];
        int32_t s;
        if (call < 8)
            s = (call == 0) ? 32767 : 0;                 /* impulse */
        else if (call < 300)
            s = (int32_t)(tb_rand() >> 16) - 32768;      /* full-scale noise */
        else if (call < 600)
            s = ((call / 3) & 1) ? 32767 : -32768;       /* loud square */
        else
            s = ((int32_t)(tb_rand() >> 16) - 32768) >> 4;
        hist[0] = (int16_t)s;
        int16_t got = fir8(hist);
        int32_t want = ref_fir(hist);
        if (call >= 1 && call < 8) {   /* impulse response = scaled taps */
            int32_t tap = (int32_t)((32767 * ref_h[call] + 16384) >> 15);
            if (got != tap) {
                printf("FAIL impulse tap %d: got %d want %d\n", call, got, (int)tap);
                fail = 1;
            }
        }
        if (got != want) {
            printf("FAIL call %d: got %d want %d\n", call, got, (int)want);
            fail = 1;
            break;
        }
        if (got == 32767 || got == -32768)
            sat++;
        tb_mix((uint32_t)(int32_t)got);
    }
    if (sat == 0) {
        printf("FAIL saturation never exercised\n");
        fail = 1;
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
