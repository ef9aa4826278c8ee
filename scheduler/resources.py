"""Resource limits in straight-line code by the linear-order SDC method.

First schedule without limits; then put the ops of each limited class in the order that
schedule gives them, and require op j+limit to start at least `occupancy` cycles after op
j. Any limit+1 ops of the class include two whose positions differ by a multiple of the
limit, so they are chained apart: no cycle holds more than `limit` of them. The answer is
again one LP, so it stays fast; it is not always the optimum (the order is fixed), which
is what `exact.schedule_exact` is for.
"""

from __future__ import annotations

import time

from kiln.scheduler.constraints import Constraint, build, chaining_pairs
from kiln.scheduler.problem import Problem, Solution, complete
from kiln.scheduler.sdc import check_feasible_ops, raise_conflict, schedule_sdc, solve_lp


def binding_classes(problem: Problem) -> dict[str, list[str]]:
    """Limited classes with more users than units, and their users."""
    out = {}
    for cls, limit in sorted(problem.limits.items()):
        users = [n for n, op in problem.ops.items() if cls in op.resources]
        if len(users) > limit:
            out[cls] = users
    return out


def linear_order(problem: Problem, first: Solution) -> list[Constraint]:
    out = []
    rank = {n: i for i, n in enumerate(problem.ops)}
    for cls, users in binding_classes(problem).items():
        limit = problem.limits[cls]
        order = sorted(users, key=lambda n: (first.cycles[n], first.start_ps[n], rank[n]))
        for a, b in zip(order, order[limit:], strict=False):
            why = (
                f"{problem.ops[b]} waits for {problem.ops[a]} to free one of the {limit} "
                f"unit(s) of {cls}"
            )
            out.append(Constraint(a, b, problem.ops[a].occupancy, "resource", why))
    return out


def schedule_with_resources(problem: Problem) -> Solution:
    """A register-minimal schedule of straight-line `problem` within its resource limits."""
    t0 = time.perf_counter()
    first = schedule_sdc(problem, 0)
    if not binding_classes(problem):
        return first
    check_feasible_ops(problem)
    constraints = build(problem, 0, problem.stages, chaining_pairs(problem))
    constraints += linear_order(problem, first)
    cycles = solve_lp(problem, constraints, 0)
    if cycles is None:
        raise_conflict(problem, constraints)
    sol = complete(problem, cycles, 0, "sdc+linear-order")
    sol.seconds = time.perf_counter() - t0
    return sol
