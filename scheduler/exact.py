"""An exact scheduler on OR-Tools CP-SAT, for small problems and for checking the SDC one.

It answers the same `Problem` with the same constraint catalogue and objective as
`sdc.solve_lp`, but over integers, and models resources exactly: cumulative constraints
for straight-line code, a modulo reservation table (one Boolean per op and slot) for
pipelined loops. The pipeline length is minimized first, then the register objective.
"""

from __future__ import annotations

import math
import time

from ortools.sat.python import cp_model

from kiln.base.errors import ScheduleError
from kiln.scheduler.constraints import LAST, START, build
from kiln.scheduler.explain import InfeasibleError
from kiln.scheduler.problem import Problem, Solution, complete
from kiln.scheduler.sdc import check_feasible_ops, horizon


def _model(problem: Problem, ii: int, h: int, last: int | None):
    m = cp_model.CpModel()
    s = {n: m.NewIntVar(0, h, n) for n in problem.ops}
    s[START] = m.NewConstant(0)
    s[LAST] = m.NewIntVar(0, h, LAST) if last is None else m.NewConstant(last)
    for c in build(problem, ii, problem.stages):
        m.Add(s[c.v] - s[c.u] >= c.w)
    for cls, limit in problem.limits.items():
        users = [n for n, op in problem.ops.items() if cls in op.resources]
        if len(users) <= limit:
            continue
        if ii:
            slots = {}
            for n in users:
                b = [m.NewBoolVar(f"{n}@{t}") for t in range(ii)]
                m.AddExactlyOne(b)
                q = m.NewIntVar(0, h, f"{n}/ii")
                m.Add(s[n] == ii * q + sum(t * b[t] for t in range(ii)))
                slots[n] = b
            for t in range(ii):
                m.Add(
                    sum(
                        slots[n][(t - k) % ii]
                        for n in users
                        for k in range(problem.ops[n].occupancy)
                    )
                    <= limit
                )
        else:
            intervals = [
                m.NewFixedSizeIntervalVar(s[n], problem.ops[n].occupancy, f"i:{n}") for n in users
            ]
            m.AddCumulative(intervals, [1] * len(users), limit)
    return m, s


def _solve(m: cp_model.CpModel, time_limit_s: float, what: str) -> cp_model.CpSolver | None:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 2
    status = solver.Solve(m)
    if status == cp_model.INFEASIBLE:
        return None
    if status != cp_model.OPTIMAL:
        raise ScheduleError(
            f"{what}: CP-SAT found no proven optimum in {time_limit_s:g} s",
            hint="use the SDC scheduler for problems this large, or raise the time limit",
        )
    return solver


def schedule_exact(problem: Problem, ii: int | None = None, time_limit_s: float = 60) -> Solution:
    """The optimal schedule under resource limits (and II, for pipelined loops)."""
    ii = problem.ii if ii is None else ii
    t0 = time.perf_counter()
    check_feasible_ops(problem)
    h = horizon(problem, ii)
    last = None if problem.stages is None else problem.stages - 1
    if last is None:
        m, s = _model(problem, ii, h, None)
        m.Minimize(s[LAST])
        solver = _solve(m, time_limit_s, problem.name)
        if solver is None:
            raise InfeasibleError(
                f"{problem.name}: no schedule exists under the resource limits at II {ii}",
                hint="raise the II, the resource limits or the stage count",
            )
        last = solver.Value(s[LAST])
    m, s = _model(problem, ii, h, last)
    n = len(problem.ops)
    k = 2 ** math.ceil(math.log2(n * (last + 1) + 2))
    terms = [s[name] for name in problem.ops]
    for src, deps in problem.consumers().items():
        op = problem.ops[src]
        if op.width == 0:
            continue
        e = m.NewIntVar(0, h + ii * max(d.distance for d in deps), f"e:{src}")
        m.Add(e >= s[src] + op.latency)
        for d in deps:
            m.Add(e >= s[d.dst] + ii * d.distance)
        terms.append(k * op.width * (e - s[src] - op.latency))
    m.Minimize(sum(terms))
    solver = _solve(m, time_limit_s, problem.name)
    if solver is None:
        raise InfeasibleError(f"{problem.name}: no schedule exists in {last + 1} stage(s)")
    sol = complete(problem, {name: solver.Value(s[name]) for name in problem.ops}, ii, "cp-sat")
    sol.seconds = time.perf_counter() - t0
    return sol


def objective(problem: Problem, sol: Solution) -> int:
    """The value both schedulers minimize (with the pipeline length fixed)."""
    n = len(problem.ops)
    k = 2 ** math.ceil(math.log2(n * sol.stages + 2))
    return k * sol.register_bits + sum(sol.cycles.values())
