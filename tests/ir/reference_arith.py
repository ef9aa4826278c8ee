"""An independent model of the IR's scalar arithmetic, written from the op definitions with
exact rationals (`Fraction`) and plain Python integers, to check `kiln.ir.semantics` against.

It shares no code with kiln: a type is a `Fmt` (width, signedness, fractional bits, rounding
and overflow modes as strings), a value is its raw integer, and every value op goes through
one step, `to_raw`: the exact real result, scaled by the result's 2**frac, rounded to an
integer by the result's rounding mode, then wrapped or clamped by its overflow mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

ROUNDINGS = ("trn", "rnd", "rnd_conv")
OVERFLOWS = ("wrap", "sat")
HALF = Fraction(1, 2)


@dataclass(frozen=True)
class Fmt:
    """A scalar type: integers are `Fmt(w, signed)`, i.e. frac 0, truncate and wrap."""

    width: int
    signed: bool
    frac: int = 0
    rounding: str = "trn"
    overflow: str = "wrap"
    is_int: bool = True  # an IntType (div and rem accept only these)

    @property
    def lo(self) -> int:
        return -(2 ** (self.width - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        return 2 ** (self.width - 1) - 1 if self.signed else 2**self.width - 1

    def __str__(self) -> str:
        if self.is_int:
            return f"{'i' if self.signed else 'u'}{self.width}"
        name = "fixed" if self.signed else "ufixed"
        return f"{name}<{self.width},{self.frac},{self.rounding},{self.overflow}>"


def int_fmt(width: int, signed: bool) -> Fmt:
    return Fmt(width, signed)


def fixed_fmt(width: int, frac: int, signed: bool, rounding: str, overflow: str) -> Fmt:
    return Fmt(width, signed, frac, rounding, overflow, is_int=False)


BOOL = int_fmt(1, False)


# ---- reals, rounding, overflow ----------------------------------------------------------


def real(raw: int, t: Fmt) -> Fraction:
    """The real number a raw value stands for: raw / 2**frac."""
    return Fraction(raw, 2**t.frac)


def round_to_int(x: Fraction, mode: str) -> int:
    """Round a rational to an integer: floor, half up, or half to even."""
    down = math.floor(x)
    rest = x - down  # in [0, 1)
    if mode == "trn":
        return down
    if mode == "rnd":
        return down + 1 if rest >= HALF else down
    if mode == "rnd_conv":
        if rest > HALF:
            return down + 1
        if rest < HALF:
            return down
        return down if down % 2 == 0 else down + 1
    raise ValueError(f"unknown rounding mode {mode!r}")


def wrap_int(n: int, width: int, signed: bool) -> int:
    """`n` reduced modulo 2**width into the signed or unsigned range."""
    m = n % 2**width
    if signed and m >= 2 ** (width - 1):
        m -= 2**width
    return m


def to_raw(x: Fraction, t: Fmt) -> int:
    """The raw value of `t` for the exact real `x`, with `t`'s rounding then overflow mode."""
    n = round_to_int(x * 2**t.frac, t.rounding)
    if t.overflow == "sat":
        return min(max(n, t.lo), t.hi)
    if t.overflow == "wrap":
        return wrap_int(n, t.width, t.signed)
    raise ValueError(f"unknown overflow mode {t.overflow!r}")


def is_tie(x: Fraction, t: Fmt) -> bool:
    """Whether converting `x` to `t` lands exactly halfway between two raw values."""
    scaled = x * 2**t.frac
    return scaled - math.floor(scaled) == HALF


def overflows(x: Fraction, t: Fmt) -> bool:
    """Whether `x`, once rounded for `t`, lies outside `t`'s range (so wrap or sat acts)."""
    n = round_to_int(x * 2**t.frac, t.rounding)
    return not t.lo <= n <= t.hi


# ---- bit patterns -----------------------------------------------------------------------


def pattern(raw: int, t: Fmt) -> int:
    """The width-bit two's-complement pattern of `raw`, as a non-negative integer."""
    return raw % 2**t.width


def read_pattern(p: int, t: Fmt) -> int:
    """The raw value of `t` whose pattern is the low `t.width` bits of `p`."""
    return wrap_int(p, t.width, t.signed)


def signed_value(raw: int, t: Fmt) -> int:
    """`raw`'s pattern read as a signed `t.width`-bit integer, whatever `t`'s signedness."""
    return wrap_int(pattern(raw, t), t.width, True)


# ---- the ops ------------------------------------------------------------------------------


def trunc_div(a: int, b: int) -> int:
    """a / b rounded toward zero (b != 0)."""
    return math.trunc(Fraction(a, b))


def div(a: int, b: int, ta: Fmt, tb: Fmt, rt: Fmt) -> int:
    return to_raw(Fraction(-1 if b == 0 else trunc_div(a, b)), rt)


