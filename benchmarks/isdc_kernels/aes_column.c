/* aes_column: one AES-128 encryption round (SubBytes, ShiftRows,
 * MixColumns, AddRoundKey) for one 4-byte column, with no lookup tables.
 * ShiftRows is wiring: the caller passes the four state bytes that land in
 * this column (s[0][c], s[1][c+1], s[2][c+2], s[3][c+3]). SubBytes is
 * computed in GF(2^8) mod x^8+x^4+x^3+x+1: the inverse as x^254 through an
 * addition chain of 4 multiplies (shift-and-add, unrolled) and 7 squarings
 * (squaring is linear: spread bits 0-3, fold bits 4-7 in as x^8 = 0x1b,
 * x^10 = 0x6c, x^12 = 0xab, x^14 = 0x9a), then the affine map. MixColumns
 * uses xtime. Input column and round key: 4 x uint8 each; output 4 x
 * uint8 (all fully partitioned). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t gf_xtime(uint32_t a)
{
    uint32_t s = (a << 1) & 0xffu;
    return (a & 0x80u) ? (s ^ 0x1bu) : s;
}

static uint32_t gf_mul(uint32_t a, uint32_t b)
{
    uint32_t p = 0;
    for (int i = 0; i < 8; i++) {
#pragma HLS unroll
        p ^= ((b >> i) & 1u) ? a : 0u;
        a = gf_xtime(a);
    }
    return p;
}

static uint32_t gf_sq(uint32_t a)
{
    uint32_t r = (a & 1u) | ((a & 2u) << 1) | ((a & 4u) << 2) | ((a & 8u) << 3);
    r ^= (a & 0x10u) ? 0x1bu : 0u;
    r ^= (a & 0x20u) ? 0x6cu : 0u;
    r ^= (a & 0x40u) ? 0xabu : 0u;
    r ^= (a & 0x80u) ? 0x9au : 0u;
    return r;
}

static uint32_t aes_sbox(uint32_t x)
{
    uint32_t x2 = gf_sq(x);
    uint32_t x3 = gf_mul(x2, x);
    uint32_t x12 = gf_sq(gf_sq(x3));
    uint32_t x14 = gf_mul(x12, x2);
    uint32_t x15 = gf_mul(x12, x3);
    uint32_t x240 = gf_sq(gf_sq(gf_sq(gf_sq(x15))));
    uint32_t inv = gf_mul(x240, x14);         /* x^254 = x^-1, 0 -> 0 */
    uint32_t s = inv;
    for (int k = 1; k < 5; k++) {
#pragma HLS unroll
        s ^= ((inv << k) | (inv >> (8 - k))) & 0xffu;
    }
    return s ^ 0x63u;
}

void aes_column(const uint8_t col[4], const uint8_t rk[4], uint8_t out[4])
{
#pragma HLS array_partition variable=col complete
#pragma HLS array_partition variable=rk complete
#pragma HLS array_partition variable=out complete
    uint32_t a0 = aes_sbox(col[0]), a1 = aes_sbox(col[1]);
    uint32_t a2 = aes_sbox(col[2]), a3 = aes_sbox(col[3]);
    uint32_t d0 = gf_xtime(a0), d1 = gf_xtime(a1);
    uint32_t d2 = gf_xtime(a2), d3 = gf_xtime(a3);
    out[0] = (uint8_t)(d0 ^ d1 ^ a1 ^ a2 ^ a3 ^ rk[0]);
    out[1] = (uint8_t)(a0 ^ d1 ^ d2 ^ a2 ^ a3 ^ rk[1]);
    out[2] = (uint8_t)(a0 ^ a1 ^ d2 ^ d3 ^ a3 ^ rk[2]);
    out[3] = (uint8_t)(d0 ^ a0 ^ a1 ^ a2 ^ d3 ^ rk[3]);
}

/* ---------------- testbench ---------------- */
#define NCALLS 600

