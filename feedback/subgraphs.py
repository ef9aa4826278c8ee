"""Which subgraphs of a schedule to time by synthesis next (ISDC's extraction).

A candidate is a source-target pair of pure ops (`kiln.backend.subgraph_rtl.can_hold`) of
one region, grown into a subgraph. `delay` and `fanout` pairs are chained in one stage;
`dual` pairs are the timing constraints that split a path across a stage boundary, and
their subgraph is the target's fan-in back to the source's stage (ISDC measures within
stages only, so a boundary that summed delays put too early is never questioned).

Selection ranks the pairs:
- `delay`: the longest in-stage paths first (where the summed model is most pessimistic);
- `fanout`: targets whose value is wide, crosses a stage boundary and has few users (a
  register that goes away when its users can join the stage);
- `dual`: the chaining constraints with the largest LP dual values, i.e. the timing limits
  that cost the most register bits;
- `all`: the three in turn.

Expansion turns a pair into a node set:
- `path`: the longest path from source to target;
- `cone`: the target and all its in-stage ancestors (the largest in-stage cut);
- `window`: the cones of every selected target of one stage, merged.

A subgraph already timed (same region, same nodes) is not offered again, nor one larger
than `MAX_COST` (a cone that large falls back to its critical path).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import zip_longest

from kiln.backend.subgraph_rtl import can_hold
from kiln.ir.ops import OPS
from kiln.scheduler.kernel_schedule import KernelSchedule, RegionSchedule
from kiln.scheduler.path_delays import PathDelays
from kiln.scheduler.sdc import timing_duals

SELECTIONS = ("delay", "fanout", "dual", "all")
EXPANSIONS = ("path", "cone", "window")
# How much logic one subgraph may hold, so that mapping it takes seconds, not minutes
# (ABC's time grows fast with multipliers): a multiplier or divider costs width^2 / 16, any
# other op width / 8. Four 32-bit multipliers, or 64 32-bit adders.
MAX_COST = 256


def cost(ops, nodes) -> float:
    """The synthesis cost of `nodes` (problem nodes -> IR ops in `ops`)."""
    total = 0.0
    for n in nodes:
        op = ops[n]
        w = op.result.type.width if op.result is not None else 1
        total += w * w / 16 if OPS[op.opcode].kind in ("mul", "div") else w / 8
    return total


@dataclass(frozen=True)
class Candidate:
    region: int
    cycle: int
    nodes: frozenset[str]
    targets: tuple[str, ...]
    why: str  # for the report: "delay: %3 -> %9, 950 ps"


@dataclass(frozen=True)
class _Pick:
    region: int
    cycle: int
    source: str
    target: str
    why: str
    span: bool = False  # source and target in different stages: expand between them


class _RegionView:
    """One scheduled region: its in-stage graph of pure ops and current path delays."""

    def __init__(self, k: int, rs: RegionSchedule):
        self.k, self.rs = k, rs
        self.p = rs.region.problem
        self.cycles = rs.solution.cycles
        self.paths = PathDelays(self.p)
        self.pure = {
            n
            for n, op in rs.region.ir_ops.items()
            if can_hold(op) and self.p.ops[n].latency == 0 and op.opcode != "const"
        }

    def same(self, a: str, b: str) -> bool:
        return self.cycles[a] == self.cycles[b]

    def in_stage_preds(self, n: str) -> list[str]:
        return [p for p in self.paths.pred[n] if p in self.pure and self.same(p, n)]

    def entries(self) -> list[str]:
        """Pure ops that begin a chain in their cycle."""
        return [n for n in self.paths.order if n in self.pure and not self.in_stage_preds(n)]

    def longest_from(self, a: str) -> dict[str, float]:
        keep = lambda n: n in self.pure and self.same(n, a)  # noqa: E731
        return {n: t for n, t, _ in self.paths.walk(a, keep=keep)}

    def cone(self, b: str, since: int | None = None) -> set[str]:
        """`b` and its pure chained ancestors in its stage, or with `since`, in any stage
        from cycle `since` on (the fan-in of `b` back to an earlier stage)."""
        seen, todo = {b}, [b]
        while todo:
            x = todo.pop()
            if since is None:
                preds = self.in_stage_preds(x)
            else:
                preds = [
                    p for p in self.paths.pred[x] if p in self.pure and self.cycles[p] >= since
                ]
            for p in preds:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def between(self, a: str, b: str) -> set[str]:
        """Pure ops on chained paths from `a` to `b`, both included, whatever their
        cycles: a convex set, as a measured subgraph must be."""
        down, todo = {a}, [a]
        while todo:
            for y in self.paths.succ[todo.pop()]:
                if y in self.pure and y not in down:
                    down.add(y)
                    todo.append(y)
        up, todo = {b}, [b]
        while todo:
            for x in self.paths.pred[todo.pop()]:
                if x in down and x not in up:
                    up.add(x)
                    todo.append(x)
        return up

    def path(self, a: str, b: str) -> set[str]:
        """The longest path from `a` to `b` by summed op delays, within the stage."""
        reach = self.longest_from(a)
        out, n = {b}, b
        while n != a:
            preds = [p for p in self.in_stage_preds(n) if p in reach]
            if not preds:
                break
            n = max(preds, key=lambda p: (reach[p], p))
            out.add(n)
        return out


def _by_delay(v: _RegionView) -> list[tuple[float, _Pick]]:
    out = []
    for a in v.entries():
        ends = v.longest_from(a)
        b = max(ends, key=lambda n: (ends[n], n))
        if b != a:
            why = f"delay: {v.p.ops[a].label} -> {v.p.ops[b].label}, {ends[b]:.0f} ps"
            out.append((ends[b], _Pick(v.k, v.cycles[a], a, b, why)))
    return out


def _by_fanout(v: _RegionView) -> list[tuple[float, _Pick]]:
    users: dict[str, list[str]] = defaultdict(list)
    for d in v.p.deps:
        if d.value:
            users[d.src].append(d.dst)
    out = []
    for b in v.pure:
        later = [u for u in users[b] if v.cycles[u] > v.cycles[b]]
        if not later or not v.in_stage_preds(b):
            continue
        a = min((e for e in v.cone(b) if not v.in_stage_preds(e)), key=lambda e: v.paths.rank[e])
        score = v.p.ops[b].width / len(users[b])
        why = f"fanout: {v.p.ops[b].label}, {v.p.ops[b].width} bits to {len(users[b])} user(s)"
        out.append((score, _Pick(v.k, v.cycles[b], a, b, why)))
    return out


def _by_dual(v: _RegionView) -> list[tuple[float, _Pick]]:
    """The binding timing constraints, costliest first, as whole paths: each spans the
    stage boundary it forces, so its measurement says directly whether the target could
    join the source's stage (in-stage pieces alone cannot show that)."""
    sol = v.rs.solution
    duals = timing_duals(v.p, sol.stages, sol.ii if v.rs.region.pipelined else 0)
    out = []
    for (a, b), dual in duals.items():
        if a in v.pure and b in v.pure:
            why = f"dual: {v.p.ops[a].label} -> {v.p.ops[b].label}, {dual:.1f} bits/cycle"
            out.append((dual, _Pick(v.k, v.cycles[a], a, b, why, span=True)))
    return out


