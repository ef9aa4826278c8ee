"""The one definition of every scalar op's arithmetic, on raw integers.

Value ops (add, sub, mul, neg, div, rem, cast) compute the exact mathematical result of
their operands, then `quantize` it into the result type with that type's rounding and
overflow modes. Bit ops (and, or, xor, not, shifts, slice, concat, extensions, bitcast)
work on the two's-complement bit patterns and ignore fractional bits, as C and Verilog do.
The interpreter evaluates with these functions; the Verilog emitter implements the same
rules and is tested bit for bit against them.

Floats (`FloatType`) are raw IEEE bit patterns; their value ops follow numpy's IEEE
arithmetic, which is C's on every machine kiln targets (round to nearest even, no fused
multiply-add), and conversions follow C: int to float rounds to nearest even, float to int
truncates toward zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from kiln.ir.types import FloatType, Overflow, Rounding, ScalarType


def mask(width: int) -> int:
    return (1 << width) - 1


def bits(raw: int, t: ScalarType) -> int:
    """The unsigned bit pattern of `raw` in `t`'s width."""
    return raw & mask(t.width)


def from_bits(pattern: int, t: ScalarType) -> int:
    """Read a bit pattern (any width; the low `t.width` bits count) as a raw value of `t`."""
    pattern &= mask(t.width)
    if t.signed and pattern >> (t.width - 1):
        return pattern - (1 << t.width)
    return pattern


def wrap(raw: int, t: ScalarType) -> int:
    return from_bits(raw, t)


def saturate(raw: int, t: ScalarType) -> int:
    return min(max(raw, t.min_raw), t.max_raw)


def shift_round(x: int, k: int, mode: Rounding) -> int:
    """`x / 2**k` for k >= 0, rounded to an integer by `mode`."""
    if k <= 0:
        return x << -k
    q = x >> k  # floor
    r = x - (q << k)
    half = 1 << (k - 1)
    if mode is Rounding.TRN:
        return q
    if mode is Rounding.RND:
        return q + (r >= half)
    return q + (r > half or (r == half and q & 1))


def quantize(raw: int, frac: int, t: ScalarType) -> int:
    """The raw value of `t` for the exact real `raw / 2**frac`, using `t`'s modes."""
    v = shift_round(raw, frac - t.frac, t.rounding)
    return saturate(v, t) if t.overflow is Overflow.SAT else wrap(v, t)


def quantize_real(x: Fraction, t: ScalarType) -> int:
    """The raw value of `t` for the exact rational `x`, using `t`'s modes."""
    scaled = x * (1 << t.frac)
    q = scaled.numerator // scaled.denominator  # floor
    r = scaled - q
    if t.rounding is Rounding.RND:
        q += r >= Fraction(1, 2)
    elif t.rounding is Rounding.RND_CONV:
        q += r > Fraction(1, 2) or (r == Fraction(1, 2) and q & 1)
    return saturate(q, t) if t.overflow is Overflow.SAT else wrap(q, t)


def align(raw: int, t: ScalarType, frac: int) -> int:
    """`raw` of type `t` rescaled to `frac` fractional bits (frac >= t.frac), exactly."""
    return raw << (frac - t.frac)


# ---- floating point ------------------------------------------------------------------

_NP = {32: (np.float32, np.uint32), 64: (np.float64, np.uint64)}


def float_value(raw: int, t: ScalarType) -> np.floating:
    """The numpy float whose IEEE bit pattern is `raw`."""
    ft, ut = _NP[t.width]
    return np.array(raw, dtype=ut).view(ft)[()]


def float_bits(x: float | np.floating, t: ScalarType) -> int:
    """The raw (bit pattern) of `x` rounded to `t`'s precision."""
    ft, ut = _NP[t.width]
    with np.errstate(all="ignore"):
        return int(np.array(x, dtype=ft).view(ut)[()])


