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

from dataclasses import dataclass

from kiln.ir.kernel import (
    ForLoop,
    IfElse,
    Kernel,
    Op,
    StorageKind,
    Value,
    WhileLoop,
    walk,
    walk_ops,
)
from kiln.ir.ranges import significant_bits, value_ranges
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
        _op(s, need, demand)
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


def _op(op: Op, need, demand) -> None:
    if op.result is not None and need.get(id(op.result), 0) == 0 and op.opcode != "load":
        return
    d = need.get(id(op.result), 0) if op.result is not None else 0
    for v, bits in zip(op.operands, operand_bits(op, d), strict=True):
        if isinstance(v, Value):
            demand(v, bits)


def operand_bits(op: Op, d: int) -> list[int]:
    """The low bits of each operand that `op` reads when `d` bits of its result are used
    (stores and writes: all of their value)."""
    widths = [v.type.width for v in op.operands]
    if op.opcode in ("load", "store"):
        shape = op.storage.type.shape
        out = [index_bits(size) for size in shape[: len(op.operands)]]
        out += widths[len(out) :]  # a store's value: every bit
        return out
    if op.result is None:
        return widths
    types = [v.type for v in op.operands]
    plain = _plain(op.result.type) and all(_plain(t) for t in types)
    if op.opcode in _LOW_BITS and plain:
        return [min(d, w) for w in widths]
    if op.opcode == "shl" and plain:
        return [min(d, widths[0]), widths[1]]
    if op.opcode == "slice":
        return [min(op.attrs["lo"] + d, widths[0])]
    if op.opcode == "select":
        return [widths[0], min(d, widths[1]), min(d, widths[2])]
    return widths


@dataclass
class Held:
    """What a register of each value or scalar variable holds: (bits, sign-extend). The
    bits above the held ones are zeros, or with sign-extend copies of the top held bit,
    so a read rebuilds the full value. Values that no use reads are absent."""

    values: dict[int, tuple[int, bool]]
    variables: dict[int, tuple[int, bool]]  # id(storage); 0 bits for one nothing reads


def held_bits(kernel: Kernel) -> Held:
    """Registers hold the demanded bits, and of those only the ones a value's range does
    not already determine (`kiln.ir.ranges`). The scheduler and the backend both read this,
    so the registers the schedule counts are the ones the circuit has."""
    need = demanded_bits(kernel)
    ranges = value_ranges(kernel)
    values = {}
    for vid, d in need.items():
        sig, signed = significant_bits(ranges[vid]) if vid in ranges else (d, False)
        values[vid] = (d, False) if d <= sig else (sig, signed)
    variables: dict[int, tuple[int, bool]] = {}
    for op in walk_ops(kernel.body):
        st = op.storage
        if st is None or st.is_array or op.opcode not in ("read", "write"):
            continue
        if st.kind is StorageKind.PARAM:
            variables[id(st)] = (st.elem.width, False)
            continue
        bits, signed = variables.get(id(st), (0, False))
        if op.opcode == "read" and id(op.result) in values:
            b, s = values[id(op.result)]
            bits, signed = max(bits, b), signed or s
        variables[id(st)] = (bits, signed)
    return Held(values, variables)
