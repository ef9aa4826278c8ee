/* fsm: Mealy-style state machine over a 64-bit stream (8 bytes, MSB first)
 * that counts occurrences of the bit pattern 1011, overlaps included. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NBYTES 8

typedef enum {
    ST_IDLE = 0,  /* no useful prefix seen */
    ST_1 = 1,     /* seen "1"   */
    ST_10 = 2,    /* seen "10"  */
    ST_101 = 3    /* seen "101" */
} fsm_state_t;

uint32_t fsm(const uint8_t data[NBYTES])
{
    fsm_state_t st = ST_IDLE;
    uint32_t matches = 0;

    for (int i = 0; i < NBYTES; i++) {
        uint8_t byte = data[i];
        for (int k = 7; k >= 0; k--) {
            int bit = (byte >> k) & 1;
            switch (st) {
            case ST_101:
                if (bit) {
                    matches++;      /* "1011": its suffix "1" is a prefix */
                    st = ST_1;
                    break;
                }
                /* "1010" ends in "10", the same as ST_1 seeing a 0 */
                /* fallthrough */
            case ST_1:
                st = bit ? ST_1 : ST_10;
                break;
            case ST_10:
                st = bit ? ST_101 : ST_IDLE;
                break;
            case ST_IDLE:
            default:
                st = bit ? ST_1 : ST_IDLE;
                break;
            }
        }
    }
    return matches;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0xf5a11234u;
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
    tb_hash = (tb_hash ^ v) * 16777619u;
}

/* reference: 4-bit sliding window compared against 0xB */
static uint32_t ref_count(const uint8_t data[NBYTES])
{
    unsigned win = 0;
    uint32_t n = 0;
    for (int b = 0; b < NBYTES * 8; b++) {
        unsigned bit = (data[b / 8] >> (7 - b % 8)) & 1u;
        win = ((win << 1) | bit) & 0xfu;
        if (b >= 3 && win == 0xbu)
            n++;
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xf5a11234u;
    }
    uint8_t data[NBYTES];
    for (int t = 0; t < 3; t++) {
        for (int i = 0; i < NBYTES; i++) {
            if (t == 0)
                data[i] = 0xb6;   /* 10110110 repeated: "1011011" overlaps */
            else if (t == 1)
                data[i] = (uint8_t)(tb_rand() | tb_rand()); /* dense ones */
            else
                data[i] = (uint8_t)tb_rand();
        }
        uint32_t got = fsm(data);
        uint32_t e = ref_count(data);
        if (got != e) {
            printf("FAIL fsm test %d: got %u expected %u\n", t, got, e);
            return 1;
        }
        tb_mix(got);
    }
    printf("checksum: %08x\n", tb_hash);
    return 0;
}
