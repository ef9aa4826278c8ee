"""Dead code elimination: drop ops whose results nothing uses and that have no effect.

Pure ops, `read` and `load` have no effect besides their result. A load that would have
gone out of bounds is dropped too, as C compilers drop dead loads.
"""

from __future__ import annotations

from collections.abc import Callable

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


def sweep(block: Block, drop: Callable[[Op], bool]) -> bool:
    """Remove the ops `drop` picks from `block` and the blocks nested in it."""
    kept, changed = [], False
    for s in block.stmts:
        if isinstance(s, Op) and drop(s):
            changed = True
            continue
        kept.append(s)
        if isinstance(s, ForLoop):
            changed |= sweep(s.body, drop)
        elif isinstance(s, WhileLoop):
            changed |= sweep(s.cond, drop) | sweep(s.body, drop)
        elif isinstance(s, IfElse):
            changed |= sweep(s.then, drop)
            if s.orelse is not None:
                changed |= sweep(s.orelse, drop)
    block.stmts[:] = kept
    return changed


def _sweep(block: Block, used: set[int]) -> bool:
    return sweep(block, lambda op: op.opcode in _REMOVABLE and id(op.result) not in used)


def eliminate_dead_code(kernel: Kernel) -> bool:
    changed = False
    while _sweep(kernel.body, _used(kernel)):  # removing one op may free its operands
        changed = True
    return changed