static uint32_t tb_state = 0xae5c01d5u;
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
    for (int i = 0; i < 4; i++) {
        tb_hash ^= (v >> (8 * i)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

/* reference: S-box table built by brute-force inverse search with a
 * Russian-peasant multiply, affine map by bit matrix rows, MixColumns as
 * a rolled circulant matrix product */
static uint8_t ref_sb[256];

static uint8_t ref_gmul(uint8_t a, uint8_t b)
{
    uint8_t p = 0;
    while (b) {
        if (b & 1)
            p ^= a;
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return p;
}

static void ref_init(void)
{
    for (int x = 0; x < 256; x++) {
        uint8_t inv = 0;
        for (int y = 1; y < 256 && x != 0; y++)
            if (ref_gmul((uint8_t)x, (uint8_t)y) == 1) {
                inv = (uint8_t)y;
                break;
            }
        uint8_t s = 0;
        for (int bit = 0; bit < 8; bit++) {
            int v = ((inv >> bit) ^ (inv >> ((bit + 4) % 8)) ^ (inv >> ((bit + 5) % 8)) ^
                     (inv >> ((bit + 6) % 8)) ^ (inv >> ((bit + 7) % 8)) ^ (0x63 >> bit)) & 1;
            s |= (uint8_t)(v << bit);
        }
        ref_sb[x] = s;
    }
}

static void ref_column(const uint8_t *col, const uint8_t *rk, uint8_t *o)
{
    static const uint8_t coef[4] = { 2, 3, 1, 1 };
    uint8_t s[4];
    for (int r = 0; r < 4; r++)
        s[r] = ref_sb[col[r]];
    for (int r = 0; r < 4; r++) {
        uint8_t acc = rk[r];
        for (int k = 0; k < 4; k++)
            acc ^= ref_gmul(coef[(k - r + 4) % 4], s[k]);
        o[r] = acc;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xae5c01d5u;
    }
    int fail = 0;
    ref_init();
    if (ref_sb[0x00] != 0x63 || ref_sb[0x53] != 0xed || ref_sb[0xff] != 0x16) {
        printf("FAIL reference S-box\n");
        fail = 1;
    }

    /* known answer: FIPS-197 appendix B, round 1 of the example */
    static const uint8_t st[16] = {
        0x19, 0x3d, 0xe3, 0xbe, 0xa0, 0xf4, 0xe2, 0x2b,
        0x9a, 0xc6, 0x8d, 0x2a, 0xe9, 0xf8, 0x48, 0x08
    };
    static const uint8_t rk1[16] = {
        0xa0, 0xfa, 0xfe, 0x17, 0x88, 0x54, 0x2c, 0xb1,
        0x23, 0xa3, 0x39, 0x39, 0x2a, 0x6c, 0x76, 0x05
    };
    static const uint8_t want1[16] = {
        0xa4, 0x9c, 0x7f, 0xf2, 0x68, 0x9f, 0x35, 0x2b,
        0x6b, 0x5b, 0xea, 0x43, 0x02, 0x6a, 0x50, 0x49
    };
    uint8_t col[4], rk[4], out[4], ref[4];
    for (int c = 0; c < 4; c++) {
        for (int r = 0; r < 4; r++) {
            col[r] = st[4 * ((c + r) % 4) + r];   /* ShiftRows */
            rk[r] = rk1[4 * c + r];
        }
        aes_column(col, rk, out);
        for (int r = 0; r < 4; r++) {
            if (out[r] != want1[4 * c + r]) {
                printf("FAIL FIPS-197 round 1 byte %d: got %02x want %02x\n",
                       4 * c + r, out[r], want1[4 * c + r]);
                fail = 1;
            }
            tb_mix(out[r]);
        }
    }

    /* every byte value through each S-box lane, then random columns */
    for (int call = 0; call < NCALLS && !fail; call++) {
        uint32_t r0 = tb_rand(), r1 = tb_rand();
        for (int r = 0; r < 4; r++) {
            col[r] = (uint8_t)(r0 >> (8 * r));
            rk[r] = (uint8_t)(r1 >> (8 * r));
            if (call < 256)
                col[r] = (uint8_t)(call + 64 * r);
        }
        aes_column(col, rk, out);
        ref_column(col, rk, ref);
        for (int r = 0; r < 4; r++) {
            if (out[r] != ref[r]) {
                printf("FAIL call %d byte %d: got %02x want %02x\n", call, r, out[r], ref[r]);
                fail = 1;
                break;
            }
            tb_mix(out[r]);
        }
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
