/*
 * conv2d_steps: tsteps rounds of a 3x3 binomial smoothing of the interior
 * of an n x n grid of non-negative pixels, each round followed by a
 * blend of the smoothed grid back into the source.  Values stay in 0..255.
 */
#include <stdio.h>

#include "suite_style.h"
#include "conv2d_steps.h"

/* weighted 3x3 neighbourhood of (i, j), divided by the weight total */
static DATA_TYPE smooth_at(const DATA_TYPE ARR2D(src, N, N), int i, int j)
{
  const DATA_TYPE w[3][3] = { { 1, 2, 1 }, { 2, 4, 2 }, { 1, 2, 1 } };
  int di, dj;
  DATA_TYPE s = SCALAR_VAL(0);

  for (di = 0; di < 3; di++)
    for (dj = 0; dj < 3; dj++)
      s += w[di][dj] * src[i + di - 1][j + dj - 1];
  return (s + SCALAR_VAL(8)) / SCALAR_VAL(16);
}

void kernel_conv2d_steps(int tsteps, int n,
                         DATA_TYPE ARR2D(A, N, N),
                         DATA_TYPE ARR2D(B, N, N))
{
  int t, i, j;

#pragma scop
  for (t = 0; t < _SS_TSTEPS; t++) {
    for (i = 1; i < _SS_N - 1; i++)
      for (j = 1; j < _SS_N - 1; j++)
        B[i][j] = smooth_at(A, i, j);
    for (i = 1; i < _SS_N - 1; i++)
      for (j = 1; j < _SS_N - 1; j++)
        A[i][j] = (A[i][j] + SCALAR_VAL(3) * B[i][j] + SCALAR_VAL(2)) / SCALAR_VAL(4);
  }
#pragma endscop
}

/* ---------------- driver ---------------- */

static void init_array(int n, int seed, DATA_TYPE ARR2D(A, N, N), DATA_TYPE ARR2D(B, N, N))
{
  int i, j;

  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      A[i][j] = (DATA_TYPE) ((i * i * 7 + j * 13 + seed * 5) % 256);
      B[i][j] = 0;
    }
}

int main(void)
{
  SS_2D_DECL(A, DATA_TYPE, N, N);
  SS_2D_DECL(B, DATA_TYPE, N, N);
  unsigned int h = SS_HASH_INIT;
  int i, j;

  init_array(N, 1, A, B);
  kernel_conv2d_steps(TSTEPS, N, A, B);
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++)
      h = ss_hash(h, (unsigned int) A[i][j]);

  /* fewer steps on a sub-grid: the border of the smaller problem moves in */
  init_array(N, 2, A, B);
  kernel_conv2d_steps(TSTEPS - 1, N - 3, A, B);
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++)
      h = ss_hash(h, (unsigned int) (A[i][j] ^ B[i][j]));

  /* zero steps leaves both grids alone */
  kernel_conv2d_steps(0, N, A, B);

  printf("checksum: %08x\n", h);
  return 0;
}
