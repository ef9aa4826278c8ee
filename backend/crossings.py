"""Values that cross regions: which values one region makes and another region (or the
controller) reads, and the signal that holds each of them while other regions run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiln.backend.module_body import BUG_HINT, ModuleBody
from kiln.base.errors import BackendError
from kiln.ir.kernel import ForLoop, Value
from kiln.scheduler.kernel_schedule import KernelSchedule
from kiln.scheduler.regions import Branch, Control, OuterFor, OuterWhile, Seq


@dataclass(frozen=True)
class Crossings:
    """Where each value is made, and which ones leave their region."""

    producer: Mapping[int, tuple[int, str]]  # id(value) -> (region, node)
    outside: frozenset[int]  # values used outside their region, constants aside
    constants: Mapping[int, str]  # id(constant used outside its region) -> module wire


@dataclass(frozen=True)
class ValueHomes:
    """The signal that holds a value for the regions and states that did not make it."""

    constants: Mapping[int, str]  # id(value) -> module-level wire
    loop_vars: Mapping[int, str]  # id(loop variable) -> counter signal
    registers: Mapping[int, str]  # id(value) -> input register or cross-region register

    def of(self, v: Value) -> str:
        for homes in (self.constants, self.loop_vars, self.registers):
            if id(v) in homes:
                return homes[id(v)]
        raise BackendError(f"value %{v.name} has no register to read it from", hint=BUG_HINT)


def find_crossings(ks: KernelSchedule, body: ModuleBody) -> Crossings:
    """Which values cross from one region to another (they get a home register); the
    constants among them become module-level wires instead."""
    regions = [rs.region for rs in ks.regions]
    producer: dict[int, tuple[int, str]] = {}
    for k, r in enumerate(regions):
        for node, op in r.ir_ops.items():
            if op.result is not None:
                producer[id(op.result)] = (k, node)
    outside: set[int] = set()

    def cross(*values) -> None:
        for v in values:
            if isinstance(v, Value) and id(v) in producer:
                outside.add(id(v))

    for k, r in enumerate(regions):
        for node, op in r.ir_ops.items():
            for v in [*op.operands, *(g for g, _ in r.guards[node])]:
                if id(v) in producer and producer[id(v)][0] != k:
                    outside.add(id(v))
        if isinstance(r.loop, ForLoop):
            cross(r.loop.lo, r.loop.hi)
    for node in walk_control(ks.control):
        if isinstance(node, OuterFor):
            cross(node.loop.lo, node.loop.hi)
        elif isinstance(node, OuterWhile):
            cross(node.loop.cond_value)
        elif isinstance(node, Branch):
            cross(node.stmt.cond)
    constants: dict[int, str] = {}
    # in program order (region, then node), not the order of `id`s: the text is stable
    for vid in sorted(outside, key=lambda v: producer[v]):
        k, node = producer[vid]
        op = ks.regions[k].region.ir_ops[node]
        if op.opcode == "const":
            outside.discard(vid)
            expr = body.lowering.lower(op, [], f"c_{op.result.name}")
            constants[vid] = body.wire(f"c_{op.result.name}", op.result.type.width, expr)
    return Crossings(producer, frozenset(outside), constants)


def walk_control(node: Control):
    """Every node of a control tree, parents before children, in program order."""
    yield node
    if isinstance(node, Seq):
        for it in node.items:
            yield from walk_control(it)
    elif isinstance(node, OuterFor):
        yield from walk_control(node.body)
    elif isinstance(node, OuterWhile):
        yield from walk_control(node.cond)
        yield from walk_control(node.body)
    elif isinstance(node, Branch):
        yield from walk_control(node.then)
        yield from walk_control(node.orelse)
