/* gaussian3x3: 3x3 Gaussian blur with the separable 1-2-1 kernel (weights sum
 * to 16, result rounded and shifted right by 4) on an 8x8 uint8 image; border
 * pixels are copied from the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define H 8
#define W 8

void gaussian3x3(const uint8_t src[H][W], uint8_t dst[H][W])
{
    uint16_t vsum[H][W];   /* vertical 1-2-1 partial sums, max 1020 */
#pragma HLS array_partition variable=vsum type=cyclic factor=2 dim=2

    for (int r = 1; r < H - 1; r++) {
        for (int c = 0; c < W; c++) {
#pragma HLS pipeline II=1
            vsum[r][c] = (uint16_t)(src[r - 1][c] + 2 * src[r][c] + src[r + 1][c]);
        }
    }

    for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++) {
#pragma HLS pipeline II=1
            if (r == 0 || r == H - 1 || c == 0 || c == W - 1) {
                dst[r][c] = src[r][c];
            } else {
                uint32_t s = (uint32_t)vsum[r][c - 1] + 2u * vsum[r][c] + vsum[r][c + 1];
                dst[r][c] = (uint8_t)((s + 8u) >> 4);
            }
        }
    }
}

/* ---------------- testbench ---------------- */
static uint32_t tb_state = 0x00c0ffeeu;
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

static const int GK[3][3] = { { 1, 2, 1 }, { 2, 4, 2 }, { 1, 2, 1 } };

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x00c0ffeeu;
    }
    uint8_t img[H][W], out[H][W];
    for (int t = 0; t < 3; t++) {
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++) {
                if (t == 0)
                    img[r][c] = 255;   /* flat max image must stay 255 */
                else if (t == 1)
                    img[r][c] = (uint8_t)(((r + c) & 1) ? 240 : 16);
                else
                    img[r][c] = (uint8_t)tb_rand();
            }
        gaussian3x3(img, out);
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++) {
                int e;
                if (r == 0 || r == H - 1 || c == 0 || c == W - 1) {
                    e = img[r][c];
                } else {
                    int s = 0;
                    for (int i = -1; i <= 1; i++)
                        for (int j = -1; j <= 1; j++)
                            s += GK[i + 1][j + 1] * img[r + i][c + j];
                    e = (s + 8) / 16;
                }
                if (out[r][c] != e) {
                    printf("FAIL gaussian3x3 test %d at (%d,%d): got %u expected %d\n",
                           t, r, c, out[r][c], e);
                    return 1;
                }
                tb_mix(out[r][c]);
            }
    }
    printf("checksum: %08x\n", tb_hash);
    return 0;
}