def _int_to_float(v: int, t: ScalarType) -> int:
    """C's integer-to-float conversion, rounded once to nearest even at any magnitude."""
    if t.width == 64 or abs(v) < 1 << 53:
        return float_bits(float(v), t)  # Python rounds an int to double correctly
    # For f32, keep 53 bits plus a sticky bit: exact in a double, and the one rounding to
    # 24 bits that follows is then the correct one.
    mag = abs(v)
    drop = mag.bit_length() - 53
    kept = (mag >> drop) | (1 if mag & ((1 << drop) - 1) else 0)
    x = math.ldexp(float(kept), drop)
    return float_bits(-x if v < 0 else x, t)


def _float_to_int(x: np.floating, rt: ScalarType) -> int:
    """C's float-to-integer conversion: truncate toward zero. C leaves NaN, infinities and
    values out of range undefined; kiln wraps finite values and gives 0 otherwise."""
    if not np.isfinite(x):
        return 0
    return wrap(int(x), rt) if rt.overflow is Overflow.WRAP else saturate(int(x), rt)


def _float_op(opcode: str, args: Sequence[int], ts: Sequence[ScalarType], rt: ScalarType):
    xs = [float_value(a, t) for a, t in zip(args, ts, strict=True)]
    with np.errstate(all="ignore"):
        if opcode == "add":
            return float_bits(xs[0] + xs[1], rt)
        if opcode == "sub":
            return float_bits(xs[0] - xs[1], rt)
        if opcode == "mul":
            return float_bits(xs[0] * xs[1], rt)
        if opcode == "div":
            return float_bits(xs[0] / xs[1], rt)
        if opcode == "neg":
            return float_bits(-xs[0], rt)
        if opcode in _COMPARE_FN:
            return int(bool(_COMPARE_FN[opcode](xs[0], xs[1])))
    raise KeyError(f"no float semantics for op '{opcode}'")


def _cast_float(a: int, ta: ScalarType, rt: ScalarType) -> int:
    if isinstance(ta, FloatType) and isinstance(rt, FloatType):
        return float_bits(float_value(a, ta), rt)
    if isinstance(ta, FloatType):
        return _float_to_int(float_value(a, ta), rt)
    if ta.frac:
        return float_bits(float(Fraction(a, 1 << ta.frac)), rt)
    return _int_to_float(a, rt)


_COMPARE_FN: dict[str, Callable] = {
    "eq": lambda x, y: x == y,
    "ne": lambda x, y: x != y,
    "lt": lambda x, y: x < y,
    "le": lambda x, y: x <= y,
    "gt": lambda x, y: x > y,
    "ge": lambda x, y: x >= y,
}


# ---- value ops: exact result, then quantize -------------------------------------------


