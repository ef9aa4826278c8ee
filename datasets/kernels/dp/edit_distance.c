/* edit_distance: Levenshtein distance (unit insert/delete/substitute costs)
 * between two 10-byte strings using two rolling rows of 11 entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SLEN 10

uint8_t edit_distance(const uint8_t s[SLEN], const uint8_t t[SLEN])
{
    uint8_t prev[SLEN + 1], cur[SLEN + 1];

    for (int j = 0; j <= SLEN; j++)
        prev[j] = (uint8_t)j;

    for (int i = 1; i <= SLEN; i++) {
        cur[0] = (uint8_t)i;
        for (int j = 1; j <= SLEN; j++) {
            uint8_t sub = (uint8_t)(prev[j - 1] + (s[i - 1] != t[j - 1]));
            uint8_t del = (uint8_t)(prev[j] + 1);
            uint8_t ins = (uint8_t)(cur[j - 1] + 1);
            uint8_t best = sub;
            if (del < best)
                best = del;
            if (ins < best)
                best = ins;
            cur[j] = best;
        }
        for (int j = 0; j <= SLEN; j++)
            prev[j] = cur[j];
    }
    return prev[SLEN];
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0xed17d157u;
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

/* reference: full (SLEN+1)^2 matrix */
static int ref_dist(const uint8_t s[SLEN], const uint8_t t[SLEN])
{
    int d[SLEN + 1][SLEN + 1];
    for (int i = 0; i <= SLEN; i++)
        d[i][0] = i;
    for (int j = 0; j <= SLEN; j++)
        d[0][j] = j;
    for (int i = 1; i <= SLEN; i++)
        for (int j = 1; j <= SLEN; j++) {
            int v = d[i - 1][j - 1] + (s[i - 1] == t[j - 1] ? 0 : 1);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            d[i][j] = v;
        }
    return d[SLEN][SLEN];
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xed17d157u;
    }
    static const uint8_t kit[SLEN] = { 'k', 'i', 't', 't', 'e', 'n', 'x', 'y', 'z', 'w' };
    static const uint8_t sit[SLEN] = { 's', 'i', 't', 't', 'i', 'n', 'g', 'x', 'y', 'z' };
    uint8_t s[SLEN], t[SLEN];
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < SLEN; i++) {
            if (k == 0) {
                s[i] = kit[i];
                t[i] = sit[i];
            } else if (k == 1) {
                s[i] = (uint8_t)('a' + tb_rand() % 3);
                t[i] = (uint8_t)('a' + tb_rand() % 3);
            } else {
                s[i] = (uint8_t)tb_rand();
                t[i] = s[i];
            }
        }
        if (k == 2)
            t[4] ^= 1;   /* exactly one substitution */
        uint8_t got = edit_distance(s, t);
        int e = ref_dist(s, t);
        if (got != e || (k == 0 && got != 4) || (k == 2 && got != 1)) {
            printf("FAIL edit_distance test %d: got %u expected %d\n", k, got, e);
            return 1;
        }
        tb_mix(got);
    }
    printf("checksum: %08x\n", tb_hash);
    return 0;
}
