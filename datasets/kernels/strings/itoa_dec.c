/* itoa_dec: signed 32-bit integers to zero-terminated decimal strings, two batches of 8.
 * Digits come from |v| / 10^d % 10 (all 10 unrolled in one pipelined iteration), the
 * length is the count of significant digits, and the characters are written most
 * significant first after an optional '-'. Each value also gets its digit sum mod 9 and
 * the truncating mean digit.
 * Sizes: 2 batches x 8 values, 12-byte strings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NB 2
#define NV 8
#define ND 10
#define SL 12

static const uint32_t POW10[ND] = {1u,      10u,      100u,      1000u,      10000u,
                                   100000u, 1000000u, 10000000u, 100000000u, 1000000000u};

void itoa_dec(const int32_t val[NB][NV], char str[NB][NV][SL], uint8_t len[NB][NV],
              uint8_t dsum9[NB][NV], uint8_t dmean[NB][NV])
{
    uint8_t dig[NB][NV][ND];
    uint8_t nd[NB][NV];
    for (int b = 0; b < NB; b++) {
        for (int i = 0; i < NV; i++) {
#pragma HLS pipeline II=1
            uint32_t mag = val[b][i] < 0 ? 0u - (uint32_t)val[b][i] : (uint32_t)val[b][i];
            uint8_t n = 1;
            for (int d = 0; d < ND; d++) {
#pragma HLS unroll
                dig[b][i][d] = (uint8_t)(mag / POW10[d] % 10);
                if (mag / POW10[d] != 0)
                    n = (uint8_t)(d + 1);
            }
            nd[b][i] = n;
        }
    }
    for (int b = 0; b < NB; b++) {
        for (int i = 0; i < NV; i++) {
            int neg = val[b][i] < 0;
            int n = nd[b][i];
            for (int p = 0; p < SL; p++) {
#pragma HLS pipeline II=1
                int k = n - 1 - (p - neg);
                char ch = 0;
                if (neg && p == 0)
                    ch = '-';
                else if (k >= 0 && k < ND)
                    ch = (char)('0' + dig[b][i][k >= 0 && k < ND ? k : 0]);
                str[b][i][p] = ch;
            }
            len[b][i] = (uint8_t)(n + neg);
        }
    }
    for (int b = 0; b < NB; b++) {
        for (int i = 0; i < NV; i++) {
#pragma HLS pipeline II=1
            uint32_t s = 0;
            for (int d = 0; d < ND; d++) {
#pragma HLS unroll
                s += dig[b][i][d];
            }
            dsum9[b][i] = (uint8_t)(s % 9);
            dmean[b][i] = (uint8_t)(s / nd[b][i]);
            if (nd[b][i] > 9)
                dmean[b][i] = (uint8_t)(dmean[b][i] | 0x80);
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x17a0dec1u;

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
            tb_state = 0x17a0dec1u;
    }
    static const int32_t fixed[NV] = {0, 7, -7, 10, -2147483647 - 1, 2147483647, 1000000, -90};
    int32_t val[NB][NV];
    char str[NB][NV][SL];
    uint8_t len[NB][NV], dsum9[NB][NV], dmean[NB][NV];
    int fails = 0;
    for (int t = 0; t < 3; t++) {
        for (int b = 0; b < NB; b++)
            for (int i = 0; i < NV; i++) {
                uint32_t r = tb_rand();
                if (t == 0 && b == 0)
                    val[b][i] = fixed[i];
                else
                    val[b][i] = (int32_t)(r >> (1u + r % 31u)) * (r & 1 ? -1 : 1);
            }
        itoa_dec(val, str, len, dsum9, dmean);
        /* reference: the C library's conversion, then the digits of that string */
        int bad = 0;
        for (int b = 0; b < NB; b++)
            for (int i = 0; i < NV; i++) {
                char want[SL];
                snprintf(want, sizeof want, "%ld", (long)val[b][i]);
                int L = (int)strlen(want), s = 0, n = 0;
                for (int p = 0; p < L; p++)
                    if (want[p] != '-') {
                        s += want[p] - '0';
                        n++;
                    }
                int mean = s / n | (n > 9 ? 0x80 : 0);
                bad |= strcmp(str[b][i], want) != 0 || len[b][i] != L;
                bad |= dsum9[b][i] != s % 9 || dmean[b][i] != mean;
                for (int p = 0; p < SL; p++)
                    tb_mix((uint32_t)(uint8_t)str[b][i][p]);
                tb_mix((uint32_t)len[b][i] | (uint32_t)dsum9[b][i] << 8 |
                       (uint32_t)dmean[b][i] << 16);
            }
        if (t == 0)
            bad |= strcmp(str[0][4], "-2147483648") != 0 || len[0][0] != 1 || dsum9[0][5] != 1;
        if (bad) {
            printf("FAIL itoa_dec test %d\n", t);
            fails++;
        }
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