_RANKERS = {"delay": _by_delay, "fanout": _by_fanout, "dual": _by_dual}


def extract(
    ks: KernelSchedule,
    selection: str = "all",
    expansion: str = "cone",
    limit: int = 4,
    seen: set | None = None,
    measured: Mapping[int, Iterable[frozenset]] | None = None,
) -> list[Candidate]:
    """Up to `limit` new subgraphs of `ks` to time, best first. `seen` holds the
    (region, nodes) keys already timed; the chosen ones are added to it.

    With `measured` (region -> node sets already timed), a subgraph that overlaps one of
    those, or one chosen before it, without holding it whole is passed over: a newer
    measurement replaces the older ones it overlaps, and one that cut across an older
    one would throw away what that one found."""
    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {', '.join(SELECTIONS)}, not {selection!r}")
    if expansion not in EXPANSIONS:
        raise ValueError(f"expansion must be one of {', '.join(EXPANSIONS)}, not {expansion!r}")
    seen = set() if seen is None else seen
    views = [_RegionView(k, rs) for k, rs in enumerate(ks.regions)]
    names = ("delay", "fanout", "dual") if selection == "all" else (selection,)
    ranked = []
    for name in names:
        picks = [pick for v in views for pick in _RANKERS[name](v)]
        picks.sort(key=lambda sp: (-sp[0], sp[1].region, sp[1].cycle, sp[1].target))
        ranked.append([pick for _, pick in picks])
    order = [p for group in zip_longest(*ranked) for p in group if p is not None]
    taken = None
    if measured is not None:
        taken = {k: [frozenset(n) for n in sets] for k, sets in measured.items()}
    if expansion == "window":
        return _windows(views, order, limit, seen, taken)
    out = []
    for pick in order:
        v = views[pick.region]
        if pick.span:
            nodes = v.cone(pick.target, since=pick.cycle)
            if cost(v.rs.region.ir_ops, nodes) > MAX_COST:
                nodes = v.between(pick.source, pick.target)
        elif expansion == "path":
            nodes = v.path(pick.source, pick.target)
        else:
            nodes = v.cone(pick.target)
        if cost(v.rs.region.ir_ops, nodes) > MAX_COST and not pick.span:
            nodes = v.path(pick.source, pick.target)  # the critical path alone, then
        key = (pick.region, frozenset(nodes))
        if len(nodes) < 2 or key in seen or cost(v.rs.region.ir_ops, nodes) > MAX_COST:
            continue
        if not _fits(taken, pick.region, key[1]):
            continue
        seen.add(key)
        out.append(Candidate(pick.region, pick.cycle, key[1], (pick.target,), pick.why))
        if len(out) == limit:
            break
    return out


def _fits(taken: dict[int, list[frozenset]] | None, region: int, nodes: frozenset) -> bool:
    """Whether `nodes` holds whole, or misses, every set in `taken[region]`; it is then
    added there. Always true without `taken`."""
    if taken is None:
        return True
    sets = taken.setdefault(region, [])
    if any(nodes & t and not t <= nodes for t in sets):
        return False
    sets.append(nodes)
    return True


def _windows(
    views, order: list[_Pick], limit: int, seen: set, taken: dict | None = None
) -> list[Candidate]:
    """One subgraph per (region, stage): the merged cones of its picks, in rank order of
    the stage's best pick."""
    stages: dict[tuple[int, int], list[_Pick]] = {}
    for pick in order:
        stages.setdefault((pick.region, pick.cycle), []).append(pick)
    out = []
    for (k, cycle), picks in stages.items():
        nodes: set[str] = set()
        for pick in picks:
            since = pick.cycle if pick.span else None
            more = nodes | views[k].cone(pick.target, since)
            if cost(views[k].rs.region.ir_ops, more) <= MAX_COST:
                nodes = more
        key = (k, frozenset(nodes))
        if len(nodes) < 2 or key in seen or not _fits(taken, k, key[1]):
            continue
        seen.add(key)
        targets = tuple(dict.fromkeys(p.target for p in picks))
        out.append(Candidate(k, cycle, key[1], targets, picks[0].why + f" (+{len(picks) - 1})"))
        if len(out) == limit:
            break
    return out
