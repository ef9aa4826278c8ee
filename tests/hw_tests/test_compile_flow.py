"""`kiln compile FILE.c`, `kiln sim`, `kiln synth`: files, report, errors, and a testbench
that catches a wrong circuit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kiln.api import compile_c
from kiln.backend.report import check_report
from kiln.base.errors import BackendError, SimulationError
from kiln.config import CompileConfig
from kiln.design import rerun_simulation, rerun_synthesis

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
MANIFEST = json.loads((KERNELS / "manifest.json").read_text())["kernels"]


def quiet(msg: str) -> None:
    pass


def entry(name: str) -> dict:
    return next(k for k in MANIFEST if k["name"] == name)


def compile_only(name: str, out: Path) -> dict:
    e = entry(name)
    opts = CompileConfig.make(clock_ns=2.5, simulate=False, synthesize=False)
    return compile_c(KERNELS / e["file"], e["top"], out, opts, progress=quiet).report()


def kiln(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiln", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )


@pytest.mark.verilator
@pytest.mark.icarus
@pytest.mark.yosys
def test_compile_sim_and_synth_from_the_command_line(tmp_path):
    e = entry("adler32")
    out = tmp_path / "out"
    src = str(KERNELS / e["file"])
    run = kiln("compile", src, "--top", e["top"], "--clock-ns", "2.5", "-o", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "co-simulating" in run.stderr and "latency" in run.stdout
    for name in ("adler32.v", "report.json", "report.html", "schedule.json", "tb/calls.json"):
        assert (out / name).is_file(), name
    report = json.loads((out / "report.json").read_text())
    assert check_report(report) == []
    assert report["latency"]["measured_min"] == report["latency"]["predicted"]
    syn = report["synthesis"]
    assert syn["cells"] > 100 and syn["area"] > 0 and syn["critical_path_ps"] > 0
    assert syn["fmax_mhz"] == pytest.approx(1e6 / syn["critical_path_ps"], rel=1e-3)
    assert "<svg" in (out / "report.html").read_text()
    run = kiln("sim", str(out), "--simulator", "icarus", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "cosim_icarus" in json.loads((out / "report.json").read_text())["checks"]
    run = kiln("synth", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Fmax" in run.stdout


@pytest.mark.verilator
def test_a_flipped_operator_is_caught_with_call_variable_and_index(tmp_path):
    """Turn the first add in the accumulation of gemm into a subtract: co-simulation must
    fail and say which call, which output element, what it expected and what it got."""
    report = compile_only("gemm", tmp_path)
    verilog = Path(report["files"]["verilog"])
    text = verilog.read_text()
    m = re.search(r"// %\w+ = add, stage \d+, .*\n(\s+assign \w+ = \(.*?) \+ ", text)
    assert m, "no add in gemm's datapath"
    start = m.end() - 3
    verilog.write_text(text[:start] + " - " + text[start + 3 :])
    with pytest.raises(SimulationError) as err:
        rerun_simulation(tmp_path, "verilator", progress=quiet)
    msg = err.value.message
    assert re.search(r"first in call \d+: C\[\d+\]\[\d+\] expected -?\d+, got -?\d+", msg), msg


@pytest.mark.verilator
def test_waveforms_on_request(tmp_path):
    compile_only("sat_counter", tmp_path)
    report = rerun_simulation(tmp_path, "verilator", waves=True, progress=quiet)
    waves = report["checks"]["cosim_verilator"]["waves"]
    assert waves and Path(waves).stat().st_size > 0


@pytest.mark.yosys
def test_synthesis_report_has_area_timing_and_both_register_counts(tmp_path):
    compile_only("xtea", tmp_path)
    report = rerun_synthesis(tmp_path, progress=quiet)
    assert check_report(report) == []
    regs = report["registers"]
    assert regs["yosys"] > 0 and regs["schedule"] > 0 and regs["expected"] > regs["schedule"]
    assert report["synthesis"]["flip_flops"] > 0


def test_a_float_kernel_is_refused_with_its_line(tmp_path):
    e = next(k for k in MANIFEST if k["uses_float"])
    with pytest.raises(BackendError) as err:
        compile_only(e["name"], tmp_path)
    assert "floating-point" in err.value.message
    assert err.value.loc is not None and err.value.loc.file.endswith(e["file"])


def test_a_stream_interface_is_refused_at_its_pragma(tmp_path):
    src = tmp_path / "scale.c"
    src.write_text(
        "void scale(const int x[8], int y[8]) {\n"
        "#pragma HLS interface mode=axis port=x\n"
        "    for (int i = 0; i < 8; i++)\n"
        "        y[i] = 3 * x[i];\n"
        "}\n"
        "int main(void) { int x[8] = {1}, y[8]; scale(x, y); return y[0] != 3; }\n"
    )
    opts = CompileConfig.make(clock_ns=2.5, simulate=False, synthesize=False)
    with pytest.raises(BackendError) as err:
        compile_c(src, "scale", tmp_path / "out", opts, progress=quiet)
    assert "stream" in err.value.message and err.value.loc.line == 2
    assert not (tmp_path / "out" / "scale.v").exists()


def test_sim_on_a_folder_without_a_compile_says_so(tmp_path):
    run = kiln("sim", str(tmp_path), cwd=tmp_path)
    assert run.returncode == 1
    assert "no report.json" in run.stderr and "Traceback" not in run.stderr


def test_the_harness_connects_every_port_of_the_module_with_its_width(tmp_path):
    """Read both files back with pyverilog: each port of the kernel module is connected by
    the harness to a signal of the same width (array banks, element ports, scalars)."""
    from pyverilog.vparser import ast as vast
    from pyverilog.vparser.parser import parse

    report = compile_only("dense", tmp_path)
    files = report["files"]
    tree, _ = parse([files["verilog"], files["harness"]], outputdir=str(tmp_path))
    mods = {d.name: d for d in tree.description.definitions}

    def width(w) -> int:
        return int(w.msb.value) - int(w.lsb.value) + 1 if w is not None else 1

    kernel = mods[report["top"]]
    ports = {p.first.name: width(p.first.width) for p in kernel.portlist.ports}
    harness = mods[files["harness_top"]]
    declared = {}
    for item in harness.items:
        if isinstance(item, vast.Decl):
            for d in item.list:
                if isinstance(d, vast.Variable | vast.Wire | vast.Reg):
                    declared[d.name] = width(d.width)
    for p in harness.portlist.ports:
        declared[p.first.name] = width(p.first.width)
    inst = next(
        i for item in harness.items if isinstance(item, vast.InstanceList) for i in item.instances
    )
    connected = {pa.portname: pa.argname.name for pa in inst.portlist}
    assert set(connected) == set(ports)
    assert len(ports) > 20  # 16 element ports of x, 4 banks of W, scalars and control
    for port, signal in connected.items():
        assert declared[signal] == ports[port], (port, signal)
