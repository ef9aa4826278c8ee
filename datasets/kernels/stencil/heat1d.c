/* heat1d: explicit finite-difference heat equation on a 48-point rod in
 * Q16.16 fixed point, 6 time steps, diffusion number r = K/256 (K=64),
 * Dirichlet (held) end temperatures. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N      48
#define STEPS  6
#define K_DIFF 64          /* r = 64/256 = 0.25 */
#define K_SHIFT 8

void heat1d(int32_t u[N])
{
    int32_t nxt[N];
    nxt[0] = u[0];
    nxt[N - 1] = u[N - 1];
    for (int t = 0; t < STEPS; t++) {
        for (int i = 1; i < N - 1; i++) {
            int32_t lap = u[i - 1] - 2 * u[i] + u[i + 1];
            nxt[i] = u[i] + ((K_DIFF * lap) >> K_SHIFT);
        }
        for (int i = 1; i < N - 1; i++)
            u[i] = nxt[i];
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_seed = 20240607u;
static uint32_t tb_rand(void)
{
    tb_seed = tb_seed * 1664525u + 1013904223u;
    return tb_seed >> 8;
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

/* floor division by 2^K_SHIFT without shifting negatives */
static long long floor_div(long long a, long long d)
{
    long long q = a / d;
    if ((a % d != 0) && (a < 0))
        q -= 1;
    return q;
}

static void ref_heat1d(long long v[N])
{
    for (int t = 0; t < STEPS; t++) {
        long long w[N];
        for (int i = 0; i < N; i++)
            w[i] = v[i];
        for (int i = 1; i < N - 1; i++)
            w[i] = v[i] + floor_div((long long)K_DIFF * (v[i - 1] + v[i + 1] - 2 * v[i]),
                                    1LL << K_SHIFT);
        for (int i = 0; i < N; i++)
            v[i] = w[i];
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_seed ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_seed == 0)
            tb_seed = 20240607u;
    }
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 3; call++) {
        int32_t u[N];
        long long r[N];
        for (int i = 0; i < N; i++) {
            /* temperatures in [-100.0, 100.0] as Q16.16 */
            u[i] = (int32_t)(tb_rand() % (200u << 16)) - (100 << 16);
            if (call == 2)
                u[i] = (i < N / 2) ? (50 << 16) : -(50 << 16); /* step profile */
            r[i] = u[i];
        }
        heat1d(u);
        ref_heat1d(r);
        long long lo = r[0], hi = r[0];
        for (int i = 0; i < N; i++) {
            if (u[i] != r[i] && fails == 0) {
                printf("FAIL call %d index %d: got %d want %lld\n", call, i, u[i], r[i]);
                fails++;
            }
            h = tb_hash(h, u[i]);
            if (r[i] < lo) lo = r[i];
            if (r[i] > hi) hi = r[i];
        }
        /* maximum principle: values stay within the initial range */
        if (lo < -(100LL << 16) - 16 || hi > (100LL << 16) + 16) {
            printf("FAIL call %d: out of range\n", call);
            fails++;
        }
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
