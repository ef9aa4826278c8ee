/*
 * attention4x4: score block of scaled dot-product attention for 4 queries
 * against 4 keys of dimension D = 8. Inputs Q[4][D], K[4][D] are int16;
 * S[i][j] = (Q[i] . K[j]) >> shift as int32 (dot product accumulated in
 * 64 bits, arithmetic shift, shift clamped to 3..31 so that every score
 * fits in 31 bits), then each row has its maximum subtracted, so that
 * S[i][j] <= 0 with a 0 at the row's arg-max (ready for an exp-based softmax).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NQ 4
#define NK 4
#define D 8
#define MIN_SHIFT 3
#define MAX_SHIFT 31

void attention4x4(const int16_t Q[NQ][D], const int16_t K[NK][D], int shift,
                  int32_t S[NQ][NK])
{
#pragma HLS array_partition variable=Q type=complete dim=2
#pragma HLS array_partition variable=K type=complete dim=2
#pragma HLS array_partition variable=S type=complete dim=2
    int sh = shift < MIN_SHIFT ? MIN_SHIFT : (shift > MAX_SHIFT ? MAX_SHIFT : shift);

    for (int i = 0; i < NQ; i++) {
        int32_t row[NK];
        int32_t mx = 0;
        for (int j = 0; j < NK; j++) {
#pragma HLS pipeline II=1
            int64_t acc = 0;
            for (int d = 0; d < D; d++) {
#pragma HLS unroll
                acc += (int32_t)Q[i][d] * (int32_t)K[j][d];
            }
            int32_t s = (int32_t)(acc >> sh);
            row[j] = s;
            if (j == 0 || s > mx)
                mx = s;
        }
        for (int j = 0; j < NK; j++) {
#pragma HLS unroll
            S[i][j] = row[j] - mx;
        }
    }
}

/* ---------------- testbench ---------------- */

static uint32_t tb_n = 0x0BADC0DEu;

static uint32_t tb_rand(void)
{
    tb_n ^= tb_n << 13;
    tb_n ^= tb_n >> 17;
    tb_n ^= tb_n << 5;
    return tb_n;
}

static int16_t tb_i16(void)
{
    return (int16_t)((int32_t)(tb_rand() & 0xffffu) - 32768);
}

static uint32_t hstep(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x01000193u;
    h ^= h >> 11;
    return h;
}

/* floor(a / 2^s) for possibly negative a, without shifting negatives */
static int64_t floor_div_pow2(int64_t a, int s)
{
    int64_t div = (int64_t)1 << s;
    int64_t q = a / div;
    if (a % div != 0 && a < 0)
        q -= 1;
    return q;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_n ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_n == 0)
            tb_n = 0x0BADC0DEu;
    }
    static int16_t Q[NQ][D], K[NK][D];
    static int32_t S[NQ][NK];
    static const int shifts[3] = {4, 0, 40};   /* 0 -> 3 and 40 -> 31 after clamping */
    uint32_t h = 0x811c9dc5u;
    int fails = 0;

    for (int call = 0; call < 3; call++) {
        int shift = shifts[call];
        int eff = shift < MIN_SHIFT ? MIN_SHIFT : (shift > MAX_SHIFT ? MAX_SHIFT : shift);
        for (int i = 0; i < NQ; i++)
            for (int d = 0; d < D; d++)
                Q[i][d] = tb_i16();
        for (int j = 0; j < NK; j++)
            for (int d = 0; d < D; d++)
                K[j][d] = tb_i16();
        if (call == 1) {
            /* extreme corners: row 0 hits the largest positive dot product,
             * row 1 the most negative one */
            for (int d = 0; d < D; d++) {
                Q[0][d] = -32768;
                K[0][d] = -32768;
                Q[1][d] = 32767;
                K[1][d] = -32768;
                K[2][d] = 32767;
            }
        }

        attention4x4(Q, K, shift, S);

        for (int i = 0; i < NQ; i++) {
            int64_t sc[NK], mx;
            for (int j = 0; j < NK; j++) {
                int64_t dot = 0;
                for (int d = D - 1; d >= 0; d--)
                    dot += (int64_t)Q[i][d] * K[j][d];
                sc[j] = floor_div_pow2(dot, eff);
            }
            mx = sc[0];
            for (int j = 1; j < NK; j++)
                if (sc[j] > mx)
                    mx = sc[j];
            int zeros = 0;
            for (int j = 0; j < NK; j++) {
                int64_t want = sc[j] - mx;
                if ((int64_t)S[i][j] != want || S[i][j] > 0) {
                    if (fails < 5)
                        printf("FAIL call %d S[%d][%d] = %ld, expected %ld\n", call, i, j,
                               (long)S[i][j], (long)want);
                    fails++;
                }
                zeros += (S[i][j] == 0);
                h = hstep(h, (uint32_t)S[i][j]);
            }
            if (zeros == 0) {
                printf("FAIL call %d row %d has no zero entry\n", call, i);
                fails++;
            }
        }
        if (call == 1) {
            /* known answers at the corners (effective shift 3):
             * row 0: scores 2^30, 2^30, -32768*32767 -> 0, 0, -2147450880
             * row 1: scores -32767*32768 (x2), 32767^2 -> -2147385345 (x2), 0 */
            if (S[0][0] != 0 || S[0][1] != 0 || S[0][2] != -2147450880 ||
                S[1][0] != -2147385345 || S[1][1] != -2147385345 || S[1][2] != 0) {
                printf("FAIL call 1 corner known answers\n");
                fails++;
            }
        }
    }

    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
