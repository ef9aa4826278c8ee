/* bezier_q15: point on a 2-D cubic Bezier curve by de Casteljau's
 * algorithm in fixed point. Control points: 4 x and 4 y int16 coordinates
 * (Q8.8, fully partitioned); parameter t in Q15 (0..32768 = 0..1, larger
 * inputs clamp to 1). Each of the 6 linear interpolations per axis is
 * p + ((q - p) * t >> 15) with a 17x16-bit multiply (floor rounding; the
 * result stays between p and q, so int16 never overflows). Output: x, y. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int32_t bz_lerp(int32_t p, int32_t q, int32_t t)
{
    return p + (((q - p) * t) >> 15);
}

static int16_t bz_axis(const int16_t c[4], int32_t t)
{
    int32_t a0 = bz_lerp(c[0], c[1], t);
    int32_t a1 = bz_lerp(c[1], c[2], t);
    int32_t a2 = bz_lerp(c[2], c[3], t);
    int32_t b0 = bz_lerp(a0, a1, t);
    int32_t b1 = bz_lerp(a1, a2, t);
    return (int16_t)bz_lerp(b0, b1, t);
}

void bezier_q15(const int16_t px[4], const int16_t py[4], uint16_t t,
                int16_t out[2])
{
#pragma HLS array_partition variable=px complete
#pragma HLS array_partition variable=py complete
#pragma HLS array_partition variable=out complete
    int32_t tt = t > 32768 ? 32768 : (int32_t)t;
    out[0] = bz_axis(px, tt);
    out[1] = bz_axis(py, tt);
}

/* ---------------- testbench ---------------- */
#define NCURVES 60
#define NSTEPS 12

static uint32_t tb_state = 0xbe21e3c5u;
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

/* reference 1 (bit exact): rolled triangular de Casteljau in int64 with an
 * explicit floor division */
static int64_t ref_floordiv(int64_t n, int64_t d)
{
    int64_t q = n / d;
    if ((n % d != 0) && (n < 0))
        q--;
    return q;
}

static int32_t ref_casteljau(const int16_t *c, int64_t t)
{
    int64_t v[4];
    for (int i = 0; i < 4; i++)
        v[i] = c[i];
    for (int lvl = 3; lvl > 0; lvl--)
        for (int i = 0; i < lvl; i++)
            v[i] = v[i] + ref_floordiv((v[i + 1] - v[i]) * t, 32768);
    return (int32_t)v[0];
}

/* reference 2 (accuracy): exact Bernstein form scaled by 2^45 */
static int64_t ref_bernstein(const int16_t *c, int64_t t)
{
    int64_t s = 32768 - t;
    return s * s * s * c[0] + 3 * s * s * t * c[1] + 3 * s * t * t * c[2] +
           t * t * t * c[3];
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0xbe21e3c5u;
    }
    int fail = 0;
    int16_t px[4], py[4], out[2];
    for (int cv = 0; cv < NCURVES && !fail; cv++) {
        for (int i = 0; i < 4; i++) {
            px[i] = (int16_t)((int32_t)(tb_rand() >> 16) - 32768);
            py[i] = (int16_t)((int32_t)(tb_rand() >> 20) - 2048);
            if (cv == 0) {              /* extreme swing */
                px[i] = (int16_t)((i & 1) ? 32767 : -32768);
                py[i] = (int16_t)((i & 1) ? -32768 : 32767);
            }
        }
        for (int st = 0; st <= NSTEPS; st++) {
            uint32_t t;
            if (st == 0)
                t = 0;
            else if (st == NSTEPS)
                t = (cv & 1) ? 32768u : 65535u;     /* 1.0 and clamped */
            else
                t = tb_rand() & 0x7fffu;
            bezier_q15(px, py, (uint16_t)t, out);
            int64_t tc = t > 32768u ? 32768 : (int64_t)t;
            for (int ax = 0; ax < 2; ax++) {
                const int16_t *c = ax ? py : px;
                int32_t want = ref_casteljau(c, tc);
                int64_t exact = ref_bernstein(c, tc);
                int64_t err = (int64_t)out[ax] * ((int64_t)1 << 45) - exact;
                if (err < 0)
                    err = -err;
                if (out[ax] != want || err > ((int64_t)3 << 45) ||
                    (tc == 0 && out[ax] != c[0]) ||
                    (tc == 32768 && out[ax] != c[3])) {
                    printf("FAIL curve %d t %u axis %d: got %d want %d\n",
                           cv, (unsigned)t, ax, out[ax], (int)want);
                    fail = 1;
                    break;
                }
                tb_mix((uint32_t)(int32_t)out[ax]);
            }
            if (fail)
                break;
        }
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
