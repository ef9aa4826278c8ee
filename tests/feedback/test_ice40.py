"""The iCE40 target: the harness that keeps a design within the package's pins, per-pair
subgraph delays from one place and route, the shipped delay model, and the ISDC loop end
to end with a nextpnr sign-off. Needs Yosys and nextpnr-ice40
(apt-get install -y yosys nextpnr-ice40 fpga-icestorm)."""

from __future__ import annotations

import re

import pytest

from kiln.backend.subgraph_rtl import subgraph_module
from kiln.feedback import ice40
from kiln.feedback.characterize import build_op, measure_op, op_module
from kiln.feedback.isdc import IsdcOptions, isdc_schedule
from kiln.feedback.subgraph_timing import time_subgraph
from kiln.feedback.targets import Target
from kiln.frontend.c.check import load_c
from kiln.ir.passes import COMPILE_FLOW
from kiln.scheduler.regions import Options

ICE40 = Target("ice40")

# Sums of 16-bit products and xors: carry chains and LUT logic, small enough for seconds
# of place and route.
KERNEL = """\
#include <stdint.h>
uint16_t fold4(uint16_t a, uint16_t b, uint16_t c, uint16_t d)
{
    uint16_t s = (uint16_t)(a + b) ^ (uint16_t)(c - d);
    uint16_t t = (uint16_t)(a ^ c) + (uint16_t)(b ^ (d << 3));
    uint16_t u = (uint16_t)(s + t) ^ (uint16_t)(s >> 5);
    return (uint16_t)(u + (t ^ (uint16_t)(a + d)));
}

#include <stdio.h>
int main(void)
{
    uint16_t h = 0, x = 7;
    for (int i = 0; i < 30; i++) {
        x = (uint16_t)(x * 75u + 74u);
        h ^= fold4(x, (uint16_t)(x >> 2), (uint16_t)(x * 3u), (uint16_t)~x);
    }
    printf("checksum: %04x\\n", h);
    return 0;
}
"""

pytestmark = [pytest.mark.yosys, pytest.mark.nextpnr, pytest.mark.slow]


def test_the_harness_makes_clocks_pins_and_counts_its_own_flops():
    verilog = op_module(build_op("add", 16, False))
    text, flops = ice40.harness(verilog, "dut", {"clk"})
    top = re.search(rf"(?s)module {ice40.HARNESS} \((.*?)\);", text).group(1)
    assert sorted(re.findall(r"input wire (\w+)", top)) == ["clk", "din", "hclk"]
    # 32 chain bits for the two operands, 16 capture bits, then a 4:1 XOR fold: 4 + 1
    assert flops == 32 + 16 + 4 + 1
    assert ice40.module_ports(verilog, "dut")[0] == ("input", "clk", 1)


def test_one_place_and_route_gives_a_delay_per_register_pair(tmp_path):
    """`a + b` and `a ^ b` from the same inputs: two outputs, a delay for each of the four
    pairs, the adder's carry chain slower than the xor."""
    add, xor = build_op("add", 16, False), build_op("xor", 16, False)
    xor.operands = add.operands  # the same two inputs
    xor.result.name = "z"
    rtl = subgraph_module({"y": add, "z": xor}, ["y", "z"], ["y", "z"], {}, clock_per_register=True)
    assert "ck_rin0" in rtl.verilog and "ck_rout1" in rtl.verilog
    t = time_subgraph(
        rtl.verilog, rtl.top, 2, 2, 1500.0, ICE40, cache_dir=tmp_path / "c", workdir=tmp_path / "w"
    )
    assert set(t.delays) == {(0, 0), (1, 0), (0, 1), (1, 1)}
    assert max(t.delays[(0, 0)], t.delays[(1, 0)]) > max(t.delays[(0, 1)], t.delays[(1, 1)])
    again = time_subgraph(rtl.verilog, rtl.top, 2, 2, 1500.0, ICE40, cache_dir=tmp_path / "c")
    assert again.cached and again.delays == t.delays


def test_the_shipped_model_is_this_flows_characterization(tmp_path):
    """A fresh measurement of an op agrees with the shipped iCE40 data, and a one-op
    subgraph measures about what characterization says (placement moves routes a little)."""
    model = ICE40.delay_model()
    fresh = measure_op("add", 16, False, ICE40, tmp_path / "op")
    assert fresh == pytest.approx(model.op_delay_ps("add", 16), rel=0.02)
    rtl = subgraph_module(
        {"y": build_op("add", 16, False)}, ["y"], ["y"], {}, clock_per_register=True
    )
    t = time_subgraph(
        rtl.verilog, rtl.top, 2, 1, model.register_overhead_ps, ICE40, cache_dir=tmp_path / "c"
    )
    assert max(t.delays.values()) == pytest.approx(fresh, rel=0.25)


def test_isdc_on_the_ice40_signs_off_with_nextpnr_and_reports_fmax(tmp_path):
    src = tmp_path / "fold4.c"
    src.write_text(KERNEL)
    kernel = load_c(src, "fold4", passes=COMPILE_FLOW).kernel
    opts = IsdcOptions(target=ICE40, cache_dir=tmp_path / "cache", workdir=tmp_path / "work")
    r = isdc_schedule(kernel, 8000.0, Options(), opts)
    assert sum(x.solution.stages for x in r.baseline.regions) >= 2
    assert [x.solution.stages for x in r.schedule.regions] == [
        x.solution.stages for x in r.baseline.regions
    ]
    # routed subgraphs can be slower than the summed op characterizations: the measured
    # delays then raise the model, and the schedule honours them
    for rs in r.schedule.regions:
        rs.region.problem.verify(rs.solution)
    assert r.signoff.passed and r.baseline_signoff.passed, r.format()
    assert r.signoff.fmax_mhz and r.signoff.fmax_mhz >= 1e6 / 8000.0
    assert r.signoff.critical_path_ps == pytest.approx(1e6 / r.signoff.fmax_mhz, rel=0.01)
    assert "ice40" in r.format() and "Fmax" in r.format()


def test_a_subgraph_with_more_registers_than_clock_pins_is_left_unmeasured(tmp_path):
    ports = ",\n".join(f"  input wire ck_rin{i}" for i in range(ice40.MAX_CLOCK_PINS + 1))
    verilog = f"module wide (\n{ports},\n  output wire check\n);\nendmodule\n"
    t = time_subgraph(verilog, "wide", 181, 0, 1500.0, ICE40, cache_dir=tmp_path)
    assert t.delays == {} and "clock pins" in t.failed
    assert time_subgraph(verilog, "wide", 181, 0, 1500.0, ICE40, cache_dir=tmp_path).cached
