/* siphash_like: a small keyed ARX (add-rotate-xor) mixing function over
 * uint64 words, OF THIS CORPUS'S OWN DESIGN ("kiln-ARX"): SipHash-shaped
 * (4-word state, per-word absorb/mix, finalisation rounds) but with its own
 * constants, rotations and round structure. It is NOT SipHash and has no
 * security claim. Sizes: message 8 x uint64, key 2 x uint64, 64-bit output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MSG_WORDS 8
#define ABSORB_ROUNDS 2
#define FINAL_ROUNDS 4

#define ROTL64(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

/* state initialisation constants (ASCII "kiln-arx", "mix-four",
 * "hls-core", "u64words") */
#define IV0 0x6b696c6e2d617278ull
#define IV1 0x6d69782d666f7572ull
#define IV2 0x686c732d636f7265ull
#define IV3 0x753634776f726473ull

static void arx_round(uint64_t v[4])
{
    v[0] += v[1];
    v[2] += v[3];
    v[1] = ROTL64(v[1], 11) ^ v[0];
    v[3] = ROTL64(v[3], 19) ^ v[2];
    v[0] = ROTL64(v[0], 29);
    v[2] += v[1];
    v[0] += v[3];
    v[1] = ROTL64(v[1], 7) ^ v[2];
    v[3] = ROTL64(v[3], 41) ^ v[0];
    v[2] = ROTL64(v[2], 23);
}

uint64_t siphash_like(const uint64_t msg[MSG_WORDS], const uint64_t key[2])
{
    uint64_t v[4];
    v[0] = key[0] ^ IV0;
    v[1] = key[1] ^ IV1;
    v[2] = key[0] + IV2;
    v[3] = key[1] ^ IV3;

    for (int i = 0; i < MSG_WORDS; i++) {
        uint64_t m = msg[i];
        v[3] ^= m;
        for (int r = 0; r < ABSORB_ROUNDS; r++)
            arx_round(v);
        v[0] ^= m;
    }

    v[2] ^= (uint64_t)(MSG_WORDS * 8) | 0xa500u;
    for (int r = 0; r < FINAL_ROUNDS; r++)
        arx_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x13579bdfu;

static uint32_t tb_rand(void)
{
    uint32_t x = tb_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tb_state = x;
    return x;
}

static uint64_t tb_rand64(void)
{
    uint64_t hi = tb_rand();
    return (hi << 32) | tb_rand();
}

static uint32_t tb_hash = 2166136261u;

static void tb_mix(uint32_t v)
{
    for (int b = 0; b < 4; b++) {
        tb_hash ^= (v >> (8 * b)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

/* reference: same function written with four named scalars and a rotate
 * helper instead of the state array and macro */
static uint64_t rol(uint64_t x, unsigned n)
{
    return (x << n) | (x >> (64u - n));
}

static uint64_t ref_hash(const uint64_t *m, const uint64_t *k)
{
    uint64_t a = k[0] ^ IV0, b = k[1] ^ IV1, c = k[0] + IV2, d = k[1] ^ IV3;
    int total = MSG_WORDS * ABSORB_ROUNDS;
    for (int step = 0; step < total + FINAL_ROUNDS; step++) {
        if (step < total && step % ABSORB_ROUNDS == 0)
            d ^= m[step / ABSORB_ROUNDS];
        if (step == total)
            c ^= 0xa540u;
        a += b; c += d;
        b = rol(b, 11) ^ a; d = rol(d, 19) ^ c;
        a = rol(a, 29);
        c += b; a += d;
        b = rol(b, 7) ^ c; d = rol(d, 41) ^ a;
        c = rol(c, 23);
        if (step < total && step % ABSORB_ROUNDS == ABSORB_ROUNDS - 1)
            a ^= m[step / ABSORB_ROUNDS];
    }
    return a ^ b ^ c ^ d;
}

/* known answer for call 0, computed with an independent Python model */
#define KAT0 0xb1ef4c88215c8b93ull

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x13579bdfu;
    }
    uint64_t msg[MSG_WORDS], key[2];
    uint64_t out[3];
    int fail = 0;

    for (int call = 0; call < 3; call++) {
        if (call == 0) {
            /* fixed vector: msg[i] = i, key = {0x0706050403020100, 0x0f0e0d0c0b0a0908} */
            for (int i = 0; i < MSG_WORDS; i++)
                msg[i] = (uint64_t)i;
            key[0] = 0x0706050403020100ull;
            key[1] = 0x0f0e0d0c0b0a0908ull;
        } else if (call == 1) {
            for (int i = 0; i < MSG_WORDS; i++)
                msg[i] = tb_rand64();
            key[0] = tb_rand64();
            key[1] = tb_rand64();
        } else {
            msg[MSG_WORDS / 2] ^= 1ull << 37;   /* one-bit change of call 1 */
        }
        out[call] = siphash_like(msg, key);
        uint64_t ref = ref_hash(msg, key);
        if (out[call] != ref) {
            printf("FAIL call %d: got %016llx reference %016llx\n", call,
                   (unsigned long long)out[call], (unsigned long long)ref);
            fail = 1;
        }
        tb_mix((uint32_t)out[call]);
        tb_mix((uint32_t)(out[call] >> 32));
    }
    if (out[0] != KAT0) {
        printf("FAIL known answer: got %016llx\n", (unsigned long long)out[0]);
        fail = 1;
    }
    if (out[1] == out[2]) {
        printf("FAIL one-bit message change did not change the output\n");
        fail = 1;
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
