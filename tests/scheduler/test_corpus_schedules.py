"""Every kernel of the C corpus schedules with the shipped delay model, every schedule
passes `Problem.verify`, and every pipelined loop reaches max(ResMII, RecMII), computed
here by networkx without the scheduler's own code, or its report names the reason."""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import independent  # noqa: E402

from kiln.frontend.c.check import load_c
from kiln.ir.passes import COMPILE_FLOW
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.kernel_schedule import schedule_kernel
from kiln.scheduler.problem import Problem
from kiln.scheduler.regions import Options, kernel_regions

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
MANIFEST = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
CLOCK_PS = 2500.0


def independent_res_mii(p: Problem) -> int:
    """Uses over units for each limited class, counted straight from the ops."""
    uses: dict[str, int] = defaultdict(int)
    for op in p.ops.values():
        for cls in op.resources:
            uses[cls] += op.occupancy
    return max([1, *(math.ceil(n / p.limits[c]) for c, n in uses.items() if c in p.limits)])


@pytest.mark.parametrize("entry", MANIFEST, ids=[k["name"] for k in MANIFEST])
def test_kernel_schedules_and_pipelined_loops_reach_their_minimum_ii(entry):
    kernel = load_c(KERNELS / entry["file"], entry["top"], passes=COMPILE_FLOW).kernel
    result = schedule_kernel(kernel, CLOCK_PS, DelayModel(), Options())  # each verified
    assert result.regions
    for r in result.regions:
        r.region.problem.verify(r.solution)  # and once more here, explicitly
        if r.ii is None:
            continue
        p, achieved = r.region.problem, r.solution.ii
        res, rec = independent_res_mii(p), independent.rec_mii(p)
        assert (r.ii.res_mii, r.ii.rec_mii) == (res, rec), p.name
        if achieved != max(res, rec, r.ii.target):
            assert r.ii.reason, f"{p.name}: II {achieved} without a reason"
        elif achieved > r.ii.target:
            assert r.ii.reason and ("recurrence" in r.ii.reason or "resource" in r.ii.reason)


def test_the_corpus_has_pipelined_loops_to_check():
    opts = Options(clock_period_ps=CLOCK_PS)
    pipelined = 0
    for entry in MANIFEST:
        kernel = load_c(KERNELS / entry["file"], entry["top"], passes=COMPILE_FLOW).kernel
        regions, _ = kernel_regions(kernel, DelayModel(), opts)
        pipelined += sum(1 for r in regions if r.pipelined)
    assert pipelined >= 25


@pytest.mark.parametrize("name", ["relu", "gemm", "jacobi1d", "histogram"])
def test_exact_mode_is_never_worse_than_the_sdc_heuristics(name):
    entry = next(k for k in MANIFEST if k["name"] == name)
    kernel = load_c(KERNELS / entry["file"], entry["top"], passes=COMPILE_FLOW).kernel
    limits = {"mul": 1}
    sdc = schedule_kernel(kernel, CLOCK_PS, DelayModel(), Options(limits=dict(limits)))
    exact = schedule_kernel(
        kernel, CLOCK_PS, DelayModel(), Options(limits=dict(limits)), exact=True
    )
    for a, b in zip(sdc.regions, exact.regions, strict=True):
        assert b.solution.solver == "cp-sat"
        assert (b.solution.ii, b.solution.stages) <= (a.solution.ii, a.solution.stages)
        if (b.solution.ii, b.solution.stages) == (a.solution.ii, a.solution.stages):
            assert b.solution.register_bits <= a.solution.register_bits
