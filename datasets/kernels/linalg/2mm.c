/*
 * 2mm: two chained matrix products, D = alpha*A*B*C + beta*D, on int32 data.
 * Sizes: A is NI x NK (6x7), B is NK x NJ (7x8), C is NJ x NL (8x5), D is NI x NL.
 * The intermediate alpha*A*B is kept in a local buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NI 6
#define NJ 8
#define NK 7
#define NL 5

typedef int32_t DATA_TYPE;

void kernel_2mm(DATA_TYPE alpha, DATA_TYPE beta,
                const DATA_TYPE A[NI][NK], const DATA_TYPE B[NK][NJ],
                const DATA_TYPE C[NJ][NL], DATA_TYPE D[NI][NL])
{
    DATA_TYPE tmp[NI][NJ];
#pragma HLS array_partition variable=tmp type=cyclic factor=2 dim=2

    /* first product: tmp = alpha * A * B */
    for (int i = 0; i < NI; i++) {
        for (int j = 0; j < NJ; j++) {
#pragma HLS pipeline II=1
            DATA_TYPE acc = 0;
            for (int k = 0; k < NK; k++)
                acc += A[i][k] * B[k][j];
            tmp[i][j] = alpha * acc;
        }
    }

    /* second product: D = tmp * C + beta * D */
    for (int i = 0; i < NI; i++) {
        for (int l = 0; l < NL; l++) {
#pragma HLS pipeline II=1
            DATA_TYPE acc = beta * D[i][l];
            for (int j = 0; j < NJ; j++) {
#pragma HLS unroll factor=2
                acc += tmp[i][j] * C[j][l];
            }
            D[i][l] = acc;
        }
    }
}

/* ---------------- testbench ---------------- */

static uint32_t rng = 0xC0FFEE11u;

static uint32_t tb_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static DATA_TYPE tb_val(int span)
{
    return (DATA_TYPE)(tb_rand() % (uint32_t)(2 * span + 1)) - span;
}

static uint32_t fnv_word(uint32_t h, uint32_t w)
{
    for (int s = 0; s < 32; s += 8) {
        h ^= (w >> s) & 0xffu;
        h *= 16777619u;
    }
    return h;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        rng ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (rng == 0)
            rng = 0xC0FFEE11u;
    }
    static DATA_TYPE A[NI][NK], B[NK][NJ], C[NJ][NL], D[NI][NL];
    static int64_t AB[NI][NJ], ABC[NI][NL];
    uint32_t h = 2166136261u;
    int bad = 0;

    for (int call = 0; call < 2; call++) {
        DATA_TYPE alpha = tb_val(4);
        DATA_TYPE beta = tb_val(4);
        int64_t expect;

        for (int i = 0; i < NI; i++)
            for (int k = 0; k < NK; k++)
                A[i][k] = tb_val(60);
        for (int k = 0; k < NK; k++)
            for (int j = 0; j < NJ; j++)
                B[k][j] = tb_val(60);
        for (int j = 0; j < NJ; j++)
            for (int l = 0; l < NL; l++)
                C[j][l] = tb_val(60);
        for (int i = 0; i < NI; i++)
            for (int l = 0; l < NL; l++)
                D[i][l] = tb_val(50000);

        /* reference: (A*B) first without alpha, then *C, then scale, 64-bit */
        for (int i = 0; i < NI; i++)
            for (int j = 0; j < NJ; j++) {
                AB[i][j] = 0;
                for (int k = 0; k < NK; k++)
                    AB[i][j] += (int64_t)A[i][k] * B[k][j];
            }
        for (int i = 0; i < NI; i++)
            for (int l = 0; l < NL; l++) {
                ABC[i][l] = 0;
                for (int j = 0; j < NJ; j++)
                    ABC[i][l] += AB[i][j] * C[j][l];
            }

        int64_t oldD[NI][NL];
        for (int i = 0; i < NI; i++)
            for (int l = 0; l < NL; l++)
                oldD[i][l] = D[i][l];

        kernel_2mm(alpha, beta, A, B, C, D);

        for (int i = 0; i < NI; i++)
            for (int l = 0; l < NL; l++) {
                expect = alpha * ABC[i][l] + beta * oldD[i][l];
                if ((int64_t)D[i][l] != expect) {
                    if (bad < 5)
                        printf("FAIL call %d D[%d][%d] = %ld, expected %ld\n", call, i, l,
                               (long)D[i][l], (long)expect);
                    bad++;
                }
                h = fnv_word(h, (uint32_t)D[i][l]);
            }
    }

    printf("checksum: %08x\n", h);
    return bad ? 1 : 0;
}
