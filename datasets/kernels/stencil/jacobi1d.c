/* jacobi1d: 1-D three-point Jacobi smoothing, ping-ponging between two
 * int32 arrays of N=32 points for TSTEPS=4 double steps; end points fixed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N      32
#define TSTEPS 4

void jacobi1d(int32_t A[N], int32_t B[N])
{
    for (int t = 0; t < TSTEPS; t++) {
        for (int i = 1; i < N - 1; i++) {
#pragma HLS pipeline II=1
            B[i] = (A[i - 1] + A[i] + A[i + 1]) / 3;
        }
        for (int i = 1; i < N - 1; i++) {
#pragma HLS pipeline II=1
            A[i] = (B[i - 1] + B[i] + B[i + 1]) / 3;
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x1234abcdu;
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

/* reference: full snapshot of the array each half-step */
static void ref_jacobi1d(int32_t a[N], int32_t b[N])
{
    int32_t cur[N];
    for (int i = 0; i < N; i++)
        cur[i] = a[i];
    for (int s = 0; s < 2 * TSTEPS; s++) {
        int32_t *dst = (s % 2 == 0) ? b : a;
        int32_t nxt[N];
        for (int i = 0; i < N; i++)
            nxt[i] = dst[i];
        for (int i = 1; i < N - 1; i++) {
            long long sum = (long long)cur[i - 1] + cur[i] + cur[i + 1];
            nxt[i] = (int32_t)(sum / 3);
        }
        for (int i = 0; i < N; i++) {
            dst[i] = nxt[i];
            cur[i] = nxt[i];
        }
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x1234abcdu;
    }
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 3; call++) {
        int32_t A[N], B[N], rA[N], rB[N];
        for (int i = 0; i < N; i++) {
            A[i] = (int32_t)(tb_rand() % 2000001u) - 1000000;
            B[i] = (int32_t)(tb_rand() % 2001u) - 1000;
            rA[i] = A[i];
            rB[i] = B[i];
        }
        jacobi1d(A, B);
        ref_jacobi1d(rA, rB);
        for (int i = 0; i < N; i++) {
            if (A[i] != rA[i] || B[i] != rB[i]) {
                printf("FAIL call %d index %d: got %d/%d want %d/%d\n",
                       call, i, A[i], B[i], rA[i], rB[i]);
                fails++;
                break;
            }
        }
        for (int i = 0; i < N; i++) {
            h = tb_hash(h, A[i]);
            h = tb_hash(h, B[i]);
        }
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
