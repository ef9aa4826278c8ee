/* hsv2rgb: HSV to RGB conversion in fixed point with 8-bit channels. Hue h
 * in degrees (0..359; larger values clamp to 359), saturation s and value v
 * in 0..255. The 60-degree sector is found by compares, the position inside
 * it scaled to 0..251 by a multiply-shift (x * 4369 >> 10 ~ x * 256/60),
 * and the three products p, q, t are divided by 255 with round-half-up by
 * the exact shift identity round(x/255) = (x + 128 + ((x + 128) >> 8)) >> 8
 * (valid for x <= 255*255). Result: 0x00RRGGBB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t hsv_div255(uint32_t x)
{
    uint32_t y = x + 128u;
    return (y + (y >> 8)) >> 8;
}

uint32_t hsv2rgb(uint16_t h, uint8_t s, uint8_t v)
{
    uint32_t hh = h > 359 ? 359u : (uint32_t)h;
    uint32_t base, sector;
    if (hh < 60) {
        sector = 0; base = 0;
    } else if (hh < 120) {
        sector = 1; base = 60;
    } else if (hh < 180) {
        sector = 2; base = 120;
    } else if (hh < 240) {
        sector = 3; base = 180;
    } else if (hh < 300) {
        sector = 4; base = 240;
    } else {
        sector = 5; base = 300;
    }
    uint32_t f = ((hh - base) * 4369u) >> 10;
    uint32_t sv = s, vv = v;
    uint32_t p = hsv_div255(vv * (255u - sv));
    uint32_t q = hsv_div255(vv * (255u - hsv_div255(sv * f)));
    uint32_t t = hsv_div255(vv * (255u - hsv_div255(sv * (255u - f))));
    uint32_t r, g, b;
    switch (sector) {
    case 0: r = vv; g = t; b = p; break;
    case 1: r = q; g = vv; b = p; break;
    case 2: r = p; g = vv; b = t; break;
    case 3: r = p; g = q; b = vv; break;
    case 4: r = t; g = p; b = vv; break;
    default: r = vv; g = p; b = q; break;
    }
    return (r << 16) | (g << 8) | b;
}

/* ---------------- testbench ---------------- */
#define NCALLS 1500

static uint32_t tb_state = 0x4eb5a9b1u;
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

/* reference: sector and remainder by division, rounding by integer
 * division, channel order from a per-sector permutation table */
static int ref_rdiv255(int x)
{
    return (2 * x + 255) / 510;
}

static uint32_t ref_hsv(int h, int s, int v)
{
    static const int perm[6][3] = {   /* 0 = v, 1 = p, 2 = q, 3 = t */
        { 0, 3, 1 }, { 2, 0, 1 }, { 1, 0, 3 }, { 1, 2, 0 }, { 3, 1, 0 }, { 0, 1, 2 }
    };
    if (h > 359)
        h = 359;
    int sec = h / 60;
    int f = (h % 60) * 4369 / 1024;
    int val[4];
    val[0] = v;
    val[1] = ref_rdiv255(v * (255 - s));
    val[2] = ref_rdiv255(v * (255 - ref_rdiv255(s * f)));
    val[3] = ref_rdiv255(v * (255 - ref_rdiv255(s * (255 - f))));
    uint32_t rgb = 0;
    for (int c = 0; c < 3; c++)
        rgb = rgb * 256u + (uint32_t)val[perm[sec][c]];
    return rgb;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x4eb5a9b1u;
    }
    int fail = 0;
    /* known answers: pure red, green, blue, white, black */
    static const uint16_t kh[5] = { 0, 120, 240, 77, 300 };
    static const uint8_t ks[5] = { 255, 255, 255, 0, 200 };
    static const uint8_t kv[5] = { 255, 255, 255, 255, 0 };
    static const uint32_t krgb[5] = { 0xff0000u, 0x00ff00u, 0x0000ffu, 0xffffffu, 0u };
    for (int i = 0; i < 5; i++) {
        uint32_t got = hsv2rgb(kh[i], ks[i], kv[i]);
        if (got != krgb[i]) {
            printf("FAIL known %d: got %06x want %06x\n", i, (unsigned)got, (unsigned)krgb[i]);
            fail = 1;
        }
        tb_mix(got);
    }
    for (int call = 0; call < NCALLS && !fail; call++) {
        uint32_t r = tb_rand();
        int h = (int)(r % 360u);
        int s = (int)((r >> 9) & 255u), v = (int)((r >> 17) & 255u);
        if (call % 50 == 7)
            h = (int)(tb_rand() & 0xffffu);          /* out of range: clamps */
        else if (call % 7 == 1)
            h = 60 * (int)((r >> 25) % 6u) + (int)((r >> 28) & 1u) * 59; /* sector edges */
        if (call % 11 == 3)
            s = 255;
        uint32_t got = hsv2rgb((uint16_t)h, (uint8_t)s, (uint8_t)v);
        uint32_t want = ref_hsv(h, s, v);
        uint32_t mx = 0;
        for (int c = 0; c < 3; c++) {
            uint32_t ch = (got >> (8 * c)) & 255u;
            mx = ch > mx ? ch : mx;
        }
        if (got != want || mx != (uint32_t)v) {
            printf("FAIL call %d hsv (%d,%d,%d): got %06x want %06x\n",
                   call, h, s, v, (unsigned)got, (unsigned)want);
            fail = 1;
        }
        tb_mix(got);
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
