/* insertion_sort: sorts 32 int32 values in place, ascending, by straight
 * insertion (data-dependent inner shift loop). Size: N = 32. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 32

void insertion_sort(int32_t a[N])
{
    for (int i = 1; i < N; i++) {
        int32_t key = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > key) {
#pragma HLS loop_tripcount min=0 max=31
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = key;
    }
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x1234abcdu;

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

/* reference: selection sort on a copy */
static void ref_sort(int32_t a[N])
{
    for (int i = 0; i < N - 1; i++) {
        int m = i;
        for (int j = i + 1; j < N; j++)
            if (a[j] < a[m])
                m = j;
        int32_t t = a[i];
        a[i] = a[m];
        a[m] = t;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x1234abcdu;
    }
    int32_t data[N], expect[N];
    int fail = 0;

    for (int call = 0; call < 3; call++) {
        for (int i = 0; i < N; i++) {
            uint32_t r = tb_rand();
            if (call == 0)
                data[i] = (int32_t)(r % 2001u) - 1000;       /* small, many dups */
            else if (call == 1)
                data[i] = (int32_t)(r >> 1) - (int32_t)(tb_rand() >> 1); /* wide */
            else
                data[i] = 100 - 3 * i;                        /* reverse order */
            expect[i] = data[i];
        }
        ref_sort(expect);
        insertion_sort(data);
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
