/* conv2d_steps.h: sizes for the time-stepped 3x3 smoothing stencil.  There
   is no default: build with -DMINI_DATASET or -DSMALL_DATASET. */
#ifndef CONV2D_STEPS_H
#define CONV2D_STEPS_H

#if defined(MINI_DATASET)
# define TSTEPS 3
# define N 10
#elif defined(SMALL_DATASET)
# define TSTEPS 6
# define N 20
#else
# error "choose a data set: -DMINI_DATASET or -DSMALL_DATASET"
#endif

#define _SS_TSTEPS SS_LOOP_BOUND(TSTEPS, tsteps)
#define _SS_N SS_LOOP_BOUND(N, n)

#define DATA_TYPE int
#define DATA_PRINTF_MODIFIER "%d "

#endif /* !CONV2D_STEPS_H */
