/* bitonic8: bitonic sorting network for 8 int32 values, ascending. Three
 * merge phases (block sizes 2, 4, 8) of 1, 2 and 3 compare-exchange
 * columns: 24 compare-exchanges, each one compare and two selects, written
 * out on scalars (no working array, so no memory between the columns).
 * Input and output: 8 x int32, fully partitioned. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SORT_N 8

/* compare-exchange (a plain block, so no loop construct reaches kiln):
 * CX_UP leaves min in x, max in y; CX_DN the reverse */
#define CX_UP(x, y) { int32_t lo_ = (x) < (y) ? (x) : (y);   \
                         int32_t hi_ = (x) < (y) ? (y) : (x);   \
                         (x) = lo_; (y) = hi_; }
#define CX_DN(x, y) { int32_t lo_ = (x) < (y) ? (x) : (y);   \
                         int32_t hi_ = (x) < (y) ? (y) : (x);   \
                         (x) = hi_; (y) = lo_; }

void bitonic8(const int32_t in[SORT_N], int32_t out[SORT_N])
{
#pragma HLS array_partition variable=in complete
#pragma HLS array_partition variable=out complete
    int32_t v0 = in[0], v1 = in[1], v2 = in[2], v3 = in[3];
    int32_t v4 = in[4], v5 = in[5], v6 = in[6], v7 = in[7];

    /* phase 1: sorted pairs, alternating direction */
    CX_UP(v0, v1); CX_DN(v2, v3); CX_UP(v4, v5); CX_DN(v6, v7);
    /* phase 2: bitonic merge of 4, first half up, second half down */
    CX_UP(v0, v2); CX_UP(v1, v3); CX_DN(v4, v6); CX_DN(v5, v7);
    CX_UP(v0, v1); CX_UP(v2, v3); CX_DN(v4, v5); CX_DN(v6, v7);
    /* phase 3: bitonic merge of 8, all up */
    CX_UP(v0, v4); CX_UP(v1, v5); CX_UP(v2, v6); CX_UP(v3, v7);
    CX_UP(v0, v2); CX_UP(v1, v3); CX_UP(v4, v6); CX_UP(v5, v7);
    CX_UP(v0, v1); CX_UP(v2, v3); CX_UP(v4, v5); CX_UP(v6, v7);

    out[0] = v0; out[1] = v1; out[2] = v2; out[3] = v3;
    out[4] = v4; out[5] = v5; out[6] = v6; out[7] = v7;
}

/* ---------------- testbench ---------------- */
#define NCALLS 800

static uint32_t tb_state = 0xb170c5e8u;
static uint32_t tb_rand(void)
{
    tb_state ^= tb_state << 13;
    tb_state ^= tb_state >> 17;
    tb_state ^= tb_state << 5;
    return tb_state;
}

static uint32_t tb_hash = 2166136261u;
static void tb_mix(uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        tb_hash ^= (v >> (8 * i)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

/* reference: insertion sort */
static void ref_sort(int32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t key = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > key) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = key;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xb170c5e8u;
    }
    int fail = 0;
    int32_t in[SORT_N], out[SORT_N], ref[SORT_N];
    for (int call = 0; call < NCALLS && !fail; call++) {
        for (int i = 0; i < SORT_N; i++) {
            uint32_t r = tb_rand();
            if (call == 0)
                r = (uint32_t)(SORT_N - i);                 /* reversed */
            else if (call == 1)
                r = (i & 1) ? 0x80000000u : 0x7fffffffu;    /* extremes */
            else if (call % 3 == 2)
                r &= 7u;                                    /* many ties */
            else if (call % 3 == 1)
                r = (uint32_t)(int32_t)((int32_t)(r & 0xffffu) - 32768);
            in[i] = (int32_t)r;
            ref[i] = (int32_t)r;
        }
        bitonic8(in, out);
        ref_sort(ref, SORT_N);
        for (int i = 0; i < SORT_N; i++) {
            if (out[i] != ref[i]) {
                printf("FAIL call %d pos %d: got %d want %d\n",
                       call, i, (int)out[i], (int)ref[i]);
                fail = 1;
                break;
            }
            tb_mix((uint32_t)out[i]);
        }
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
