/*
 * gemm: general matrix multiply, C = alpha*A*B + beta*C, on int32 data.
 * Sizes: A is NI x NK, B is NK x NJ, C is NI x NJ (8 x 8 x 8).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NI 8
#define NJ 8
#define NK 8

typedef int32_t DATA_TYPE;

void gemm(DATA_TYPE alpha, DATA_TYPE beta, DATA_TYPE C[NI][NJ],
          const DATA_TYPE A[NI][NK], const DATA_TYPE B[NK][NJ])
{
#pragma HLS array_partition variable=A type=complete dim=2
#pragma HLS array_partition variable=B type=complete dim=1
    for (int i = 0; i < NI; i++) {
        for (int j = 0; j < NJ; j++) {
#pragma HLS pipeline II=1
            DATA_TYPE acc = 0;
            for (int k = 0; k < NK; k++) {
#pragma HLS unroll
                acc += A[i][k] * B[k][j];
            }
            C[i][j] = alpha * acc + beta * C[i][j];
        }
    }
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x2545F491u;

static uint32_t tb_rand(void)
{
    uint32_t x = tb_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tb_state = x;
    return x;
}

/* uniform integer in [-r, r] */
static int32_t tb_small(int32_t r)
{
    return (int32_t)(tb_rand() % (uint32_t)(2 * r + 1)) - r;
}

static uint32_t tb_hash(uint32_t h, uint32_t v)
{
    for (int b = 0; b < 4; b++) {
        h ^= (v >> (8 * b)) & 0xffu;
        h *= 16777619u;
    }
    return h;
}

/* reference: k-outer (outer product) order, 64-bit arithmetic */
static void ref_gemm(int64_t alpha, int64_t beta, int64_t R[NI][NJ],
                     DATA_TYPE A[NI][NK], DATA_TYPE B[NK][NJ])
{
    for (int i = 0; i < NI; i++)
        for (int j = 0; j < NJ; j++)
            R[i][j] *= beta;
    for (int k = 0; k < NK; k++)
        for (int i = 0; i < NI; i++)
            for (int j = 0; j < NJ; j++)
                R[i][j] += alpha * (int64_t)A[i][k] * (int64_t)B[k][j];
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x2545F491u;
    }
    static DATA_TYPE A[NI][NK], B[NK][NJ], C[NI][NJ];
    static int64_t R[NI][NJ];
    uint32_t h = 2166136261u;
    int fails = 0;

    for (int t = 0; t < 3; t++) {
        DATA_TYPE alpha = tb_small(5);
        DATA_TYPE beta = tb_small(5);
        for (int i = 0; i < NI; i++)
            for (int k = 0; k < NK; k++)
                A[i][k] = tb_small(1000);
        for (int k = 0; k < NK; k++)
            for (int j = 0; j < NJ; j++)
                B[k][j] = tb_small(1000);
        for (int i = 0; i < NI; i++)
            for (int j = 0; j < NJ; j++) {
                C[i][j] = tb_small(100000);
                R[i][j] = C[i][j];
            }

        gemm(alpha, beta, C, A, B);
        ref_gemm(alpha, beta, R, A, B);

        for (int i = 0; i < NI; i++)
            for (int j = 0; j < NJ; j++) {
                if ((int64_t)C[i][j] != R[i][j]) {
                    if (fails < 5)
                        printf("FAIL call %d C[%d][%d] = %ld, expected %ld\n", t, i, j,
                               (long)C[i][j], (long)R[i][j]);
                    fails++;
                }
                h = tb_hash(h, (uint32_t)C[i][j]);
            }
    }

    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
