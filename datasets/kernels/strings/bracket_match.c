/* bracket_match: checks that the brackets ()[]{} in a 64-byte buffer are balanced and
 * properly nested, with a 16-entry stack of open brackets; other bytes are ignored.
 * Returns 1 when balanced, else 0 (a mismatch, a close with an empty stack, an overflow
 * past 16 open brackets, or brackets left open), and the deepest nesting reached.
 * Sizes: 64 bytes in, stack depth 16. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 64
#define DEPTH 16

uint8_t bracket_match(const uint8_t buf[LEN], uint8_t *max_depth)
{
    uint8_t stack[DEPTH];
    uint8_t sp = 0, deepest = 0, ok = 1;
    for (int i = 0; i < LEN; i++) {
#pragma HLS pipeline II=1
        uint8_t c = buf[i];
        if (ok && (c == '(' || c == '[' || c == '{')) {
            if (sp == DEPTH) {
                ok = 0;
            } else {
                stack[sp] = c;
                sp++;
                if (sp > deepest)
                    deepest = sp;
            }
        } else if (ok && (c == ')' || c == ']' || c == '}')) {
            uint8_t want = c == ')' ? '(' : c == ']' ? '[' : '{';
            if (sp == 0 || stack[sp - 1] != want)
                ok = 0;
            else
                sp--;
        }
    }
    *max_depth = deepest;
    return ok && sp == 0;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0xb2acce75u;

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

/* reference: repeatedly delete adjacent matching pairs ("()" etc.) from the bracket
 * string; balanced iff nothing is left. The depth is tracked in a separate scan that
 * stops where the stack machine would give up. */
static int ref_match(const uint8_t buf[LEN], int *depth)
{
    char s[LEN];
    int n = 0, d = 0, bad = 0;
    *depth = 0;
    for (int i = 0; i < LEN; i++) {
        char c = (char)buf[i];
        if (c == '(' || c == '[' || c == '{' || c == ')' || c == ']' || c == '}')
            s[n++] = c;
    }
    /* the depth reached before the first failure */
    char open[LEN];
    for (int i = 0; i < n && !bad; i++) {
        char c = s[i];
        if (c == '(' || c == '[' || c == '{') {
            if (d == DEPTH)
                bad = 1;
            else
                open[d++] = c;
            if (d > *depth)
                *depth = d;
        } else if (d > 0 && open[d - 1] == (c == ')' ? '(' : c == ']' ? '[' : '{')) {
            d--;
        } else {
            bad = 1;
        }
    }
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int i = 0; i + 1 < n; i++) {
            char a = s[i], b = s[i + 1];
            if ((a == '(' && b == ')') || (a == '[' && b == ']') || (a == '{' && b == '}')) {
                for (int k = i; k + 2 < n; k++)
                    s[k] = s[k + 2];
                n -= 2;
                changed = 1;
                break;
            }
        }
    }
    return n == 0 && !bad;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xb2acce75u;
    }
    static const char known[] = "int f(a[i]) { return g({x}, (y[(2)])); } // [ok] ()";
    static const char brackets[] = "()[]{}";
    uint8_t buf[LEN];
    int fails = 0;
    for (int t = 0; t < 8; t++) {
        if (t == 0) {
            for (int i = 0; i < LEN; i++)
                buf[i] = (uint8_t)(i < (int)sizeof(known) - 1 ? known[i] : ' ');
        } else if (t < 5) {
            /* a random balanced string, made by pushing and popping; then maybe one flip */
            char open[LEN];
            int d = 0;
            for (int i = 0; i < LEN; i++) {
                int left = LEN - i;
                if (d > 0 && (d == left || tb_rand() % 2)) {
                    char o = open[--d];
                    buf[i] = (uint8_t)(o == '(' ? ')' : o == '[' ? ']' : '}');
                } else if (d + 1 < left && tb_rand() % 4 != 0) {
                    open[d++] = brackets[2 * (tb_rand() % 3)];
                    buf[i] = (uint8_t)open[d - 1];
                } else {
                    buf[i] = (uint8_t)('a' + tb_rand() % 26);
                }
            }
            if (t >= 3) {
                int at = (int)(tb_rand() % LEN);
                buf[at] = (uint8_t)brackets[tb_rand() % 6];
            }
        } else if (t == 5) {
            for (int i = 0; i < LEN; i++)   /* 20 deep: overflows the 16-entry stack */
                buf[i] = (uint8_t)(i < 20 ? '(' : i < 40 ? ')' : '.');
        } else {
            for (int i = 0; i < LEN; i++)
                buf[i] = (uint8_t)(tb_rand() % 3 ? brackets[tb_rand() % 6] : ' ');
        }
        uint8_t depth = 0;
        uint8_t got = bracket_match(buf, &depth);
        int edepth;
        int e = ref_match(buf, &edepth);
        int bad = got != e || depth != edepth;
        if (t == 0)
            bad |= got != 1 || depth != 5;
        if (t == 1 || t == 2)
            bad |= got != 1;
        if (t == 5)
            bad |= got != 0 || depth != DEPTH;
        if (bad) {
            printf("FAIL bracket_match test %d: got %u depth %u, expected %d depth %d\n", t, got,
                   depth, e, edepth);
            fails++;
        }
        tb_mix(got);
        tb_mix(depth);
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
