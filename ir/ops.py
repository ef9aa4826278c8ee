"""The op table: each kernel-IR op's operands, attributes and typing rule, in one place.

The verifier checks ops against this table, the parser uses it to know which attributes
an op takes, and the scheduler's delay model keys on `OpSpec.kind`. Semantics live in
`semantics.py`; this file says only what is well-formed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiln.ir.types import BOOL, FloatType, IntType, ScalarType

# A typing rule gets the operand types, the result type (or None) and the attributes, and
# returns a complaint, or None when the op is well typed.
Rule = Callable[[Sequence[ScalarType], ScalarType | None, dict[str, int]], str | None]


@dataclass(frozen=True)
class OpSpec:
    """What one op looks like: operand count (None = one or more), attributes, result."""

    name: str
    kind: str  # arith, compare, logic, shift, bits, select, const, memory, var
    arity: int | None
    attrs: tuple[str, ...] = ()
    has_result: bool = True
    storage: bool = False  # first operand names a variable or array
    indexed: bool = False  # takes array indices after the storage operand
    rule: Rule | None = None


def _numeric(types: Sequence[ScalarType], rt: ScalarType | None, attrs) -> str | None:
    """Integers and fixed point mix freely; a float op takes and gives one float type."""
    floats = [t for t in [*types, rt] if isinstance(t, FloatType)]
    if floats and len(floats) != len(types) + 1:
        return f"cannot mix {floats[0]} with integers or fixed point; cast first"
    if floats and len(set(floats)) > 1:
        return f"operands and result must be one float type, got {', '.join(map(str, floats))}"
    return None


def _cast(types, rt, attrs) -> str | None:
    return None


def _div(types, rt, attrs) -> str | None:
    if any(isinstance(t, FloatType) for t in [*types, rt]):
        return _numeric(types, rt, attrs)
    return _integers(types, rt, attrs)


def _bits_only(rule: Rule) -> Rule:
    """Bit-level ops see no floats: bitcast a float to an integer first."""

    def checked(types, rt, attrs) -> str | None:
        for t in [*types, rt]:
            if isinstance(t, FloatType):
                return f"bit op on {t}; bitcast it to u{t.width} first"
        return rule(types, rt, attrs)

    return checked


def _integers(types, rt, attrs) -> str | None:
    bad = [t for t in [*types, rt] if not isinstance(t, IntType)]
    return f"operands and result must be integers, got {bad[0]}" if bad else None


def _compare(types, rt, attrs) -> str | None:
    if rt != BOOL:
        return f"result must be u1, got {rt}"
    floats = [t for t in types if isinstance(t, FloatType)]
    if floats and (len(floats) != len(types) or types[0] != types[1]):
        return f"compare {types[0]} with {types[1]}: float operands must have one type"
    return None


def _same_as_result(types, rt, attrs) -> str | None:
    for t in types:
        if t != rt:
            return f"operand type {t} must equal result type {rt}"
    return None


def _shift(types, rt, attrs) -> str | None:
    if types[0] != rt:
        return f"shifted operand type {types[0]} must equal result type {rt}"
    if not (isinstance(types[1], IntType) and not types[1].signed):
        return f"shift amount must be an unsigned integer, got {types[1]}"
    return None


def _select(types, rt, attrs) -> str | None:
    if types[0] != BOOL:
        return f"condition must be u1, got {types[0]}"
    return _same_as_result(types[1:], rt, attrs)


def _widen(types, rt, attrs) -> str | None:
    if rt.width < types[0].width:
        return f"result width {rt.width} is narrower than operand width {types[0].width}"
    return None


def _narrow(types, rt, attrs) -> str | None:
    if rt.width > types[0].width:
        return f"result width {rt.width} is wider than operand width {types[0].width}"
    return None


def _same_width(types, rt, attrs) -> str | None:
    if rt.width != types[0].width:
        return f"bitcast needs equal widths, got {types[0].width} and {rt.width}"
    return None


def _slice(types, rt, attrs) -> str | None:
    hi, lo = attrs["hi"], attrs["lo"]
    if not 0 <= lo <= hi < types[0].width:
        return f"slice [{hi}:{lo}] is outside the operand's {types[0].width} bits"
    if rt.width != hi - lo + 1:
        return f"slice [{hi}:{lo}] gives {hi - lo + 1} bits but the result has {rt.width}"
    return None


def _concat(types, rt, attrs) -> str | None:
    total = sum(t.width for t in types)
    return None if rt.width == total else f"concat gives {total} bits, result has {rt.width}"


def _const(types, rt, attrs) -> str | None:
    v = attrs["value"]
    return None if rt.contains_raw(v) else f"constant {v} does not fit {rt}"


_SPECS = [
    OpSpec("add", "arith", 2, rule=_numeric),
    OpSpec("sub", "arith", 2, rule=_numeric),
    OpSpec("mul", "mul", 2, rule=_numeric),
    OpSpec("div", "div", 2, rule=_div),
    OpSpec("rem", "div", 2, rule=_integers),
    OpSpec("neg", "arith", 1, rule=_numeric),
    OpSpec("cast", "arith", 1, rule=_cast),
    *(OpSpec(n, "compare", 2, rule=_compare) for n in ("eq", "ne", "lt", "le", "gt", "ge")),
    *(OpSpec(n, "logic", 2, rule=_bits_only(_same_as_result)) for n in ("and", "or", "xor")),
    OpSpec("not", "logic", 1, rule=_bits_only(_same_as_result)),
    OpSpec("shl", "shift", 2, rule=_bits_only(_shift)),
    OpSpec("shr", "shift", 2, rule=_bits_only(_shift)),
    OpSpec("select", "select", 3, rule=_select),
    OpSpec("slice", "bits", 1, attrs=("hi", "lo"), rule=_bits_only(_slice)),
    OpSpec("concat", "bits", None, rule=_bits_only(_concat)),
    OpSpec("zext", "bits", 1, rule=_bits_only(_widen)),
    OpSpec("sext", "bits", 1, rule=_bits_only(_widen)),
    OpSpec("trunc", "bits", 1, rule=_bits_only(_narrow)),
    OpSpec("bitcast", "bits", 1, rule=_same_width),
    OpSpec("const", "const", 0, attrs=("value",), rule=_const),
    OpSpec("load", "memory", 0, storage=True, indexed=True),
    OpSpec("store", "memory", 1, has_result=False, storage=True, indexed=True),
    OpSpec("read", "var", 0, storage=True),
    OpSpec("write", "var", 1, has_result=False, storage=True),
]

OPS: dict[str, OpSpec] = {s.name: s for s in _SPECS}

PURE_OPS = frozenset(n for n, s in OPS.items() if s.kind not in ("memory", "var"))
