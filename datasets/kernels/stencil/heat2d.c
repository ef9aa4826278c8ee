/* heat2d: explicit five-point heat diffusion on an 8x8 plate (Q8.8 fixed point
 * temperatures in int32), STEPS=4, diffusion number alpha/256 supplied by the
 * caller (alpha <= 64); border held fixed; *peak returns the hottest interior cell. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N     8
#define STEPS 4

void heat2d(int32_t T[N][N], int32_t alpha, int32_t *peak)
{
    int32_t nxt[N][N];
#pragma HLS array_partition variable=nxt type=complete dim=2
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
#pragma HLS pipeline II=1
            nxt[i][j] = T[i][j];
        }
    }
    for (int t = 0; t < STEPS; t++) {
        for (int i = 1; i < N - 1; i++) {
            for (int j = 1; j < N - 1; j++) {
#pragma HLS pipeline II=1
                int32_t lap = T[i - 1][j] + T[i + 1][j] + T[i][j - 1] + T[i][j + 1]
                            - 4 * T[i][j];
                nxt[i][j] = T[i][j] + ((alpha * lap) >> 8);
            }
        }
        for (int i = 1; i < N - 1; i++) {
            for (int j = 1; j < N - 1; j++) {
#pragma HLS unroll factor=2
                T[i][j] = nxt[i][j];
            }
        }
    }
    int32_t best = T[1][1];
    for (int i = 1; i < N - 1; i++)
        for (int j = 1; j < N - 1; j++)
            if (T[i][j] > best)
                best = T[i][j];
    *peak = best;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x51ed270bu;
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

static long long floor_div(long long a, long long d)
{
    long long q = a / d;
    if (a % d != 0 && a < 0)
        q--;
    return q;
}

static void ref_heat2d(long long g[N][N], long long alpha)
{
    for (int t = 0; t < STEPS; t++) {
        long long w[N][N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                if (i == 0 || j == 0 || i == N - 1 || j == N - 1) {
                    w[i][j] = g[i][j];
                    continue;
                }
                long long flux = (g[i - 1][j] - g[i][j]) + (g[i + 1][j] - g[i][j])
                               + (g[i][j - 1] - g[i][j]) + (g[i][j + 1] - g[i][j]);
                w[i][j] = g[i][j] + floor_div(alpha * flux, 256);
            }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                g[i][j] = w[i][j];
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x51ed270bu;
    }
    static const int32_t alphas[3] = {64, 40, 17};
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 3; call++) {
        int32_t T[N][N];
        long long R[N][N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                /* temperatures in [-500, 500] degrees, Q8.8 */
                T[i][j] = (int32_t)(tb_rand() % (1000u * 256u + 1u)) - 500 * 256;
                R[i][j] = T[i][j];
            }
        int32_t peak = 0;
        heat2d(T, alphas[call], &peak);
        ref_heat2d(R, alphas[call]);
        long long rpeak = R[1][1];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                if (T[i][j] != R[i][j] && fails == 0) {
                    printf("FAIL call %d at (%d,%d): got %d want %lld\n",
                           call, i, j, T[i][j], R[i][j]);
                    fails++;
                }
                if (i > 0 && j > 0 && i < N - 1 && j < N - 1 && R[i][j] > rpeak)
                    rpeak = R[i][j];
                h = tb_hash(h, T[i][j]);
            }
        if (peak != rpeak && fails == 0) {
            printf("FAIL call %d: peak %d want %lld\n", call, peak, rpeak);
            fails++;
        }
        h = tb_hash(h, peak);
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
