/* word_count: counts the lines, words and letters in a 128-byte character buffer, like
 * wc; blanks are space, tab, newline and carriage return, a word is a maximal run of
 * non-blanks, and a NUL byte ends the text early. The in-word flag is the only state
 * carried between iterations, so the loop pipelines at II=1.
 * Sizes: 128 bytes in, 3 counters out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 128

void word_count(const uint8_t buf[LEN], uint16_t counts[3])
{
    uint16_t lines = 0, words = 0, letters = 0;
    uint8_t in_word = 0, ended = 0;
    for (int i = 0; i < LEN; i++) {
#pragma HLS pipeline II=1
        uint8_t c = buf[i];
        if (c == 0)
            ended = 1;
        if (!ended) {
            uint8_t blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
            if (c == '\n')
                lines++;
            if (!blank && !in_word)
                words++;
            if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
                letters++;
            in_word = !blank;
        }
    }
    counts[0] = lines;
    counts[1] = words;
    counts[2] = letters;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x3c0de11au;

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

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* reference: words counted at their last character instead of their first */
static void ref_count(const uint8_t buf[LEN], int want[3])
{
    int n = 0;
    while (n < LEN && buf[n] != 0)
        n++;
    want[0] = want[1] = want[2] = 0;
    for (int i = 0; i < n; i++) {
        int c = buf[i];
        want[0] += c == '\n';
        want[1] += !is_blank(c) && (i + 1 == n || is_blank(buf[i + 1]));
        want[2] += (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x3c0de11au;
    }
    static const char known[] = "the quick brown fox\njumps over\t the  lazy dog\n\n 42 times!";
    static const uint8_t pool[8] = { ' ', '\t', '\n', 'a', 'Z', '7', '!', 'q' };
    uint8_t buf[LEN];
    uint16_t got[3];
    int fails = 0;
    for (int t = 0; t < 5; t++) {
        for (int i = 0; i < LEN; i++) {
            if (t == 0)
                buf[i] = (uint8_t)(i < (int)sizeof(known) ? known[i] : 'x');
            else if (t == 4)
                buf[i] = (uint8_t)(32 + tb_rand() % 95);   /* printable, no NUL */
            else
                buf[i] = pool[tb_rand() % 8];
        }
        if (t == 2)
            buf[tb_rand() % LEN] = 0;   /* ends early */
        int want[3];
        word_count(buf, got);
        ref_count(buf, want);
        int bad = got[0] != want[0] || got[1] != want[1] || got[2] != want[2];
        if (t == 0)
            bad |= got[0] != 3 || got[1] != 11 || got[2] != 40;
        if (bad) {
            printf("FAIL word_count test %d: %u lines %u words %u letters, expected %d %d %d\n",
                   t, got[0], got[1], got[2], want[0], want[1], want[2]);
            fails++;
        }
        for (int k = 0; k < 3; k++)
            tb_mix(got[k]);
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
