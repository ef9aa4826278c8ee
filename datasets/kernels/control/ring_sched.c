/* ring_sched: round-robin time slicing over 4 ring buffers of 8 job lengths. Each ring is
 * loaded rotated by `rot` slots; for 6 rounds every queue visits all 8 slots starting at a
 * queue-dependent offset ((s + round * (q + 1)) % 8) and takes up to (quantum & 15) + 1
 * units from each job. Reports remaining work, units served, jobs finished, the mean
 * remaining length, empty slots and the served share in percent.
 * Sizes: 4 queues x 8 slots, 6 rounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define Q 4
#define J 8
#define ROUNDS 6

void ring_sched(const uint16_t jobs[Q][J], uint8_t quantum, uint8_t rot, uint16_t left[Q][J],
                uint32_t served[Q], uint8_t done[Q], uint16_t avgleft[Q], uint8_t empty[Q],
                uint8_t share[Q])
{
    uint16_t ring[Q][J];
    uint32_t load[Q];
    uint8_t fin[Q];
    uint16_t qv = (uint16_t)((quantum & 15) + 1);
    for (int q = 0; q < Q; q++) {
        load[q] = 0;
        fin[q] = 0;
        for (int j = 0; j < J; j++) {
#pragma HLS pipeline II=1
            ring[q][j] = jobs[q][(j + rot) % J];
        }
    }
    for (int rd = 0; rd < ROUNDS; rd++) {
        for (int q = 0; q < Q; q++) {
            for (int s = 0; s < J; s++) {
#pragma HLS pipeline II=1
                int idx = (s + rd * (q + 1)) % J;
                uint16_t rem = ring[q][idx];
                uint16_t take = rem < qv ? rem : qv;
                ring[q][idx] = (uint16_t)(rem - take);
                load[q] = load[q] + take;
                if (rem != 0 && rem == take)
                    fin[q] = (uint8_t)(fin[q] + 1);
            }
        }
    }
    for (int q = 0; q < Q; q++) {
        uint32_t tot = 0;
        uint8_t z = 0;
        for (int j = 0; j < J; j++) {
#pragma HLS pipeline II=1
            left[q][j] = ring[q][j];
            tot += ring[q][j];
            z += left[q][j] == 0;
        }
        avgleft[q] = (uint16_t)(tot / J);
        served[q] = load[q];
        done[q] = fin[q];
        empty[q] = z;
        share[q] = (uint8_t)(load[q] * 100 / (load[q] + tot + 1));
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x7b0b1a5eu;

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
            tb_state = 0x7b0b1a5eu;
    }
    uint16_t jobs[Q][J], left[Q][J];
    uint32_t served[Q];
    uint8_t done[Q], empty[Q], share[Q];
    uint16_t avgleft[Q];
    int fails = 0;
    for (int t = 0; t < 4; t++) {
        uint8_t quantum = (uint8_t)(t == 0 ? 3 : tb_rand() & 0xffu);
        uint8_t rot = (uint8_t)(t == 0 ? 0 : tb_rand() & 0xffu);
        for (int q = 0; q < Q; q++)
            for (int j = 0; j < J; j++)
                jobs[q][j] = (uint16_t)(t == 0 ? 4 * j : tb_rand() % (t == 1 ? 20u : 120u));
        ring_sched(jobs, quantum, rot, left, served, done, avgleft, empty, share);
        /* reference: walk the schedule per queue, slot order written out explicitly */
        int bad = 0;
        int qv = quantum % 16 + 1;
        for (int q = 0; q < Q; q++) {
            int rem[J];
            long got = 0, fin = 0, tot = 0, z = 0;
            for (int j = 0; j < J; j++)
                rem[j] = jobs[q][(j + rot) & (J - 1)];
            for (int rd = 0; rd < ROUNDS; rd++) {
                int start = (rd * (q + 1)) & (J - 1);
                for (int s = 0; s < J; s++) {
                    int slot = (start + s) & (J - 1);
                    int take = rem[slot] < qv ? rem[slot] : qv;
                    if (rem[slot] > 0 && take == rem[slot])
                        fin++;
                    rem[slot] -= take;
                    got += take;
                }
            }
            for (int j = 0; j < J; j++) {
                bad |= left[q][j] != rem[j];
                tot += rem[j];
                z += rem[j] == 0;
                tb_mix(left[q][j]);
            }
            bad |= served[q] != got || done[q] != fin || avgleft[q] != tot / J;
            bad |= empty[q] != z || share[q] != got * 100 / (got + tot + 1);
            tb_mix(served[q]);
            tb_mix((uint32_t)done[q] | (uint32_t)avgleft[q] << 8);
            tb_mix((uint32_t)empty[q] | (uint32_t)share[q] << 8);
        }
        if (t == 0)
            bad |= served[0] != 108 || left[0][7] != 4 || done[1] != 6;
        if (bad) {
            printf("FAIL ring_sched test %d\n", t);
            fails++;
        }
    }
    printf("checksum: %08x\n", tb_hash);
    return fails ? 1 : 0;
}
