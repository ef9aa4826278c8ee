"""The SDC scheduler: optimality against CP-SAT, the chaining table, pins, multi-cycle ops,
integrality, and schedules that `Problem.verify` must reject."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import pytest

from kiln.base.errors import ScheduleError, SourceLoc
from kiln.scheduler.constraints import chaining_pairs
from kiln.scheduler.exact import objective, schedule_exact
from kiln.scheduler.explain import InfeasibleError
from kiln.scheduler.problem import Dep, Problem, SchedOp, Solution, complete
from kiln.scheduler.resources import schedule_with_resources
from kiln.scheduler.sdc import _integral, schedule_sdc

sys.path.insert(0, str(Path(__file__).parent))
from independent import path_delays  # noqa: E402
from random_problems import random_dag  # noqa: E402


@pytest.mark.parametrize("group", range(10))
def test_sdc_register_objective_equals_the_cp_sat_optimum(group):
    """Acceptance 1: 200 random DAGs (10 groups of 20), up to 40 ops each."""
    for seed in range(group * 20, group * 20 + 20):
        p = random_dag(seed)
        lp = schedule_sdc(p)
        cp = schedule_exact(p)
        p.verify(lp)
        p.verify(cp)
        assert lp.stages == cp.stages, seed
        assert objective(p, lp) == objective(p, cp), (seed, lp.register_bits, cp.register_bits)


@pytest.mark.parametrize("seed", range(30))
def test_chaining_table_implies_every_too_long_path(seed):
    """Each pair whose path exceeds the budget is kept, or follows from kept pairs and
    dependences; each kept pair really is too long."""
    p = random_dag(seed)
    pairs = chaining_pairs(p)
    brute = path_delays(p)
    for a, b, d in pairs:
        assert brute[(a, b)] >= d > p.budget_ps
    g = nx.DiGraph()
    g.add_nodes_from(p.ops)
    for dep in p.deps:
        g.add_edge(dep.src, dep.dst, w=-dep.latency)
    for a, b, _ in pairs:
        g.add_edge(a, b, w=min(-1, g.edges[a, b]["w"]) if g.has_edge(a, b) else -1)
    for (a, b), d in brute.items():
        if d > p.budget_ps:
            gap = -nx.shortest_path_length(g, a, b, weight="w", method="bellman-ford")
            assert gap >= 1, (a, b, d)


def _chain(delays, clock=1000.0, overhead=100.0, latency=None) -> Problem:
    p = Problem(clock_period_ps=clock, register_overhead_ps=overhead, name="chain")
    for i, d in enumerate(delays):
        lat = (latency or {}).get(i, 0)
        p.add_op(SchedOp(f"o{i}", d, lat, 8, loc=SourceLoc("k.c", 10 + i), label=f"op{i}"))
        if i:
            p.add_dep(Dep(f"o{i - 1}", f"o{i}", p.ops[f"o{i - 1}"].latency))
    return p


def test_ops_chain_while_the_stage_budget_lasts():
    sol = schedule_sdc(_chain([300, 300, 300, 300]))  # 900 ps of logic per stage
    assert [sol.cycles[f"o{i}"] for i in range(4)] == [0, 0, 0, 1]
    assert sol.start_ps["o2"] == 600.0
    assert sol.register_bits == 8


def test_register_overhead_is_counted_once_per_stage():
    assert schedule_sdc(_chain([300, 300, 300], overhead=0)).stages == 1
    assert schedule_sdc(_chain([300, 300, 300], overhead=101)).stages == 2


def test_multi_cycle_op_result_comes_latency_cycles_later():
    sol = schedule_sdc(_chain([100, 0, 100], latency={1: 2}))
    assert sol.cycles == {"o0": 0, "o1": 0, "o2": 2}
    assert sol.start_ps["o2"] == 0.0


def test_an_op_slower_than_a_stage_is_explained_with_its_line():
    with pytest.raises(InfeasibleError) as info:
        schedule_sdc(_chain([100, 950, 100]))
    err = info.value
    assert err.ops == ["o1"] and err.loc == SourceLoc("k.c", 11)
    assert "'op1' (k.c:11) needs 950 ps" in str(err) and "900 ps for logic" in str(err)


def test_contradicting_pins_are_explained():
    p = _chain([500, 500, 500])
    p.pins.update({"o0": 2, "o2": 2})
    with pytest.raises(InfeasibleError) as info:
        schedule_sdc(p)
    text = str(info.value)
    assert "pins below contradict" in text
    assert "'op0' (k.c:10) is pinned to cycle 2" in text and "'op2' (k.c:12)" in text
    assert "cannot share a cycle" in text


def test_too_few_stages_are_explained():
    p = _chain([500, 500, 500])
    p.stages = 2
    with pytest.raises(InfeasibleError, match="need more than the 2 stage"):
        schedule_sdc(p)
    p.stages = 4
    sol = schedule_sdc(p)
    assert sol.stages == 4 and max(sol.cycles.values()) <= 3


def test_first_and_last_pins():
    p = _chain([10, 10, 10])
    p.add_op(SchedOp("late", 10, 0, 4))
    p.add_dep(Dep("o0", "late"))
    p.stages = 3
    p.pins.update({"o0": "first", "late": "last"})
    sol = schedule_sdc(p)
    p.verify(sol)
    assert sol.cycles["late"] == 2 and sol.cycles["o0"] == 0


def test_lp_answers_that_are_not_integral_raise():
    p = _chain([10])
    with pytest.raises(ScheduleError, match="not integral"):
        _integral({"o0": 0.5}, p)
    assert _integral({"o0": 1.0000001}, p) == {"o0": 1}


def _solution(p: Problem, cycles: dict[str, int]) -> Solution:
    return complete(p, cycles, 0, "hand")


@pytest.mark.parametrize(
    ("cycles", "message"),
    [
        ({"o0": 1, "o1": 0, "o2": 1}, "needs 0"),
        ({"o0": 0, "o1": 0, "o2": 0}, "past the 900 ps"),
        ({"o0": 0, "o1": -1, "o2": 1}, "has cycle -1"),
    ],
)
def test_verify_rejects_broken_schedules(cycles, message):
    p = _chain([400, 400, 400])
    with pytest.raises(ScheduleError, match=message):
        p.verify(_solution(p, cycles))


def test_verify_rejects_a_wrong_register_count_and_overfull_resources():
    p = _chain([100, 100])
    sol = _solution(p, {"o0": 0, "o1": 2})
    sol.register_bits = 3
    with pytest.raises(ScheduleError, match="register bits 3, recount 16"):
        p.verify(sol)
    for op in p.ops.values():
        op.resources = ("mul",)
    p.limits["mul"] = 1
    p.deps.clear()
    with pytest.raises(ScheduleError, match="2 ops use mul in cycle 0, limit 1"):
        p.verify(_solution(p, {"o0": 0, "o1": 0}))


def _fan(n_mul: int, limit: int) -> Problem:
    p = Problem(clock_period_ps=1000, register_overhead_ps=0, name="fan", limits={"mul": limit})
    p.add_op(SchedOp("x", 0, 0, 16))
    p.add_op(SchedOp("sum", 0, 0, 16))
    for i in range(n_mul):
        p.add_op(SchedOp(f"m{i}", 600, 0, 16, resources=("mul",)))
        p.add_dep(Dep("x", f"m{i}"))
        p.add_dep(Dep(f"m{i}", "sum"))
    return p


@pytest.mark.parametrize(("n", "limit", "stages"), [(4, 2, 2), (5, 2, 3), (3, 1, 3), (2, 4, 1)])
def test_linear_order_keeps_within_resource_limits(n, limit, stages):
    p = _fan(n, limit)
    sol = schedule_with_resources(p)
    p.verify(sol)
    assert sol.stages == stages
    exact = schedule_exact(p)
    p.verify(exact)
    assert exact.stages <= sol.stages


def test_resource_limit_against_a_stage_bound_is_explained():
    p = _fan(4, 1)
    p.stages = 2
    with pytest.raises(InfeasibleError) as info:
        schedule_with_resources(p)
    assert "unit(s) of mul" in str(info.value)


def test_a_long_chain_of_wiring_ops_fits_one_stage_without_recursion_limits():
    p = _chain([0.0] * 3000)
    sol = schedule_sdc(p)
    p.verify(sol)
    assert sol.stages == 1 and sol.register_bits == 0
