/* idct8x8: fixed-point inverse of the orthonormal 8x8 DCT-II (i.e. a 2-D
 * DCT-III), separable rows-then-columns with a Q13 cosine ROM. Input
 * coefficients are clamped to [-2048, 2047]; output samples are rounded and
 * clamped to [-256, 255]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define B 8
#define COEF_MAX 2047
#define PIX_MIN (-256)
#define PIX_MAX 255

/* basis[u][x] = round(8192 * s(u) * cos((2x+1) u pi / 16)),
 * s(0) = sqrt(1/8), s(u>0) = 1/2 */
static const int16_t basis[B][B] = {
    { 2896,  2896,  2896,  2896,  2896,  2896,  2896,  2896},
    { 4017,  3406,  2276,   799,  -799, -2276, -3406, -4017},
    { 3784,  1567, -1567, -3784, -3784, -1567,  1567,  3784},
    { 3406,  -799, -4017, -2276,  2276,  4017,   799, -3406},
    { 2896, -2896, -2896,  2896,  2896, -2896, -2896,  2896},
    { 2276, -4017,   799,  3406, -3406,  -799,  4017, -2276},
    { 1567, -3784,  3784, -1567, -1567,  3784, -3784,  1567},
    {  799, -2276,  3406, -4017,  4017, -3406,  2276,  -799},
};

static int32_t clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void idct8x8(const int16_t in[B][B], int16_t out[B][B])
{
    int32_t coef[B][B];
    int32_t mid[B][B];   /* Q2 intermediate */
    for (int u = 0; u < B; u++)
        for (int v = 0; v < B; v++)
            coef[u][v] = clamp(in[u][v], -COEF_MAX - 1, COEF_MAX);

    /* stage 1: mid[x][v] = sum_u basis[u][x] * coef[u][v] */
    for (int x = 0; x < B; x++) {
        for (int v = 0; v < B; v++) {
            int32_t acc = 0;
            for (int u = 0; u < B; u++)
                acc += basis[u][x] * coef[u][v];
            mid[x][v] = (acc + (1 << 10)) >> 11;
        }
    }
    /* stage 2: out[x][y] = sum_v mid[x][v] * basis[v][y] */
    for (int x = 0; x < B; x++) {
        for (int y = 0; y < B; y++) {
            int32_t acc = 0;
            for (int v = 0; v < B; v++)
                acc += mid[x][v] * basis[v][y];
            int32_t pix = (acc + (1 << 14)) >> 15;
            out[x][y] = (int16_t)clamp(pix, PIX_MIN, PIX_MAX);
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_seed = 31337u;
static uint32_t tb_rand(void)
{
    tb_seed = tb_seed * 22695477u + 1u;
    return tb_seed >> 10;
}

static uint32_t tb_hash(uint32_t h, int32_t v)
{
    uint32_t u = (uint32_t)v;
    for (int k = 0; k < 4; k++) {
        h ^= (u >> (8 * k)) & 0xffu;
        h *= 16777619u;
    }
    return h;
}

/* cos(m * pi / 16) for m = 0..8 */
static const double cq[9] = {
    1.0, 0.98078528040323043, 0.92387953251128674, 0.83146961230254524,
    0.70710678118654752, 0.55557023301960218, 0.38268343236508977,
    0.19509032201612826, 0.0
};

/* weighted basis value s(u) * cos((2x+1) u pi / 16) */
static double wb(int u, int x)
{
    int m = ((2 * x + 1) * u) % 32;
    double c;
    if (m > 16)
        m = 32 - m;
    c = (m > 8) ? -cq[16 - m] : cq[m];
    return c * (u ? 0.5 : 0.35355339059327376);
}

static long long round_nearest(double d)
{
    return (long long)(d < 0 ? d - 0.5 : d + 0.5);
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_seed ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_seed == 0)
            tb_seed = 31337u;
    }
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 3; call++) {
        int16_t pix[B][B], coefs[B][B], rec[B][B];
        for (int x = 0; x < B; x++)
            for (int y = 0; y < B; y++) {
                if (call == 0)
                    pix[x][y] = (int16_t)((int32_t)(tb_rand() % 256u) - 128);
                else if (call == 1)
                    pix[x][y] = (int16_t)(16 * x - 8 * y + 3);            /* ramp */
                else
                    pix[x][y] = (int16_t)((int32_t)(tb_rand() % 512u) - 256);
            }
        /* forward DCT in double precision, rounded to integer coefficients */
        for (int u = 0; u < B; u++)
            for (int v = 0; v < B; v++) {
                double s = 0.0;
                for (int x = 0; x < B; x++)
                    for (int y = 0; y < B; y++)
                        s += wb(u, x) * wb(v, y) * pix[x][y];
                coefs[u][v] = (int16_t)round_nearest(s);
            }
        /* cast: ISO C99 does not convert int16_t (*)[8] to const int16_t (*)[8] */
        idct8x8((const int16_t (*)[B])coefs, rec);
        for (int x = 0; x < B; x++)
            for (int y = 0; y < B; y++) {
                /* exact inverse of the rounded coefficients */
                double s = 0.0;
                for (int u = 0; u < B; u++)
                    for (int v = 0; v < B; v++)
                        s += wb(u, x) * wb(v, y) * coefs[u][v];
                if (s < PIX_MIN) s = PIX_MIN;
                if (s > PIX_MAX) s = PIX_MAX;
                double e1 = rec[x][y] - s;
                int e2 = rec[x][y] - pix[x][y];
                if (e2 < 0) e2 = -e2;
                if ((e1 > 1.5 || e1 < -1.5 || e2 > 2) && fails == 0) {
                    printf("FAIL call %d pixel (%d,%d): got %d, orig %d, exact %.3f\n",
                           call, x, y, rec[x][y], pix[x][y], s);
                    fails++;
                }
                h = tb_hash(h, rec[x][y]);
            }
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
