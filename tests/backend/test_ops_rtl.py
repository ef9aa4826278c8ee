"""Every pure op's Verilog lowering equals the interpreter, bit for bit, in two simulators."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from random_straight_line import random_kernel  # noqa: E402

from kiln.flow import compile_kernel  # noqa: E402
from kiln.ir import print_ir  # noqa: E402
from kiln.ir.kernel import walk_ops  # noqa: E402
from kiln.ir.ops import PURE_OPS  # noqa: E402
from kiln.scheduler import DelayModel  # noqa: E402

SEEDS = [1, 2, 3]


class CappedDelays(DelayModel):
    """Caps every op at 800 ps so that slow ops (div) fit the short clock (1000 ps, less the
    register overhead) too."""

    def delay_ps(self, op) -> float:
        return min(super().delay_ps(op), 800.0)


def test_random_kernels_cover_every_pure_op():
    seen = set()
    for seed in SEEDS:
        seen |= {op.opcode for op in walk_ops(random_kernel(seed).body)}
    assert seen >= PURE_OPS, f"ops never drawn: {sorted(PURE_OPS - seen)}"


@pytest.mark.verilator
@pytest.mark.icarus
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("clock_ps", [1e6, 1000.0])
def test_random_ops_bit_exact(seed, clock_ps, tmp_path):
    """One clock period puts everything in one stage, the other pipelines it deeply."""
    kernel = random_kernel(seed)
    # No passes: constant folding would take some ops out of the RTL under test.
    design = compile_kernel(
        kernel, tmp_path, clock_period_ps=clock_ps, delays=CappedDelays(), passes=()
    )
    if clock_ps < 2000:
        assert design.schedule.latency >= 3, "the short clock should force pipeline stages"
    design.lint()
    for simulator in ("icarus", "verilator"):
        result = design.simulate(simulator, vectors=150, seed=seed)
        for name, r in result.report.items():
            assert r["checked"] == 150 and r["mismatch_count"] == 0, (name, print_ir(kernel))
