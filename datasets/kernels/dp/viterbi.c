/* viterbi: most likely hidden-state path of a 4-state HMM with 3 observation
 * symbols over 10 steps. Log-probabilities are int16 fixed point (<= 0, unit
 * 1/64 bit); keeps backpointers and traces back the best path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NS    4
#define NOBS  3
#define STEPS 10

int32_t viterbi(const uint8_t obs[STEPS], const int16_t init[NS],
                const int16_t trans[NS][NS], const int16_t emit[NS][NOBS],
                uint8_t path[STEPS])
{
    int32_t score[NS], next[NS];
    uint8_t bp[STEPS][NS];

    for (int s = 0; s < NS; s++) {
        score[s] = init[s] + emit[s][obs[0]];
        bp[0][s] = 0;
    }

    for (int t = 1; t < STEPS; t++) {
        for (int s = 0; s < NS; s++) {
            int32_t best = score[0] + trans[0][s];
            uint8_t arg = 0;
            for (int p = 1; p < NS; p++) {
                int32_t cand = score[p] + trans[p][s];
                if (cand > best) {
                    best = cand;
                    arg = (uint8_t)p;
                }
            }
            next[s] = best + emit[s][obs[t]];
            bp[t][s] = arg;
        }
        for (int s = 0; s < NS; s++)
            score[s] = next[s];
    }

    int32_t best = score[0];
    uint8_t st = 0;
    for (int s = 1; s < NS; s++) {
        if (score[s] > best) {
            best = score[s];
            st = (uint8_t)s;
        }
    }

    for (int t = STEPS - 1; t >= 0; t--) {
        path[t] = st;
        st = bp[t][st];
    }
    return best;
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x7e57ab1eu;
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

/* reference best score: forward "push" relaxation over all edges */
static long ref_best(const uint8_t obs[STEPS], const int16_t init[NS],
                     const int16_t trans[NS][NS], const int16_t emit[NS][NOBS])
{
    long cur[NS], nxt[NS];
    for (int s = 0; s < NS; s++)
        cur[s] = (long)init[s] + emit[s][obs[0]];
    for (int t = 1; t < STEPS; t++) {
        for (int s = 0; s < NS; s++)
            nxt[s] = -1000000L;
        for (int p = 0; p < NS; p++)
            for (int s = 0; s < NS; s++) {
                long v = cur[p] + trans[p][s] + emit[s][obs[t]];
                if (v > nxt[s])
                    nxt[s] = v;
            }
        for (int s = 0; s < NS; s++)
            cur[s] = nxt[s];
    }
    long b = cur[0];
    for (int s = 1; s < NS; s++)
        if (cur[s] > b)
            b = cur[s];
    return b;
}

static long path_score(const uint8_t obs[STEPS], const int16_t init[NS],
                       const int16_t trans[NS][NS], const int16_t emit[NS][NOBS],
                       const uint8_t path[STEPS])
{
    long s = (long)init[path[0]] + emit[path[0]][obs[0]];
    for (int t = 1; t < STEPS; t++)
        s += trans[path[t - 1]][path[t]] + emit[path[t]][obs[t]];
    return s;
}

static int16_t rand_logp(void)
{
    return (int16_t)(-(int)(tb_rand() % 400) - 1);
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x7e57ab1eu;
    }
    uint8_t obs[STEPS], path[STEPS];
    int16_t init[NS], trans[NS][NS], emit[NS][NOBS];

    for (int t = 0; t < 3; t++) {
        for (int s = 0; s < NS; s++) {
            init[s] = rand_logp();
            for (int q = 0; q < NS; q++)
                trans[s][q] = rand_logp();
            for (int o = 0; o < NOBS; o++)
                emit[s][o] = rand_logp();
        }
        if (t == 0) {
            /* strongly diagonal model: state s emits symbol s (s<3) cheaply */
            for (int s = 0; s < NS; s++) {
                for (int q = 0; q < NS; q++)
                    trans[s][q] = (int16_t)(s == q ? -8 : -300);
                for (int o = 0; o < NOBS; o++)
                    emit[s][o] = (int16_t)(s == o ? -4 : -500);
            }
        }
        for (int k = 0; k < STEPS; k++)
            obs[k] = (uint8_t)(t == 0 ? (k < 5 ? 1 : 2) : tb_rand() % NOBS);

        int32_t best = viterbi(obs, init, trans, emit, path);
        long e = ref_best(obs, init, trans, emit);
        for (int k = 0; k < STEPS; k++)
            if (path[k] >= NS) {
                printf("FAIL viterbi test %d: bad state %u\n", t, path[k]);
                return 1;
            }
        long ps = path_score(obs, init, trans, emit, path);
        if (best != e || ps != e) {
            printf("FAIL viterbi test %d: best %ld path score %ld expected %ld\n",
                   t, (long)best, ps, e);
            return 1;
        }
        if (t == 0) {
            for (int k = 0; k < STEPS; k++)
                if (path[k] != (k < 5 ? 1 : 2)) {
                    printf("FAIL viterbi test 0: path[%d]=%u\n", k, path[k]);
                    return 1;
                }
        }
        tb_mix((uint32_t)best);
        for (int k = 0; k < STEPS; k++)
            tb_mix(path[k]);
    }
    printf("checksum: %08x\n", tb_hash);
    return 0;
}
