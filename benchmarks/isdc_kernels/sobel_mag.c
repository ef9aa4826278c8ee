/* sobel_mag: Sobel edge response of one pixel from its 3x3 uint8 window
 * (row-major, fully partitioned): gx, gy by the two 3x3 Sobel masks,
 * magnitude |gx| + |gy| clamped to 255, gradient direction quantized to 4
 * sectors (0: near x, 2: near y, 1/3: the two diagonals, boundaries at
 * tan 22.5 ~ 2/5 and tan 67.5 ~ 5/2), and an edge flag for magnitude >=
 * thresh. Result: mag | dir << 8 | edge << 10. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint16_t sobel_mag(const uint8_t w[9], uint8_t thresh)
{
#pragma HLS array_partition variable=w complete
    int32_t gx = ((int32_t)w[2] + 2 * (int32_t)w[5] + (int32_t)w[8]) -
                 ((int32_t)w[0] + 2 * (int32_t)w[3] + (int32_t)w[6]);
    int32_t gy = ((int32_t)w[6] + 2 * (int32_t)w[7] + (int32_t)w[8]) -
                 ((int32_t)w[0] + 2 * (int32_t)w[1] + (int32_t)w[2]);
    int32_t ax = gx < 0 ? -gx : gx;
    int32_t ay = gy < 0 ? -gy : gy;
    int32_t mag = ax + ay;
    if (mag > 255)
        mag = 255;
    uint32_t dir;
    if (5 * ay <= 2 * ax)
        dir = 0;
    else if (2 * ay >= 5 * ax)
        dir = 2;
    else if ((gx < 0) == (gy < 0))
        dir = 1;
    else
        dir = 3;
    uint32_t edge = (uint32_t)mag >= (uint32_t)thresh ? 1u : 0u;
    return (uint16_t)((uint32_t)mag | (dir << 8) | (edge << 10));
}

/* ---------------- testbench ---------------- */
#define IMG_W 24
#define IMG_H 20

static uint32_t tb_state = 0x50be1e55u;
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

/* reference: mask tables and loops over an image, abs(), direction from
 * signed differences and the sign of the product gx*gy */
static const int ref_kx[3][3] = { { -1, 0, 1 }, { -2, 0, 2 }, { -1, 0, 1 } };
static const int ref_ky[3][3] = { { -1, -2, -1 }, { 0, 0, 0 }, { 1, 2, 1 } };

static uint32_t ref_pixel(uint8_t img[IMG_H][IMG_W], int y, int x, int thr)
{
    int gx = 0, gy = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            gx += ref_kx[dy + 1][dx + 1] * img[y + dy][x + dx];
            gy += ref_ky[dy + 1][dx + 1] * img[y + dy][x + dx];
        }
    int m = abs(gx) + abs(gy);
    m = m < 255 ? m : 255;
    int d;
    if (2 * abs(gx) - 5 * abs(gy) >= 0)
        d = 0;
    else if (5 * abs(gx) - 2 * abs(gy) <= 0)
        d = 2;
    else
        d = (gx * gy > 0) ? 1 : 3;
    return (uint32_t)(m + 256 * d + 1024 * (m >= thr));
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x50be1e55u;
    }
    static uint8_t img[IMG_H][IMG_W];
    int fail = 0, seen_dir[4] = { 0, 0, 0, 0 };
    /* image: random blocks, a ramp, a bright disc and noise */
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            uint32_t r = tb_rand();
            int v;
            if (x < 8)
                v = (int)((r >> 24) & 0xe0u);
            else if (x < 16)
                v = (x * 13 + y * 7) & 255;
            else
                v = ((x - 20) * (x - 20) + (y - 10) * (y - 10) < 16) ? 250 : (int)(r & 31u);
            img[y][x] = (uint8_t)v;
        }
    /* corner windows */
    img[1][1] = 255; img[0][0] = 0; img[0][2] = 255; img[2][0] = 0; img[2][2] = 255;
    for (int y = 1; y < IMG_H - 1 && !fail; y++)
        for (int x = 1; x < IMG_W - 1; x++) {
            uint8_t w[9];
            for (int k = 0; k < 9; k++)
                w[k] = img[y - 1 + k / 3][x - 1 + k % 3];
            int thr = (int)(tb_rand() & 255u);
            uint16_t got = sobel_mag(w, (uint8_t)thr);
            uint32_t want = ref_pixel(img, y, x, thr);
            if (got != want) {
                printf("FAIL pixel (%d,%d): got %04x want %04x\n", y, x, got, (unsigned)want);
                fail = 1;
                break;
            }
            seen_dir[(got >> 8) & 3]++;
            tb_mix(got);
        }
    for (int d = 0; d < 4 && !fail; d++)
        if (seen_dir[d] == 0) {
            printf("FAIL direction %d never produced\n", d);
            fail = 1;
        }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
