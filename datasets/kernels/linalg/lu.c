/*
 * lu: in-place LU decomposition without pivoting (Doolittle, right-looking),
 * integer-exact variant on int32 data. On return the strict lower part of A
 * holds the multipliers of the unit lower factor L and the upper part
 * (diagonal included) holds U. A zero pivot is never divided by: its column of
 * multipliers is set to 0, the update is skipped, and the function returns the
 * number of zero pivots met (0 means a clean factorisation).
 * Exactness: for A = L*U with integer L (unit diagonal) and integer U, every
 * division below is exact. Size: A is N x N (8 x 8).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 8

typedef int32_t DATA_TYPE;

static void eliminate_row(DATA_TYPE row[N], const DATA_TYPE pivot_row[N], int k)
{
    DATA_TYPE m = row[k] / pivot_row[k];
    row[k] = m;
    for (int j = k + 1; j < N; j++)
        row[j] -= m * pivot_row[j];
}

int lu(DATA_TYPE A[N][N])
{
    int zero_pivots = 0;

    for (int k = 0; k < N; k++) {
        if (A[k][k] == 0) {
            zero_pivots++;
            for (int i = k + 1; i < N; i++)
                A[i][k] = 0;
            continue;
        }
        for (int i = k + 1; i < N; i++)
            eliminate_row(A[i], A[k], k);
    }
    return zero_pivots;
}

/* ---------------- testbench ---------------- */

static uint32_t rs = 2463534242u;

static uint32_t tb_rand(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

static int32_t tb_in(int32_t lo, int32_t hi)
{
    return lo + (int32_t)(tb_rand() % (uint32_t)(hi - lo + 1));
}

static uint32_t mix(uint32_t h, uint32_t v)
{
    h = (h ^ v) * 0x27d4eb2du;
    return h ^ (h >> 15);
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        rs ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (rs == 0)
            rs = 2463534242u;
    }
    static DATA_TYPE L[N][N], U[N][N], A[N][N];
    static const DATA_TYPE diag_choices[6] = {1, -1, 2, -2, 3, 4};
    uint32_t h = 0x55aa55aau;
    int bad = 0;

    for (int call = 0; call < 3; call++) {
        /* build integer L (unit lower) and U (upper, nonzero diagonal) */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                L[i][j] = (j < i) ? tb_in(-3, 3) : (i == j ? 1 : 0);
                if (j > i)
                    U[i][j] = tb_in(-5, 5);
                else if (j == i)
                    U[i][j] = diag_choices[tb_rand() % 6u];
                else
                    U[i][j] = 0;
            }
        /* A = L * U */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                DATA_TYPE s = 0;
                for (int k = 0; k < N; k++)
                    s += L[i][k] * U[k][j];
                A[i][j] = s;
            }

        int expect_ret = 0;
        if (call == 2) {
            /* singular case: first row and column zero -> one zero pivot at k = 0;
             * the trailing block is still L*U of the remaining factors */
            for (int j = 0; j < N; j++) {
                A[0][j] = 0;
                A[j][0] = 0;
            }
            for (int i = 1; i < N; i++) {
                L[i][0] = 0;
                U[0][i] = 0;
            }
            U[0][0] = 0;
            for (int i = 1; i < N; i++)
                for (int j = 1; j < N; j++) {
                    DATA_TYPE s = 0;
                    for (int k = 1; k < N; k++)
                        s += L[i][k] * U[k][j];
                    A[i][j] = s;
                }
            expect_ret = 1;
        }

        int ret = lu(A);

        if (ret != expect_ret) {
            printf("FAIL call %d returned %d, expected %d\n", call, ret, expect_ret);
            bad++;
        }
        /* known answer: packed factors must equal the L and U we started from */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                DATA_TYPE want = (j < i) ? L[i][j] : U[i][j];
                if (A[i][j] != want) {
                    if (bad < 5)
                        printf("FAIL call %d A[%d][%d] = %d, expected %d\n", call, i, j,
                               (int)A[i][j], (int)want);
                    bad++;
                }
                h = mix(h, (uint32_t)A[i][j]);
            }
        h = mix(h, (uint32_t)ret);
    }

    printf("checksum: %08x\n", h);
    return bad ? 1 : 0;
}
