/* jacobi2d: 2-D five-point Jacobi relaxation on a 10x10 int32 grid, TSTEPS=3
 * double steps ping-ponging between A and B; the border rows/columns stay fixed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N      10
#define TSTEPS 3

static void relax(int32_t src[N][N], int32_t dst[N][N])
{
    for (int i = 1; i < N - 1; i++) {
        for (int j = 1; j < N - 1; j++) {
#pragma HLS pipeline II=1
            int32_t s = src[i][j] + src[i - 1][j] + src[i + 1][j]
                      + src[i][j - 1] + src[i][j + 1];
            dst[i][j] = s / 5;
        }
    }
}

void jacobi2d(int32_t A[N][N], int32_t B[N][N])
{
#pragma HLS array_partition variable=A type=cyclic factor=2 dim=1
#pragma HLS array_partition variable=B type=cyclic factor=2 dim=1
    for (int t = 0; t < TSTEPS; t++) {
        relax(A, B);
        relax(B, A);
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x9e3779b9u;
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

/* reference: one flat array per grid, neighbour offsets, wider arithmetic */
static void ref_step(const long long *src, long long *dst)
{
    static const int di[5] = {0, -1, 1, 0, 0};
    static const int dj[5] = {0, 0, 0, -1, 1};
    for (int p = 0; p < N * N; p++) {
        int i = p / N, j = p % N;
        if (i == 0 || j == 0 || i == N - 1 || j == N - 1)
            continue;
        long long s = 0;
        for (int k = 0; k < 5; k++)
            s += src[(i + di[k]) * N + (j + dj[k])];
        dst[p] = s / 5;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x9e3779b9u;
    }
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 2; call++) {
        int32_t A[N][N], B[N][N];
        long long ra[N * N], rb[N * N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                A[i][j] = (int32_t)(tb_rand() % 200001u) - 100000;
                B[i][j] = (int32_t)(tb_rand() % 2001u) - 1000;
                ra[i * N + j] = A[i][j];
                rb[i * N + j] = B[i][j];
            }
        jacobi2d(A, B);
        for (int t = 0; t < TSTEPS; t++) {
            ref_step(ra, rb);
            ref_step(rb, ra);
        }
        for (int i = 0; i < N && !fails; i++)
            for (int j = 0; j < N; j++)
                if (A[i][j] != ra[i * N + j] || B[i][j] != rb[i * N + j]) {
                    printf("FAIL call %d at (%d,%d): got %d/%d want %lld/%lld\n",
                           call, i, j, A[i][j], B[i][j], ra[i * N + j], rb[i * N + j]);
                    fails++;
                    break;
                }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                h = tb_hash(h, A[i][j]);
                h = tb_hash(h, B[i][j]);
            }
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
