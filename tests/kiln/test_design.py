"""A design of several kernels through the Python API: one kernel's output array feeds the
next one's input through a top level with a plain RAM between them; the whole emits, lints
and co-simulates bit-exact against the interpreter run on the kernels in order."""

from __future__ import annotations

import json

import pytest

from kiln.api import compile_design
from kiln.base.errors import BackendError, KilnError
from kiln.config import CompileConfig
from kiln.ir import parse_kernel

SCALE = """kernel @scale(in @a: i16[8], in %k: i16, out @y: i16[8]) {
  for %i: u4 = 0 to 8 step 1 {
    %0 = load @a[%i] : i16
    %1 = mul %0, %k : i16
    store @y[%i], %1
  }
}
"""

# Reads what scale wrote, in reverse, and sums it; also takes an input of its own.
TOTAL = """kernel @total(in @x: i16[8], in %bias: i32, out @r: i16[8], out @s: i32) {
  var @acc: i32 = 0
  for %i: u4 = 0 to 8 step 1 {
    %7 = const 7 : u4
    %j = sub %7, %i : u4
    %0 = load @x[%j] : i16
    store @r[%i], %0
    %1 = sext %0 : i32
    %2 = read @acc : i32
    %3 = add %2, %1 : i32
    write @acc, %3
  }
  %4 = read @acc : i32
  %5 = add %4, %bias : i32
  write @s, %5
}
"""


def quiet(msg: str) -> None:
    pass


def config(**options) -> CompileConfig:
    return CompileConfig.make(clock_ns=2.0, synthesize=False, **options)


@pytest.mark.verilator
def test_two_kernels_fed_through_a_ram_co_simulate_bit_exact(tmp_path):
    kernels = [parse_kernel(SCALE, "scale.kir"), parse_kernel(TOTAL, "total.kir")]
    design = compile_design(
        kernels, [("scale.y", "total.x")], tmp_path, config(vectors=60), "pipe", quiet
    )
    files = design.verilog_files  # one module per file, the top last
    assert [f.name for f in files] == ["scale.v", "total.v", "pipe.v"]
    for f in files:
        assert f"\nmodule {f.stem} (" in f.read_text()
    top = files[-1].read_text()
    assert "scale u_scale (" in top and "total u_total (" in top
    assert design.checks.lint is not None and design.checks.lint.warnings == []
    cosim = design.checks.cosim["verilator"]
    assert cosim.calls == 60
    # kernels run back to back: the design takes the sum of their latencies
    latencies = [ck.predicted_latency for ck in design.kernels]
    assert set(cosim.clocks) == {sum(latencies)}
    ports = {name for name in design.composite.top.rtl.inputs}
    assert ports == {"scale_k", "total_bias"}  # the fed arrays are inside the top
    assert {mp.array for mp in design.composite.top.rtl.mem_ports} == {"scale_a", "total_r"}
    report = json.loads(design.files["report"].read_text())
    assert report["feeds"] == ["scale.y -> total.x"]
    assert [k["kernel"] for k in report["kernels"]] == ["scale", "total"]
    assert report["latency"]["measured_min"] == report["latency"]["predicted"]


@pytest.mark.verilator
def test_a_wrong_feed_is_caught_by_co_simulation(tmp_path):
    """The check can fail: reading the feed's RAM one word off must show in the outputs."""
    from kiln.base.errors import SimulationError
    from kiln.design import rerun_simulation

    kernels = [parse_kernel(SCALE, "scale.kir"), parse_kernel(TOTAL, "total.kir")]
    cfg = config(vectors=20, simulate=False)
    design = compile_design(kernels, [("scale.y", "total.x")], tmp_path, cfg, "pipe", quiet)
    verilog = design.files["verilog"]
    text = verilog.read_text()
    read = "ram_scale_y_q <= ram_scale_y[ram_scale_y_addr];"
    assert text.count(read) == 1
    verilog.write_text(text.replace(read, read.replace("_addr]", "_addr + 3'h1]")))
    with pytest.raises(SimulationError, match="output mismatch"):
        rerun_simulation(tmp_path, "verilator")


@pytest.mark.parametrize(
    ("feed", "message"),
    [
        (("total.r", "scale.a"), "kernels run in order; a feed goes to a later one"),
        (("scale.a", "total.x"), "the source must be written (out or inout)"),
        (("scale.y", "total.bias"), "both ends must be array parameters"),
        (("scale.q", "total.x"), "kernel @scale has no parameter 'q'"),
        (("scale", "total.x"), "feed end 'scale' is not KERNEL.ARRAY of this design"),
    ],
)
def test_a_feed_the_top_cannot_build_is_refused_before_anything_is_written(feed, message, tmp_path):
    kernels = [parse_kernel(SCALE, "scale.kir"), parse_kernel(TOTAL, "total.kir")]
    out = tmp_path / "out"
    with pytest.raises((BackendError, KilnError)) as err:
        compile_design(kernels, [feed], out, config(simulate=False), "pipe", quiet)
    assert message in str(err.value)
    assert not (out / "pipe.v").exists()
