"""As-soon-as-possible scheduling with operation chaining under a clock period.

Each op goes in the earliest cycle its inputs allow; within that cycle it starts when its
last same-cycle input finishes, and moves to the next cycle when it would not finish
before the clock edge. This is the placeholder for the SDC scheduler (Cong & Zhang 2006),
which takes the same inputs and returns the same `Schedule`.
"""

from __future__ import annotations

import networkx as nx

from kiln.errors import ScheduleError
from kiln.ir.kernel import Block
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.deps import dependence_graph, straight_line_ops
from kiln.scheduler.schedule import Schedule, Slot


def schedule_asap(
    block: Block, clock_period_ps: float, delays: DelayModel | None = None, what: str = "block"
) -> Schedule:
    if clock_period_ps <= 0:
        raise ScheduleError(f"clock period must be positive, got {clock_period_ps} ps")
    delays = delays or DelayModel()
    ops = straight_line_ops(block, what)
    g = dependence_graph(ops)
    slots: dict[int, Slot] = {}
    for op in nx.topological_sort(g):
        d = delays.delay_ps(op)
        if d > clock_period_ps:
            raise ScheduleError(
                f"op '{op.opcode}' needs {d:g} ps, more than the {clock_period_ps:g} ps clock",
                op.place,
                "raise the clock period; multi-cycle ops come with the SDC scheduler",
            )
        preds = [slots[id(p)] for p in g.predecessors(op)]
        cycle = max((p.cycle for p in preds), default=0)
        start = max((p.finish_ps for p in preds if p.cycle == cycle), default=0.0)
        if start + d > clock_period_ps:
            cycle, start = cycle + 1, 0.0
        slots[id(op)] = Slot(cycle, start, d)
    schedule = Schedule(clock_period_ps, ops, slots)
    schedule.verify(list(g.edges))
    return schedule
