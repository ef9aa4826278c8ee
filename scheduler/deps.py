"""Dependences between the ops of one straight-line block, as a networkx DiGraph."""

from __future__ import annotations

import networkx as nx

from kiln.errors import ScheduleError
from kiln.ir.kernel import Block, Op

_KIND_NAMES = {"ForLoop": "for loop", "WhileLoop": "while loop", "IfElse": "branch (if)"}


def straight_line_ops(block: Block, what: str) -> list[Op]:
    """The ops of `block`, or a ScheduleError naming the first loop or branch."""
    ops = []
    for s in block.stmts:
        if not isinstance(s, Op):
            raise ScheduleError(
                f"{what}: the ASAP scheduler handles straight-line code only, found a "
                f"{_KIND_NAMES[type(s).__name__]}",
                getattr(s, "place", None),
                "loops and branches are scheduled by the SDC scheduler (issue [scheduler])",
            )
        ops.append(s)
    return ops


def dependence_graph(ops: list[Op]) -> nx.DiGraph:
    """Nodes are ops; an edge p -> c means c must not start before p's result is ready.

    Edges come from SSA def-use and from program order between accesses to the same
    variable or array when at least one of them writes (read-after-write, write-after-read,
    write-after-write).
    """
    g = nx.DiGraph()
    g.add_nodes_from(ops)
    producer = {id(op.result): op for op in ops if op.result is not None}
    last_write: dict[int, Op] = {}
    reads_since: dict[int, list[Op]] = {}
    for op in ops:
        for v in op.operands:
            if id(v) in producer:
                g.add_edge(producer[id(v)], op, kind="data")
        if op.storage is None:
            continue
        key = id(op.storage)
        writes = op.opcode in ("store", "write")
        if key in last_write:
            g.add_edge(last_write[key], op, kind="order")
        if writes:
            for r in reads_since.get(key, []):
                g.add_edge(r, op, kind="order")
            last_write[key] = op
            reads_since[key] = []
        else:
            reads_since.setdefault(key, []).append(op)
    return g
