"""Dead variable elimination: writes to a local variable that nothing ever reads go.

After unrolling, a loop's counter and helpers' temporaries are often written and never
read again; their writes would hold registers and logic no output depends on. Only
local variables qualify: parameters and statics are observable after the call.
"""

from __future__ import annotations

from kiln.ir.kernel import Block, ForLoop, IfElse, Kernel, Op, StorageKind, WhileLoop, walk_ops


def eliminate_dead_variables(kernel: Kernel) -> bool:
    read = {id(op.storage) for op in walk_ops(kernel.body) if op.opcode == "read"}
    dead = {id(st) for st in kernel.storages if st.kind is StorageKind.VAR and id(st) not in read}
    if not dead:
        return False
    return _sweep(kernel.body, dead)


def _sweep(block: Block, dead: set[int]) -> bool:
    kept, changed = [], False
    for s in block.stmts:
        if isinstance(s, Op) and s.opcode == "write" and id(s.storage) in dead:
            changed = True
            continue
        kept.append(s)
        if isinstance(s, ForLoop):
            changed |= _sweep(s.body, dead)
        elif isinstance(s, WhileLoop):
            changed |= _sweep(s.cond, dead) | _sweep(s.body, dead)
        elif isinstance(s, IfElse):
            changed |= _sweep(s.then, dead)
            if s.orelse is not None:
                changed |= _sweep(s.orelse, dead)
    block.stmts[:] = kept
    return changed
