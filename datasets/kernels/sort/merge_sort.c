/* merge_sort: bottom-up (iterative, non-recursive) merge sort of 32 int32
 * values, ascending and stable, merging runs of width 1,2,4,... through a
 * temporary array. Size: N = 32. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 32

void merge_sort(int32_t a[N])
{
    int32_t tmp[N];

    for (int width = 1; width < N; width = width * 2) {
        for (int lo = 0; lo < N; lo += 2 * width) {
            int mid = lo + width;
            int hi = lo + 2 * width;
            if (mid > N)
                mid = N;
            if (hi > N)
                hi = N;
            int i = lo;
            int j = mid;
            int k = lo;
            while (i < mid && j < hi) {
                if (a[j] < a[i]) {
                    tmp[k] = a[j];
                    j++;
                } else {
                    tmp[k] = a[i];
                    i++;
                }
                k++;
            }
            while (i < mid) {
                tmp[k] = a[i];
                i++;
                k++;
            }
            while (j < hi) {
                tmp[k] = a[j];
                j++;
                k++;
            }
        }
        for (int k = 0; k < N; k++)
            a[k] = tmp[k];
    }
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x9e3779b9u;

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
            tb_state = 0x9e3779b9u;
    }
    int32_t data[N], expect[N];
    int fail = 0;

    for (int call = 0; call < 3; call++) {
        for (int i = 0; i < N; i++) {
            uint32_t r = tb_rand();
            if (call == 0)
                data[i] = (int32_t)(r % 17u) - 8;              /* heavy dups */
            else if (call == 1)
                data[i] = (int32_t)(r >> 1) - (int32_t)(tb_rand() >> 1);
            else
                data[i] = (i % 2) ? 1000 - i : i;               /* interleaved */
            expect[i] = data[i];
        }
        ref_sort(expect);
        merge_sort(data);
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
