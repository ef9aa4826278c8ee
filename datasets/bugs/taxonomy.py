"""The HLS bug taxonomy: 22 bug types, each with how an oracle observes it.

The first 18 codes follow Chrysalis (Wan et al., "Chrysalis: a dataset of functional and
HLS-specific bugs", UIUC 2024) one to one; the definitions here are ours and are written so
that each can be checked by execution or by one static rule. OPS, IDX, OBO and TRUNC are
kiln's additions for common functional slips Chrysalis does not name.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("functional", "pragma")
OBSERVABILITY = ("csim-output", "sanitizer", "hang", "static-pragma")


@dataclass(frozen=True)
class BugType:
    """One taxonomy entry: its code, what it is, and which oracle shows it."""

    code: str
    name: str
    kind: str  # functional | pragma
    observability: str  # csim-output | sanitizer | hang | static-pragma
    definition: str
    example: str  # a short before/after snippet
    chrysalis: bool  # one of Chrysalis's 18 codes

    def check(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"bug type {self.code}: kind {self.kind!r} is not one of {KINDS}")
        if self.observability not in OBSERVABILITY:
            raise ValueError(
                f"bug type {self.code}: observability {self.observability!r} is not one of "
                f"{OBSERVABILITY}"
            )


def _t(code, name, kind, obs, definition, example, chrysalis=True) -> BugType:
    return BugType(code, name, kind, obs, " ".join(definition.split()), example, chrysalis)


_ALL = [
    _t(
        "OOB",
        "out-of-bounds access",
        "functional",
        "sanitizer",
        """An array is indexed outside its declared extent: a loop over an array runs one
        iteration past its end (`<` became `<=`), or an index at the edge of the range is
        shifted by one (`x[i]` became `x[i + 1]` or `x[i - 1]`).""",
        "before: for (i = 0; i < N; i++) y[i] = x[i];\n"
        "after:  for (i = 0; i <= N; i++) y[i] = x[i];",
    ),
    _t(
        "INIT",
        "wrong initialization",
        "functional",
        "csim-output",
        """A variable starts from the wrong value: an accumulator or state variable is
        initialized (or reset inside a loop) to a different constant, or its initializer is
        dropped so its first read sees an indeterminate value.""",
        "before: int32_t acc = 0;\nafter:  int32_t acc = 1;",
    ),
    _t(
        "SHFT",
        "wrong shift",
        "functional",
        "csim-output",
        """A shift goes the wrong way or by the wrong amount: `<<` and `>>` are swapped, or the
        amount is one more or one less than intended (or reaches the operand's width).""",
        "before: h = (h << 5) ^ v;\nafter:  h = (h << 6) ^ v;",
    ),
    _t(
        "INF",
        "infinite loop",
        "functional",
        "hang",
        """A loop's exit condition can never become true: its counter update is dropped or
        runs in the wrong direction, so the loop does not terminate (or only after the
        counter wraps around).""",
        "before: for (i = 0; i < N; i++)\nafter:  for (i = 0; i < N; )",
    ),
    _t(
        "USE",
        "unintended sign extension",
        "functional",
        "csim-output",
        """A value that should be treated as unsigned (or as wide) passes through a narrower
        signed type, so it is sign-extended when widened again: an unsigned variable declared
        signed of the same width, or an operand read through a `(int8_t)`/`(int16_t)` cast.""",
        "before: uint8_t b = msg[i];\nafter:  int8_t b = msg[i];",
    ),
    _t(
        "MLU",
        "mismatched loop update",
        "functional",
        "csim-output",
        """A loop's step is wrong though it still terminates: the counter advances by a
        different amount than the indexing assumes, so iterations are skipped or repeated.""",
        "before: for (i = 0; i < N; i++)\nafter:  for (i = 0; i < N; i += 2)",
    ),
    _t(
        "ZERO",
        "division by zero",
        "functional",
        "sanitizer",
        """An integer division or remainder whose divisor is, or on some path becomes, zero
        (the divisor replaced by a loop counter that starts at 0, or by an expression that
        reaches 0); UBSan reports it and a plain build traps with SIGFPE.""",
        "before: q = sum / N;\nafter:  q = sum / i;",
    ),
    _t(
        "BUF",
        "buffer range error",
        "functional",
        "csim-output",
        """A loop covers the wrong part of a buffer (stops at half of it, or starts half-way in)
        so part of it is never processed, or a local buffer is declared smaller than the
        range its loops use (that variant shows under the sanitizer).""",
        "before: for (i = 0; i < N; i++) s += x[i];\n"
        "after:  for (i = 0; i < N / 2; i++) s += x[i];",
    ),
    _t(
        "APT",
        "array partition type error",
        "pragma",
        "static-pragma",
        """An array_partition whose type does not fit the array: `complete` on a dimension of
        more than 64 elements, or `block`/`cyclic` with no factor or a factor below 2.""",
        "before: (no pragma)\nafter:  #pragma HLS array_partition variable=A type=cyclic dim=1",
    ),
    _t(
        "FND",
        "factor not dividing",
        "pragma",
        "static-pragma",
        """A `block` or `cyclic` array_partition whose factor does not divide the size of the
        dimension it partitions.""",
        "before: #pragma HLS array_partition variable=A type=cyclic factor=2 dim=1  // A[8]\n"
        "after:  #pragma HLS array_partition variable=A type=cyclic factor=3 dim=1",
    ),
    _t(
        "DID",
        "dimension ID error",
        "pragma",
        "static-pragma",
        """An array_partition whose `dim` names a dimension the array does not have (dims
        count from 1; dim=0 means all of them), i.e. dim is greater than the array's rank.""",
        "before: #pragma HLS array_partition variable=B type=complete dim=1  // B[4][4]\n"
        "after:  #pragma HLS array_partition variable=B type=complete dim=3",
    ),
    _t(
        "DFP",
        "dataflow misplacement",
        "pragma",
        "static-pragma",
        """`#pragma HLS dataflow` in a region that is not a pure sequence of tasks: a function
        or loop body that holds statements other than loops, calls and declarations, or a
        region inside a pipelined loop.""",
        "before: { acc = 0; for (...) ... }\n"
        "after:  { #pragma HLS dataflow\n          acc = 0; ... }",
    ),
    _t(
        "IDAP",
        "incorrect data access pattern",
        "pragma",
        "static-pragma",
        """A streaming interface (`ap_fifo` or `axis`) on an array argument the function does
        not access strictly in order: it is subscripted by something other than the counter of
        one increasing loop, at more than one place or inside nested loops, or both read and
        written.""",
        "before: (no pragma)  // A[i][k] read in a triple loop\n"
        "after:  #pragma HLS interface mode=ap_fifo port=A",
    ),
    _t(
        "RAMB",
        "RAM bank conflict",
        "pragma",
        "static-pragma",
        """A bind_storage that makes an array a single-port memory (ram_1p, rom_1p, ram_s2p)
        although a pipelined loop accesses it more than once per iteration.""",
        "before: (no pragma)  // a[i] and a[i+1] read each II=1 iteration\n"
        "after:  #pragma HLS bind_storage variable=a type=ram_1p impl=bram",
    ),
    _t(
        "SMA",
        "scalar-memory argument mismatch",
        "pragma",
        "static-pragma",
        """An interface mode that does not fit its argument: a memory or stream mode (bram,
        ap_memory, m_axi, ap_fifo, axis) on a scalar, or a scalar-only mode (ap_none, ap_vld,
        ap_ack, ap_hs) on an array or pointer argument.""",
        "before: (no pragma)  // int n is a scalar argument\n"
        "after:  #pragma HLS interface mode=m_axi port=n",
    ),
    _t(
        "AMS",
        "array-memory setting on a non-array",
        "pragma",
        "static-pragma",
        """An array-only directive (array_partition, array_reshape, bind_storage) whose
        `variable=` is not an array in scope: a scalar, a loop counter or an unknown name.""",
        "before: (no pragma)\nafter:  #pragma HLS array_partition variable=acc type=complete dim=1",
    ),
    _t(
        "MLP",
        "multi-level pipelining",
        "pragma",
        "static-pragma",
        """A pipeline directive on a loop nested inside an already pipelined loop (which HLS
        unrolls), or on a loop that itself contains a pipelined loop.""",
        "before: for (j...) { #pragma HLS pipeline II=1\n          for (k...) { ... } }\n"
        "after:  ...        for (k...) { #pragma HLS pipeline II=1 ... } }",
    ),
    _t(
        "ILNU",
        "irregular loop nest unrolling",
        "pragma",
        "static-pragma",
        """An unroll whose factor does not divide the loop's constant trip count or exceeds
        it, or any unroll of a loop whose trip count is not a compile-time constant.""",
        "before: for (i = 0; i < 8; i++) {\nafter:  for (i = 0; i < 8; i++) { "
        "#pragma HLS unroll factor=3",
    ),
    _t(
        "OPS",
        "operator swap",
        "functional",
        "csim-output",
        """A binary operator replaced by a related one: `+`/`-` (and their compound forms),
        `*` by `+`, `&`/`|`, `^` by `|`, a non-loop comparison's strictness (`<`/`<=`,
        `>`/`>=`), or `&&`/`||`.""",
        "before: acc += a[i] * b[i];\nafter:  acc += a[i] + b[i];",
        chrysalis=False,
    ),
    _t(
        "IDX",
        "wrong index variable",
        "functional",
        "csim-output",
        """An array subscript uses the wrong in-scope variable: two subscripts of a
        multi-dimensional access transposed (same-size dimensions), or a loop counter replaced
        by another enclosing loop's counter.""",
        "before: acc += A[i][k] * B[k][j];\nafter:  acc += A[k][i] * B[k][j];",
        chrysalis=False,
    ),
    _t(
        "OBO",
        "off-by-one in range",
        "functional",
        "csim-output",
        """A loop bound off by one that stays inside the array: the loop stops one iteration
        early (`< N` became `< N - 1`) or starts at 1 instead of 0, so one element is never
        processed (unlike OOB, nothing is accessed out of bounds).""",
        "before: for (i = 0; i < N; i++)\nafter:  for (i = 0; i < N - 1; i++)",
        chrysalis=False,
    ),
    _t(
        "TRUNC",
        "width truncation",
        "functional",
        "csim-output",
        """An intermediate value or accumulator is held in a narrower integer type than its
        range needs (declared half as wide, or a wide sum or product cast narrower), so it
        wraps or loses its high bits.""",
        "before: int32_t acc = 0;\nafter:  int16_t acc = 0;",
        chrysalis=False,
    ),
]

TYPES: dict[str, BugType] = {t.code: t for t in _ALL}
FUNCTIONAL = tuple(c for c, t in TYPES.items() if t.kind == "functional")
PRAGMA = tuple(c for c, t in TYPES.items() if t.kind == "pragma")

for _bug_type in _ALL:
    _bug_type.check()
