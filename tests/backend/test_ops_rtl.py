"""Every pure op's Verilog lowering equals the interpreter, bit for bit, in two simulators."""

from __future__ import annotations

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from random_straight_line import random_kernel  # noqa: E402

from kiln.api import compile_ir  # noqa: E402
from kiln.config import CompileConfig  # noqa: E402
from kiln.ir import print_ir  # noqa: E402
from kiln.ir.kernel import walk_ops  # noqa: E402
from kiln.ir.ops import PURE_OPS  # noqa: E402

SEEDS = [1, 2, 3]


def compile_only(kernel, out, clock_ns: float = 2.0, vectors: int = 150, seed: int = 0):
    """No passes: constant folding would take some ops out of the RTL under test."""
    config = CompileConfig.make(
        clock_ns=clock_ns, passes=(), vectors=vectors, seed=seed, simulate=False,
        synthesize=False,
    )  # fmt: skip
    return compile_ir(kernel, out, config, progress=lambda _m: None)


def test_random_kernels_cover_every_pure_op():
    seen = set()
    for seed in SEEDS:
        seen |= {op.opcode for op in walk_ops(random_kernel(seed).body)}
    assert seen >= PURE_OPS, f"ops never drawn: {sorted(PURE_OPS - seen)}"


@pytest.mark.verilator
@pytest.mark.icarus
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("clock_ns", [1000.0, 2.5])
def test_random_ops_bit_exact(seed, clock_ns, tmp_path):
    """One clock period puts everything in one stage, the other pipelines it deeply (dividers
    and multipliers slower than a stage become multi-cycle units)."""
    kernel = random_kernel(seed)
    design = compile_only(kernel, tmp_path, clock_ns, seed=seed)
    if clock_ns < 10:
        stages = design.schedule.regions[0].solution.stages
        assert stages >= 3, "the short clock should force pipeline stages"
    for simulator in ("icarus", "verilator"):
        result = design.simulate(simulator)  # SimulationError names the first mismatch
        assert result.calls == 150, print_ir(kernel)


# Products whose result keeps fewer bits than the exact product: each is lowered as a
# multiplier of the result's width (operands cut or extended to it), which must give the
# same low bits as the exact product; a narrower exact product and a saturating one keep
# the exact form.
PRODUCTS = """kernel @products(in %a: i16, in %b: u16, in %c: i32, in %d: i32, in %e: u5,
                   in %f: fixed<12,4>, in %g: fixed<12,4>,
                   out @p0: i32, out @p1: i32, out @p2: u8, out @p3: i16, out @p4: u16,
                   out @p5: fixed<20,8>, out @p6: fixed<8,4,sat>) {
  %wa = sext %a : i32
  %m0 = mul %wa, %c : i32
  write @p0, %m0
  %m1 = mul %a, %b : i32
  write @p1, %m1
  %m2 = mul %c, %d : u8
  write @p2, %m2
  %m3 = mul %a, %e : i16
  write @p3, %m3
  %m4 = mul %e, %e : u16
  write @p4, %m4
  %m5 = mul %f, %g : fixed<20,8>
  write @p5, %m5
  %m6 = mul %f, %g : fixed<8,4,sat>
  write @p6, %m6
}
"""


@pytest.mark.icarus
def test_integer_products_use_multipliers_of_the_result_width(tmp_path):
    from kiln.ir import parse_kernel

    design = compile_only(parse_kernel(PRODUCTS), tmp_path, vectors=400, seed=7)
    text = design.files["verilog"].read_text()
    widths = sorted(int(w) for w in re.findall(r"wire \[(\d+):0\] \w*m\d_x;", text))
    # m0, m1, m2, m3, m5 at their result's width (32, 32, 8, 16, 20 bits); m4 (u5 x u5:
    # 12 bits exact, narrower than u16) and the saturating m6 (24 bits) at the exact width
    assert widths == [7, 11, 15, 19, 23, 31, 31], widths
    assert design.simulate("icarus").calls == 400
