"""Dead variable elimination: writes to a local variable that nothing ever reads go.

After unrolling, a loop's counter and helpers' temporaries are often written and never
read again; their writes would hold registers and logic no output depends on. Only
local variables qualify: parameters and statics are observable after the call.
"""

from __future__ import annotations

from kiln.ir.kernel import Kernel, StorageKind, walk_ops
from kiln.ir.passes.dce import sweep


def eliminate_dead_variables(kernel: Kernel) -> bool:
    read = {id(op.storage) for op in walk_ops(kernel.body) if op.opcode == "read"}
    dead = {id(st) for st in kernel.storages if st.kind is StorageKind.VAR and id(st) not in read}
    if not dead:
        return False
    return sweep(kernel.body, lambda op: op.opcode == "write" and id(op.storage) in dead)
