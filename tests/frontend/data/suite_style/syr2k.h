/* syr2k.h: sizes for the symmetric rank-2k update. */
#ifndef SYR2K_H
#define SYR2K_H

#if !defined(MINI_DATASET) && !defined(SMALL_DATASET) && !defined(MEDIUM_DATASET)
# define MINI_DATASET
#endif

#ifdef MINI_DATASET
# define M 6
# define N 8
#endif

#ifdef SMALL_DATASET
# define M 10
# define N 14
#endif

#ifdef MEDIUM_DATASET
# define M 20
# define N 24
#endif

#define _SS_M SS_LOOP_BOUND(M, m)
#define _SS_N SS_LOOP_BOUND(N, n)

#ifndef DATA_TYPE
# define DATA_TYPE int
# define DATA_PRINTF_MODIFIER "%d "
#endif

#endif /* !SYR2K_H */
