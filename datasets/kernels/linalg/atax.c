/*
 * atax: y = A^T * (A * x), on int32 data.
 * Sizes: A is M x N (8 x 10), x and y have N entries; A*x is an M-entry temporary.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define M 8
#define N 10

typedef int32_t DATA_TYPE;

void atax(const DATA_TYPE A[M][N], const DATA_TYPE x[N], DATA_TYPE y[N])
{
    DATA_TYPE t[M];

    for (int j = 0; j < N; j++)
        y[j] = 0;

    for (int i = 0; i < M; i++) {
        DATA_TYPE s = 0;
        for (int j = 0; j < N; j++)
            s += A[i][j] * x[j];
        t[i] = s;
        /* scatter row i's contribution into y */
        for (int j = 0; j < N; j++)
            y[j] += A[i][j] * t[i];
    }
}

/* ---------------- testbench ---------------- */

static uint32_t lcg = 777u;

static uint32_t tb_rand(void)
{
    lcg = lcg * 1103515245u + 12345u;
    return (lcg >> 16) & 0x7fffu;
}

static uint32_t checksum_add(uint32_t h, int32_t v)
{
    h = (h << 5) | (h >> 27);
    h ^= (uint32_t)v;
    h *= 0x9E3779B1u;
    return h;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        lcg ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (lcg == 0)
            lcg = 777u;
    }
    static DATA_TYPE A[M][N], x[N], y[N];
    int64_t ax[M], ref[N];
    uint32_t h = 1u;
    int errors = 0;

    for (int call = 0; call < 3; call++) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                A[i][j] = (DATA_TYPE)(tb_rand() % 201) - 100;
        for (int j = 0; j < N; j++)
            x[j] = (DATA_TYPE)(tb_rand() % 201) - 100;
        if (call == 2) {
            /* known answer: A = [I | 0] block so that y = [x_0..x_7, 0, 0] */
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                    A[i][j] = (i == j) ? 1 : 0;
        }

        /* reference: build A^T A explicitly, then multiply by x (64-bit) */
        for (int i = 0; i < M; i++) {
            ax[i] = 0;
            for (int j = 0; j < N; j++)
                ax[i] += (int64_t)A[i][j] * x[j];
        }
        for (int j = 0; j < N; j++) {
            ref[j] = 0;
            for (int k = 0; k < N; k++) {
                int64_t ata = 0;
                for (int i = 0; i < M; i++)
                    ata += (int64_t)A[i][j] * A[i][k];
                ref[j] += ata * x[k];
            }
        }

        atax(A, x, y);

        for (int j = 0; j < N; j++) {
            int64_t want = ref[j];
            if (call == 2)
                want = (j < M) ? x[j] : 0;
            if ((int64_t)y[j] != ref[j] || (int64_t)y[j] != want) {
                if (errors < 5)
                    printf("FAIL call %d y[%d] = %ld, expected %ld\n", call, j,
                           (long)y[j], (long)want);
                errors++;
            }
            h = checksum_add(h, y[j]);
        }
    }

    printf("checksum: %08x\n", h);
    return errors ? 1 : 0;
}
