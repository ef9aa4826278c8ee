/*
 * suite_style.h: macros shared by the suite-style kernels, written for
 * kiln's tests in the manner of the classic academic benchmark suites:
 * a dataset picked with -D, arrays spelled through wrapper macros, loop
 * bounds that name the runtime size, and a checksum helper for main().
 */
#ifndef SUITE_STYLE_H
#define SUITE_STYLE_H

/* Arrays: the first sizes give the storage, the trailing ones name the
   runtime extent (ignored here: storage is always static). */
#define SS_1D(var, dim1, ddim1) var[dim1]
#define SS_2D(var, dim1, dim2, ddim1, ddim2) var[dim1][dim2]
#define SS_3D(var, dim1, dim2, dim3, ddim1, ddim2, ddim3) var[dim1][dim2][dim3]

/* Declaring a data set in main(). */
#define SS_2D_DECL(var, type, dim1, dim2) static type var[dim1][dim2]

/* Loop bounds: the runtime parameter by default, the compile-time size
   with -DSS_USE_CONST_LB. */
#ifdef SS_USE_CONST_LB
# define SS_LOOP_BOUND(cst, var) cst
#else
# define SS_LOOP_BOUND(cst, var) var
#endif

#define SCALAR_VAL(x) x

/* Two-dimensional parameter spelling used by some kernels. */
#define ARR2D(name, d1, d2) name[d1][d2]

/* FNV-1a over the bytes of a 32-bit word, for the checksums main() prints. */
static unsigned int ss_hash(unsigned int h, unsigned int w)
{
  int b;

  for (b = 0; b < 4; b++) {
    h ^= (w >> (8 * b)) & 0xffu;
    h *= 16777619u;
  }
  return h;
}

#define SS_HASH_INIT 2166136261u

#endif /* !SUITE_STYLE_H */
