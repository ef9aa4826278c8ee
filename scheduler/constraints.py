"""A problem's constraints as a system of difference constraints: s[v] - s[u] >= w.

One catalogue serves every solver (GLOP, CP-SAT, the II search) and the infeasibility
explanation, so they can never disagree about what a schedule must satisfy. Two virtual
nodes stand for the first cycle (`START`, fixed at 0) and the last (`LAST`).

Chaining follows the SDC method (Cong & Zhang 2006): when the longest combinational path
from the start of `a` to the end of `b` exceeds a stage's logic budget, `b` must be at
least one cycle after `a`. Only the minimal such pairs are kept: a pair reached through
another violating pair is implied by it. Paths are explored from each op only while they
fit the budget, so the table is banded: memory grows with ops times the ops one stage can
hold, not with ops squared.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln.scheduler.path_delays import PathDelays
from kiln.scheduler.problem import EPS_PS, Problem

START = "^start"
LAST = "$last"


@dataclass(frozen=True)
class Constraint:
    """s[v] - s[u] >= w, and why (for explanations)."""

    u: str
    v: str
    w: int
    kind: str  # dependence, chaining, pin, bound, resource, start
    why: str = ""


def chaining_pairs(problem: Problem) -> list[tuple[str, str, float]]:
    """Minimal (a, b, path delay) pairs whose path from a's start to b's end is too long;
    path delays are summed op delays except where synthesis measured a subgraph
    (`path_delays`)."""
    return PathDelays(problem).chaining_pairs(problem.budget_ps + EPS_PS)


def too_slow(problem: Problem) -> list[str]:
    """Ops whose own delay does not fit in one stage."""
    return [n for n, op in problem.ops.items() if op.delay_ps > problem.budget_ps + EPS_PS]


def _dep_text(problem: Problem, d) -> str:
    src, dst = problem.ops[d.src], problem.ops[d.dst]
    carried = f", {d.distance} iteration(s) later" if d.distance else ""
    what = d.why or ("uses the result of" if d.value else "must follow")
    return f"{dst} {what} {src}: {d.latency} cycle(s) after it{carried}"


def build(problem: Problem, ii: int, stages: int | None = None, chaining=None) -> list[Constraint]:
    """Every constraint of `problem` at initiation interval `ii` (0: not pipelined).

    `stages` bounds the pipeline length (LAST = stages - 1) when given. `chaining` reuses
    precomputed chaining pairs (they do not depend on II).
    """
    pairs = chaining_pairs(problem) if chaining is None else chaining
    out = []
    for n in problem.ops:
        out.append(Constraint(START, n, 0, "start", "no op runs before the first cycle"))
        out.append(Constraint(n, LAST, 0, "bound", "the pipeline ends after its last op"))
    for d in problem.deps:
        out.append(
            Constraint(
                d.src, d.dst, d.latency - ii * d.distance, "dependence", _dep_text(problem, d)
            )
        )
    for a, b, delay in pairs:
        why = (
            f"{problem.ops[b]} cannot share a cycle with {problem.ops[a]}: the path between "
            f"them takes {delay:g} ps, the stage leaves {problem.budget_ps:g} ps for logic"
        )
        out.append(Constraint(a, b, 1, "chaining", why))
    for n, pin in problem.pins.items():
        op = problem.ops[n]
        if pin == "first" or pin == 0:
            out.append(Constraint(n, START, 0, "pin", f"{op} is pinned to the first cycle"))
        elif pin == "last":
            out.append(Constraint(LAST, n, 0, "pin", f"{op} is pinned to the last cycle"))
        else:
            out.append(Constraint(START, n, int(pin), "pin", f"{op} is pinned to cycle {pin}"))
            out.append(Constraint(n, START, -int(pin), "pin", f"{op} is pinned to cycle {pin}"))
    if stages is not None:
        out.append(
            Constraint(LAST, START, -(stages - 1), "bound", f"the pipeline has {stages} stage(s)")
        )
    return out


def find_conflict(constraints: list[Constraint]) -> list[Constraint] | None:
    """A set of constraints that cannot hold together (a positive cycle), or None.

    A positive cycle in a system of difference constraints is a minimal infeasible subset:
    drop any one of its constraints and the cycle no longer forbids a schedule. Found by
    Bellman-Ford on longest paths (every node starts at 0, as from a virtual source).
    """
    best: dict[tuple[str, str], Constraint] = {}
    for c in constraints:
        k = (c.u, c.v)
        if k not in best or c.w > best[k].w:
            best[k] = c
    edges = list(best.values())
    dist = {n: 0 for c in edges for n in (c.u, c.v)}
    pred: dict[str, Constraint] = {}
    last = None
    for _ in range(len(dist)):
        last = None
        for c in edges:
            if dist[c.u] + c.w > dist[c.v]:
                dist[c.v] = dist[c.u] + c.w
                pred[c.v] = c
                last = c.v
        if last is None:
            return None
    for _ in range(len(dist)):  # walk back far enough to stand on the cycle
        last = pred[last].u
    cycle, node = [], last
    while True:
        c = pred[node]
        cycle.append(c)
        node = c.u
        if node == last:
            break
    return cycle[::-1]
