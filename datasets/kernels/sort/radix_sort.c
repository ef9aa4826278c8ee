/* radix_sort: LSD radix sort of 32 uint32 values, 4-bit digits (8 passes),
 * with a 16-entry counting array and exclusive prefix sums per pass.
 * Size: N = 32, RADIX = 16. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 32
#define DIGIT_BITS 4
#define RADIX 16
#define DIGIT_MASK 0xFu

void radix_sort(uint32_t a[N])
{
    uint32_t buf[N];
    uint32_t count[RADIX];
#pragma HLS array_partition variable=count type=complete dim=1

    for (int shift = 0; shift < 32; shift += DIGIT_BITS) {
        for (int d = 0; d < RADIX; d++) {
#pragma HLS unroll
            count[d] = 0;
        }
        for (int i = 0; i < N; i++) {
#pragma HLS pipeline II=1
            uint32_t d = (a[i] >> shift) & DIGIT_MASK;
            count[d]++;
        }
        uint32_t running = 0;
        for (int d = 0; d < RADIX; d++) {
            uint32_t c = count[d];
            count[d] = running;
            running += c;
        }
        for (int i = 0; i < N; i++) {
#pragma HLS pipeline II=1
            uint32_t v = a[i];
            uint32_t d = (v >> shift) & DIGIT_MASK;
            buf[count[d]] = v;
            count[d] = count[d] + 1;
        }
        for (int i = 0; i < N; i++) {
#pragma HLS pipeline II=1
            a[i] = buf[i];
        }
    }
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x00c0ffeeu;

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
static void ref_sort(uint32_t a[N])
{
    for (int i = 0; i < N - 1; i++) {
        int m = i;
        for (int j = i + 1; j < N; j++)
            if (a[j] < a[m])
                m = j;
        uint32_t t = a[i];
        a[i] = a[m];
        a[m] = t;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x00c0ffeeu;
    }
    uint32_t data[N], expect[N];
    int fail = 0;

    for (int call = 0; call < 3; call++) {
        for (int i = 0; i < N; i++) {
            uint32_t r = tb_rand();
            if (call == 0)
                data[i] = r;                       /* full 32-bit range */
            else if (call == 1)
                data[i] = r & 0xF0F000FFu;         /* many equal digits */
            else
                data[i] = (r % 5u) * 0x11111111u;  /* heavy duplicates */
            expect[i] = data[i];
        }
        ref_sort(expect);
        radix_sort(data);
        for (int i = 0; i < N; i++) {
            if (data[i] != expect[i]) {
                printf("FAIL call %d index %d: got %08x expected %08x\n",
                       call, i, (unsigned)data[i], (unsigned)expect[i]);
                fail = 1;
                break;
            }
            tb_mix(data[i]);
        }
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