def _add(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
    f = max(ta.frac, tb.frac)
    return quantize(align(a, ta, f) + align(b, tb, f), f, rt)


def _sub(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
    f = max(ta.frac, tb.frac)
    return quantize(align(a, ta, f) - align(b, tb, f), f, rt)


def _mul(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
    return quantize(a * b, ta.frac + tb.frac, rt)


def c_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as C does."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _div(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
    # Division by zero gives all ones (as RISC-V does) so that hardware needs no trap.
    return wrap(-1, rt) if b == 0 else quantize(c_div(a, b), 0, rt)


def _rem(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
    # Remainder by zero gives the dividend (as RISC-V does).
    return quantize(a if b == 0 else a - b * c_div(a, b), 0, rt)


def _neg(a: int, ta: ScalarType, rt: ScalarType) -> int:
    return quantize(-a, ta.frac, rt)


def _cast(a: int, ta: ScalarType, rt: ScalarType) -> int:
    return quantize(a, ta.frac, rt)


# ---- comparisons: exact values, result u1 ------------------------------------------------


def _compare(pred: Callable[[int, int], bool]):
    def ev(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
        f = max(ta.frac, tb.frac)
        return int(pred(align(a, ta, f), align(b, tb, f)))

    return ev


# ---- bit ops: two's-complement patterns ----------------------------------------------


def _bitwise(fn: Callable[[int, int], int]):
    def ev(a: int, b: int, ta: ScalarType, tb: ScalarType, rt: ScalarType) -> int:
        return from_bits(fn(bits(a, ta), bits(b, tb)), rt)

    return ev


def _not(a: int, ta: ScalarType, rt: ScalarType) -> int:
    return from_bits(~a, rt)


def _shl(a: int, n: int, ta: ScalarType, tn: ScalarType, rt: ScalarType) -> int:
    return 0 if n >= rt.width else wrap(a << n, rt)


def _shr(a: int, n: int, ta: ScalarType, tn: ScalarType, rt: ScalarType) -> int:
    """Arithmetic for signed operands, logical for unsigned (Python's >> on the raw value)."""
    return a >> min(n, ta.width)


def _ext_from_bits(a: int, ta: ScalarType, rt: ScalarType) -> int:
    return from_bits(bits(a, ta), rt)


def _sext(a: int, ta: ScalarType, rt: ScalarType) -> int:
    signed_value = bits(a, ta) - ((bits(a, ta) >> (ta.width - 1)) << ta.width)
    return from_bits(signed_value, rt)


def _trunc(a: int, ta: ScalarType, rt: ScalarType) -> int:
    return from_bits(a, rt)


def slice_bits(a: int, ta: ScalarType, hi: int, lo: int) -> int:
    return (bits(a, ta) >> lo) & mask(hi - lo + 1)


def concat_bits(values: Sequence[int], types: Sequence[ScalarType]) -> int:
    """Concatenate bit patterns; the first operand is the most significant, as in Verilog."""
    out = 0
    for v, t in zip(values, types, strict=True):
        out = (out << t.width) | bits(v, t)
    return out


BINARY: dict[str, Callable[[int, int, ScalarType, ScalarType, ScalarType], int]] = {
    "add": _add,
    "sub": _sub,
    "mul": _mul,
    "div": _div,
    "rem": _rem,
    "eq": _compare(_COMPARE_FN["eq"]),
    "ne": _compare(_COMPARE_FN["ne"]),
    "lt": _compare(_COMPARE_FN["lt"]),
    "le": _compare(_COMPARE_FN["le"]),
    "gt": _compare(_COMPARE_FN["gt"]),
    "ge": _compare(_COMPARE_FN["ge"]),
    "and": _bitwise(lambda x, y: x & y),
    "or": _bitwise(lambda x, y: x | y),
    "xor": _bitwise(lambda x, y: x ^ y),
    "shl": _shl,
    "shr": _shr,
}

UNARY: dict[str, Callable[[int, ScalarType, ScalarType], int]] = {
    "neg": _neg,
    "cast": _cast,
    "not": _not,
    "zext": _ext_from_bits,
    "bitcast": _ext_from_bits,
    "sext": _sext,
    "trunc": _trunc,
}


_FLOAT_AWARE = frozenset(("add", "sub", "mul", "div", "neg", "cast", *_COMPARE_FN))


def evaluate(
    opcode: str,
    args: Sequence[int],
    arg_types: Sequence[ScalarType],
    rt: ScalarType,
    attrs: dict[str, int],
) -> int:
    """The raw result of a pure scalar op; the single entry point the interpreter uses."""
    if any(isinstance(t, FloatType) for t in (*arg_types, rt)) and opcode in _FLOAT_AWARE:
        if opcode == "cast":
            return _cast_float(args[0], arg_types[0], rt)
        return _float_op(opcode, args, arg_types, rt)
    if opcode in BINARY:
        return BINARY[opcode](args[0], args[1], arg_types[0], arg_types[1], rt)
    if opcode in UNARY:
        return UNARY[opcode](args[0], arg_types[0], rt)
    if opcode == "select":
        return args[1] if args[0] else args[2]
    if opcode == "slice":
        return from_bits(slice_bits(args[0], arg_types[0], attrs["hi"], attrs["lo"]), rt)
    if opcode == "concat":
        return from_bits(concat_bits(args, arg_types), rt)
    if opcode == "const":
        return attrs["value"]
    raise KeyError(f"no semantics for op '{opcode}'")
