/* median3x3: 3x3 median filter on an 8x8 uint8 image. The median of the 9
 * window values is found with a compare-exchange network (sort rows of three,
 * then combine); border pixels are copied from the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define H 8
#define W 8

/* order v[a] <= v[b] */
static void cmp_xchg(uint8_t v[9], int a, int b)
{
    uint8_t lo = v[a] < v[b] ? v[a] : v[b];
    uint8_t hi = v[a] < v[b] ? v[b] : v[a];
    v[a] = lo;
    v[b] = hi;
}

static uint8_t median9(uint8_t v[9])
{
    /* sort each group of three: (0,1,2) (3,4,5) (6,7,8) */
    for (int g = 0; g < 9; g += 3) {
        cmp_xchg(v, g, g + 1);
        cmp_xchg(v, g + 1, g + 2);
        cmp_xchg(v, g, g + 1);
    }
    /* largest of the minima ends in v[6] */
    cmp_xchg(v, 0, 3);
    cmp_xchg(v, 3, 6);
    /* middle of the middles ends in v[4] */
    cmp_xchg(v, 1, 4);
    cmp_xchg(v, 4, 7);
    cmp_xchg(v, 1, 4);
    /* smallest of the maxima ends in v[2] */
    cmp_xchg(v, 5, 8);
    cmp_xchg(v, 2, 5);
    /* median of v[2], v[4], v[6] ends in v[4] */
    cmp_xchg(v, 2, 4);
    cmp_xchg(v, 4, 6);
    cmp_xchg(v, 2, 4);
    return v[4];
}

void median3x3(const uint8_t src[H][W], uint8_t dst[H][W])
{
    for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++) {
            if (r == 0 || r == H - 1 || c == 0 || c == W - 1) {
                dst[r][c] = src[r][c];
            } else {
                uint8_t win[9];
                int k = 0;
                for (int i = -1; i <= 1; i++)
                    for (int j = -1; j <= 1; j++)
                        win[k++] = src[r + i][c + j];
                dst[r][c] = median9(win);
            }
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x2468ace1u;
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

/* reference: insertion sort of the window, take the middle */
static uint8_t ref_median(const uint8_t src[H][W], int r, int c)
{
    uint8_t a[9];
    int n = 0;
    for (int i = r - 1; i <= r + 1; i++)
        for (int j = c - 1; j <= c + 1; j++) {
            uint8_t x = src[i][j];
            int p = n++;
            while (p > 0 && a[p - 1] > x) {
                a[p] = a[p - 1];
                p--;
            }
            a[p] = x;
        }
    return a[4];
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x2468ace1u;
    }
    uint8_t img[H][W], out[H][W];
    for (int t = 0; t < 3; t++) {
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++) {
                if (t == 0) {   /* flat image with salt-and-pepper noise */
                    uint32_t x = tb_rand() & 15;
                    img[r][c] = (uint8_t)(x == 0 ? 255 : (x == 1 ? 0 : 100));
                } else if (t == 1) {
                    img[r][c] = (uint8_t)(tb_rand() & 7); /* many ties */
                } else {
                    img[r][c] = (uint8_t)tb_rand();
                }
            }
        median3x3(img, out);
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++) {
                uint8_t e = (r == 0 || r == H - 1 || c == 0 || c == W - 1)
                                ? img[r][c] : ref_median(img, r, c);
                if (out[r][c] != e) {
                    printf("FAIL median3x3 test %d at (%d,%d): got %u expected %u\n",
                           t, r, c, out[r][c], e);
                    return 1;
                }
                tb_mix(out[r][c]);
            }
    }
    printf("checksum: %08x\n", tb_hash);
    return 0;
}
