/* str_search: naive string search. Counts the (possibly overlapping) occurrences of a
 * pattern of 1..PMAX bytes in a TLEN-byte text and reports where the first one starts
 * (TLEN when there is none). The text streams through a PMAX-byte shift register, and
 * the window compare is unrolled over PMAX lanes, so the pipelined loop reads one byte
 * and tests one start position per cycle.
 * Sizes: text 64 bytes, pattern up to 8 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TLEN 64
#define PMAX 8

uint8_t str_search(const uint8_t text[TLEN], const uint8_t pat[PMAX], uint8_t plen,
                   uint8_t *first)
{
#pragma HLS array_partition variable=pat type=complete dim=1
    uint8_t win[PMAX];   /* win[j] = text[s + j] for the start s = i - (PMAX - 1) */
#pragma HLS array_partition variable=win type=complete dim=1
    for (int j = 0; j < PMAX; j++) {
#pragma HLS unroll
        win[j] = 0;
    }
    uint8_t count = 0;
    uint8_t where = TLEN;
    for (int i = 0; i < TLEN + PMAX - 1; i++) {
#pragma HLS pipeline II=1
        for (int j = 0; j < PMAX - 1; j++) {
#pragma HLS unroll
            win[j] = win[j + 1];
        }
        win[PMAX - 1] = i < TLEN ? text[i] : 0;
        int s = i - (PMAX - 1);
        uint8_t hit = s >= 0 && s + plen <= TLEN;
        for (int j = 0; j < PMAX; j++) {
#pragma HLS unroll
            if (j < plen && win[j] != pat[j])
                hit = 0;
        }
        if (hit) {
            if (count == 0)
                where = (uint8_t)s;
            count++;
        }
    }
    *first = where;
    return count;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x57a25ea7u;

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

/* reference: slide the pattern, compare with an early exit, remember the first start */
static int ref_search(const uint8_t text[TLEN], const uint8_t pat[PMAX], int plen, int *first)
{
    int n = 0;
    *first = TLEN;
    for (int i = 0; i + plen <= TLEN; i++) {
        int j = 0;
        while (j < plen && text[i + j] == pat[j])
            j++;
        if (j == plen) {
            if (n == 0)
                *first = i;
            n++;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x57a25ea7u;
    }
    static const char known[] = "abracadabra, said the crab; abracadabra again! xabrabra...";
    uint8_t text[TLEN], pat[PMAX];
    int fails = 0;
    for (int t = 0; t < 6; t++) {
        int plen;
        if (t == 0) {
            /* known answer: "abra" occurs 6 times (two overlap), first at 0 */
            for (int i = 0; i < TLEN; i++)
                text[i] = (uint8_t)(i < (int)sizeof(known) - 1 ? known[i] : ' ');
            for (int j = 0; j < PMAX; j++)
                pat[j] = (uint8_t)"abra\0\0\0\0"[j];
            plen = 4;
        } else {
            /* a 3-letter alphabet so matches are common; plen 1..8, with a planted match */
            plen = 1 + (int)(tb_rand() % PMAX);
            for (int i = 0; i < TLEN; i++)
                text[i] = (uint8_t)('a' + tb_rand() % (t < 4 ? 2 : 3));
            for (int j = 0; j < PMAX; j++)
                pat[j] = (uint8_t)('a' + tb_rand() % 3);
            int at = (int)(tb_rand() % (uint32_t)(TLEN - plen + 1));
            if (t != 5)
                for (int j = 0; j < plen; j++)
                    text[at + j] = pat[j];
        }
        uint8_t first = 0;
        uint8_t got = str_search(text, pat, (uint8_t)plen, &first);
        int efirst;
        int e = ref_search(text, pat, plen, &efirst);
        if (got != e || first != efirst || (t == 0 && (got != 6 || first != 0))) {
            printf("FAIL str_search test %d: count %u first %u, expected %d at %d\n", t, got,
                   first, e, efirst);
            fails++;
        }
        tb_mix(got);
        tb_mix(first);
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
