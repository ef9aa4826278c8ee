/* crc32: bitwise CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320,
 * init and final xor 0xFFFFFFFF) over a 64-byte message, 8 shift steps
 * per byte. Size: MSG_LEN = 64 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MSG_LEN 64
#define CRC_POLY 0xEDB88320u

uint32_t crc32(const uint8_t msg[MSG_LEN])
{
    uint32_t crc = 0xFFFFFFFFu;
    for (int i = 0; i < MSG_LEN; i++) {
        crc ^= (uint32_t)msg[i];
        for (int bit = 0; bit < 8; bit++) {
            uint32_t mask = 0u - (crc & 1u);
            crc = (crc >> 1) ^ (CRC_POLY & mask);
        }
    }
    return crc ^ 0xFFFFFFFFu;
}

/* ---------------- testbench ---------------- */

static uint32_t tb_state = 0x0badf00du;

static uint32_t tb_rand(void)
{
    uint32_t x = tb_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tb_state = x;
    return x;
}

static uint32_t tb_hash = 2166136261u;

static void tb_mix(uint32_t v)
{
    for (int b = 0; b < 4; b++) {
        tb_hash ^= (v >> (8 * b)) & 0xffu;
        tb_hash *= 16777619u;
    }
}

/* reference: byte-at-a-time table CRC, table built at run time */
static uint32_t ref_table[256];

static void ref_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (CRC_POLY ^ (c >> 1)) : (c >> 1);
        ref_table[n] = c;
    }
}

static uint32_t ref_crc(const uint8_t *p, int len)
{
    uint32_t c = 0xFFFFFFFFu;
    for (int i = 0; i < len; i++)
        c = ref_table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
    return ~c;
}

int main(int argc, char **argv)
{
    if (argc > 1) { /* optional seed: new inputs, same self-check */
        tb_state ^= (uint32_t)atoi(argv[1]) * 2654435761u;
        if (tb_state == 0)
            tb_state = 0x0badf00du;
    }
    static const char fox[] =
        "The quick brown fox jumps over the lazy dog. 0123456789abcdefghi";
    static const uint8_t check9[9] = {'1','2','3','4','5','6','7','8','9'};
    uint8_t msg[MSG_LEN];
    int fail = 0;

    ref_init();
    if (ref_crc(check9, 9) != 0xCBF43926u) {
        printf("FAIL reference crc of \"123456789\"\n");
        fail = 1;
    }

    for (int call = 0; call < 3; call++) {
        uint32_t known = 0;
        int has_known = 1;
        for (int i = 0; i < MSG_LEN; i++) {
            if (call == 0)
                msg[i] = (uint8_t)i;
            else if (call == 1)
                msg[i] = (uint8_t)fox[i];
            else
                msg[i] = (uint8_t)(tb_rand() >> 24);
        }
        if (call == 0)
            known = 0x100ECE8Cu;       /* CRC-32 of bytes 0x00..0x3f */
        else if (call == 1)
            known = 0xA314A980u;       /* CRC-32 of the 64-char fox string */
        else
            has_known = 0;

        uint32_t got = crc32(msg);
        uint32_t ref = ref_crc(msg, MSG_LEN);
        if (got != ref || (has_known && got != known)) {
            printf("FAIL call %d: got %08x reference %08x\n",
                   call, (unsigned)got, (unsigned)ref);
            fail = 1;
        }
        tb_mix(got);
    }
    printf("checksum: %08x\n", (unsigned)tb_hash);
    return fail;
}
