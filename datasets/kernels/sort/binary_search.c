/* binary_search: looks up 16 keys in a sorted (ascending) array of 64 int32
 * values; idx[k] receives an index holding keys[k] or -1 if absent, and the
 * return value is the number of keys found. Sizes: N = 64, K = 16. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 64
#define K 16

static int32_t search_one(const int32_t arr[N], int32_t key)
{
    int lo = 0;
    int hi = N - 1;
    while (lo <= hi) {
#pragma HLS loop_tripcount min=1 max=7
        int mid = lo + ((hi - lo) >> 1);
        int32_t v = arr[mid];
        if (v == key)
            return mid;
        if (v < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int binary_search(const int32_t arr[N], const int32_t keys[K], int32_t idx[K])
{
    int found = 0;
    for (int k = 0; k < K; k++) {
        int32_t r = search_one(arr, keys[k]);
        idx[k] = r;
        if (r >= 0)
            found++;
    }
    return found;
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0xdeadbeefu;

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

static int ref_contains(const int32_t arr[N], int32_t key)
{
    for (int i = 0; i < N; i++)
        if (arr[i] == key)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xdeadbeefu;
    }
    int32_t arr[N], keys[K], idx[K];
    int fail = 0;

    for (int call = 0; call < 3; call++) {
        /* sorted array built from random non-negative gaps (call 2: some 0) */
        int32_t v = (int32_t)(tb_rand() % 200u) - 100;
        for (int i = 0; i < N; i++) {
            uint32_t gap = (call == 2) ? tb_rand() % 3u : 1u + tb_rand() % 9u;
            v += (int32_t)gap;
            arr[i] = v;
        }
        for (int k = 0; k < K; k++) {
            uint32_t r = tb_rand();
            if (k == 0)
                keys[k] = arr[0];
            else if (k == 1)
                keys[k] = arr[N - 1];
            else if (k == 2)
                keys[k] = arr[0] - 1;
            else if (k == 3)
                keys[k] = arr[N - 1] + 1;
            else if (r & 1u)
                keys[k] = arr[(r >> 1) % N];       /* present */
            else
                keys[k] = arr[0] + (int32_t)((r >> 1) % (uint32_t)(arr[N - 1] - arr[0] + 1));
        }
        int found = binary_search(arr, keys, idx);
        int expect_found = 0;
        for (int k = 0; k < K; k++) {
            int present = ref_contains(arr, keys[k]);
            expect_found += present;
            if (present) {
                if (idx[k] < 0 || idx[k] >= N || arr[idx[k]] != keys[k]) {
                    printf("FAIL call %d key %d (%d): bad index %d\n",
                           call, k, (int)keys[k], (int)idx[k]);
                    fail = 1;
                }
            } else if (idx[k] != -1) {
                printf("FAIL call %d key %d (%d): absent but index %d\n",
                       call, k, (int)keys[k], (int)idx[k]);
                fail = 1;
            }
            tb_mix((uint32_t)idx[k]);
        }
        if (found != expect_found) {
            printf("FAIL call %d: found %d expected %d\n", call, found, expect_found);
            fail = 1;
        }
        tb_mix((uint32_t)found);
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
