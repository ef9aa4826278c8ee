"""Loop pipelining: modulo SDC scheduling with an II search and a reservation table.

The search starts at max(target, ResMII, RecMII) and goes up. RecMII is the smallest II
at which the constraints (loop-carried ones weighted by -II * distance) have no positive
cycle; ResMII is uses over units for the most contended resource class. At each II the
LP gives a schedule; when the modulo reservation table overflows, the latest op in the
overfull slot is pushed one cycle later and the LP is solved again (after Canis et al.,
2014). When the II found is above the target, the report says what binds it: the
recurrence (its ops and source lines) or the resource.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

from kiln.base.errors import ScheduleError
from kiln.scheduler.constraints import START, Constraint, build, chaining_pairs, find_conflict
from kiln.scheduler.exact import schedule_exact
from kiln.scheduler.explain import InfeasibleError, explain_conflict
from kiln.scheduler.problem import Problem, Solution, complete, res_mii
from kiln.scheduler.sdc import check_feasible_ops, solve_lp


@dataclass
class IIReport:
    """How the II came about: the target, both lower bounds, and why it is not lower."""

    target: int
    achieved: int
    res_mii: int
    rec_mii: int
    res_class: str | None = None
    recurrence: list[str] = field(default_factory=list)  # the binding recurrence, explained
    reason: str | None = None  # None when achieved == max(target, ResMII, RecMII)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def rec_mii(problem: Problem, chaining=None) -> tuple[int, list[Constraint]]:
    """The smallest II the recurrences allow, and the recurrence that binds at II - 1."""
    chaining = chaining_pairs(problem) if chaining is None else chaining

    def conflict(ii: int):
        return find_conflict(build(problem, ii, None, chaining))

    hi = 1 + sum(max(d.latency, 0) for d in problem.deps) + len(chaining)
    never = conflict(hi)
    if never is not None:
        raise explain_conflict(problem, never)
    if conflict(1) is None:
        return 1, []
    lo = 1  # infeasible at lo, feasible at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if conflict(mid) is None:
            hi = mid
        else:
            lo = mid
    return hi, conflict(lo) or []


def rec_mii_conflict(problem: Problem, ii: int, chaining) -> list[Constraint]:
    return find_conflict(build(problem, ii, None, chaining)) or []


def _at(problem: Problem, ii: int) -> Problem:
    """`problem` as seen at II `ii` (for explanations that quote the II)."""
    view = copy.copy(problem)
    view.ii = ii
    return view


def _at_ii(problem: Problem, ii: int, chaining) -> dict[str, int] | None:
    """Place resource-limited ops one at a time, earliest first, each in the cycle nearest
    its LP time (later first, then earlier) whose reservation-table slots are free and that
    keeps the rest feasible; the LP places every other op. None when some op finds none."""
    constraints = build(problem, ii, problem.stages, chaining)
    cycles = solve_lp(problem, constraints, ii)
    if cycles is None:
        return None
    limited = [n for n, op in problem.ops.items() if any(c in problem.limits for c in op.resources)]
    table: dict[tuple[str, int], int] = {}
    fixed: list[Constraint] = []
    while limited:
        limited.sort(key=lambda n: (cycles[n], n))
        n = limited.pop(0)
        op = problem.ops[n]
        later = range(cycles[n], cycles[n] + ii)
        earlier = range(cycles[n] - 1, max(cycles[n] - ii, -1), -1)
        for t in [*later, *earlier]:
            slots = [
                (c, (t + k) % ii)
                for c in op.resources
                if c in problem.limits
                for k in range(op.occupancy)
            ]
            if any(table.get(s, 0) >= problem.limits[s[0]] for s in slots):
                continue
            pin = [
                Constraint(START, n, t, "resource", f"{op} placed in cycle {t}"),
                Constraint(n, START, -t, "resource", f"{op} placed in cycle {t}"),
            ]
            trial = solve_lp(problem, constraints + fixed + pin, ii)
            if trial is None:
                continue
            cycles, fixed = trial, fixed + pin
            for s in slots:
                table[s] = table.get(s, 0) + 1
            break
        else:
            return None
    return cycles


def schedule_loop(
    problem: Problem, target_ii: int = 1, exact: bool = False, max_ii: int | None = None
) -> tuple[Solution, IIReport]:
    """Modulo-schedule a loop body at the smallest II from `target_ii` up that works."""
    t0 = time.perf_counter()
    check_feasible_ops(problem)
    chaining = chaining_pairs(problem)
    res, res_cls = res_mii(problem)
    rec, recurrence = rec_mii(problem, chaining)
    start = max(target_ii, res, rec)
    if max_ii is not None and start > max_ii:
        if rec > max_ii:
            raise explain_conflict(
                _at(problem, max_ii), rec_mii_conflict(problem, max_ii, chaining)
            )
        uses = sum(op.occupancy for op in problem.ops.values() if res_cls in op.resources)
        raise InfeasibleError(
            f"{problem.name}: no schedule at II {max_ii}: {uses} use(s) of {res_cls} per "
            f"iteration need II {res} with {problem.limits[res_cls]} unit(s); used at "
            f"{_lines(problem, res_cls)}",
            hint="add units of the resource, or partition the array for more ports",
            ops=[n for n, op in problem.ops.items() if res_cls in op.resources],
        )
    limit = max_ii or start + len(problem.ops) + 8
    for ii in range(start, limit + 1):
        if exact:
            try:
                sol = schedule_exact(problem, ii)
            except InfeasibleError:
                continue
        else:
            cycles = _at_ii(problem, ii, chaining)
            if cycles is None:
                continue
            sol = complete(problem, cycles, ii, "modulo-sdc")
        sol.seconds = time.perf_counter() - t0
        return sol, _report(problem, target_ii, ii, res, res_cls, rec, recurrence, exact)
    raise ScheduleError(
        f"{problem.name}: no modulo schedule up to II {limit}",
        hint="this loop body may need fewer resource-limited ops per iteration",
    )


def _report(problem, target, ii, res, res_cls, rec, recurrence, exact) -> IIReport:
    report = IIReport(target, ii, res, rec, res_cls)
    if rec > target:
        report.recurrence = [c.why for c in recurrence if c.kind in ("dependence", "chaining")]
    if ii <= target:
        return report
    if rec >= res and rec == ii:
        lines = "; ".join(report.recurrence)
        report.reason = f"a recurrence needs II {rec}: {lines}"
    elif res == ii:
        uses = sum(op.occupancy for op in problem.ops.values() if res_cls in op.resources)
        report.reason = (
            f"resource {res_cls} needs II {res}: {uses} use(s) per iteration, "
            f"{problem.limits[res_cls]} unit(s); used at {_lines(problem, res_cls)}"
        )
    else:
        low = max(res, rec, target)
        report.reason = (
            f"no placement of the ops using {res_cls} was found at II {low} that also keeps "
            f"the recurrences (each bound alone allows II {low}); the first II that worked is "
            f"{ii}"
            + (
                f"; CP-SAT proved that no schedule exists below II {ii}"
                if exact
                else "; --exact decides whether a lower II exists"
            )
        )
    return report


def _lines(problem: Problem, cls: str, most: int = 8) -> str:
    """The distinct source lines of the ops using `cls`, for a person to find them."""
    seen = []
    for op in problem.ops.values():
        if cls in op.resources:
            where = f"{op.loc.file}:{op.loc.line}" if op.loc else op.label or op.name
            if where not in seen:
                seen.append(where)
    more = f" and {len(seen) - most} more" if len(seen) > most else ""
    return ", ".join(seen[:most]) + more
