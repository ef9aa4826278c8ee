/* seidel2d: in-place Gauss-Seidel sweep with a nine-point average on a
 * 10x10 int32 grid, TSTEPS=2 sweeps; border cells are left unchanged. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N      10
#define TSTEPS 2

void seidel2d(int32_t A[N][N])
{
    for (int t = 0; t < TSTEPS; t++) {
        for (int i = 1; i < N - 1; i++) {
            for (int j = 1; j < N - 1; j++) {
                int32_t acc = 0;
                for (int di = -1; di <= 1; di++) {
                    acc += A[i + di][j - 1];
                    acc += A[i + di][j];
                    acc += A[i + di][j + 1];
                }
                A[i][j] = acc / 9;
            }
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0xc0ffee11u;
static uint32_t tb_rand(void)
{
    tb_state ^= tb_state << 13;
    tb_state ^= tb_state >> 17;
    tb_state ^= tb_state << 5;
    return tb_state;
}

static uint32_t tb_hash(uint32_t h, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int k = 0; k < 4; k++) {
        h ^= (u >> (8 * k)) & 0xffu;
        h *= 16777619u;
    }
    return h;
}

/* reference: keeps the previous sweep in "old" and the current sweep in
 * "cur"; cells above and to the left come from cur, the rest from old. */
static void ref_sweep(long long g[N][N])
{
    long long old[N][N], cur[N][N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            old[i][j] = g[i][j];
            cur[i][j] = g[i][j];
        }
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++) {
            long long s = cur[i - 1][j - 1] + cur[i - 1][j] + cur[i - 1][j + 1]
                        + cur[i][j - 1] + old[i][j] + old[i][j + 1]
                        + old[i + 1][j - 1] + old[i + 1][j] + old[i + 1][j + 1];
            cur[i][j] = s / 9;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            g[i][j] = cur[i][j];
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xc0ffee11u;
    }
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 3; call++) {
        int32_t A[N][N];
        long long R[N][N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                A[i][j] = (int32_t)(tb_rand() % 2000001u) - 1000000;
                R[i][j] = A[i][j];
            }
        seidel2d(A);
        for (int t = 0; t < TSTEPS; t++)
            ref_sweep(R);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                if (A[i][j] != R[i][j] && fails == 0) {
                    printf("FAIL call %d at (%d,%d): got %d want %lld\n",
                           call, i, j, A[i][j], R[i][j]);
                    fails++;
                }
                h = tb_hash(h, A[i][j]);
            }
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
