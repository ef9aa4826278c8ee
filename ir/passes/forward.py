"""Store-to-load forwarding for scalar variables, and dead stores in straight-line code.

A `read` of a variable whose last `write` is in view (earlier in the same block, or in a
block around it with no loop or branch between that may write it again) takes the
written value, and the read goes. A `write` that the next write to the same variable
overwrites in the same block, with no read or nested statement between, goes too.

Unrolled loops and inlined helpers write and read their temporaries over and over; without
this each read is a register read in hardware and each write a register the value waits
in, and constants written to a variable (a shift amount, a mask that halves each step)
never reach `const-fold`.
"""

from __future__ import annotations

from kiln.ir.kernel import Block, ForLoop, IfElse, Kernel, Op, Value, WhileLoop, walk


def forward_stores(kernel: Kernel) -> bool:
    same: dict[int, Value] = {}  # id(read result) -> the written value it is replaced by
    changed = False

    def use(v):
        return same.get(id(v), v) if isinstance(v, Value) else v

    def block(b: Block, known: dict[int, Value]) -> None:
        nonlocal changed
        kept: list = []
        pending: dict[int, int] = {}  # id(storage) -> index in `kept` of an unread write
        for s in b.stmts:
            if isinstance(s, Op):
                s.operands = [use(v) for v in s.operands]
                st = s.storage
                if s.opcode == "read":
                    v = known.get(id(st))
                    if v is not None and v.type == s.result.type:
                        same[id(s.result)] = v
                        changed = True
                        continue
                    pending.pop(id(st), None)
                elif s.opcode == "write":
                    if id(st) in pending:
                        kept[pending[id(st)]] = None  # overwritten before any read
                        changed = True
                    pending[id(st)] = len(kept)
                    known[id(st)] = s.operands[0]
                kept.append(s)
                continue
            pending.clear()
            kept.append(s)
            if isinstance(s, ForLoop):
                s.lo, s.hi = use(s.lo), use(s.hi)
                _forget(known, s.body)
                block(s.body, dict(known))
            elif isinstance(s, WhileLoop):
                _forget(known, s.cond, s.body)
                block(s.cond, dict(known))
                s.cond_value = use(s.cond_value)
                block(s.body, dict(known))
            elif isinstance(s, IfElse):
                s.cond = use(s.cond)
                block(s.then, dict(known))
                if s.orelse is not None:
                    block(s.orelse, dict(known))
                _forget(known, s.then, *([s.orelse] if s.orelse else []))
        b.stmts[:] = [s for s in kept if s is not None]

    block(kernel.body, {})
    return changed


def _forget(known: dict[int, Value], *blocks: Block) -> None:
    """Variables written anywhere in `blocks` no longer hold a known value."""
    for b in blocks:
        for s in walk(b):
            if isinstance(s, Op) and s.opcode == "write":
                known.pop(id(s.storage), None)