def rem(a: int, b: int, ta: Fmt, tb: Fmt, rt: Fmt) -> int:
    return to_raw(Fraction(a if b == 0 else a - b * trunc_div(a, b)), rt)


def shl(a: int, n: int, ta: Fmt, tn: Fmt, rt: Fmt) -> int:
    if n >= ta.width:
        return 0
    return read_pattern(pattern(a, ta) * 2**n, rt)


def shr(a: int, n: int, ta: Fmt, tn: Fmt, rt: Fmt) -> int:
    if ta.signed:
        v = signed_value(a, ta)
        if n >= ta.width:
            return read_pattern(-1 if v < 0 else 0, rt)
        return read_pattern(math.floor(Fraction(v, 2**n)), rt)
    if n >= ta.width:
        return 0
    return read_pattern(pattern(a, ta) // 2**n, rt)


# The exact real result of each value op that rounds (div and rem are integer-only).
EXACT: dict[str, Callable[..., Fraction]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "neg": lambda x: -x,
    "cast": lambda x: x,
}


def exact(opcode: str, args: Sequence[int], types: Sequence[Fmt]) -> Fraction:
    """The unrounded real result of add, sub, mul, neg or cast."""
    return EXACT[opcode](*(real(a, t) for a, t in zip(args, types, strict=True)))


def _value_op(opcode: str):
    def op(a: int, b: int, ta: Fmt, tb: Fmt, rt: Fmt) -> int:
        return to_raw(exact(opcode, [a, b], [ta, tb]), rt)

    return op


def _compare(fn: Callable[[Fraction, Fraction], bool]):
    def op(a: int, b: int, ta: Fmt, tb: Fmt, rt: Fmt) -> int:
        return 1 if fn(real(a, ta), real(b, tb)) else 0

    return op


def _bitwise(fn: Callable[[int, int], int]):
    def op(a: int, b: int, ta: Fmt, tb: Fmt, rt: Fmt) -> int:
        return read_pattern(fn(pattern(a, ta), pattern(b, tb)), rt)

    return op


BINARY: dict[str, Callable[[int, int, Fmt, Fmt, Fmt], int]] = {
    "add": _value_op("add"),
    "sub": _value_op("sub"),
    "mul": _value_op("mul"),
    "div": div,
    "rem": rem,
    "eq": _compare(lambda x, y: x == y),
    "ne": _compare(lambda x, y: x != y),
    "lt": _compare(lambda x, y: x < y),
    "le": _compare(lambda x, y: x <= y),
    "gt": _compare(lambda x, y: x > y),
    "ge": _compare(lambda x, y: x >= y),
    "and": _bitwise(lambda p, q: p & q),
    "or": _bitwise(lambda p, q: p | q),
    "xor": _bitwise(lambda p, q: p ^ q),
    "shl": shl,
    "shr": shr,
}

UNARY: dict[str, Callable[[int, Fmt, Fmt], int]] = {
    "neg": lambda a, ta, rt: to_raw(exact("neg", [a], [ta]), rt),
    "cast": lambda a, ta, rt: to_raw(exact("cast", [a], [ta]), rt),
    "not": lambda a, ta, rt: read_pattern(2**ta.width - 1 - pattern(a, ta), rt),
    "zext": lambda a, ta, rt: read_pattern(pattern(a, ta), rt),
    "sext": lambda a, ta, rt: read_pattern(signed_value(a, ta), rt),
    "trunc": lambda a, ta, rt: read_pattern(pattern(a, ta) % 2**rt.width, rt),
    "bitcast": lambda a, ta, rt: read_pattern(pattern(a, ta), rt),
}


def slice_(a: int, ta: Fmt, hi: int, lo: int, rt: Fmt) -> int:
    return read_pattern((pattern(a, ta) // 2**lo) % 2 ** (hi - lo + 1), rt)


def concat(args: Sequence[int], types: Sequence[Fmt], rt: Fmt) -> int:
    """The first operand lands in the most significant bits."""
    total, shift = 0, 0
    for a, t in reversed(list(zip(args, types, strict=True))):
        total += pattern(a, t) * 2**shift
        shift += t.width
    return read_pattern(total, rt)


def evaluate(
    opcode: str, args: Sequence[int], types: Sequence[Fmt], rt: Fmt, attrs: dict[str, int]
) -> int:
    """The raw result of a pure op, with the same call shape as kiln's `semantics.evaluate`."""
    if opcode in BINARY:
        return BINARY[opcode](args[0], args[1], types[0], types[1], rt)
    if opcode in UNARY:
        return UNARY[opcode](args[0], types[0], rt)
    if opcode == "select":
        return args[1] if args[0] else args[2]
    if opcode == "slice":
        return slice_(args[0], types[0], attrs["hi"], attrs["lo"], rt)
    if opcode == "concat":
        return concat(args, types, rt)
    raise KeyError(f"the reference has no op {opcode!r}")
