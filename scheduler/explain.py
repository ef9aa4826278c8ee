"""Why no schedule exists, in the user's terms: the ops, their source lines, the rules.

The explanation is a minimal conflicting set found as a positive cycle of the difference
constraints (see `constraints.find_conflict`): each member is printed with the ops it ties
and where they come from, so the user sees, e.g., the recurrence that is too long for the
II, the two pins that contradict each other, or the latency bound that is too tight.
"""

from __future__ import annotations

from kiln.base.errors import ScheduleError
from kiln.scheduler.constraints import Constraint
from kiln.scheduler.problem import Problem


class InfeasibleError(ScheduleError):
    """No schedule meets the constraints; `reasons` lists the conflicting ones."""

    def __init__(self, message, loc=None, hint=None, reasons=(), ops=()):
        super().__init__(message, loc, hint)
        self.reasons: list[str] = list(reasons)
        self.ops: list[str] = list(ops)


_HINTS = {
    "chaining": "raise the clock period, or give the slow ops a pipelined implementation",
    "pin": "pins on the same path need cycles that leave room for the ops between them",
    "bound": "allow more pipeline stages (or leave the count to the scheduler)",
    "dependence": "a loop-carried dependence limits the II: raise the II or shorten the "
    "recurrence (fewer or faster ops between the read and the write)",
    "resource": "add units of the resource (or memory ports by partitioning the array), or "
    "allow more cycles",
}


def explain_conflict(problem: Problem, conflict: list[Constraint]) -> InfeasibleError:
    kinds = {c.kind for c in conflict}
    ops = [n for c in conflict for n in (c.u, c.v) if n in problem.ops]
    first = next((problem.ops[n].loc for n in ops if problem.ops[n].loc), None)
    if "dependence" in kinds and problem.ii and any("iteration" in c.why for c in conflict):
        head = f"the recurrence below does not fit in II {problem.ii}"
        hint = _HINTS["dependence"]
    elif "pin" in kinds:
        head = "the pins below contradict the dependences between them"
        hint = _HINTS["pin"]
    elif "bound" in kinds and problem.stages is not None:
        head = f"the ops below need more than the {problem.stages} stage(s) allowed"
        hint = _HINTS["bound"]
    elif "resource" in kinds:
        head = "the resource limits below leave no room in the cycles allowed"
        hint = _HINTS["resource"]
    else:
        head = "the constraints below contradict each other"
        hint = _HINTS.get(conflict[0].kind)
    reasons = [c.why for c in conflict if c.why and c.kind not in ("start",)]
    body = "\n".join(f"  - {r}" for r in dict.fromkeys(reasons))
    return InfeasibleError(
        f"{problem.name}: no schedule exists: {head}:\n{body}",
        first,
        hint,
        reasons=reasons,
        ops=list(dict.fromkeys(ops)),
    )


def explain_too_slow(problem: Problem, slow: list[str]) -> InfeasibleError:
    lines = [
        f"{problem.ops[n]} needs {problem.ops[n].delay_ps:g} ps; a {problem.clock_period_ps:g}"
        f" ps stage leaves {problem.budget_ps:g} ps for logic after "
        f"{problem.register_overhead_ps:g} ps of register overhead"
        for n in slow
    ]
    body = "\n".join(f"  - {r}" for r in lines)
    return InfeasibleError(
        f"{problem.name}: no schedule exists: {len(slow)} op(s) are slower than one stage:\n{body}",
        problem.ops[slow[0]].loc,
        f"raise the clock period to at least "
        f"{max(problem.ops[n].delay_ps for n in slow) + problem.register_overhead_ps:g} ps, "
        "or give these ops a multi-cycle (pipelined) implementation",
        reasons=lines,
        ops=slow,
    )
