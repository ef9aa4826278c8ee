"""Loop pipelining: II search from max(ResMII, RecMII), reservation tables, and reports
that name the recurrence or resource binding the II."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiln.base.errors import SourceLoc
from kiln.scheduler.explain import InfeasibleError
from kiln.scheduler.modulo import schedule_loop
from kiln.scheduler.problem import Dep, Problem, SchedOp, res_mii

sys.path.insert(0, str(Path(__file__).parent))
import independent  # noqa: E402
from random_problems import random_loop  # noqa: E402


def _accumulate(mul_delay: float) -> Problem:
    """acc = acc * k + x[i], one iteration per i: read -> mul -> add -> write."""
    p = Problem(clock_period_ps=1000, register_overhead_ps=100, name="acc loop")
    for i, (name, delay, lat, width) in enumerate(
        [
            ("x", 0, 1, 16),
            ("read", 0, 0, 16),
            ("mul", mul_delay, 0, 16),
            ("add", 300, 0, 16),
            ("write", 0, 0, 16),
        ]
    ):
        p.add_op(SchedOp(name, delay, lat, width, loc=SourceLoc("acc.c", 5 + i), label=name))
    p.add_dep(Dep("read", "mul"))
    p.add_dep(Dep("mul", "add"))
    p.add_dep(Dep("x", "add", 1))
    p.add_dep(Dep("add", "write"))
    p.add_dep(Dep("write", "read", 1, 1, why="reads @acc written in the previous iteration by"))
    p.ii = 1
    return p


def test_a_short_recurrence_pipelines_at_ii_1():
    p = _accumulate(400)
    sol, report = schedule_loop(p, 1)
    p.verify(sol)
    assert sol.ii == 1 and report.rec_mii == 1 and report.reason is None


def test_a_recurrence_longer_than_a_stage_binds_the_ii_and_is_named():
    p = _accumulate(700)  # read->mul->add is 1000 ps, over the 900 ps budget
    sol, report = schedule_loop(p, 1)
    p.verify(sol)
    assert sol.ii == 2 and report.rec_mii == 2 and report.res_mii == 1
    assert "recurrence needs II 2" in report.reason
    assert "'read' (acc.c:6)" in report.reason and "'write' (acc.c:9)" in report.reason


def test_insisting_on_an_ii_below_the_recurrence_is_explained():
    p = _accumulate(700)
    with pytest.raises(InfeasibleError) as info:
        schedule_loop(p, 1, max_ii=1)
    text = str(info.value)
    assert "recurrence below does not fit in II 1" in text
    assert "(acc.c:6)" in text and "(acc.c:8)" in text


def _ports(loads: int, ports: int) -> Problem:
    p = Problem(clock_period_ps=1000, register_overhead_ps=100, name="sum loop")
    p.limits["@A"] = ports
    p.add_op(SchedOp("sum", 200, 0, 32, loc=SourceLoc("s.c", 9)))
    for i in range(loads):
        p.add_op(SchedOp(f"ld{i}", 0, 1, 32, ("@A",), loc=SourceLoc("s.c", 3 + i)))
        p.add_dep(Dep(f"ld{i}", "sum", 1))
    p.ii = 1
    return p


@pytest.mark.parametrize(("loads", "ports", "ii"), [(3, 1, 3), (3, 2, 2), (4, 2, 2), (2, 2, 1)])
def test_memory_ports_bind_the_ii_through_the_reservation_table(loads, ports, ii):
    p = _ports(loads, ports)
    sol, report = schedule_loop(p, 1)
    p.verify(sol)
    assert sol.ii == ii == report.res_mii
    if ii > 1:
        assert f"resource @A needs II {ii}: {loads} use(s) per iteration, {ports} unit" in (
            report.reason
        )


def test_a_resource_ii_below_res_mii_is_explained():
    with pytest.raises(InfeasibleError, match="3 use.s. of @A per iteration need II 3"):
        schedule_loop(_ports(3, 1), 1, max_ii=2)


@pytest.mark.parametrize("seed", range(40))
def test_random_loops_reach_the_minimum_ii_or_say_why(seed):
    p = random_loop(seed)
    sol, report = schedule_loop(p, 1)
    p.verify(sol)
    mii = max(independent.rec_mii(p), res_mii(p)[0])
    assert report.rec_mii == independent.rec_mii(p)
    assert sol.ii >= mii
    if sol.ii > mii:
        assert report.reason and "no placement" in report.reason
    exact, _ = schedule_loop(p, 1, exact=True)
    p.verify(exact)
    assert exact.ii <= sol.ii
