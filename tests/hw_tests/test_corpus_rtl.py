"""Every integer kernel of the C corpus, compiled to RTL: lint-clean, bit-exact against gcc
on every call its testbench makes, the latency and II the schedule predicts, and a design
Yosys synthesizes with the registers the schedule counted. (`benchmarks/rtl_registers.py`
prints the register figures for the whole corpus in one table.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiln.api import compile_c
from kiln.config import CompileConfig
from kiln.design import rerun_simulation
from kiln.feedback.synthesis import count_registers

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
MANIFEST = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
INTEGER = [k for k in MANIFEST if not k["uses_float"]]
CLOCK_NS = 2.5
REGISTER_TOLERANCE = 0.10  # Yosys's register bits against the schedule's plus the controller's
# Ten kernels that between them have every construct: straight code, pipelined and plain
# for loops, while loops, loops with run-time bounds, branches around loops, RAMs, ROMs,
# register files, banked arrays, statics and element ports.
ICARUS = (
    "adler32", "alu", "binary_search", "fir", "gemm", "histogram", "lu", "median3x3",
    "relu", "sha256_round",
)  # fmt: skip


def quiet(msg: str) -> None:
    pass


def compile_entry(entry: dict, out: Path, simulate: bool = True) -> dict:
    opts = CompileConfig.make(clock_ns=CLOCK_NS, simulate=simulate, synthesize=False)
    return compile_c(KERNELS / entry["file"], entry["top"], out, opts, progress=quiet).report()


def test_the_corpus_has_integer_kernels_of_every_family():
    assert len(INTEGER) >= 60
    assert {k["family"] for k in INTEGER} >= {"linalg", "crypto", "control", "sort", "ml"}
    assert set(ICARUS) <= {k["name"] for k in INTEGER}


@pytest.mark.verilator
@pytest.mark.yosys
@pytest.mark.parametrize("entry", INTEGER, ids=[k["name"] for k in INTEGER])
def test_kernel_rtl_matches_gcc_and_the_schedule(entry, tmp_path):
    report = compile_entry(entry, tmp_path)  # lint and co-simulation raise on any problem
    assert report["checks"]["lint"]["warnings"] == 0
    cosim = report["checks"]["cosim_verilator"]
    assert cosim["passed"] and cosim["calls"] >= 1
    lat = report["latency"]
    if lat["predicted"] is not None:  # static bounds: exactly the predicted clocks
        assert lat["measured_min"] == lat["measured_max"] == lat["predicted"], lat
    for r in report["regions"]:
        m = r["measured_ii"]
        if r["pipelined"] and m and m["gaps"]:
            assert m["min"] == m["max"] == r["scheduled_ii"], (r["name"], m)
    regs = report["registers"]
    assert regs["rtl"].get("pipeline", 0) == regs["schedule"], "the module's pipeline registers"
    ff, _ = count_registers(Path(report["files"]["verilog"]), report["top"], tmp_path / "yosys")
    assert abs(ff - regs["expected"]) <= REGISTER_TOLERANCE * regs["expected"], (ff, regs)


@pytest.mark.icarus
@pytest.mark.parametrize("name", ICARUS)
def test_kernel_rtl_matches_gcc_on_icarus(name, tmp_path):
    entry = next(k for k in INTEGER if k["name"] == name)
    compile_entry(entry, tmp_path, simulate=False)
    report = rerun_simulation(tmp_path, "icarus", progress=quiet)
    assert report["checks"]["cosim_icarus"]["passed"]
    lat = report["latency"]
    if lat["predicted"] is not None:
        assert lat["measured_min"] == lat["measured_max"] == lat["predicted"]
