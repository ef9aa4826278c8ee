"""The first end-to-end path: builder -> ASAP schedule -> Verilog -> cocotb, bit for bit."""

from __future__ import annotations

import json

import pytest

from kiln.backend.testbench import make_vectors, write_vectors
from kiln.demo import mac_sat_kernel
from kiln.errors import BackendError, SimulationError
from kiln.flow import compile_kernel
from kiln.hw_tests.simulate import simulate
from kiln.ir import interpret, parse_kernel


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    return compile_kernel(mac_sat_kernel(), tmp_path_factory.mktemp("mac_sat"), 2000.0)


def test_demo_kernel_means_what_it_says():
    """y = sat((a*b + c) >> 3) with a, b, c, y in fixed<16,8>: spot values by hand."""
    k = mac_sat_kernel()
    one = 1 << 8
    assert interpret(k, {"a": 3 * one, "b": 2 * one, "c": one})["y"] == (7 * one) >> 3
    assert interpret(k, {"a": 127 * one, "b": 127 * one, "c": 0})["y"] == 0x7FFF  # saturates
    assert interpret(k, {"a": -128 * one, "b": 127 * one, "c": 0})["y"] == -0x8000


@pytest.mark.verilator
def test_generated_verilog_lints_clean_with_all_warnings(design):
    assert design.lint().warnings == []


@pytest.mark.verilator
def test_bit_exact_on_verilator_over_1000_vectors(design):
    result = design.simulate("verilator", vectors=1000, seed=11)
    assert result.report == {
        "one_at_a_time": {"checked": 1000, "mismatches": [], "mismatch_count": 0},
        "back_to_back": {"checked": 1000, "mismatches": [], "mismatch_count": 0},
    }


@pytest.mark.icarus
def test_bit_exact_on_icarus_over_1000_vectors(design):
    result = design.simulate("icarus", vectors=1000, seed=12)
    assert {name: r["checked"] for name, r in result.report.items()} == {
        "one_at_a_time": 1000,
        "back_to_back": 1000,
    }
    report = json.loads(design.files["report"].read_text())
    assert report["checks"]["sim_icarus"]["vectors"] == 1000
    assert report["latency_clocks"] == design.schedule.latency + 1


@pytest.mark.icarus
def test_a_wrong_saturation_bound_is_caught(design, tmp_path):
    """The check can fail: flip the upper saturation constant and simulation must object."""
    verilog = design.verilog_path.read_text()
    assert "16'h7fff" in verilog
    broken = tmp_path / f"{design.module.name}.v"
    broken.write_text(verilog.replace("16'h7fff", "16'h7ffe"))
    vectors = write_vectors(tmp_path / "v.json", make_vectors(design.kernel, design.module, 300))
    with pytest.raises(SimulationError) as info:
        simulate(broken, vectors, tmp_path, "icarus")
    message = str(info.value)
    assert "output mismatch" in message and "port y" in message and "expected 32767" in message


@pytest.mark.icarus
def test_a_wrong_latency_is_caught(design, tmp_path):
    spec = make_vectors(design.kernel, design.module, 20)
    spec["latency"] += 1
    vectors = write_vectors(tmp_path / "v.json", spec)
    with pytest.raises(SimulationError, match="cocotb run failed"):
        simulate(design.verilog_path, vectors, tmp_path, "icarus")


def test_golden_verilog_is_unchanged(design, request):
    """Refactors of the backend must leave the demo's Verilog byte-identical.

    Regenerate deliberately with KILN_UPDATE_GOLDEN=1 after a change meant to alter it."""
    import os
    from pathlib import Path

    golden = Path(__file__).parents[1] / "backend" / "golden" / "mac_sat.v"
    if os.environ.get("KILN_UPDATE_GOLDEN"):
        golden.write_text(design.module.verilog)
    assert design.module.verilog == golden.read_text()


def test_arrays_are_refused_until_the_full_backend():
    k = parse_kernel("kernel @arr(in @x: i8[4], out @y: i8) {\n}\n", "arr.kir")
    with pytest.raises(BackendError) as info:
        compile_kernel(k, "/nonexistent/never-written")
    assert str(info.value).startswith("arr.kir:1:13: kernel @arr: parameter 'x' (in i8[4])")


@pytest.mark.icarus
def test_variables_and_rewritten_outputs_follow_program_order(tmp_path):
    """Reads see the latest write; an output written twice keeps the last value; an output
    never written reads 0, as in the interpreter."""
    k = parse_kernel(
        """kernel @vars(in %a: i8, in %b: i8, out @y: i8, out @z: i16, out @never: u3) {
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
  %6 = xor %5, %b : i8
  write @y, %6
}
""",
        "vars.kir",
    )
    assert interpret(k, {"a": 3, "b": 1}) == {"y": 2, "z": 64, "never": 0}
    design = compile_kernel(k, tmp_path, 1300.0)
    design.lint()
    result = design.simulate("icarus", vectors=200)
    assert all(r["mismatch_count"] == 0 and r["checked"] == 200 for r in result.report.values())
