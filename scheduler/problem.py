"""Scheduling problems as data, and the check that a schedule answers one.

A `Problem` says everything a scheduler may rely on: the ops (delay, latency, result
width, resources), the dependences between them (latency, loop-carried distance, whether
a value flows), resource limits, the clock period and register overhead, a target II and
pins. Solvers (`sdc`, `exact`, `modulo`) read it; `Problem.verify` checks a `Solution`
against the constraints from first principles, trusting no solver, as CIRCT's scheduling
problems do.

Timing model. A stage is `clock_period_ps` long; `register_overhead_ps` (clock-to-Q plus
setup) is paid once per stage, leaving `budget_ps` for logic. An op with latency 0 is
combinational: it starts when its last same-cycle input is ready and must finish within
the budget. An op with latency L > 0 is a pipelined unit: its result is ready at the start
of cycle `cycle + L`. A value that a later cycle uses is held in pipeline registers, one
`width`-bit register per cycle boundary it crosses; their sum is `register_bits`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from kiln.base.errors import ScheduleError, SourceLoc

EPS_PS = 1e-6


@dataclass
class SchedOp:
    """One node to schedule. `label` is what reports print (e.g. `%t3 = mul`)."""

    name: str
    delay_ps: float = 0.0
    latency: int = 0
    width: int = 0  # bits of the result; 0 for ops without one
    resources: tuple[str, ...] = ()  # classes it occupies for `occupancy` cycles from its start
    occupancy: int = 1
    loc: SourceLoc | None = None
    label: str = ""

    def __str__(self) -> str:
        where = f" ({self.loc})" if self.loc else ""
        return f"'{self.label or self.name}'{where}"


@dataclass(frozen=True)
class Dep:
    """`dst` of iteration i+distance may start no earlier than `latency` cycles after `src`
    of iteration i. With `value`, src's result flows to dst: a register cost, and a
    combinational path when latency and distance are both 0."""

    src: str
    dst: str
    latency: int = 0
    distance: int = 0
    value: bool = True
    why: str = ""  # e.g. "reads @acc written by" for reports

    @property
    def chains(self) -> bool:
        return self.value and self.latency == 0 and self.distance == 0


def stage_budget_ps(clock_period_ps: float, register_overhead_ps: float) -> float:
    """Logic time per stage: the clock period less the register overhead, paid once."""
    return clock_period_ps - register_overhead_ps


@dataclass
class Problem:
    clock_period_ps: float
    register_overhead_ps: float = 0.0
    ops: dict[str, SchedOp] = field(default_factory=dict)
    deps: list[Dep] = field(default_factory=list)
    limits: dict[str, int] = field(default_factory=dict)  # resource class -> units
    ii: int = 0  # initiation interval of a pipelined loop body; 0 for straight-line code
    pins: dict[str, int | str] = field(default_factory=dict)  # op -> cycle, "first" or "last"
    stages: int | None = None  # pipeline length, or None to find the shortest
    name: str = "region"
    # subgraphs timed by synthesis: their delays replace summed op delays (`path_delays`)
    measured: tuple = ()

    # --- building ---------------------------------------------------------------
    def add_op(self, op: SchedOp) -> SchedOp:
        if op.name in self.ops:
            raise ValueError(f"op '{op.name}' is already in problem {self.name}")
        self.ops[op.name] = op
        return op

    def add_dep(self, dep: Dep) -> None:
        if dep.src not in self.ops or dep.dst not in self.ops:
            raise ValueError(f"dependence {dep.src} -> {dep.dst} names an unknown op")
        self.deps.append(dep)

    @property
    def budget_ps(self) -> float:
        return stage_budget_ps(self.clock_period_ps, self.register_overhead_ps)

    def consumers(self) -> dict[str, list[Dep]]:
        out: dict[str, list[Dep]] = defaultdict(list)
        for d in self.deps:
            if d.value:
                out[d.src].append(d)
        return out

    # --- checking ---------------------------------------------------------------
    def start_times(self, cycles: dict[str, int]) -> dict[str, float]:
        """Each op's start within its cycle: the latest finish of a same-cycle input."""
        if self.measured:
            return self.stage_times(cycles)[0]
        preds: dict[str, list[str]] = defaultdict(list)
        waiting = dict.fromkeys(self.ops, 0)
        users: dict[str, list[str]] = defaultdict(list)
        for d in self.deps:
            if d.chains and cycles[d.src] == cycles[d.dst]:
                preds[d.dst].append(d.src)
                users[d.src].append(d.dst)
                waiting[d.dst] += 1
        start: dict[str, float] = {}
        ready = [n for n, k in waiting.items() if k == 0]
        while ready:  # Kahn's order: every same-cycle input is timed before its user
            n = ready.pop()
            start[n] = max((start[p] + self.ops[p].delay_ps for p in preds[n]), default=0.0)
            for u in users[n]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    ready.append(u)
        if len(start) < len(self.ops):
            stuck = next(n for n in self.ops if n not in start)
            raise ScheduleError(f"combinational loop through {self.ops[stuck]} in one cycle")
        return start

    def stage_times(self, cycles: dict[str, int]) -> tuple[dict[str, float], dict[str, float]]:
        """(start, end) of each op within its cycle, measured subgraphs included."""
        if not self.measured:
            start = self.start_times(cycles)
            return start, {n: start[n] + op.delay_ps for n, op in self.ops.items()}
        from kiln.scheduler.path_delays import PathDelays

        return PathDelays(self).stage_times(cycles)

    def verify(self, sol: Solution) -> None:
        """Raise ScheduleError at the first constraint `sol` breaks; solver-independent."""
        cycles = sol.cycles
        missing = [n for n in self.ops if n not in cycles]
        if missing:
            raise ScheduleError(f"{self.name}: op {self.ops[missing[0]]} has no cycle")
        ii = sol.ii
        if self.ii and ii < 1:
            raise ScheduleError(f"{self.name}: a pipelined loop needs II >= 1, got {ii}")
        for n, c in cycles.items():
            if c != int(c) or c < 0:
                raise ScheduleError(f"{self.name}: op {self.ops[n]} has cycle {c}")
        last = sol.stages - 1
        for n, c in cycles.items():
            if c > last:
                raise ScheduleError(f"{self.name}: op {self.ops[n]} in cycle {c} of {sol.stages}")
        if self.stages is not None and sol.stages != self.stages:
            raise ScheduleError(f"{self.name}: {sol.stages} stages, asked for {self.stages}")
        for d in self.deps:
            gap = cycles[d.dst] + ii * d.distance - cycles[d.src]
            if gap < d.latency:
                raise ScheduleError(
                    f"{self.name}: {self.ops[d.dst]} in cycle {cycles[d.dst]} is {gap} cycle(s) "
                    f"after {self.ops[d.src]} in cycle {cycles[d.src]}"
                    + (f" ({d.distance} iteration(s) later, II {ii})" if d.distance else "")
                    + f"; needs {d.latency}",
                    self.ops[d.dst].loc,
                )
        for n, pin in self.pins.items():
            want = {"first": 0, "last": last}.get(pin, pin) if isinstance(pin, str) else pin
            if cycles[n] != want:
                raise ScheduleError(
                    f"{self.name}: {self.ops[n]} is pinned to cycle {want} but is in {cycles[n]}"
                )
        start, end = self.stage_times(cycles)
        for n, op in self.ops.items():
            if op.latency == 0 and end[n] > self.budget_ps + EPS_PS:
                raise ScheduleError(
                    f"{self.name}: {op} ends at {end[n]:g} ps in cycle "
                    f"{cycles[n]}, past the {self.budget_ps:g} ps a stage leaves for logic",
                    op.loc,
                )
            if abs(sol.start_ps.get(n, start[n]) - start[n]) > 1e-3:
                raise ScheduleError(f"{self.name}: start time of {op} is wrong")
        for (cls, slot), users in self.resource_use(cycles, ii).items():
            if len(users) > self.limits[cls]:
                names = ", ".join(str(self.ops[u]) for u in users)
                where = f"slot {slot} (mod II {ii})" if ii else f"cycle {slot}"
                raise ScheduleError(
                    f"{self.name}: {len(users)} ops use {cls} in {where}, limit "
                    f"{self.limits[cls]}: {names}"
                )
        bits = self.register_bits(cycles, ii)
        if bits != sol.register_bits:
            raise ScheduleError(f"{self.name}: register bits {sol.register_bits}, recount {bits}")

    def resource_use(self, cycles: dict[str, int], ii: int) -> dict[tuple[str, int], list[str]]:
        """(class, cycle or modulo slot) -> the ops occupying it."""
        use: dict[tuple[str, int], list[str]] = defaultdict(list)
        for n, op in self.ops.items():
            for cls in op.resources:
                if cls not in self.limits:
                    continue
                for k in range(op.occupancy):
                    t = cycles[n] + k
                    use[(cls, t % ii if ii else t)].append(n)
        return use

    def register_bits(self, cycles: dict[str, int], ii: int = 0) -> int:
        """Pipeline register bits: each value's width times the cycle boundaries it crosses
        between becoming ready and its last use."""
        total = 0
        for src, deps in self.consumers().items():
            op = self.ops[src]
            ready = cycles[src] + op.latency
            last = max([ready, *(cycles[d.dst] + ii * d.distance for d in deps)])
            total += op.width * (last - ready)
        return total


