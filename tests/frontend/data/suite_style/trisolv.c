/*
 * trisolv: forward substitution L x = b for a lower-triangular integer
 * matrix L.  The driver builds b from a known x, so every division is
 * exact and the solve must give that x back.
 */
#include <stdio.h>

#include "suite_style.h"
#include "trisolv.h"

void kernel_trisolv(int n,
                    const DATA_TYPE SS_2D(L, N, N, n, n),
                    DATA_TYPE SS_1D(x, N, n),
                    const DATA_TYPE SS_1D(b, N, n))
{
  int i, j;
  DATA_TYPE acc;

#pragma scop
  for (i = 0; i < _SS_N; i++) {
    acc = b[i];
    for (j = 0; j < i; j++)
      acc -= L[i][j] * x[j];
    x[i] = acc / L[i][i];
  }
#pragma endscop
}

/* ---------------- driver ---------------- */

static void init_array(int n, int seed,
                       DATA_TYPE SS_2D(L, N, N, n, n),
                       DATA_TYPE SS_1D(want, N, n),
                       DATA_TYPE SS_1D(b, N, n))
{
  int i, j;

  for (i = 0; i < n; i++) {
    for (j = 0; j < n; j++)
      L[i][j] = j < i ? (DATA_TYPE) ((i + 3 * j + seed) % 11) - 5 : 0;
    /* nonzero diagonal, both signs */
    L[i][i] = (DATA_TYPE) (i % 4 + 1) * (i % 3 == 1 ? -1 : 1);
    want[i] = (DATA_TYPE) ((7 * i + seed) % 19) - 9;
  }
  for (i = 0; i < n; i++) {
    b[i] = 0;
    for (j = 0; j <= i; j++)
      b[i] += L[i][j] * want[j];
  }
}

int main(void)
{
  static DATA_TYPE SS_2D(L, N, N, n, n);
  static DATA_TYPE SS_1D(x, N, n);
  static DATA_TYPE SS_1D(b, N, n);
  static DATA_TYPE SS_1D(want, N, n);
  unsigned int h = SS_HASH_INIT;
  int sizes[3] = { N, N - 3, 1 };
  int t, i, bad = 0;

  for (t = 0; t < 3; t++) {
    int n = sizes[t];

    for (i = 0; i < N; i++)
      x[i] = -100;
    init_array(n, t + 2, L, want, b);
    kernel_trisolv(n, L, x, b);
    for (i = 0; i < n; i++) {
      if (x[i] != want[i]) {
        if (bad < 5)
          printf("FAIL call %d x[%d] = %ld, expected %ld\n", t, i, x[i], want[i]);
        bad++;
      }
    }
    for (i = 0; i < N; i++)
      h = ss_hash(h, (unsigned int) x[i]);
  }

  printf("checksum: %08x\n", h);
  return bad ? 1 : 0;
}
