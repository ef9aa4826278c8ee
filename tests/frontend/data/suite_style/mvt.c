/*
 * mvt: a pair of matrix-vector products sharing one matrix,
 *   x1 := x1 + A * y_1      x2 := x2 + A^T * y_2,
 * on an n x n integer matrix.
 */
#include <stdio.h>

#include "mvt.h"

static DATA_TYPE row_dot(int n, int r, const DATA_TYPE ARR2D(A, N, N),
                         const DATA_TYPE ARR1D(v, N))
{
  int c;
  DATA_TYPE s = SCALAR_VAL(0);

  for (c = 0; c < _MVT_N; c++)
    s += A[r][c] * v[c];
  return s;
}

static DATA_TYPE col_dot(int n, int c, const DATA_TYPE ARR2D(A, N, N),
                         const DATA_TYPE ARR1D(v, N))
{
  int r;
  DATA_TYPE s = SCALAR_VAL(0);

  for (r = 0; r < _MVT_N; r++)
    s += A[r][c] * v[r];
  return s;
}

void kernel_mvt(int n,
                DATA_TYPE ARR1D(x1, N),
                DATA_TYPE ARR1D(x2, N),
                const DATA_TYPE ARR1D(y_1, N),
                const DATA_TYPE ARR1D(y_2, N),
                const DATA_TYPE ARR2D(A, N, N))
{
  int i;

#pragma scop
  for (i = 0; i < _MVT_N; i++)
    x1[i] += row_dot(n, i, A, y_1);
  for (i = 0; i < _MVT_N; i++)
    x2[i] += col_dot(n, i, A, y_2);
#pragma endscop
}

/* ---------------- driver ---------------- */

static void init_array(int n, int seed,
                       DATA_TYPE ARR1D(x1, N), DATA_TYPE ARR1D(x2, N),
                       DATA_TYPE ARR1D(y_1, N), DATA_TYPE ARR1D(y_2, N),
                       DATA_TYPE ARR2D(A, N, N))
{
  int i, j;

  for (i = 0; i < n; i++) {
    x1[i] = (DATA_TYPE) (i % 5) - 2;
    x2[i] = (DATA_TYPE) ((i + seed) % 7) - 3;
    y_1[i] = (DATA_TYPE) ((3 * i + seed) % 9) - 4;
    y_2[i] = (DATA_TYPE) ((i * i + 1) % 6) - 3;
    for (j = 0; j < n; j++)
      A[i][j] = (DATA_TYPE) ((i * j + 2 * seed) % 13) - 6;
  }
}

int main(void)
{
  static DATA_TYPE ARR1D(x1, N), ARR1D(x2, N), ARR1D(y_1, N), ARR1D(y_2, N);
  static DATA_TYPE ARR2D(A, N, N);
  unsigned int h = 2166136261u;
  int t, i;

  for (t = 0; t < 3; t++) {
    int n = t == 1 ? N / 2 : N;

    init_array(N, t, x1, x2, y_1, y_2, A);
    kernel_mvt(n, x1, x2, y_1, y_2, A);
    if (t == 2)
      kernel_mvt(n, x1, x2, y_1, y_2, A);
    for (i = 0; i < N; i++) {
      h = (h ^ (unsigned int) x1[i]) * 16777619u;
      h = (h ^ (unsigned int) x2[i]) * 16777619u;
    }
  }

  printf("checksum: %08x\n", h);
  return 0;
}