@dataclass
class Solution:
    """A schedule for one problem: a cycle and in-cycle start time per op."""

    cycles: dict[str, int]
    start_ps: dict[str, float]
    stages: int
    ii: int = 0
    register_bits: int = 0
    solver: str = ""
    seconds: float = 0.0

    @property
    def latency(self) -> int:
        return self.stages


def complete(problem: Problem, cycles: dict[str, int], ii: int, solver: str) -> Solution:
    """A Solution from bare cycles: start times and register bits follow from them."""
    stages = 1 + max(cycles.values(), default=0)
    if problem.stages is not None:
        stages = max(stages, problem.stages)
    return Solution(
        cycles=dict(cycles),
        start_ps=problem.start_times(cycles),
        stages=stages,
        ii=ii,
        register_bits=problem.register_bits(cycles, ii),
        solver=solver,
    )


def res_mii(problem: Problem) -> tuple[int, str | None]:
    """The resource-bound II and the class that sets it (None when no class binds)."""
    uses: dict[str, int] = defaultdict(int)
    for op in problem.ops.values():
        for cls in op.resources:
            if cls in problem.limits:
                uses[cls] += op.occupancy
    best, which = 1, None
    for cls, n in sorted(uses.items()):
        mii = math.ceil(n / problem.limits[cls])
        if mii > best:
            best, which = mii, cls
    return best, which
