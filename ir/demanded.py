"""Demanded bits: how many low bits of each value some use can observe.

A loop counter declared `int` that only indexes an 8-word array needs 3 bits held across
a pipeline stage, not 32; logic synthesis trims the rest anyway, so a register count that
ignores this overstates what the circuit holds. The scheduler weighs registers by these
widths and the backend builds pipeline registers of exactly this many bits.

A loop counter with constant non-negative bounds is capped at the bits of its largest
value. One backward pass in reverse program order (in SSA every use follows its definition; loop-
carried values flow through variables, whose writes demand every bit). Carries and
wrap-around only move information upward, so for integer add, sub, mul, neg, the bitwise
ops, shl by any amount, truncation and extension, the low k bits of the result depend only
on the low k bits of the operands. Everything else (compares, right shifts, division,
saturation and fixed-point rescaling, concatenation) demands every bit.
"""

from __future__ import annotations

from kiln.ir.kernel import ForLoop, IfElse, Kernel, Op, Value, WhileLoop, walk
from kiln.ir.types import FloatType, Overflow, ScalarType

_LOW_BITS = frozenset({"add", "sub", "mul", "neg", "and", "or", "xor", "not", "cast", "bitcast"})
_LOW_BITS |= {"zext", "sext", "trunc"}


def _plain(t: ScalarType) -> bool:
    return not isinstance(t, FloatType) and t.frac == 0 and t.overflow is Overflow.WRAP


def index_bits(size: int) -> int:
    """Bits that address `size` rows (an in-range index needs no more)."""
    return max(1, (size - 1).bit_length())


def demanded_bits(kernel: Kernel) -> dict[int, int]:
    """id(value) -> demanded low bits (1..width); values no use reads are absent."""
    need: dict[int, int] = {}

    def demand(v: Value, bits: int) -> None:
        bits = max(1, min(bits, v.type.width))
        if need.get(id(v), 0) < bits:
            need[id(v)] = bits

    def full(v) -> None:
        if isinstance(v, Value):
            demand(v, v.type.width)

    stmts = list(walk(kernel.body))
    for s in stmts:  # a while condition is made inside the loop, after the loop statement
        if isinstance(s, WhileLoop):
            full(s.cond_value)
    for s in reversed(stmts):
        if isinstance(s, ForLoop):
            full(s.lo)
            full(s.hi)
            continue
        if isinstance(s, WhileLoop):
            full(s.cond_value)
            continue
        if isinstance(s, IfElse):
            full(s.cond)
            continue
        _op(s, need, demand, full)
    for s in stmts:  # a counter that stays in [0, 2**k) needs k bits however wide its type
        if isinstance(s, ForLoop) and id(s.var) in need:
            bits = _range_bits(s)
            if bits is not None:
                need[id(s.var)] = min(need[id(s.var)], bits)
    return need


def _range_bits(loop: ForLoop) -> int | None:
    """Bits of the largest value a loop with constant, non-negative bounds gives its
    counter (None when a bound is a value or negative)."""
    lo, hi = loop.lo, loop.hi
    if not isinstance(lo, int) or not isinstance(hi, int) or lo < 0 or hi < 0:
        return None
    values = range(lo, hi, loop.step)
    return max(1, max(values).bit_length()) if values else 1


def _op(op: Op, need, demand, full) -> None:
    if op.opcode in ("load", "store"):
        shape = op.storage.type.shape
        for v, size in zip(op.operands, shape, strict=False):
            demand(v, index_bits(size))
        if op.opcode == "store":
            full(op.operands[-1])
        return
    if op.opcode == "write":
        full(op.operands[0])
        return
    if op.result is None:
        for v in op.operands:
            full(v)
        return
    d = need.get(id(op.result), 0)
    if d == 0:
        return
    types = [v.type for v in op.operands]
    plain = _plain(op.result.type) and all(_plain(t) for t in types)
    if op.opcode in _LOW_BITS and plain:
        for v in op.operands:
            demand(v, d)
    elif op.opcode == "shl" and plain:
        demand(op.operands[0], d)
        full(op.operands[1])
    elif op.opcode == "slice":
        demand(op.operands[0], op.attrs["lo"] + d)
    elif op.opcode == "select":
        full(op.operands[0])
        demand(op.operands[1], d)
        demand(op.operands[2], d)
    else:
        for v in op.operands:
            full(v)
