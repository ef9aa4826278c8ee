/* coin_change: for 2 coin sets of 4 denominations, the number of ways to make every amount
 * 0..47 (mod a prime-like modulus), the fewest coins per amount (255 when impossible), and
 * per set the truncating mean of the reachable minimum counts and the digit sum of the
 * total way count. Coins are processed in an outer loop, amounts in the pipelined loop.
 * Sizes: 2 sets x 4 coins, amounts 0..47. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SETS 2
#define NC 4
#define AMT 48
#define NOWAY 255

void coin_change(const uint8_t coins[SETS][NC], uint16_t mod, uint16_t ways[SETS][AMT],
                 uint8_t best[SETS][AMT], uint16_t avg_best[SETS], uint16_t digsum[SETS])
{
    uint32_t tot[SETS];
    uint16_t reach[SETS];
    for (int s = 0; s < SETS; s++) {
        for (int a = 0; a < AMT; a++) {
#pragma HLS pipeline II=1
            ways[s][a] = (uint16_t)((a == 0) % mod);
            best[s][a] = a == 0 ? 0 : NOWAY;
        }
    }
    for (int s = 0; s < SETS; s++) {
        for (int c = 0; c < NC; c++) {
            for (int a = 1; a < AMT; a++) {
#pragma HLS pipeline II=1
                int k = coins[s][c];
                if (k > 0 && k <= a) {
                    ways[s][a] = (uint16_t)((ways[s][a] + ways[s][a - k]) % mod);
                    if (best[s][a - k] != NOWAY && best[s][a - k] + 1 < best[s][a])
                        best[s][a] = (uint8_t)(best[s][a - k] + 1);
                }
            }
        }
    }
    for (int s = 0; s < SETS; s++) {
        tot[s] = 0;
        reach[s] = 0;
        for (int a = 0; a < AMT; a++) {
#pragma HLS pipeline II=1
            if (best[s][a] != NOWAY) {
                tot[s] = tot[s] + best[s][a];
                reach[s] = reach[s] + 1;
            }
        }
        avg_best[s] = (uint16_t)(tot[s] / reach[s]);
    }
    for (int s = 0; s < SETS; s++) {
        uint32_t all = 0;
        for (int a = 0; a < AMT; a++) {
#pragma HLS pipeline II=1
            all += ways[s][a];
        }
        all %= mod;
        uint16_t ds = 0;
        for (int d = 0; d < 5; d++) {
#pragma HLS pipeline II=1
            ds += (uint16_t)(all % 10);
            all /= 10;
        }
        digsum[s] = ds;
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0xc01dc0deu;

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

/* reference: exact counts by recursion over coins (64-bit, reduced at the end), fewest
 * coins by breadth-first levels */
static uint64_t ref_count(const uint8_t *cs, int n, int amount)
{
    if (amount == 0)
        return 1;
    if (n == 0)
        return 0;
    uint64_t w = 0;
    if (cs[0] > 0)
        for (int used = 0; used * cs[0] <= amount; used++)
            w += ref_count(cs + 1, n - 1, amount - used * cs[0]);
    else
        w = ref_count(cs + 1, n - 1, amount);
    return w;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xc01dc0deu;
    }
    uint8_t coins[SETS][NC], best[SETS][AMT];
    uint16_t ways[SETS][AMT], avg_best[SETS], digsum[SETS];
    int fails = 0;
    for (int t = 0; t < 3; t++) {
        uint16_t mod = t == 0 ? 10007 : (uint16_t)(50 + tb_rand() % 30000u);
        for (int s = 0; s < SETS; s++)
            for (int c = 0; c < NC; c++) {
                static const uint8_t fixed[SETS][NC] = {{1, 5, 10, 25}, {3, 7, 0, 11}};
                coins[s][c] = t == 0 ? fixed[s][c] : (uint8_t)(tb_rand() % 13u);
            }
        coin_change(coins, mod, ways, best, avg_best, digsum);
        int bad = 0;
        for (int s = 0; s < SETS; s++) {
            uint8_t lvl[AMT];
            for (int a = 0; a < AMT; a++)
                lvl[a] = a == 0 ? 0 : NOWAY;
            for (int l = 0; l < AMT; l++)
                for (int a = 0; a < AMT; a++)
                    if (lvl[a] == l)
                        for (int c = 0; c < NC; c++) {
                            int b = a + coins[s][c];
                            if (coins[s][c] > 0 && b < AMT && lvl[b] == NOWAY)
                                lvl[b] = (uint8_t)(l + 1);
                        }
            uint64_t all = 0;
            uint32_t tsum = 0, nreach = 0;
            for (int a = 0; a < AMT; a++) {
                uint64_t w = ref_count(coins[s], NC, a) % mod;
                all += w;
                bad |= ways[s][a] != w || best[s][a] != lvl[a];
                if (lvl[a] != NOWAY) {
                    tsum += lvl[a];
                    nreach++;
                }
                tb_mix(ways[s][a] | (uint32_t)best[s][a] << 16);
            }
            all %= mod;
            int ds = 0;
            char buf[24];
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)all);
            for (char *p = buf; *p; p++)
                ds += *p - '0';
            bad |= avg_best[s] != tsum / nreach || digsum[s] != ds;
            tb_mix(avg_best[s]);
            tb_mix(digsum[s]);
        }
        if (t == 0)
            bad |= ways[0][47] != 39 || best[0][47] != 5 || best[1][1] != NOWAY;
        if (bad) {
            printf("FAIL coin_change test %d\n", t);
            fails++;
        }
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
