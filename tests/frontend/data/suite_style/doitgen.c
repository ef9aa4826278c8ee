/*
 * doitgen: every (r, q) line of a 3-D array is replaced by its product
 * with a p x p matrix,  A[r][q][:] := A[r][q][:] * C4,  through a scratch
 * line kept in the kernel.
 */
#include <stdio.h>

#include "suite_style.h"
#include "doitgen.h"

void kernel_doitgen(int nr, int nq, int np,
                    DATA_TYPE SS_3D(A, NR, NQ, NP, nr, nq, np),
                    const DATA_TYPE SS_2D(C4, NP, NP, np, np))
{
  int r, q, p, s;
  DATA_TYPE SS_1D(sum, NP, np);

#pragma scop
  for (r = 0; r < _SS_NR; r++)
    for (q = 0; q < _SS_NQ; q++) {
      for (p = 0; p < _SS_NP; p++) {
        sum[p] = SCALAR_VAL(0);
        for (s = 0; s < _SS_NP; s++)
          sum[p] += A[r][q][s] * C4[s][p];
      }
      for (p = 0; p < _SS_NP; p++)
        A[r][q][p] = sum[p];
    }
#pragma endscop
}

/* ---------------- driver ---------------- */

static void init_array(int nr, int nq, int np, int seed,
                       DATA_TYPE SS_3D(A, NR, NQ, NP, nr, nq, np),
                       DATA_TYPE SS_2D(C4, NP, NP, np, np))
{
  int r, q, p;

  for (r = 0; r < nr; r++)
    for (q = 0; q < nq; q++)
      for (p = 0; p < np; p++)
        A[r][q][p] = (DATA_TYPE) ((r * q + p + seed) % 9) - 4;
  for (p = 0; p < np; p++)
    for (q = 0; q < np; q++)
      C4[p][q] = (DATA_TYPE) ((p * q + seed) % 5) - 2;
}

int main(void)
{
  static DATA_TYPE SS_3D(A, NR, NQ, NP, nr, nq, np);
  static DATA_TYPE SS_2D(C4, NP, NP, np, np);
  unsigned int h = SS_HASH_INIT;
  int r, q, p, t;

  for (t = 0; t < 2; t++) {
    init_array(NR, NQ, NP, t, A, C4);
    kernel_doitgen(NR - t, NQ, NP - 2 * t, A, C4);
    kernel_doitgen(NR, NQ - t, NP, A, C4);
    for (r = 0; r < NR; r++)
      for (q = 0; q < NQ; q++)
        for (p = 0; p < NP; p++)
          h = ss_hash(h, (unsigned int) A[r][q][p]);
  }

  printf("checksum: %08x\n", h);
  return 0;
}
