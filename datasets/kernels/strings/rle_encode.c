/* rle_encode: run-length encoding of a 64-byte buffer into (byte, run length) pairs, runs
 * capped at 15 bytes (a 4-bit length field), longer runs split. The run being built is carried in registers, so the pipelined loop
 * reads one byte per cycle and writes at most one pair; returns the number of pairs.
 * Sizes: input 64 bytes, output up to 64 pairs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 64
#define MAXRUN 15

uint8_t rle_encode(const uint8_t in[LEN], uint8_t sym[LEN], uint8_t run[LEN])
{
    uint8_t npairs = 0;
    uint8_t cur = in[0];
    uint8_t len = 1;
    for (int i = 1; i < LEN; i++) {
#pragma HLS pipeline II=1
        uint8_t c = in[i];
        if (c == cur && len < MAXRUN) {
            len++;
        } else {
            sym[npairs] = cur;
            run[npairs] = len;
            npairs++;
            cur = c;
            len = 1;
        }
    }
    sym[npairs] = cur;
    run[npairs] = len;
    npairs++;
    return npairs;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x41e5eed1u;

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

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x41e5eed1u;
    }
    uint8_t in[LEN], sym[LEN], run[LEN], back[LEN];
    int fails = 0;
    for (int t = 0; t < 5; t++) {
        if (t == 0) {
            for (int i = 0; i < LEN; i++)   /* 10 x 'a', 20 x 'b', 'c', 33 x 'd' */
                in[i] = (uint8_t)(i < 10 ? 'a' : i < 30 ? 'b' : i == 30 ? 'c' : 'd');
        } else if (t == 4) {
            uint8_t v = (uint8_t)tb_rand();  /* a single run over the whole buffer */
            for (int i = 0; i < LEN; i++)
                in[i] = v;
        } else {
            /* runs of random length 1..(4 << t) over a small alphabet */
            int i = 0;
            while (i < LEN) {
                uint8_t v = (uint8_t)(tb_rand() % (t == 3 ? 256 : 4));
                int n = 1 + (int)(tb_rand() % (uint32_t)(4 << t));
                for (int k = 0; k < n && i < LEN; k++)
                    in[i++] = v;
            }
        }
        for (int i = 0; i < LEN; i++)
            sym[i] = run[i] = 0;
        int n = rle_encode(in, sym, run);

        /* reference: decode and compare; runs are 1..MAXRUN long and only a full run
         * may be followed by the same byte */
        int pos = 0, bad = n < 1 || n > LEN;
        for (int p = 0; p < n && !bad; p++) {
            if (run[p] == 0 || run[p] > MAXRUN || pos + run[p] > LEN ||
                (p > 0 && sym[p] == sym[p - 1] && run[p - 1] != MAXRUN))
                bad = 1;
            for (int k = 0; k < run[p] && !bad; k++)
                back[pos++] = sym[p];
        }
        if (!bad && pos != LEN)
            bad = 1;
        for (int i = 0; i < LEN && !bad; i++)
            if (back[i] != in[i])
                bad = 1;
        if (t == 0 && (n != 7 || run[0] != 10 || run[1] != 15 || run[2] != 5 || run[3] != 1 ||
                       run[4] != 15 || run[5] != 15 || run[6] != 3))
            bad = 1;
        if (t == 4 && (n != 5 || run[4] != LEN - 4 * MAXRUN))
            bad = 1;
        if (bad) {
            printf("FAIL rle_encode test %d: %d pairs do not decode to the input\n", t, n);
            fails++;
        }
        tb_mix((uint32_t)n);
        for (int p = 0; p < n && p < LEN; p++)
            tb_mix((uint32_t)sym[p] << 8 | run[p]);
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
