/* priority_encoder: for each of 16 request words (32 requesters each, bit k = requester k),
 * the highest-numbered active requester and a valid flag, plus a one-hot grant word. The
 * bit scan is unrolled into a 32-input priority chain, so the pipelined loop encodes one
 * word per cycle.
 * Sizes: 16 words of 32 bits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NWORDS 16
#define BITS 32

void priority_encoder(const uint32_t req[NWORDS], uint8_t idx[NWORDS], uint8_t valid[NWORDS],
                      uint32_t grant[NWORDS])
{
    for (int w = 0; w < NWORDS; w++) {
#pragma HLS pipeline II=1
        uint32_t r = req[w];
        uint8_t hi = 0;
        uint8_t any = 0;
        for (int b = 0; b < BITS; b++) {
#pragma HLS unroll
            if ((r >> b) & 1u) {
                hi = (uint8_t)b;
                any = 1;
            }
        }
        idx[w] = hi;
        valid[w] = any;
        grant[w] = any ? (uint32_t)1u << hi : 0u;
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x9e1c0de5u;

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
            tb_state = 0x9e1c0de5u;
    }
    uint32_t req[NWORDS], grant[NWORDS];
    uint8_t idx[NWORDS], valid[NWORDS];
    int fails = 0;
    for (int t = 0; t < 3; t++) {
        for (int w = 0; w < NWORDS; w++) {
            if (t == 0)   /* 0, then single bits and their neighbours below */
                req[w] = w == 0 ? 0u : (1u << (2 * w - 1)) | ((1u << (2 * w - 1)) - 1u) / 3u;
            else if (t == 1)
                req[w] = tb_rand();
            else {  /* sparse: the top bits are usually clear */
                uint32_t word = tb_rand();
                req[w] = word >> (tb_rand() % 32);
            }
        }
        priority_encoder(req, idx, valid, grant);

        /* reference: shift right until the word is gone, counting the shifts */
        int bad = 0;
        for (int w = 0; w < NWORDS; w++) {
            uint32_t r = req[w];
            int n = -1;
            while (r != 0) {
                r >>= 1;
                n++;
            }
            int ev = n >= 0;
            int ei = ev ? n : 0;
            uint32_t eg = ev ? (uint32_t)1u << n : 0u;
            bad |= idx[w] != ei || valid[w] != ev || grant[w] != eg;
            bad |= ev && (grant[w] & req[w]) == 0;
            tb_mix(idx[w]);
            tb_mix(valid[w]);
            tb_mix(grant[w]);
        }
        if (t == 0)
            bad |= valid[0] != 0 || idx[1] != 1 || idx[NWORDS - 1] != 2 * NWORDS - 3;
        if (bad) {
            printf("FAIL priority_encoder test %d\n", t);
            fails++;
        }
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
