/*
 * syr2k: symmetric rank-2k update of the lower triangle,
 *   C := alpha * (A * B^T + B * A^T) + beta * C,
 * with A and B of n x m and C of n x n (integer data).
 */
#include <stdio.h>

#include "suite_style.h"
#include "syr2k.h"

/* one entry of A * B^T + B * A^T */
static DATA_TYPE rank2_entry(int m, int i, int j,
                             const DATA_TYPE SS_2D(A, N, M, n, m),
                             const DATA_TYPE SS_2D(B, N, M, n, m))
{
  int k;
  DATA_TYPE s = SCALAR_VAL(0);

  for (k = 0; k < _SS_M; k++)
    s += A[i][k] * B[j][k] + B[i][k] * A[j][k];
  return s;
}

void kernel_syr2k(int n, int m,
                  DATA_TYPE alpha,
                  DATA_TYPE beta,
                  DATA_TYPE SS_2D(C, N, N, n, n),
                  const DATA_TYPE SS_2D(A, N, M, n, m),
                  const DATA_TYPE SS_2D(B, N, M, n, m))
{
  int i, j;

#pragma scop
  for (i = 0; i < _SS_N; i++)
    for (j = 0; j <= i; j++)
      C[i][j] = beta * C[i][j] + alpha * rank2_entry(m, i, j, A, B);
#pragma endscop
}

/* ---------------- driver ---------------- */

static void init_array(int n, int m, int seed,
                       DATA_TYPE SS_2D(C, N, N, n, n),
                       DATA_TYPE SS_2D(A, N, M, n, m),
                       DATA_TYPE SS_2D(B, N, M, n, m))
{
  int i, j;

  for (i = 0; i < n; i++)
    for (j = 0; j < m; j++) {
      A[i][j] = (DATA_TYPE) ((i * j + seed) % 7) - 3;
      B[i][j] = (DATA_TYPE) ((i + 2 * j + seed) % 5) - 2;
    }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      C[i][j] = (DATA_TYPE) ((3 * i + j + seed) % 11) - 5;
}

static unsigned int checksum(int n, unsigned int h, DATA_TYPE SS_2D(C, N, N, n, n))
{
  int i, j;

  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      h = ss_hash(h, (unsigned int) C[i][j]);
  return h;
}

int main(void)
{
  SS_2D_DECL(C, DATA_TYPE, N, N);
  SS_2D_DECL(A, DATA_TYPE, N, M);
  SS_2D_DECL(B, DATA_TYPE, N, M);
  unsigned int h = SS_HASH_INIT;

  /* full size, then a smaller problem in the same storage, then again on
     the updated C */
  init_array(N, M, 1, C, A, B);
  kernel_syr2k(N, M, 3, 2, C, A, B);
  h = checksum(N, h, C);

  init_array(N, M, 4, C, A, B);
  kernel_syr2k(N - 2, M - 1, -2, 1, C, A, B);
  h = checksum(N, h, C);

  kernel_syr2k(N, M, 1, -1, C, A, B);
  h = checksum(N, h, C);

  printf("checksum: %08x\n", h);
  return 0;
}
