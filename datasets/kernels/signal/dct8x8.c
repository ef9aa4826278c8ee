/* dct8x8: orthonormal 2-D DCT-II of an 8x8 block in fixed point, computed
 * separably (columns, then rows) with a Q13 cosine table held in ROM.
 * Input samples in [-256, 255]; outputs are rounded integer coefficients. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define B 8

/* dct_tab[u][x] = round(8192 * s(u) * cos((2x+1) u pi / 16)),
 * s(0) = sqrt(1/8), s(u>0) = 1/2 */
static const int16_t dct_tab[B][B] = {
    { 2896,  2896,  2896,  2896,  2896,  2896,  2896,  2896},
    { 4017,  3406,  2276,   799,  -799, -2276, -3406, -4017},
    { 3784,  1567, -1567, -3784, -3784, -1567,  1567,  3784},
    { 3406,  -799, -4017, -2276,  2276,  4017,   799, -3406},
    { 2896, -2896, -2896,  2896,  2896, -2896, -2896,  2896},
    { 2276, -4017,   799,  3406, -3406,  -799,  4017, -2276},
    { 1567, -3784,  3784, -1567, -1567,  3784, -3784,  1567},
    {  799, -2276,  3406, -4017,  4017, -3406,  2276,  -799},
};

void dct8x8(const int16_t in[B][B], int16_t out[B][B])
{
    int32_t tmp[B][B];   /* Q3 intermediate */
#pragma HLS array_partition variable=tmp type=complete dim=2
    /* pass 1: transform down each column: tmp[u][y] = sum_x C[u][x] in[x][y] */
    for (int u = 0; u < B; u++) {
        for (int y = 0; y < B; y++) {
#pragma HLS pipeline II=1
            int32_t acc = 0;
            for (int x = 0; x < B; x++)
                acc += (int32_t)dct_tab[u][x] * in[x][y];
            tmp[u][y] = (acc + (1 << 9)) >> 10;
        }
    }
    /* pass 2: transform along each row: out[u][v] = sum_y tmp[u][y] C[v][y] */
    for (int u = 0; u < B; u++) {
        for (int v = 0; v < B; v++) {
#pragma HLS pipeline II=1
            int32_t acc = 0;
            for (int y = 0; y < B; y++)
                acc += tmp[u][y] * dct_tab[v][y];
            out[u][v] = (int16_t)((acc + (1 << 15)) >> 16);
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_seed = 0x0badcafeu;
static uint32_t tb_rand(void)
{
    tb_seed ^= tb_seed << 13;
    tb_seed ^= tb_seed >> 17;
    tb_seed ^= tb_seed << 5;
    return tb_seed;
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

/* cos(m * pi / 16) for m = 0..8; other m by symmetry */
static const double cos16[9] = {
    1.0, 0.98078528040323043, 0.92387953251128674, 0.83146961230254524,
    0.70710678118654752, 0.55557023301960218, 0.38268343236508977,
    0.19509032201612826, 0.0
};

static double cos_pi16(int m)
{
    m %= 32;
    if (m > 16)
        m = 32 - m;               /* cos(2pi - a) = cos(a) */
    if (m > 8)
        return -cos16[16 - m];    /* cos(pi - a) = -cos(a) */
    return cos16[m];
}

static void ref_dct(const int16_t in[B][B], double out[B][B])
{
    for (int u = 0; u < B; u++)
        for (int v = 0; v < B; v++) {
            double s = 0.0;
            for (int x = 0; x < B; x++)
                for (int y = 0; y < B; y++)
                    s += in[x][y] * cos_pi16((2 * x + 1) * u) * cos_pi16((2 * y + 1) * v);
            double su = u ? 0.5 : 0.35355339059327376;
            double sv = v ? 0.5 : 0.35355339059327376;
            out[u][v] = s * su * sv;
        }
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_seed ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_seed == 0)
            tb_seed = 0x0badcafeu;
    }
    uint32_t h = 2166136261u;
    int fails = 0;
    for (int call = 0; call < 3; call++) {
        int16_t in[B][B], out[B][B];
        double ref[B][B];
        for (int x = 0; x < B; x++)
            for (int y = 0; y < B; y++) {
                if (call == 0)
                    in[x][y] = 100;                                   /* flat block */
                else if (call == 1)
                    in[x][y] = (int16_t)((int32_t)(tb_rand() % 512u) - 256);
                else
                    in[x][y] = (int16_t)(((x + y) & 1) ? 255 : -256);  /* checkerboard */
            }
        /* cast: ISO C99 does not convert int16_t (*)[8] to const int16_t (*)[8] */
        dct8x8((const int16_t (*)[B])in, out);
        ref_dct((const int16_t (*)[B])in, ref);
        for (int u = 0; u < B; u++)
            for (int v = 0; v < B; v++) {
                double d = out[u][v] - ref[u][v];
                if ((d > 1.5 || d < -1.5) && fails == 0) {
                    printf("FAIL call %d coef (%d,%d): got %d want %.3f\n",
                           call, u, v, out[u][v], ref[u][v]);
                    fails++;
                }
                h = tb_hash(h, out[u][v]);
            }
        /* known answer: a flat block has only a DC term of 8 * value */
        if (call == 0) {
            for (int u = 0; u < B; u++)
                for (int v = 0; v < B; v++) {
                    int want = (u == 0 && v == 0) ? 800 : 0;
                    int d = out[u][v] - want;
                    if ((d > 1 || d < -1) && fails == 0) {
                        printf("FAIL flat block coef (%d,%d) = %d\n", u, v, out[u][v]);
                        fails++;
                    }
                }
        }
    }
    printf("checksum: %08x\n", h);
    return fails ? 1 : 0;
}
