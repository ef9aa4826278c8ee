/* sha256_round: one full SHA-256 compression of a single 64-byte block:
 * 64-word message schedule, then 64 rounds using the K constant ROM, then
 * the feed-forward add into the 8-word chaining state (updated in place).
 * Sizes: block 64 bytes, state 8 x uint32, 64 rounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SHA_ROUNDS 64
#define BLOCK_BYTES 64

#define ROTR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BSIG0(x) (ROTR32(x, 2) ^ ROTR32(x, 13) ^ ROTR32(x, 22))
#define BSIG1(x) (ROTR32(x, 6) ^ ROTR32(x, 11) ^ ROTR32(x, 25))
#define SSIG0(x) (ROTR32(x, 7) ^ ROTR32(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR32(x, 17) ^ ROTR32(x, 19) ^ ((x) >> 10))

/* round constants: first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes */
const uint32_t sha256_k[SHA_ROUNDS] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u,
    0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u,
    0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u,
    0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

void sha256_round(uint32_t state[8], const uint8_t block[BLOCK_BYTES])
{
    uint32_t w[SHA_ROUNDS];
#pragma HLS array_partition variable=w type=cyclic factor=4 dim=1

    for (int t = 0; t < 16; t++) {
#pragma HLS pipeline II=1
        w[t] = ((uint32_t)block[4 * t] << 24) |
               ((uint32_t)block[4 * t + 1] << 16) |
               ((uint32_t)block[4 * t + 2] << 8) |
               (uint32_t)block[4 * t + 3];
    }
    for (int t = 16; t < SHA_ROUNDS; t++) {
#pragma HLS pipeline II=1
        uint32_t x = w[t - 15];
        uint32_t y = w[t - 2];
        w[t] = w[t - 16] + SSIG0(x) + w[t - 7] + SSIG1(y);
    }

    uint32_t a = state[0];
    uint32_t b = state[1];
    uint32_t c = state[2];
    uint32_t d = state[3];
    uint32_t e = state[4];
    uint32_t f = state[5];
    uint32_t g = state[6];
    uint32_t h = state[7];

    for (int t = 0; t < SHA_ROUNDS; t++) {
#pragma HLS pipeline II=1
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t1 = h + BSIG1(e) + ch + sha256_k[t] + w[t];
        uint32_t t2 = BSIG0(a) + maj;
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }

    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

/* ---------------- testbench ---------------- */

static uint32_t tb_hash = 2166136261u;

/* xorshift32 for the seeded call (only made when a nonzero seed is given) */
static uint32_t tb_state = 0x5a256c0du;

static uint32_t tb_rand(void)
{
    uint32_t x = tb_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tb_state = x;
    return x;
}

static void tb_mix(uint32_t v)
{
    for (int b = 0; b < 4; b++) {
        tb_hash ^= (v >> (8 * b)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

static const uint32_t sha256_iv[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static uint32_t rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

/* reference compression: 16-word rolling schedule, state held in an array
 * that is rotated each round */
static void ref_compress(uint32_t hs[8], const uint8_t *blk)
{
    uint32_t win[16], v[8];
    for (int i = 0; i < 16; i++)
        win[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
                 (uint32_t)blk[4 * i + 2] << 8 | (uint32_t)blk[4 * i + 3];
    for (int i = 0; i < 8; i++)
        v[i] = hs[i];
    for (int r = 0; r < 64; r++) {
        uint32_t wr;
        if (r < 16) {
            wr = win[r];
        } else {
            uint32_t w15 = win[(r - 15) & 15], w2 = win[(r - 2) & 15];
            uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
            uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
            wr = win[r & 15] + s0 + win[(r - 7) & 15] + s1;
            win[r & 15] = wr;
        }
        uint32_t e = v[4], a = v[0];
        uint32_t temp1 = v[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                         ((e & v[5]) | (~e & v[6])) + sha256_k[r] + wr;
        uint32_t temp2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                         ((a & (v[1] | v[2])) | (v[1] & v[2]));
        for (int i = 7; i > 0; i--)
            v[i] = v[i - 1];
        v[4] += temp1;
        v[0] = temp1 + temp2;
    }
    for (int i = 0; i < 8; i++)
        hs[i] += v[i];
}

static int check_state(const char *what, const uint32_t got[8], const uint32_t want[8])
{
    for (int i = 0; i < 8; i++) {
        if (got[i] != want[i]) {
            printf("FAIL %s word %d: got %08x expected %08x\n",
                   what, i, (unsigned)got[i], (unsigned)want[i]);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t seed = argc > 1 ? (uint32_t)atoi(argv[1]) : 0u;
    /* FIPS 180 examples: SHA-256("abc") and the 56-byte two-block message */
    static const uint32_t abc_digest[8] = {
        0xba7816bfu, 0x8f01cfeau, 0x414140deu, 0x5dae2223u,
        0xb00361a3u, 0x96177a9cu, 0xb410ff61u, 0xf20015adu,
    };
    static const uint32_t two_block_digest[8] = {
        0x248d6a61u, 0xd20638b8u, 0xe5c02693u, 0x0c3e6039u,
        0xa33ce459u, 0x64ff2167u, 0xf6ecedd4u, 0x19db06c1u,
    };
    static const char msg56[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    uint8_t block[BLOCK_BYTES];
    uint32_t st[8], ref[8];
    int fail = 0;

    /* call 1: padded "abc" block */
    for (int i = 0; i < BLOCK_BYTES; i++)
        block[i] = 0;
    block[0] = 'a';
    block[1] = 'b';
    block[2] = 'c';
    block[3] = 0x80;
    block[63] = 24;                 /* message length in bits */
    for (int i = 0; i < 8; i++)
        st[i] = ref[i] = sha256_iv[i];
    sha256_round(st, block);
    ref_compress(ref, block);
    fail |= check_state("abc digest", st, abc_digest);
    fail |= check_state("abc vs reference", st, ref);
    for (int i = 0; i < 8; i++)
        tb_mix(st[i]);

    /* calls 2 and 3: the 448-bit message, which pads into two blocks */
    for (int i = 0; i < 8; i++)
        st[i] = ref[i] = sha256_iv[i];
    for (int i = 0; i < BLOCK_BYTES; i++)
        block[i] = (i < 56) ? (uint8_t)msg56[i] : (i == 56 ? 0x80 : 0);
    sha256_round(st, block);
    ref_compress(ref, block);
    fail |= check_state("block 1 vs reference", st, ref);
    for (int i = 0; i < 8; i++)
        tb_mix(st[i]);
    for (int i = 0; i < BLOCK_BYTES; i++)
        block[i] = 0;
    block[62] = 0x01;               /* 448 bits = 0x1c0 */
    block[63] = 0xc0;
    sha256_round(st, block);
    ref_compress(ref, block);
    fail |= check_state("two-block digest", st, two_block_digest);
    fail |= check_state("block 2 vs reference", st, ref);
    for (int i = 0; i < 8; i++)
        tb_mix(st[i]);

    /* call 4 (seeded runs only): a random block over a random chaining state */
    if (seed != 0) {
        tb_state ^= seed * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x5a256c0du;
        for (int i = 0; i < 8; i++)
            st[i] = ref[i] = tb_rand();
        for (int i = 0; i < BLOCK_BYTES; i++)
            block[i] = (uint8_t)(tb_rand() >> 24);
        sha256_round(st, block);
        ref_compress(ref, block);
        fail |= check_state("seeded block vs reference", st, ref);
        for (int i = 0; i < 8; i++)
            tb_mix(st[i]);
    }

    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
