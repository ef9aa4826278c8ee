"""Multiply the narrow values, not their extensions: `(int32_t)a * (int32_t)b` with 16-bit
`a` and `b` becomes a mul of `a` and `b` with the same 32-bit result.

The value is the same: a wrapping integer product keeps its low bits, and those are the
low bits of the product of the un-extended operands, extended the same way (sign for a
signed source, zero for an unsigned one). The hardware is not: the backend multiplies
narrow signed operands in the product's width, which synthesis maps as a multiplier of
the operands' widths, while an operand with its extension bits written out makes it a
full-width multiplier (ABC spends minutes on a 32-bit one fed by 16-bit values). The
extension, if nothing else uses it, is left for `dce`.
"""

from __future__ import annotations

from kiln.ir.kernel import Kernel, Op, Value, walk_ops
from kiln.ir.types import IntType


def narrow_multiplies(kernel: Kernel) -> bool:
    made: dict[int, Op] = {id(op.result): op for op in walk_ops(kernel.body) if op.result}
    changed = False
    for op in walk_ops(kernel.body):
        if op.opcode != "mul" or type(op.result.type) is not IntType:
            continue
        for i, v in enumerate(op.operands):
            src = _unextended(made.get(id(v)), op.result.type.width)
            if src is not None:
                op.operands[i] = src
                changed = True
    return changed


def _unextended(ext: Op | None, keep: int) -> Value | None:
    """The value `ext` widens, when the low `keep` bits of `ext`'s result are that value
    extended by its own signedness; else None."""
    if ext is None or ext.opcode not in ("cast", "sext", "zext"):
        return None
    (src,) = ext.operands
    t, rt = src.type, ext.result.type
    if type(t) is not IntType or type(rt) is not IntType or rt.width < keep:
        return None
    if t.width >= rt.width:
        return None  # not a widening
    if ext.opcode == "sext" and not t.signed or ext.opcode == "zext" and t.signed:
        return None  # extended the other way than the source's type says
    return src
