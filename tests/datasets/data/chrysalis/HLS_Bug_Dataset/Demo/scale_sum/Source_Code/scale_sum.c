/* A fixture written for kiln's Chrysalis importer test: scale a vector, sum it. */
#include <stdio.h>
#include <stdint.h>

#define N 16

int32_t scale_sum(int32_t v[N], int32_t k)
{
    int32_t total = 0;
    for (int i = 0; i < N; i++) {
#pragma HLS pipeline II=1
        v[i] = v[i] * k;
        total += v[i];
    }
    return total;
}

int main(void)
{
    int32_t v[N];
    for (int i = 0; i < N; i++)
        v[i] = i - 5;
    int32_t t = scale_sum(v, 3);
    printf("checksum: %08x\n", (unsigned)t);
    return t == 120 ? 0 : 1;
}
