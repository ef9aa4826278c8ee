/* mvt.h: sizes, data type and spelling macros for the matrix-vector pair.
   This kernel does not use the shared header. */
#ifndef MVT_H
#define MVT_H

#if !defined(MINI_DATASET) && !defined(SMALL_DATASET)
# define MINI_DATASET
#endif

#ifdef MINI_DATASET
# define N 12
#endif

#ifdef SMALL_DATASET
# define N 30
#endif

#define MVT_BOUND(cst, var) var
#define _MVT_N MVT_BOUND(N, n)

#define SCALAR_VAL(x) x
#define ARR1D(name, d1) name[d1]
#define ARR2D(name, d1, d2) name[d1][d2]

typedef int DATA_TYPE;

#endif /* !MVT_H */
