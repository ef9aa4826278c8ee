"""Common subexpression elimination: a pure op equal to one already visible reuses it.

Equal means the same opcode, operands (the same values), attributes and result type; an
op sees the ops before it in its block and in the blocks around it. The copy is left
without uses for `dce` to drop. Unrolled loops and inlined helpers repeat index and
address arithmetic that would otherwise become duplicate logic and duplicate registers.
"""

from __future__ import annotations

from kiln.ir.kernel import Block, ForLoop, IfElse, Kernel, Op, Value, WhileLoop
from kiln.ir.ops import PURE_OPS


def eliminate_common_subexpressions(kernel: Kernel) -> bool:
    same: dict[int, Value] = {}  # id(value) -> the equal value it is replaced by

    def use(v):
        return same.get(id(v), v) if isinstance(v, Value) else v

    def block(b: Block, outer: dict) -> None:
        seen = dict(outer)
        for s in b.stmts:
            if isinstance(s, Op):
                s.operands = [use(v) for v in s.operands]
                if s.opcode not in PURE_OPS:
                    continue
                key = (
                    s.opcode,
                    tuple(id(v) for v in s.operands),
                    tuple(sorted(s.attrs.items())),
                    s.result.type,
                )
                if key in seen:
                    same[id(s.result)] = seen[key]
                else:
                    seen[key] = s.result
            elif isinstance(s, ForLoop):
                s.lo, s.hi = use(s.lo), use(s.hi)
                block(s.body, seen)
            elif isinstance(s, WhileLoop):
                block(s.cond, seen)
                s.cond_value = use(s.cond_value)
                block(s.body, seen)
            elif isinstance(s, IfElse):
                s.cond = use(s.cond)
                block(s.then, seen)
                if s.orelse is not None:
                    block(s.orelse, seen)

    block(kernel.body, {})
    return bool(same)
