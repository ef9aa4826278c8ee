"""A bit-accurate interpreter for kernel IR: the reference every backend is checked against.

Inputs and outputs are raw integers (see `types.py`); arrays are flat row-major lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kiln.base.errors import InterpretError
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    IfElse,
    Kernel,
    Op,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
)
from kiln.ir.semantics import evaluate
from kiln.ir.types import ArrayType

DEFAULT_STEP_LIMIT = 10_000_000


class _Machine:
    def __init__(self, kernel: Kernel, step_limit: int):
        self.k = kernel
        self.env: dict[int, int] = {}  # id(Value) -> raw
        self.mem: dict[int, list[int]] = {}  # id(Storage) -> flat contents (scalars: 1 entry)
        self.steps_left = step_limit

    def _tick(self, loc) -> None:
        self.steps_left -= 1
        if self.steps_left < 0:
            raise InterpretError(
                f"kernel @{self.k.name} ran past its step limit",
                loc,
                "a while loop may never end; raise step_limit if the kernel is just long",
            )

    def run_block(self, block: Block) -> None:
        for s in block.stmts:
            if isinstance(s, Op):
                self.run_op(s)
            elif isinstance(s, ForLoop):
                self.run_for(s)
            elif isinstance(s, IfElse):
                if self.env[id(s.cond)]:
                    self.run_block(s.then)
                elif s.orelse is not None:
                    self.run_block(s.orelse)
            else:
                self.run_while(s)

    def _bound(self, b: int | Value) -> int:
        return self.env[id(b)] if isinstance(b, Value) else b

    def run_for(self, s: ForLoop) -> None:
        i, hi = self._bound(s.lo), self._bound(s.hi)
        while (i < hi) if s.step > 0 else (i > hi):
            self._tick(s.place)
            if not s.var.type.contains_raw(i):
                raise InterpretError(
                    f"induction variable %{s.var.name} = {i} does not fit {s.var.type}",
                    s.place,
                    "widen the induction variable's type",
                )
            self.env[id(s.var)] = i
            self.run_block(s.body)
            i += s.step

    def run_while(self, s: WhileLoop) -> None:
        trips = 0
        while True:
            self._tick(s.place)
            self.run_block(s.cond)
            if not self.env[id(s.cond_value)]:
                return
            trips += 1
            if s.directives.max_trip and trips > s.directives.max_trip:
                raise InterpretError(
                    f"while loop ran more than its max_trip={s.directives.max_trip} trips", s.place
                )
            self.run_block(s.body)

    def _address(self, op: Op, s: Storage, idx: Sequence[int]) -> int:
        shape = s.type.shape  # type: ignore[union-attr]
        flat = 0
        for i, d in zip(idx, shape, strict=True):
            if not 0 <= i < d:
                raise InterpretError(
                    f"op '{op.opcode}' on @{s.name}: index {list(idx)} is out of bounds "
                    f"{list(shape)}",
                    op.place,
                )
            flat = flat * d + i
        return flat

    def run_op(self, op: Op) -> None:
        self._tick(op.place)
        args = [self.env[id(v)] for v in op.operands]
        s = op.storage
        if s is None:
            value = evaluate(
                op.opcode, args, [v.type for v in op.operands], op.result.type, op.attrs
            )
            self.env[id(op.result)] = value
            return
        cells = self.mem[id(s)]
        if op.opcode == "load":
            self.env[id(op.result)] = cells[self._address(op, s, args)]
        elif op.opcode == "store":
            cells[self._address(op, s, args[:-1])] = args[-1]
        elif op.opcode == "read":
            self.env[id(op.result)] = cells[0]
        else:
            cells[0] = args[0]


def interpret(
    kernel: Kernel,
    inputs: Mapping[str, int | Sequence[int]],
    *,
    step_limit: int = DEFAULT_STEP_LIMIT,
    state: dict[str, list[int]] | None = None,
) -> dict[str, int | list[int]]:
    """Run `kernel` on raw `inputs` (scalars and flat arrays for in/inout parameters).

    Returns the final contents of every out and inout parameter: an int for a scalar, a
    flat list for an array. An out parameter starts with the contents given in `inputs`
    when there are any (as an external memory keeps what it held), else with zeros.

    `state` carries `static` storages from one call to the next: missing entries start
    from their initial values, and the dict is updated in place when the call ends.
    """
    m = _Machine(kernel, step_limit)
    known = {p.name for p in kernel.params}
    unknown = sorted(set(inputs) - known)
    if unknown:
        raise InterpretError(
            f"kernel @{kernel.name} has no parameter {unknown[0]!r}",
            kernel.loc,
            f"parameters: {', '.join(sorted(known))}",
        )
    for p in kernel.params:
        size = p.type.size if isinstance(p.type, ArrayType) else 1
        elem = p.type.elem if isinstance(p.type, ArrayType) else p.type
        if p.direction is Direction.OUT and p.name not in inputs:
            m.mem[id(p.storage)] = [0] * size
            continue
        if p.name not in inputs:
            raise InterpretError(f"missing input '{p.name}' for kernel @{kernel.name}", p.place)
        given = inputs[p.name]
        cells = [given] if isinstance(given, int) else list(given)
        if len(cells) != size or isinstance(given, int) == isinstance(p.type, ArrayType):
            raise InterpretError(
                f"input '{p.name}' needs {size} value(s) for type {p.type}, got {len(cells)}",
                p.place,
            )
        for c in cells:
            if not elem.contains_raw(c):
                raise InterpretError(
                    f"input '{p.name}': raw value {c} does not fit {elem}",
                    p.place,
                    f"raw values of {elem} lie in [{elem.min_raw}, {elem.max_raw}]",
                )
        if p.value is not None:
            m.env[id(p.value)] = cells[0]
        else:
            m.mem[id(p.storage)] = cells
    state = {} if state is None else state
    for s in kernel.storages:
        size = s.type.size if isinstance(s.type, ArrayType) else 1
        if s.kind is StorageKind.STATIC and s.name in state:
            m.mem[id(s)] = state[s.name]
        else:
            m.mem[id(s)] = list(s.init) if s.init is not None else [0] * size
        if s.kind is StorageKind.STATIC:
            state[s.name] = m.mem[id(s)]
        assert s.kind is not StorageKind.PARAM
    m.run_block(kernel.body)
    out: dict[str, int | list[int]] = {}
    for p in kernel.params:
        if p.direction is not Direction.IN:
            cells = m.mem[id(p.storage)]
            out[p.name] = cells if isinstance(p.type, ArrayType) else cells[0]
    return out
