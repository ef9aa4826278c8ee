"""Measured subgraphs in the scheduler: path delays through them match a brute-force count
over every path, the chaining table follows them (lower and higher), schedules that only
the measurement allows are found and verified, and a newer measurement replaces an older
one it overlaps."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import networkx as nx
import pytest

from kiln.base.errors import ScheduleError
from kiln.scheduler.constraints import chaining_pairs
from kiln.scheduler.path_delays import MeasuredSubgraph, PathDelays
from kiln.scheduler.problem import Dep, Problem, SchedOp, complete
from kiln.scheduler.sdc import schedule_sdc

sys.path.insert(0, str(Path(__file__).parent))
from independent import measured_path_delays, path_delays  # noqa: E402
from random_problems import random_dag  # noqa: E402


def _convex(p: Problem, rng: random.Random, taken: set[str]) -> set[str] | None:
    """Ops between two chained ops (both included), all combinational and not `taken`."""
    g = nx.DiGraph()
    g.add_nodes_from(p.ops)
    g.add_edges_from((d.src, d.dst) for d in p.deps if d.chains)
    for _ in range(20):
        u = rng.choice(list(p.ops))
        down = nx.descendants(g, u)
        if not down or not list(g.predecessors(u)):
            continue  # a subgraph's ops all read some input (constants are not inputs)
        v = rng.choice(sorted(down))
        nodes = {u, v} | (down & nx.ancestors(g, v))
        if any(p.ops[n].latency for n in nodes) or nodes & taken:
            continue
        return nodes
    return None


def _measure(p: Problem, nodes: set[str], rng: random.Random, scale=(0.2, 1.5)):
    """Random measured delays for every (input, node) pair joined by a path in `nodes`."""
    g = nx.DiGraph()
    g.add_edges_from((d.src, d.dst) for d in p.deps if d.chains and d.dst in nodes)
    sums = path_delays(p)
    delays = {}
    for x in sorted({d.src for d in p.deps if d.dst in nodes and d.src not in nodes and d.chains}):
        for y in sorted(nodes):
            if g.has_node(x) and g.has_node(y) and nx.has_path(g, x, y):
                base = sums.get((x, y), 0.0) - p.ops[x].delay_ps
                delays[(x, y)] = round(max(0.0, base) * rng.uniform(*scale), 1)
    return MeasuredSubgraph(frozenset(nodes), delays)


def _random_measured(seed: int) -> Problem:
    rng = random.Random(seed)
    p = random_dag(seed, max_ops=12)
    taken: set[str] = set()
    measured = []
    for _ in range(rng.randint(1, 2)):
        nodes = _convex(p, rng, taken)
        if nodes:
            taken |= nodes
            measured.append(_measure(p, nodes, rng))
    p.measured = tuple(measured)
    return p


@pytest.mark.parametrize("seed", range(60))
def test_path_delays_through_measured_subgraphs_match_every_path_counted(seed):
    p = _random_measured(seed)
    want = measured_path_delays(p)
    table = PathDelays(p)
    for a in p.ops:
        if p.ops[a].latency:
            continue
        got = {n: t for n, t, _ in table.walk(a) if n != a}
        for b in got.keys() | {b for x, b in want if x == a}:
            assert got.get(b) == pytest.approx(want.get((a, b)), abs=1e-6), (seed, a, b)


@pytest.mark.parametrize("seed", range(60))
def test_chaining_table_with_measurements_implies_every_too_long_path(seed):
    p = _random_measured(seed)
    want = measured_path_delays(p)
    pairs = chaining_pairs(p)
    g = nx.DiGraph()
    g.add_nodes_from(p.ops)
    for dep in p.deps:
        g.add_edge(dep.src, dep.dst, w=-dep.latency)
    for a, b, d in pairs:
        assert want[(a, b)] >= d - 1e-6 and d > p.budget_ps  # d: a path found before pruning
        g.add_edge(a, b, w=min(-1, g.edges[a, b]["w"]) if g.has_edge(a, b) else -1)
    for (a, b), d in want.items():
        if d > p.budget_ps + 1e-6 and p.ops[a].delay_ps > 0:
            gap = -nx.shortest_path_length(g, a, b, weight="w", method="bellman-ford")
            assert gap >= 1, (seed, a, b, d)


@pytest.mark.parametrize("seed", range(40))
def test_every_sdc_schedule_with_measurements_verifies(seed):
    p = _random_measured(seed)
    sol = schedule_sdc(p)
    p.verify(sol)


def _adds(n: int) -> Problem:
    """in -> add1 -> ... -> addN -> out, each add 400 ps, a 1000 ps clock (900 ps of logic)."""
    p = Problem(clock_period_ps=1000.0, register_overhead_ps=100.0, name="adds")
    p.add_op(SchedOp("in", width=32))
    p.pins["in"] = "first"
    prev = "in"
    for i in range(1, n + 1):
        p.add_op(SchedOp(f"add{i}", 400.0, width=32))
        p.add_dep(Dep(prev, f"add{i}"))
        prev = f"add{i}"
    return p


def test_a_measured_chain_fits_one_stage_that_summed_delays_split():
    p = _adds(4)
    assert schedule_sdc(p).stages == 2  # 1600 ps of summed delay
    ends = {f"add{i}": 400.0 + 20.0 * i for i in range(1, 5)}  # carries overlap
    p.measured = (MeasuredSubgraph(frozenset(ends), {("in", n): t for n, t in ends.items()}),)
    assert chaining_pairs(p) == []
    sol = schedule_sdc(p)
    assert sol.stages == 1
    p.verify(sol)
    assert sol.start_ps["add4"] == pytest.approx(460.0)  # the end of add3, as measured


def test_a_slower_measurement_raises_the_path_and_verify_rejects_the_old_schedule():
    p = _adds(2)
    one_stage = schedule_sdc(p)
    assert one_stage.stages == 1
    p.measured = (
        MeasuredSubgraph(
            frozenset({"add1", "add2"}), {("in", "add1"): 450.0, ("in", "add2"): 950.0}
        ),
    )
    assert [(a, b) for a, b, _ in chaining_pairs(p)] == [("in", "add2")]
    with pytest.raises(ScheduleError, match="past the 900 ps"):
        p.verify(complete(p, one_stage.cycles, 0, "old"))
    assert schedule_sdc(p).stages == 2


def test_a_newer_overlapping_measurement_replaces_the_older_one():
    p = _adds(3)
    old = MeasuredSubgraph(
        frozenset({"add1", "add2"}), {("in", "add1"): 10.0, ("in", "add2"): 20.0}
    )
    new = MeasuredSubgraph(
        frozenset({"add2", "add3"}), {("add1", "add2"): 300.0, ("add1", "add3"): 600.0}
    )
    p.measured = (old, new)
    table = PathDelays(p)
    assert set(table.owner) == {"add2", "add3"}
    assert table.delay("add1", "add3") == pytest.approx(1000.0)  # add1 summed, then measured
    p.measured = (new, old)
    table = PathDelays(p)
    assert set(table.owner) == {"add1", "add2"}
    assert table.delay("add1", "add3") == pytest.approx(420.0)  # the older one, then add3


def test_a_measurement_of_another_version_of_the_region_is_ignored():
    p = _adds(2)
    p.measured = (MeasuredSubgraph(frozenset({"add1", "gone"}), {("in", "add1"): 1.0}),)
    assert PathDelays(p).owner == {}
    assert chaining_pairs(p) == chaining_pairs(_adds(2))
