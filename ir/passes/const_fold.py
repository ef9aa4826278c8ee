"""Constant folding: a pure op whose operands are all constants becomes a constant.

The folded value comes from `semantics.evaluate`, the same definition the interpreter
uses, so folding can never change what a kernel computes.
"""

from __future__ import annotations

from kiln.ir.kernel import Kernel, Op, walk
from kiln.ir.ops import PURE_OPS
from kiln.ir.semantics import evaluate


def fold_constants(kernel: Kernel) -> bool:
    known: dict[int, int] = {}  # id(value) -> raw, for results of const ops
    changed = False
    for s in walk(kernel.body):  # program order: operands are seen before their uses
        if not isinstance(s, Op) or s.opcode not in PURE_OPS:
            continue
        if s.opcode != "const" and all(id(v) in known for v in s.operands):
            args = [known[id(v)] for v in s.operands]
            value = evaluate(s.opcode, args, [v.type for v in s.operands], s.result.type, s.attrs)
            s.opcode, s.operands, s.attrs = "const", [], {"value": value}
            changed = True
        if s.opcode == "const":
            known[id(s.result)] = s.attrs["value"]
    return changed
