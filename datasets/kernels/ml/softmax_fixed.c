/*
 * softmax_fixed: fixed-point softmax approximation over K = 8 logits.
 * Inputs are Q8.8 (int16). Each logit is shifted by the row maximum, the
 * negative distance is fed to a 33-entry ROM of exp(-n/4) in Q16 with linear
 * interpolation between entries (distances of 8.0 or more give 0), and the
 * results are normalised by integer division into Q1.15 probabilities
 * (uint16, 32768 == 1.0) that sum to 32768 up to rounding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define K 8
#define LUT_STEP_SHIFT 6      /* one ROM step = 64 in Q8.8 = 0.25 */
#define LUT_LAST 32           /* entries 0..32 cover distances 0 .. 8.0 */
#define OUT_ONE 32768u

/* round(65536 * exp(-n / 4)), n = 0..32 */
static const uint32_t EXP_ROM[LUT_LAST + 1] = {
    65536, 51039, 39750, 30957, 24109, 18776, 14623, 11388, 8869, 6907, 5380,
    4190, 3263, 2541, 1979, 1541, 1200, 935, 728, 567, 442, 344, 268, 209,
    162, 127, 99, 77, 60, 47, 36, 28, 22
};

static uint32_t exp_neg(int32_t dist)
{
    int32_t idx = dist >> LUT_STEP_SHIFT;
    uint32_t frac = (uint32_t)(dist & ((1 << LUT_STEP_SHIFT) - 1));
    if (idx >= LUT_LAST)
        return 0;
    uint32_t a = EXP_ROM[idx];
    uint32_t b = EXP_ROM[idx + 1];
    return a - (((a - b) * frac) >> LUT_STEP_SHIFT);
}

void softmax_fixed(const int16_t x[K], uint16_t prob[K])
{
    uint32_t e[K];
    int16_t mx = x[0];
    for (int i = 1; i < K; i++)
        if (x[i] > mx)
            mx = x[i];

    uint32_t sum = 0;
    for (int i = 0; i < K; i++) {
        int32_t dist = (int32_t)mx - (int32_t)x[i];
        e[i] = exp_neg(dist);
        sum += e[i];
    }

    /* sum >= 65536 because the maximum contributes exp(0) */
    for (int i = 0; i < K; i++)
        prob[i] = (uint16_t)((e[i] * OUT_ONE + sum / 2u) / sum);
}

/* ---------------- testbench ---------------- */

static uint32_t tb_z = 0x6B8B4567u;

static uint32_t tb_rand(void)
{
    tb_z ^= tb_z << 13;
    tb_z ^= tb_z >> 17;
    tb_z ^= tb_z << 5;
    return tb_z;
}

static int32_t tb_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(tb_rand() % (uint32_t)(hi - lo + 1));
}

/* exp(t) for t >= 0: Taylor series of exp(t/64), then square six times */
static double tb_exp_pos(double t)
{
    double u = t / 64.0, term = 1.0, s = 1.0;
    for (int n = 1; n < 20; n++) {
        term *= u / n;
        s += term;
    }
    for (int k = 0; k < 6; k++)
        s *= s;
    return s;
}

static uint32_t hstep(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 16777619u;
    return h;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_z ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_z == 0)
            tb_z = 0x6B8B4567u;
    }
    static int16_t x[K];
    static uint16_t p[K];
    uint32_t h = 0x811c9dc5u;
    int fails = 0;

    /* the ROM itself against exp(-n/4) */
    for (int n = 0; n <= LUT_LAST; n++) {
        double want = 65536.0 / tb_exp_pos(n / 4.0);
        double diff = (double)EXP_ROM[n] - want;
        if (diff > 0.5 || diff < -0.5) {
            printf("FAIL ROM entry %d = %u, expected %.3f\n", n, EXP_ROM[n], want);
            fails++;
        }
    }

    for (int call = 0; call < 3; call++) {
        if (call == 0) {
            for (int i = 0; i < K; i++)
                x[i] = (int16_t)tb_in(-3 * 256, 3 * 256);     /* logits in [-3, 3] */
        } else if (call == 1) {
            for (int i = 0; i < K; i++)
                x[i] = (int16_t)tb_in(-32768, 17000);
            x[5] = 20000;                                   /* dominant by > 8.0 */
        } else {
            for (int i = 0; i < K; i++)
                x[i] = -1234;                               /* all equal */
        }

        softmax_fixed(x, p);

        /* reference: double softmax */
        double ex[K], tot = 0.0;
        int32_t mx = x[0];
        for (int i = 1; i < K; i++)
            if (x[i] > mx)
                mx = x[i];
        for (int i = 0; i < K; i++) {
            ex[i] = 1.0 / tb_exp_pos((mx - x[i]) / 256.0);
            tot += ex[i];
        }
        uint32_t psum = 0;
        for (int i = 0; i < K; i++) {
            double want = 32768.0 * ex[i] / tot;
            double diff = (double)p[i] - want;
            if (diff > 200.0 || diff < -200.0) {
                printf("FAIL call %d prob[%d] = %u, expected about %.1f\n", call, i, p[i], want);
                fails++;
            }
            psum += p[i];
            h = hstep(h, p[i]);
        }
        if (psum + 8u < OUT_ONE || psum > OUT_ONE + 8u) {
            printf("FAIL call %d probabilities sum to %u\n", call, psum);
            fails++;
        }
        /* order preserved: larger logit never gets a smaller probability */
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++)
                if (x[i] > x[j] && p[i] < p[j]) {
                    printf("FAIL call %d order broken between %d and %d\n", call, i, j);
                    fails++;
                }
        /* exact known answers */
        if (call == 1 && (p[5] != OUT_ONE || psum != OUT_ONE)) {
            printf("FAIL call 1 dominant logit got %u\n", p[5]);
            fails++;
        }
        if (call == 2)
            for (int i = 0; i < K; i++)
                if (p[i] != OUT_ONE / K) {
                    printf("FAIL call 2 prob[%d] = %u, expected %u\n", i, p[i], OUT_ONE / K);
                    fails++;
                }
    }

    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
