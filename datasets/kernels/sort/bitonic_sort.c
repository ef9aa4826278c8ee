/* bitonic_sort: bitonic sorting network over 16 int32 values (ascending),
 * written as nested loops over merge stages k and compare distances j.
 * Size: N = 16 (log2 N = 4 stages, 10 compare-exchange passes). */
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define N 16

void bitonic_sort(int32_t a[N])
{
#pragma HLS array_partition variable=a type=complete dim=1
    for (int k = 2; k <= N; k = k << 1) {
        for (int j = k >> 1; j > 0; j = j >> 1) {
            for (int i = 0; i < N; i++) {
#pragma HLS unroll
                int partner = i ^ j;
                if (partner > i) {
                    bool ascending = (i & k) == 0;
                    int32_t x = a[i];
                    int32_t y = a[partner];
                    bool out_of_order = ascending ? (x > y) : (x < y);
                    if (out_of_order) {
                        a[i] = y;
                        a[partner] = x;
                    }
                }
            }
        }
    }
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x51f15eedu;

static uint32_t tb_rand(void)
{
    uint32_t x = tb_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tb_state = x;
    return x;
}

static uint32_t tb_hash = 2166136261u;

static void tb_mix(uint32_t v)
{
    for (int b = 0; b < 4; b++) {
        tb_hash ^= (v >> (8 * b)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

/* reference: insertion sort on a copy */
static void ref_sort(int32_t a[N])
{
    for (int i = 1; i < N; i++) {
        int32_t v = a[i];
        int j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x51f15eedu;
    }
    int32_t data[N], expect[N];
    int fail = 0;

    for (int call = 0; call < 3; call++) {
        for (int i = 0; i < N; i++) {
            uint32_t r = tb_rand();
            if (call == 0)
                data[i] = (int32_t)(r & 0xffffu) - 32768;
            else if (call == 1)
                data[i] = (int32_t)(r % 7u) - 3;       /* duplicates */
            else
                data[i] = (int32_t)(r >> 1) * ((r & 1u) ? -1 : 1);
            expect[i] = data[i];
        }
        ref_sort(expect);
        bitonic_sort(data);
        for (int i = 0; i < N; i++) {
            if (data[i] != expect[i]) {
                printf("FAIL call %d index %d: got %d expected %d\n",
                       call, i, (int)data[i], (int)expect[i]);
                fail = 1;
                break;
            }
            tb_mix((uint32_t)data[i]);
        }
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
