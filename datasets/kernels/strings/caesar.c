/* caesar: Caesar shift with case conversion over a 64-byte buffer. Letters move `shift`
 * places (0..25) around the alphabet; mode 0 keeps their case, 1 makes them upper case,
 * 2 lower case; every other byte passes through. Unrolled by 4 over a 4-bank buffer, so
 * the pipelined loop handles 4 characters per cycle.
 * Sizes: 64 bytes in and out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 64

void caesar(const uint8_t in[LEN], uint8_t out[LEN], uint8_t shift, uint8_t mode)
{
#pragma HLS array_partition variable=in type=cyclic factor=4 dim=1
#pragma HLS array_partition variable=out type=cyclic factor=4 dim=1
    for (int i = 0; i < LEN; i++) {
#pragma HLS pipeline II=1
#pragma HLS unroll factor=4
        uint8_t c = in[i];
        uint8_t upper = c >= 'A' && c <= 'Z';
        uint8_t lower = c >= 'a' && c <= 'z';
        uint8_t base = upper ? 'A' : 'a';
        uint8_t pos = (uint8_t)(c - base + shift);   /* 0..50 for a letter */
        uint8_t wrapped = pos >= 26 ? (uint8_t)(pos - 26) : pos;
        uint8_t out_base = mode == 1 ? 'A' : mode == 2 ? 'a' : base;
        out[i] = (upper || lower) ? (uint8_t)(out_base + wrapped) : c;
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0xcae5a2b1u;

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
    tb_hash = (tb_hash ^ v) * 16777619u;
}

/* reference: index into the two alphabets with a modulo */
static uint8_t ref_char(uint8_t c, int shift, int mode)
{
    static const char up[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char lo[] = "abcdefghijklmnopqrstuvwxyz";
    for (int k = 0; k < 26; k++) {
        if (c == up[k] || c == lo[k]) {
            int is_up = c == up[k];
            int j = (k + shift) % 26;
            if (mode == 1 || (mode == 0 && is_up))
                return (uint8_t)up[j];
            return (uint8_t)lo[j];
        }
    }
    return c;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xcae5a2b1u;
    }
    static const char known[] = "Hello, World! The quick brown fox jumps over the lazy dog (xyz).";
    uint8_t in[LEN], out[LEN];
    int fails = 0;
    for (int t = 0; t < 6; t++) {
        int shift = t == 0 ? 3 : (int)(tb_rand() % 26);
        int mode = t < 3 ? t : (int)(tb_rand() % 3);
        for (int i = 0; i < LEN; i++)
            in[i] = t == 0 ? (uint8_t)known[i] : (uint8_t)tb_rand();
        caesar(in, out, (uint8_t)shift, (uint8_t)mode);
        int bad = 0;
        for (int i = 0; i < LEN; i++)
            bad |= out[i] != ref_char(in[i], shift, mode);
        if (t == 0)
            bad |= out[0] != 'K' || out[7] != 'Z' || out[61] != 'c';   /* H->K, W->Z, z->c */
        if (bad) {
            printf("FAIL caesar test %d (shift %d mode %d)\n", t, shift, mode);
            fails++;
        }
        for (int i = 0; i < LEN; i++)
            tb_mix(out[i]);
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
