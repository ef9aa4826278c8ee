/* palindrome: is the first n bytes (n <= 64) of a buffer a palindrome when only letters
 * count and case is ignored ("A man, a plan, a canal: Panama")? Two cursors walk in from
 * both ends; each step skips a non-letter on one side or compares a pair, so the loop
 * runs at most n times. Returns 1 or 0, and the number of letter pairs compared.
 * Sizes: up to 64 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 64

static uint8_t is_letter(uint8_t c)
{
#pragma HLS inline
    uint8_t l = c | 0x20;
    return l >= 'a' && l <= 'z';
}

uint8_t palindrome(const uint8_t buf[LEN], uint8_t n, uint8_t *pairs)
{
    int i = 0;
    int j = (int)n - 1;
    uint8_t same = 1, compared = 0;
    while (i < j && same) {
#pragma HLS loop_tripcount min=0 max=63
#pragma HLS pipeline II=1
        uint8_t a = buf[i];
        uint8_t b = buf[j];
        if (!is_letter(a)) {
            i++;
        } else if (!is_letter(b)) {
            j--;
        } else {
            if ((a | 0x20) != (b | 0x20))
                same = 0;
            compared++;
            i++;
            j--;
        }
    }
    *pairs = compared;
    return same;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x9a11d20au;

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

/* reference: copy the letters out in lower case, then compare with the reversed copy */
static int ref_palindrome(const uint8_t buf[LEN], int n, int *pairs)
{
    char s[LEN];
    int m = 0;
    for (int k = 0; k < n; k++) {
        int c = buf[k];
        if (c >= 'A' && c <= 'Z')
            s[m++] = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z')
            s[m++] = (char)c;
    }
    *pairs = 0;
    for (int k = 0; k < m / 2; k++) {
        ++*pairs;
        if (s[k] != s[m - 1 - k])
            return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x9a11d20au;
    }
    static const char panama[] = "A man, a plan, a canal: Panama!";
    static const char noise[] = " ,.!?-'09";
    uint8_t buf[LEN];
    int fails = 0;
    for (int t = 0; t < 7; t++) {
        int n;
        for (int i = 0; i < LEN; i++)
            buf[i] = (uint8_t)('a' + tb_rand() % 26);
        if (t == 0) {
            n = (int)sizeof(panama) - 1;
            for (int i = 0; i < n; i++)
                buf[i] = (uint8_t)panama[i];
        } else if (t == 6) {
            n = (int)(tb_rand() % 2);   /* empty or one byte */
        } else {
            /* a random palindrome of letters in mixed case with noise sprinkled in;
             * tests 4 and 5 then change one byte */
            n = 8 + (int)(tb_rand() % (LEN - 7));
            for (int i = 0; i < n / 2; i++) {
                uint8_t c = (uint8_t)('a' + tb_rand() % 26);
                buf[i] = (uint8_t)(c ^ (tb_rand() % 2 ? 0x20 : 0));
                buf[n - 1 - i] = (uint8_t)(c ^ (tb_rand() % 2 ? 0x20 : 0));
            }
            for (int k = 0; k < 4; k++)
                buf[tb_rand() % (uint32_t)n] = (uint8_t)noise[tb_rand() % 9];
            if (t >= 4)
                buf[tb_rand() % (uint32_t)n] = (uint8_t)('a' + tb_rand() % 26);
        }
        uint8_t pairs = 0;
        uint8_t got = palindrome(buf, (uint8_t)n, &pairs);
        int epairs;
        int e = ref_palindrome(buf, n, &epairs);
        int bad = got != e || pairs != epairs;
        if (t == 0)
            bad |= got != 1 || pairs != 10;
        if (bad) {
            printf("FAIL palindrome test %d (n %d): got %u after %u pairs, expected %d after %d\n",
                   t, n, got, pairs, e, epairs);
            fails++;
        }
        tb_mix(got);
        tb_mix(pairs);
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
