/* doitgen.h: sizes for the multi-resolution analysis kernel. */
#ifndef DOITGEN_H
#define DOITGEN_H

#if !defined(MINI_DATASET) && !defined(SMALL_DATASET)
# define MINI_DATASET
#endif

#ifdef MINI_DATASET
# define NQ 4
# define NR 5
# define NP 6
#endif

#ifdef SMALL_DATASET
# define NQ 8
# define NR 10
# define NP 12
#endif

#define _SS_NQ SS_LOOP_BOUND(NQ, nq)
#define _SS_NR SS_LOOP_BOUND(NR, nr)
#define _SS_NP SS_LOOP_BOUND(NP, np)

#ifndef DATA_TYPE
# define DATA_TYPE long
#endif

#endif /* !DOITGEN_H */
