"""Path delays between the ops of a problem: summed op delays, except where synthesis measured
a subgraph, whose measured input-to-node delays then stand in for the sum.

The chaining constraints (`constraints.chaining_pairs`) and the timing check of a schedule
(`Problem.verify`) both read path delays from here, so measured delays change what the
scheduler may chain and what it accepts, in one place.

A `MeasuredSubgraph` is a convex set of combinational ops of one region with, for each
input (an op outside whose value the subgraph reads) and each node inside, the delay from
the input's value to the node's result as timed on the synthesized subgraph. A path from
any op `a` to any op `b` is then timed as follows, walking forward from `a` in topological
order (Bellman-Ford on a DAG, longest path):

- an op outside every measured subgraph ends its own delay after its latest input;
- an op inside a measured subgraph that `a` is not in ends `T(x, node)` after the input
  `x` through which the path enters (every path into a convex set enters through one of
  its inputs, so the measurement replaces the sum for all of them, lower or higher);
- when `a` is inside the subgraph, what was measured starts before `a`, so a node ends at
  the smaller of its summed delay from `a` and the latest `T(x, node)` over the inputs `x`
  that reach `a` (both bound the path from `a`).

A newer measurement that overlaps an older one replaces it whole. Exploration from each op
stops once a path leaves the stage budget, so the work and memory stay banded (ops times
the ops one stage holds), not quadratic, for thousands of ops.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

from kiln.base.errors import ScheduleError

if TYPE_CHECKING:
    from kiln.scheduler.problem import Problem


@dataclass(frozen=True)
class MeasuredSubgraph:
    """Delays in ps from each input's value to each node's result; a missing pair has no
    path (synthesis found none, or there is none)."""

    nodes: frozenset[str]
    delays: Mapping[tuple[str, str], float]
    label: str = ""  # what measured it, for reports (e.g. the cache key)

    @property
    def inputs(self) -> frozenset[str]:
        return frozenset(x for x, _ in self.delays)


def chain_order(problem: Problem) -> list[str]:
    """Ops in an order where every chaining dependence goes forward."""
    g = nx.DiGraph()
    g.add_nodes_from(problem.ops)
    g.add_edges_from((d.src, d.dst) for d in problem.deps if d.chains)
    try:
        return list(nx.topological_sort(g))
    except nx.NetworkXUnfeasible:
        cycle = nx.find_cycle(g)
        names = " -> ".join(str(problem.ops[u]) for u, _ in cycle)
        raise ScheduleError(
            f"{problem.name}: combinational cycle without a register: {names}",
            problem.ops[cycle[0][0]].loc,
            "a loop-carried value needs a distance of at least one iteration",
        ) from None


OK, OVER, BEHIND = "ok", "over", "behind"  # within budget; past it; after an op past it


@dataclass
class PathDelays:
    problem: Problem
    order: list[str] = field(init=False)
    owner: dict[str, MeasuredSubgraph] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        p = self.problem
        self.order = chain_order(p)
        self.rank = {n: i for i, n in enumerate(self.order)}
        self.succ: dict[str, list[str]] = defaultdict(list)
        self.pred: dict[str, list[str]] = defaultdict(list)
        self.feeds: dict[str, set[str]] = defaultdict(set)  # every value dependence
        for d in p.deps:
            if d.value:
                self.feeds[d.src].add(d.dst)
            if d.chains:
                self.succ[d.src].append(d.dst)
                self.pred[d.dst].append(d.src)
        for m in p.measured:
            if not (m.nodes | m.inputs) <= p.ops.keys():
                continue  # measured on another version of this region
            for old in {id(o): o for n in m.nodes if (o := self.owner.get(n))}.values():
                for n in old.nodes:
                    del self.owner[n]
            for n in m.nodes:
                self.owner[n] = m
        self.entering: dict[str, list[MeasuredSubgraph]] = defaultdict(list)
        for m in {id(m): m for m in self.owner.values()}.values():
            for x in sorted(m.inputs, key=self.rank.__getitem__):
                if any(y in m.nodes for y in self.succ[x]):
                    self.entering[x].append(m)

    def _within(self, m: MeasuredSubgraph, start: str, step) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for y in step(todo.pop()):
                if y in m.nodes and y not in seen:
                    seen.add(y)
                    todo.append(y)
        return seen

    def _from_inside(self, m: MeasuredSubgraph, a: str) -> dict[str, float]:
        """Ends of `a` and of the nodes of `m` it reaches inside `m`, `a` being in `m`.
        Where `a`'s own inputs start is not what was measured (the inputs of `m` feed it
        through other ops of `m`), so each end is the smaller of two bounds: summed op
        delays from `a`, and the latest measured delay from an input that reaches `a`."""
        ops = self.problem.ops
        up = self._within(m, a, self.pred.__getitem__)
        xs = [x for x in m.inputs if self.feeds[x] & up]
        down = self._within(m, a, self.succ.__getitem__)
        summed: dict[str, float] = {}
        for y in sorted(down, key=self.rank.__getitem__):
            before = [summed[p] for p in self.pred[y] if p in summed]
            summed[y] = ops[y].delay_ps + max(before, default=0.0)
        out: dict[str, float] = {}
        for y, t in summed.items():
            ds = [m.delays[(x, y)] for x in xs if (x, y) in m.delays]
            out[y] = min(t, max(ds)) if ds else t
        return out

    def walk(self, a: str, budget: float | None = None, keep=None):
        """Yield (op, end in ps, state) for every op `a` reaches through chained values, in
        topological order, `a`'s inputs ready at 0. State OVER: the op ends after `budget`;
        BEHIND: it follows an op that does. Nothing is explored past either (those paths
        are longer still), nor past an op that `keep` rejects; a pipelined unit other than
        `a` registers its result, so a path ends there."""
        ops = self.problem.ops
        dist: dict[str, float] = {}
        if a in self.owner:
            dist.update(self._from_inside(self.owner[a], a))
        dist.setdefault(a, ops[a].delay_ps)
        heap = [(self.rank[n], n) for n in dist if keep is None or keep(n) or n == a]
        heapq.heapify(heap)
        done: set[str] = set()
        behind: set[str] = set()

        def reach(y: str, t: float) -> None:
            if t > dist.get(y, -1.0) and (keep is None or keep(y)):
                dist[y] = t
                heapq.heappush(heap, (self.rank[y], y))

        while heap:
            _, x = heapq.heappop(heap)
            if x in done:
                continue
            done.add(x)
            if x in behind or (budget is not None and dist[x] > budget):
                behind.update(self.succ[x])
                yield x, dist[x], BEHIND if x in behind else OVER
                continue
            yield x, dist[x], OK
            if x != a and ops[x].latency:
                continue
            for m in self.entering[x]:
                for y in m.nodes:
                    if (x, y) in m.delays:
                        reach(y, dist[x] + m.delays[(x, y)])
            for y in self.succ[x]:
                if y not in self.owner:  # a measured node is timed from where paths enter
                    reach(y, dist[x] + ops[y].delay_ps)

    def delay(self, a: str, b: str) -> float | None:
        """The longest path from `a`'s start to `b`'s end, None when there is none."""
        return next((end for n, end, _ in self.walk(a) if n == b), None)

    # ---- what the scheduler reads -------------------------------------------------------

    def chaining_pairs(self, budget: float) -> list[tuple[str, str, float]]:
        """Minimal (a, b, path delay) pairs whose path is longer than `budget`: `b` must
        then be at least a cycle after `a`. A pair reached through another is implied."""
        ops = self.problem.ops
        pairs = []
        for a in self.order:
            if ops[a].latency or ops[a].delay_ps > budget or not self.succ[a]:
                continue
            if ops[a].delay_ps <= 0 and a not in self.owner and a not in self.entering:
                continue  # its paths are its successors' paths, whose pairs imply its own
            pairs += [(a, n, t) for n, t, state in self.walk(a, budget) if state == OVER and n != a]
        return pairs

    def stage_times(self, cycles: Mapping[str, int]) -> tuple[dict[str, float], dict[str, float]]:
        """(start, end) of every op within its cycle: ends timed from each op that begins
        a chain in its cycle (no same-cycle chained input); a start is the latest end of a
        same-cycle input."""
        ops = self.problem.ops
        end = dict.fromkeys(ops, 0.0)
        for a in self.order:
            if any(cycles[p] == cycles[a] for p in self.pred[a]):
                continue
            for n, t, _ in self.walk(a, keep=lambda n, c=cycles[a]: cycles[n] == c):
                end[n] = max(end[n], t)
        start = {
            n: max((end[p] for p in self.pred[n] if cycles[p] == cycles[n]), default=0.0)
            for n in ops
        }
        return start, end
