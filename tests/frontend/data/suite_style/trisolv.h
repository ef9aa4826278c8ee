/* trisolv.h: sizes and data type for the lower-triangular solve. */
#ifndef TRISOLV_H
#define TRISOLV_H

#if !defined(MINI_DATASET) && !defined(SMALL_DATASET)
# define MINI_DATASET
#endif

#ifdef MINI_DATASET
# define N 10
#endif

#ifdef SMALL_DATASET
# define N 24
#endif

#define _SS_N SS_LOOP_BOUND(N, n)

typedef long DATA_TYPE;
#define DATA_PRINTF_MODIFIER "%ld "

#endif /* !TRISOLV_H */
