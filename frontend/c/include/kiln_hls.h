/* kiln_hls.h: helpers for HLS kernels that compile the same under gcc and under kiln.

   Directives are plain `#pragma HLS ...` lines (pipeline, unroll, array_partition,
   inline, loop_tripcount, interface); gcc ignores them. KILN_HLS is defined while kiln
   parses a kernel, so code can tell the two apart. */
#ifndef KILN_HLS_H
#define KILN_HLS_H
#include <stdint.h>
#include <stdbool.h>
#define KILN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KILN_MAX(a, b) ((a) > (b) ? (a) : (b))
#define KILN_CLAMP(x, lo, hi) KILN_MIN(KILN_MAX((x), (lo)), (hi))
#define KILN_ABS(x) ((x) < 0 ? -(x) : (x))
#endif
