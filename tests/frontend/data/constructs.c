/* A grab-bag of constructs new users write: typedef structs by pointer, pointer-to-row
   parameters, chained assignment, comma in for, post-decrement loop tests, sizeof,
   ternaries on loads, switch fallthrough. */
#include <stdint.h>
#include <stdio.h>
#define N 8
typedef struct { int16_t re, im; } cplx;
static int clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
static void scale(cplx *c, int s) { c->re = (int16_t)(c->re * s); c->im = (int16_t)(c->im * s); }
int k(const int *in, int out[N], cplx z[4], int (*m)[4], unsigned n) {
#pragma HLS interface port=m depth=4
#pragma HLS interface m_axi port=in depth=8
  int x, y;
  x = y = 0;
  for (int i = 0, j = N - 1; i < N; i++, j--) { out[i] = in[j] > 0 ? in[j] : -in[j]; }
  unsigned u;
  for (u = n; u-- > 0;) x += (int)u;
  for (int i = 0; i < (int)(sizeof(z[0]) * 2); i++) y++;
  for (int i = 0; i < 4; i++) { scale(&z[i], 2); m[i][i] = clamp(m[i][i], -5, 5); }
  switch (n & 3) { case 0: x++; case 1: x += 2; break; default: x = -x; }
  return x + y;
}
int main(void) {
  int in[N], out[N]; cplx z[4]; int m[4][4];
  for (int i = 0; i < N; i++) in[i] = i * 7 - 20;
  for (int i = 0; i < 4; i++) { z[i].re = i; z[i].im = -i; for (int j = 0; j < 4; j++) m[i][j] = i * 3 - j * 5; }
  for (unsigned n = 0; n < 5; n++) printf("%d\n", k(in, out, z, m, n));
  return 0;
}
