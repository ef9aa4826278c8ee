"""The IR path end to end: builder -> SDC schedule -> kernel module -> cocotb, bit for bit
against the interpreter on random calls, through the same flow as C kernels."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiln.api import compile_ir
from kiln.base.errors import KilnError, SimulationError
from kiln.config import CompileConfig
from kiln.demo import mac_sat_kernel
from kiln.design import rerun_simulation
from kiln.ir import interpret, parse_kernel

GOLDEN = Path(__file__).parents[1] / "backend" / "golden" / "mac_sat.v"


def quiet(msg: str) -> None:
    pass


def compile_only(kernel, out: Path, clock_ns: float = 2.0, **options):
    config = CompileConfig.make(clock_ns=clock_ns, simulate=False, synthesize=False, **options)
    return compile_ir(kernel, out, config, progress=quiet)


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    return compile_only(mac_sat_kernel(), tmp_path_factory.mktemp("mac_sat"), vectors=1000)


def test_demo_kernel_means_what_it_says():
    """y = sat((a*b + c) >> 3) with a, b, c, y in fixed<16,8>: spot values by hand."""
    k = mac_sat_kernel()
    one = 1 << 8
    assert interpret(k, {"a": 3 * one, "b": 2 * one, "c": one})["y"] == (7 * one) >> 3
    assert interpret(k, {"a": 127 * one, "b": 127 * one, "c": 0})["y"] == 0x7FFF  # saturates
    assert interpret(k, {"a": -128 * one, "b": 127 * one, "c": 0})["y"] == -0x8000


@pytest.mark.verilator
def test_generated_verilog_lints_clean_with_all_warnings(design):
    assert design.checks.lint is not None and design.checks.lint.warnings == []


@pytest.mark.verilator
def test_bit_exact_on_verilator_over_1000_calls(design):
    result = design.simulate("verilator")
    assert result.calls == 1000
    assert set(result.clocks) == {design.kernel.predicted_latency}


@pytest.mark.icarus
def test_bit_exact_on_icarus_and_the_report_says_so(design):
    result = design.simulate("icarus")
    assert result.calls == 1000
    report = json.loads(design.files["report"].read_text())
    assert report["checks"]["cosim_icarus"] == {
        "passed": True,
        "calls": 1000,
        "seconds": round(result.seconds, 2),
        "log": str(result.log),
        "waves": None,
    }
    assert report["config"]["schedule"]["clock_ps"] == 2000.0
    assert report["latency"]["measured_min"] == report["latency"]["predicted"]


@pytest.mark.icarus
def test_a_wrong_saturation_bound_is_caught(tmp_path):
    """The check can fail: flip the upper saturation constant and simulation must object,
    naming the call, the output and both values."""
    design = compile_only(mac_sat_kernel(), tmp_path, vectors=300)
    verilog = design.files["verilog"]
    text = verilog.read_text()
    assert "16'h7fff" in text
    verilog.write_text(text.replace("16'h7fff", "16'h7ffe"))
    with pytest.raises(SimulationError) as info:
        rerun_simulation(tmp_path, "icarus")
    message = str(info.value)
    assert "output mismatch" in message and "y expected 32767, got 32766" in message


def test_golden_verilog_is_unchanged(design):
    """Refactors of the backend must leave the demo's Verilog byte-identical.

    Regenerate deliberately with KILN_REGEN_GOLDEN=1 after a change meant to alter it."""
    verilog = design.verilog.replace(str(GOLDEN.parents[3]), "<repo>")  # wherever the checkout is
    if os.environ.get("KILN_REGEN_GOLDEN"):
        GOLDEN.write_text(verilog)
        pytest.fail(f"regenerated {GOLDEN}; review the diff and rerun without KILN_REGEN_GOLDEN")
    assert verilog == GOLDEN.read_text()


def test_the_user_kernel_is_untouched_and_the_passes_are_reported(tmp_path):
    text = """kernel @k(in %a: i16, out @y: i16) {
  %0 = const 6 : i16
  %1 = const 7 : i16
  %2 = mul %0, %1 : i16
  %3 = add %a, %2 : i16
  %4 = sub %a, %a : i16
  write @y, %3
}
"""
    kernel = parse_kernel(text)
    design = compile_only(kernel, tmp_path)
    from kiln.ir import print_ir

    assert print_ir(kernel) == text
    compiled = design.files["ir"].read_text()
    assert "%2 = const 42 : i16" in compiled and "sub" not in compiled
    report = json.loads(design.files["report"].read_text())
    changed = {p["name"] for p in report["passes"] if p["changed"]}
    assert {"const-fold", "dce"} <= changed


def test_no_passes_compiles_the_kernel_as_written(tmp_path):
    text = "kernel @k(in %a: i16, out @y: i16) {\n  %0 = sub %a, %a : i16\n  write @y, %0\n}\n"
    design = compile_only(parse_kernel(text), tmp_path, passes=())
    assert design.files["ir"].read_text() == text
    assert json.loads(design.files["report"].read_text())["passes"] == []


def test_an_unknown_pass_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(KilnError, match="unknown pass 'no-such-pass'"):
        compile_only(mac_sat_kernel(), tmp_path / "out", passes=("no-such-pass",))
    assert not (tmp_path / "out").exists()


@pytest.mark.icarus
def test_variables_arrays_and_rewritten_outputs_follow_program_order(tmp_path):
    """Reads see the latest write; an output written twice keeps the last value; an output
    never written reads 0; an array parameter is a RAM port, as in the C flow."""
    k = parse_kernel(
        """kernel @vars(in %a: i8, in %b: i8, in @x: i8[4], out @y: i8, out @z: i16,
               out @never: u3) {
  var @acc: i16 = 5
  %0 = read @acc : i16
  %1 = sext %a : i16
  %2 = add %0, %1 : i16
  write @acc, %2
  write @y, %a
  %3 = read @acc : i16
  %4 = mul %3, %3 : i16
  write @z, %4
  %5 = read @y : i8
  %i = const 2 : i32
  %xi = load @x[%i] : i8
  %6 = xor %5, %xi : i8
  %7 = xor %6, %b : i8
  write @y, %7
}
""",
        "vars.kir",
    )
    assert interpret(k, {"a": 3, "b": 1, "x": [0, 0, 4, 0]}) == {"y": 6, "z": 64, "never": 0}
    design = compile_only(k, tmp_path, clock_ns=1.3)
    assert design.simulate("icarus").calls == 200
