"""Dead code elimination: drop ops whose results nothing uses and that have no effect.

Pure ops, `read` and `load` have no effect besides their result. A load that would have
gone out of bounds is dropped too, as C compilers drop dead loads.
"""

from __future__ import annotations

from kiln.ir.kernel import Block, ForLoop, IfElse, Kernel, Op, Value, WhileLoop, walk
from kiln.ir.ops import PURE_OPS

_REMOVABLE = PURE_OPS | {"read", "load"}


def _used(kernel: Kernel) -> set[int]:
    used: set[int] = set()
    for s in walk(kernel.body):
        if isinstance(s, Op):
            used.update(id(v) for v in s.operands)
        elif isinstance(s, ForLoop):
            used.update(id(b) for b in (s.lo, s.hi) if isinstance(b, Value))
        elif isinstance(s, WhileLoop):
            used.add(id(s.cond_value))
        elif isinstance(s, IfElse):
            used.add(id(s.cond))
    return used


def _sweep(block: Block, used: set[int]) -> bool:
    kept, changed = [], False
    for s in block.stmts:
        if isinstance(s, Op) and s.opcode in _REMOVABLE and id(s.result) not in used:
            changed = True
            continue
        kept.append(s)
        if isinstance(s, ForLoop):
            changed |= _sweep(s.body, used)
        elif isinstance(s, WhileLoop):
            changed |= _sweep(s.cond, used) | _sweep(s.body, used)
        elif isinstance(s, IfElse):
            changed |= _sweep(s.then, used)
            if s.orelse is not None:
                changed |= _sweep(s.orelse, used)
    block.stmts[:] = kept
    return changed


def eliminate_dead_code(kernel: Kernel) -> bool:
    changed = False
    while _sweep(kernel.body, _used(kernel)):  # removing one op may free its operands
        changed = True
    return changed
