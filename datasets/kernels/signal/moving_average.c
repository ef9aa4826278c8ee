/* moving_average: 8-tap boxcar filter over 64 int16 samples, y[n] = floor(sum of
 * x[n-7..n] / 8) with zeros before the first sample. The window is a shift register of
 * registers and the sum is kept running (add the newest, drop the oldest), so the
 * pipelined loop needs one add and one subtract per sample.
 * Sizes: 64 samples, window 8. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 64
#define WIN 8

void moving_average(const int16_t x[LEN], int16_t y[LEN])
{
    int16_t win[WIN];
#pragma HLS array_partition variable=win type=complete dim=1
    int32_t sum = 0;
    for (int k = 0; k < WIN; k++) {
#pragma HLS unroll
        win[k] = 0;
    }
    for (int n = 0; n < LEN; n++) {
#pragma HLS pipeline II=1
        int16_t oldest = win[WIN - 1];
        for (int k = WIN - 1; k > 0; k--) {
#pragma HLS unroll
            win[k] = win[k - 1];
        }
        int16_t xn = x[n];
        win[0] = xn;
        sum += xn - oldest;
        y[n] = (int16_t)(sum >> 3);
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x3a7e5a11u;

static uint32_t tb_rand(void)
{
    uint32_t x = tb_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tb_state = x;
    return x;
}

static uint32_t tb_hash = 2166136261u;
static void tb_mix(uint32_t v)
{
    tb_hash = (tb_hash ^ v) * 16777619u;
}

/* reference: sum the window afresh for every output, floor-divide without shifts */
static int ref_avg(const int16_t x[LEN], int n)
{
    int s = 0;
    for (int k = 0; k < WIN; k++)
        if (n - k >= 0)
            s += x[n - k];
    int q = s / WIN;
    if (s % WIN != 0 && s < 0)
        q--;
    return q;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x3a7e5a11u;
    }
    int16_t x[LEN], y[LEN];
    int fails = 0;
    for (int t = 0; t < 4; t++) {
        for (int n = 0; n < LEN; n++) {
            if (t == 0)
                x[n] = 800;   /* a step: ramps up by 100 over 8 samples */
            else if (t == 1)
                x[n] = (int16_t)(n % 2 ? 32767 : -32768);
            else if (t == 2)
                x[n] = (int16_t)((int32_t)(tb_rand() & 0xffffu) - 32768);
            else
                x[n] = (int16_t)((int32_t)(tb_rand() % 2001) - 1000 + 40 * n);
        }
        moving_average(x, y);
        int bad = 0;
        for (int n = 0; n < LEN; n++) {
            bad |= y[n] != ref_avg(x, n);
            tb_mix((uint32_t)(uint16_t)y[n]);
        }
        if (t == 0)
            bad |= y[0] != 100 || y[3] != 400 || y[7] != 800 || y[LEN - 1] != 800;
        if (bad) {
            printf("FAIL moving_average test %d\n", t);
            fails++;
        }
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
