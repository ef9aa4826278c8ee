"""Constant folding: a pure op whose operands are all constants becomes a constant, and so
does a load from a const array at constant indices (an unrolled loop over a coefficient
table reads each coefficient at a known place). An op that leaves an operand unchanged
(`x + 0`, `x * 1`, `x << 0`, `x & ~0` on integers of one type) becomes that operand, as
unrolled index arithmetic like `c + j` at j = 0 would otherwise be separate logic; `x * 0`
and `x & 0` become 0.

The folded value comes from `semantics.evaluate`, the same definition the interpreter
uses, so folding can never change what a kernel computes.
"""

from __future__ import annotations

from kiln.ir.kernel import ForLoop, IfElse, Kernel, Op, StorageKind, Value, WhileLoop, walk
from kiln.ir.ops import PURE_OPS
from kiln.ir.semantics import bits, evaluate
from kiln.ir.types import FloatType


def fold_constants(kernel: Kernel) -> bool:
    known: dict[int, int] = {}  # id(value) -> raw, for results of const ops
    same: dict[int, Value] = {}  # id(value) -> the operand an identity op passes on
    changed = False
    for s in walk(kernel.body):  # program order: operands are seen before their uses
        _substitute(s, same)
        if isinstance(s, Op) and s.opcode == "load" and s.storage.kind is StorageKind.CONST:
            word = _const_word(s, known)
            if word is not None:
                s.opcode, s.operands, s.storage, s.attrs = "const", [], None, {"value": word}
                changed = True
        if not isinstance(s, Op) or s.opcode not in PURE_OPS:
            continue
        if s.opcode != "const" and all(id(v) in known for v in s.operands):
            args = [known[id(v)] for v in s.operands]
            value = evaluate(s.opcode, args, [v.type for v in s.operands], s.result.type, s.attrs)
            s.opcode, s.operands, s.attrs = "const", [], {"value": value}
            changed = True
        if _annihilated(s, known):
            s.opcode, s.operands, s.attrs = "const", [], {"value": 0}
            changed = True
        if s.opcode == "const":
            known[id(s.result)] = s.attrs["value"]
        elif (v := _identity(s, known)) is not None:
            same[id(s.result)] = v
            changed = True
    return changed


# op -> (the operand position that passes through, the other's neutral value)
_NEUTRAL = {"add": (0, 0), "sub": (0, 0), "or": (0, 0), "xor": (0, 0), "shl": (0, 0)}
_NEUTRAL |= {"shr": (0, 0), "mul": (0, 1)}


def _identity(op: Op, known: dict[int, int]) -> Value | None:
    """The operand `op` returns unchanged, if it is one of `_NEUTRAL`'s on integers."""
    rt = op.result.type
    if isinstance(rt, FloatType) or rt.frac or op.opcode not in (*_NEUTRAL, "and"):
        return None
    for keep in (0, 1):
        other = op.operands[1 - keep]
        x = op.operands[keep]
        if x.type != rt or id(other) not in known or isinstance(other.type, FloatType):
            continue
        if op.opcode == "mul" and other.type.frac:
            continue
        if op.opcode == "and":
            if bits(known[id(other)], other.type) == (1 << rt.width) - 1:
                return x
            continue
        pos, neutral = _NEUTRAL[op.opcode]
        commutes = op.opcode in ("add", "or", "xor", "mul")
        if (keep == pos or commutes) and known[id(other)] == neutral:
            return x
    return None


def _annihilated(op: Op, known: dict[int, int]) -> bool:
    """`x * 0` and `x & 0` on integers: 0 whatever x is."""
    if op.opcode not in ("mul", "and") or isinstance(op.result.type, FloatType):
        return False
    types = [v.type for v in op.operands]
    if any(isinstance(t, FloatType) for t in types):
        return False
    return any(known.get(id(v)) == 0 for v in op.operands)


def _substitute(s, same: dict[int, Value]) -> None:
    """Replace uses of values that identity ops passed on."""
    if not same:
        return
    if isinstance(s, Op):
        s.operands = [same.get(id(v), v) for v in s.operands]
    elif isinstance(s, ForLoop):
        s.lo = same.get(id(s.lo), s.lo) if isinstance(s.lo, Value) else s.lo
        s.hi = same.get(id(s.hi), s.hi) if isinstance(s.hi, Value) else s.hi
    elif isinstance(s, WhileLoop):
        s.cond_value = same.get(id(s.cond_value), s.cond_value)
    elif isinstance(s, IfElse):
        s.cond = same.get(id(s.cond), s.cond)


def _const_word(op: Op, known: dict[int, int]) -> int | None:
    """The word a load at constant, in-range indices reads from its const array, or None."""
    shape = op.storage.type.shape
    if not all(id(v) in known for v in op.operands):
        return None
    flat = 0
    for v, size in zip(op.operands, shape, strict=True):
        i = known[id(v)]
        if not 0 <= i < size:
            return None
        flat = flat * size + i
    init = op.storage.init or []
    return init[flat] if flat < len(init) else None
