/* needleman_wunsch: global alignment of two length-12 sequences (symbols 0..3)
 * with match +2, mismatch -1, gap -2. Fills a 13x13 score matrix, traces back
 * to build the aligned sequences (gap = 4), returns the score and the length. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN      12
#define MAXALN   (2 * LEN)
#define GAP_SYM  4
#define S_MATCH  2
#define S_MISS   (-1)
#define S_GAP    (-2)

int32_t needleman_wunsch(const uint8_t a[LEN], const uint8_t b[LEN],
                         uint8_t aln_a[MAXALN], uint8_t aln_b[MAXALN],
                         uint8_t *aln_len)
{
    int16_t m[LEN + 1][LEN + 1];
    uint8_t rev_a[MAXALN], rev_b[MAXALN];

    for (int i = 0; i <= LEN; i++)
        m[i][0] = (int16_t)(i * S_GAP);
    for (int j = 1; j <= LEN; j++)
        m[0][j] = (int16_t)(j * S_GAP);

    for (int i = 1; i <= LEN; i++) {
        for (int j = 1; j <= LEN; j++) {
            int diag = m[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? S_MATCH : S_MISS);
            int up = m[i - 1][j] + S_GAP;
            int left = m[i][j - 1] + S_GAP;
            int best = diag;
            if (up > best)
                best = up;
            if (left > best)
                best = left;
            m[i][j] = (int16_t)best;
        }
    }

    /* traceback from the bottom-right corner; prefer diagonal, then up */
    int i = LEN, j = LEN, n = 0;
    while (i > 0 || j > 0) {
#pragma HLS loop_tripcount min=12 max=24
        int cur = m[i][j];
        int move = 2;   /* 0: diagonal, 1: up (gap in b), 2: left (gap in a) */
        if (i > 0 && j > 0) {
            if (cur == m[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? S_MATCH : S_MISS))
                move = 0;
        }
        if (move == 2 && i > 0) {
            if (cur == m[i - 1][j] + S_GAP)
                move = 1;
        }
        if (move == 0) {
            rev_a[n] = a[i - 1];
            rev_b[n] = b[j - 1];
            i--;
            j--;
        } else if (move == 1) {
            rev_a[n] = a[i - 1];
            rev_b[n] = GAP_SYM;
            i--;
        } else {
            rev_a[n] = GAP_SYM;
            rev_b[n] = b[j - 1];
            j--;
        }
        n++;
    }

    for (int k = 0; k < MAXALN; k++) {
        if (k < n) {
            aln_a[k] = rev_a[n - 1 - k];
            aln_b[k] = rev_b[n - 1 - k];
        } else {
            aln_a[k] = GAP_SYM;
            aln_b[k] = GAP_SYM;
        }
    }
    *aln_len = (uint8_t)n;
    return m[LEN][LEN];
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x0dd5eed5u;
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

static int max3(int x, int y, int z)
{
    int r = x > y ? x : y;
    return r > z ? r : z;
}

/* reference optimal score with two rolling rows */
static int ref_score(const uint8_t a[LEN], const uint8_t b[LEN])
{
    int prev[LEN + 1], cur[LEN + 1];
    for (int j = 0; j <= LEN; j++)
        prev[j] = j * S_GAP;
    for (int i = 1; i <= LEN; i++) {
        cur[0] = i * S_GAP;
        for (int j = 1; j <= LEN; j++)
            cur[j] = max3(prev[j - 1] + (a[i - 1] == b[j - 1] ? S_MATCH : S_MISS),
                          prev[j] + S_GAP, cur[j - 1] + S_GAP);
        for (int j = 0; j <= LEN; j++)
            prev[j] = cur[j];
    }
    return prev[LEN];
}

/* check the alignment is a valid alignment of a,b with the given score */
static int check_alignment(const uint8_t a[LEN], const uint8_t b[LEN],
                           const uint8_t al_a[MAXALN], const uint8_t al_b[MAXALN],
                           int n, int score)
{
    int ia = 0, ib = 0, s = 0;
    if (n < LEN || n > MAXALN)
        return 0;
    for (int k = 0; k < n; k++) {
        int ga = al_a[k] == GAP_SYM, gb = al_b[k] == GAP_SYM;
        if (ga && gb)
            return 0;
        if (!ga) {
            if (ia >= LEN || al_a[k] != a[ia])
                return 0;
            ia++;
        }
        if (!gb) {
            if (ib >= LEN || al_b[k] != b[ib])
                return 0;
            ib++;
        }
        if (ga || gb)
            s += S_GAP;
        else
            s += al_a[k] == al_b[k] ? S_MATCH : S_MISS;
    }
    for (int k = n; k < MAXALN; k++)
        if (al_a[k] != GAP_SYM || al_b[k] != GAP_SYM)
            return 0;
    return ia == LEN && ib == LEN && s == score;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x0dd5eed5u;
    }
    uint8_t a[LEN], b[LEN], al_a[MAXALN], al_b[MAXALN], n;
    for (int t = 0; t < 3; t++) {
        for (int k = 0; k < LEN; k++) {
            if (t == 0) {           /* identical sequences */
                a[k] = (uint8_t)(tb_rand() & 3);
                b[k] = a[k];
            } else if (t == 1) {    /* b is a shifted by two */
                a[k] = (uint8_t)((k * 7 + 1) % 4);
                b[k] = (uint8_t)(k + 2 < LEN ? ((k + 2) * 7 + 1) % 4 : 3);
            } else {
                a[k] = (uint8_t)(tb_rand() & 3);
                b[k] = (uint8_t)(tb_rand() & 3);
            }
        }
        int32_t score = needleman_wunsch(a, b, al_a, al_b, &n);
        int e = ref_score(a, b);
        if (score != e || (t == 0 && score != LEN * S_MATCH)) {
            printf("FAIL needleman_wunsch test %d: score %d expected %d\n",
                   t, (int)score, e);
            return 1;
        }
        if (!check_alignment(a, b, al_a, al_b, n, e)) {
            printf("FAIL needleman_wunsch test %d: bad alignment (len %u)\n", t, n);
            return 1;
        }
        tb_mix((uint32_t)score);
        tb_mix(n);
        for (int k = 0; k < MAXALN; k++)
            tb_mix((uint32_t)al_a[k] << 8 | al_b[k]);
    }
    printf("checksum: %08x\n", tb_hash);
    return 0;
}
