"""The SDC scheduler: one linear program per problem, solved by OR-Tools GLOP.

Variables are each op's cycle s, the last cycle LAST, and for each value the cycle of its
last use e. Every constraint is a difference constraint (see `constraints`), and so are
e >= s_consumer and e >= s + latency: the constraint matrix is totally unimodular, so a
vertex answer is integral and the LP optimum is the integer optimum. We still check that
every cycle is within 1e-3 of an integer, and raise rather than round.

Two solves, as XLS does: first the shortest pipeline (min LAST) unless `problem.stages`
fixes it, then, with LAST fixed, the objective
    K * sum(width * (e - s - latency)) + sum(s),
register bits first and as-soon-as-possible as the tie breaker. K is a power of two larger
than any possible value of sum(s) (ops * stages), which makes the order strict.
"""

from __future__ import annotations

import dataclasses
import math
import time

from ortools.linear_solver import pywraplp

from kiln.base.errors import ScheduleError
from kiln.scheduler.constraints import LAST, START, Constraint, build, find_conflict, too_slow
from kiln.scheduler.explain import InfeasibleError, explain_conflict, explain_too_slow
from kiln.scheduler.problem import Problem, Solution, complete

INTEGRAL_TOL = 1e-3


class _LP:
    """GLOP with one variable per op plus START and LAST."""

    def __init__(self, problem: Problem, constraints: list[Constraint], horizon: int):
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        if self.solver is None:
            raise ScheduleError("OR-Tools GLOP is not available", hint="pip install ortools")
        s = self.solver
        self.var = {n: s.NumVar(0, horizon, n) for n in problem.ops}
        self.var[START] = s.NumVar(0, 0, START)
        self.var[LAST] = s.NumVar(0, horizon, LAST)
        self.rows = [(c, s.Add(self.var[c.v] - self.var[c.u] >= c.w)) for c in constraints]

    def solve(self, what: str) -> dict[str, float] | None:
        status = self.solver.Solve()
        if status == pywraplp.Solver.INFEASIBLE:
            return None
        if status != pywraplp.Solver.OPTIMAL:
            raise ScheduleError(f"{what}: GLOP stopped with status {status}, not optimal")
        return {n: v.solution_value() for n, v in self.var.items()}


def _integral(values: dict[str, float], problem: Problem) -> dict[str, int]:
    out = {}
    for n, x in values.items():
        r = round(x)
        if abs(x - r) > INTEGRAL_TOL:
            raise ScheduleError(
                f"{problem.name}: the LP answer is not integral ({n} = {x:.6f})",
                problem.ops[n].loc if n in problem.ops else None,
                "this is a bug in kiln's constraint catalogue; please report it with the input",
            )
        out[n] = r
    return out


def horizon(problem: Problem, ii: int) -> int:
    """A bound no shortest schedule exceeds: every op in its own run of cycles."""
    per_op = sum(max(op.latency, 1) + op.occupancy for op in problem.ops.values())
    return max(per_op + ii * sum(d.distance for d in problem.deps) + 1, problem.stages or 0)


def check_feasible_ops(problem: Problem) -> None:
    if problem.budget_ps <= 0:
        raise InfeasibleError(
            f"{problem.name}: a {problem.clock_period_ps:g} ps clock leaves no time for logic: "
            f"the registers alone take {problem.register_overhead_ps:g} ps (clock-to-Q plus "
            "setup)",
            hint=f"use a clock period well above {problem.register_overhead_ps:g} ps",
        )
    slow = too_slow(problem)
    if slow:
        raise explain_too_slow(problem, slow)


def solve_lp(
    problem: Problem, constraints: list[Constraint], ii: int = 0, duals: dict | None = None
) -> dict[str, int] | None:
    """Cycles of the register-minimal shortest schedule under `constraints`, or None when
    they admit none. With `duals`, it receives each chaining constraint's (a, b) -> dual
    value in the register-minimal LP: the register bits one more cycle of slack on that
    path would save (what the ISDC loop measures first)."""
    h = horizon(problem, ii)
    lp = _LP(problem, constraints, h)
    if problem.stages is None:
        lp.solver.Minimize(lp.var[LAST])
        first = lp.solve(problem.name)
        if first is None:
            return None
        last = round(first[LAST])
        if abs(first[LAST] - last) > INTEGRAL_TOL:
            raise ScheduleError(f"{problem.name}: shortest pipeline is fractional: {first[LAST]}")
    else:
        last = problem.stages - 1
    lp.var[LAST].SetBounds(last, last)
    n = len(problem.ops)
    k = 2 ** math.ceil(math.log2(n * (last + 1) + 2))
    objective = lp.solver.Objective()
    objective.Clear()
    for name in problem.ops:
        objective.SetCoefficient(lp.var[name], 1)
    consumers = problem.consumers()
    for src, deps in consumers.items():
        op = problem.ops[src]
        if op.width == 0:
            continue
        e = lp.solver.NumVar(0, h + ii * max(d.distance for d in deps), f"e:{src}")
        lp.solver.Add(e - lp.var[src] >= op.latency)
        for d in deps:
            lp.solver.Add(e - lp.var[d.dst] >= ii * d.distance)
        objective.SetCoefficient(e, k * op.width)
        objective.SetCoefficient(lp.var[src], objective.GetCoefficient(lp.var[src]) - k * op.width)
    objective.SetMinimization()
    values = lp.solve(problem.name)
    if values is None:
        return None
    if duals is not None:
        for c, row in lp.rows:
            if c.kind == "chaining" and abs(row.dual_value()) > 1e-9:
                duals[(c.u, c.v)] = abs(row.dual_value()) / k
    cycles = _integral(values, problem)
    return {n: cycles[n] for n in problem.ops}


def schedule_sdc(problem: Problem, ii: int | None = None) -> Solution:
    """The register-minimal shortest schedule of `problem` (without resource limits; see
    `resources.schedule_with_resources`). Raises InfeasibleError with an explanation."""
    ii = problem.ii if ii is None else ii
    t0 = time.perf_counter()
    check_feasible_ops(problem)
    constraints = build(problem, ii, problem.stages)
    cycles = solve_lp(problem, constraints, ii)
    if cycles is None:
        raise_conflict(problem, constraints)
    sol = complete(problem, cycles, ii, "sdc")
    sol.seconds = time.perf_counter() - t0
    return sol


def raise_conflict(problem: Problem, constraints: list[Constraint]) -> None:
    conflict = find_conflict(constraints)
    if conflict is None:
        raise ScheduleError(f"{problem.name}: the LP says infeasible but no conflict was found")
    raise explain_conflict(problem, conflict)


def timing_duals(problem: Problem, stages: int, ii: int = 0) -> dict[tuple[str, str], float]:
    """(a, b) -> dual value of each binding chaining constraint when `problem` is solved
    at `stages` stages and initiation interval `ii` (resource limits left out)."""
    fixed = dataclasses.replace(problem, stages=stages)
    constraints = build(fixed, ii, stages)
    duals: dict[tuple[str, str], float] = {}
    solve_lp(fixed, constraints, ii, duals)
    return duals


__all__ = ["InfeasibleError", "schedule_sdc", "solve_lp", "timing_duals"]
