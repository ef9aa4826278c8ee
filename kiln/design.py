"""The user's handle on a compile: its kernels (IR, schedule, module), its config, its files,
and the checks run on it (lint, co-simulation, synthesis), as typed records.

The report (report.json, report.html) is drawn from these records whenever one changes;
it is an output, never read back by the compile that wrote it. `kiln sim DIR` and
`kiln synth DIR`, which rerun a check on a folder written earlier, go through
`rerun_simulation` and `rerun_synthesis`, which read the report for its file paths and
config and run the same steps as `Design.simulate` and `Design.synthesize`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiln.backend.kernel_rtl import KernelRtl
from kiln.backend.report import (
    add_cosim,
    add_synthesis,
    build_report,
    render_html,
    write_report,
)
from kiln.base.errors import KilnError
from kiln.base.files import write_atomically
from kiln.config import CompileConfig
from kiln.feedback.synthesis import SynthReport, synthesize
from kiln.feedback.targets import Target
from kiln.hw_tests.lint import LintResult, lint_verilog
from kiln.hw_tests.simulate import CosimResult, cosimulate
from kiln.ir.calls import Call, Feed
from kiln.ir.kernel import Kernel
from kiln.ir.passes import PassRun
from kiln.scheduler.kernel_schedule import KernelSchedule

if TYPE_CHECKING:
    from kiln.backend.top_rtl import TopRtl

Progress = Callable[[str], None]


def quiet(msg: str) -> None:
    """A progress sink that drops every message."""


@dataclass
class CompiledKernel:
    """One kernel through the flow. `kernel` is the user's, untouched: random calls are
    drawn from it; `compiled` is the copy the passes rewrote, scheduled and emitted."""

    kernel: Kernel
    compiled: Kernel
    source: str  # the file it came from, or "<python>"
    schedule: KernelSchedule
    rtl: KernelRtl
    calls: list[Call]  # what co-simulation replays: recorded by gcc or drawn at random
    predicted_latency: int | None  # clocks start to done, when the data does not decide
    passes: list[PassRun] = field(default_factory=list)
    isdc: object | None = None  # kiln.feedback.isdc.IsdcResult when ISDC scheduled it


@dataclass
class Composite:
    """The top level of a design of several kernels: its module (over theirs), the feeds
    between them, and the calls co-simulation replays on it."""

    top: TopRtl
    feeds: list[Feed]
    calls: list[Call]
    predicted_latency: int | None


@dataclass
class Checks:
    """What has been checked on the design so far; None or empty: not run."""

    lint: LintResult | None = None
    cosim: dict[str, CosimResult] = field(default_factory=dict)
    synthesis: SynthReport | None = None


@dataclass
class Design:
    """Compiled kernels, their files in `out_dir`, and the checks run on them."""

    kernels: list[CompiledKernel]
    config: CompileConfig
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    checks: Checks = field(default_factory=Checks)
    progress: Progress = quiet
    composite: Composite | None = None  # several kernels: the top level over them

    @property
    def kernel(self) -> CompiledKernel:
        """The design's one kernel (a design of several names each in `kernels`)."""
        if len(self.kernels) != 1:
            names = ", ".join(k.kernel.name for k in self.kernels)
            raise KilnError(f"the design holds {len(self.kernels)} kernels ({names})")
        return self.kernels[0]

    @property
    def schedule(self) -> KernelSchedule:
        return self.kernel.schedule

    @property
    def top(self) -> str:
        """The top module's name."""
        if self.composite is not None:
            return self.composite.top.rtl.name
        return self.kernel.rtl.name

    @property
    def verilog(self) -> str:
        """The top module's Verilog (a design of several kernels has one file each:
        `verilog_files`)."""
        return self.files["verilog"].read_text()

    @property
    def verilog_files(self) -> list[Path]:
        """Every module's file, the top last."""
        return _verilog_files(self.files)

    # ---- checks -------------------------------------------------------------------------
    def lint(self) -> LintResult:
        """verilator --lint-only -Wall; BackendError names the first warning."""
        self.progress("linting with verilator -Wall")
        self.checks.lint = lint_verilog(self.verilog_files, self.top, self.out_dir)
        self.write_report()
        return self.checks.lint

    def simulate(self, simulator: str | None = None, waves: bool | None = None) -> CosimResult:
        """Replay every call on the RTL; SimulationError at the first output that differs."""
        sim = self.config.sim
        simulator = simulator or sim.simulator
        self.progress(f"co-simulating on {simulator} (build, then every call)")
        result = _cosimulate(
            self.files, self.out_dir, simulator, sim.waves if waves is None else waves,
            sim.max_calls,
        )  # fmt: skip
        self.checks.cosim[simulator] = result
        self.write_report()
        self.progress(f"{simulator}: {result.calls} call(s) bit-exact in {result.seconds:.1f} s")
        return result

    def synthesize(self) -> SynthReport:
        """Yosys + ABC on the target's library, timed by OpenSTA at the design's clock."""
        self.progress("synthesizing with Yosys + ABC, timing with OpenSTA")
        self.checks.synthesis = _synthesize(
            self.files, self.top, self.out_dir, self.config.schedule.clock_ps, self.config.target
        )
        self.write_report()
        return self.checks.synthesis

    # ---- the report ---------------------------------------------------------------------
    def report(self) -> dict:
        """The report document (schema: backend/report_schema.json; a design of several
        kernels has one such document per kernel under `kernels`)."""
        if self.composite is not None:
            return self._design_report(self.composite)
        ck = self.kernel
        report = build_report(ck.source, ck.rtl.name, ck.schedule, ck.rtl, ck.predicted_latency)
        report["config"] = self.config.to_json()
        report["passes"] = [vars(r) for r in ck.passes]
        if ck.isdc is not None:
            report["notes"].append(ck.isdc.format())
        report["files"] = {k: str(v) for k, v in self.files.items()}
        return self._add_checks(report)

    def _design_report(self, c: Composite) -> dict:
        kernels = []
        for ck in self.kernels:
            r = build_report(ck.source, ck.rtl.name, ck.schedule, ck.rtl, ck.predicted_latency)
            r["passes"] = [vars(p) for p in ck.passes]
            kernels.append(r)
        report = {
            "format": "kiln-design-report",
            "version": 1,
            "top": self.top,
            "clock_period_ps": self.config.schedule.clock_ps,
            "feeds": [
                f"{self.kernels[f.src].kernel.name}.{f.src_array} -> "
                f"{self.kernels[f.dst].kernel.name}.{f.dst_array}"
                for f in c.feeds
            ],
            "latency": {
                "predicted": c.predicted_latency,
                "measured_min": None,
                "measured_max": None,
            },
            "registers": {"yosys": None},
            "synthesis": None,
            "regions": [],
            "kernels": kernels,
            "config": self.config.to_json(),
            "checks": {},
            "files": {k: str(v) for k, v in self.files.items()},
        }
        return self._add_checks(report)

    def _add_checks(self, report: dict) -> dict:
        if self.checks.lint is not None:
            report["checks"]["lint"] = {
                "tool": "verilator --lint-only -Wall",
                "warnings": len(self.checks.lint.warnings),
                "log": str(self.checks.lint.log),
            }
        for simulator, result in self.checks.cosim.items():
            add_cosim(report, simulator, result)
        if self.checks.synthesis is not None:
            add_synthesis(report, self.checks.synthesis)
        return report

    def write_report(self) -> Path:
        report = self.report()
        if self.composite is None:
            js, _ = write_report(report, self.out_dir)
        else:  # one page per kernel beside the design's JSON
            js = write_atomically(self.out_dir / "report.json", json.dumps(report, indent=1) + "\n")
            for k in report["kernels"]:
                write_atomically(self.out_dir / f"report_{k['kernel']}.html", render_html(k))
        self.files["report"] = js
        return js


def _verilog_files(files) -> list[Path]:
    """The design's Verilog files from its file table: each kernel's module (a design of
    several), then the top."""
    kernels = [Path(v) for k, v in files.items() if k.startswith("verilog_")]
    return [*kernels, Path(files["verilog"])]


def _cosimulate(files, out_dir: Path, simulator: str, waves: bool, max_calls: int):
    sources = [*_verilog_files(files), Path(files["harness"])]
    return cosimulate(
        sources, str(files["harness_top"]), Path(files["calls"]), out_dir, simulator,
        waves=waves, max_calls=max_calls,
    )  # fmt: skip


def _synthesize(files, top: str, out_dir: Path, clock_ps: float, target: Target):
    if target.kind != "liberty":
        raise KilnError(
            f"whole-design synthesis on {target.name} is not built into `kiln compile` yet",
            hint="pass --no-synth, or sign off on the FPGA with --isdc",
        )
    sources = _verilog_files(files)
    verilog = sources[0]
    if len(sources) > 1:  # Yosys reads one file: the modules of a design, kernels first
        verilog = out_dir / "synth" / "design.v"
        verilog.parent.mkdir(parents=True, exist_ok=True)
        verilog.write_text("".join(f.read_text() for f in sources))
    return synthesize(verilog, top, out_dir / "synth", clock_ps, target.liberty)


# ---- reruns on a folder written earlier ---------------------------------------------------
def read_report(out_dir: str | Path) -> dict:
    path = Path(out_dir) / "report.json"
    if not path.is_file():
        raise KilnError(
            f"{out_dir}: no report.json here",
            hint="give the folder `kiln compile ... -o OUT` wrote",
        )
    try:
        report = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise KilnError(f"{path}: not valid JSON (line {err.lineno})") from None
    if "config" not in report or "files" not in report:
        raise KilnError(
            f"{path}: written by an older kiln (no config recorded)", hint="compile again"
        )
    return report


def rerun_simulation(
    out_dir: str | Path,
    simulator: str = "verilator",
    waves: bool = False,
    max_calls: int = 0,
    progress: Progress = quiet,
) -> dict:
    """Co-simulate the design in `out_dir` again (a folder `kiln compile` wrote); return
    its updated report."""
    out = Path(out_dir).absolute()
    report = read_report(out)
    progress(f"co-simulating on {simulator} (build, then every call)")
    result = _cosimulate(report["files"], out, simulator, waves, max_calls)
    add_cosim(report, simulator, result)
    write_report(report, out)
    progress(f"{simulator}: {result.calls} call(s) bit-exact in {result.seconds:.1f} s")
    return report


def rerun_synthesis(
    out_dir: str | Path, target: Target | None = None, progress: Progress = quiet
) -> dict:
    """Synthesize the design in `out_dir` again, on `target` (default: the one it was
    compiled for) at its clock; return its updated report."""
    out = Path(out_dir).absolute()
    report = read_report(out)
    config = CompileConfig.from_json(report["config"])
    progress("synthesizing with Yosys + ABC, timing with OpenSTA")
    result = _synthesize(
        report["files"], report["top"], out, config.schedule.clock_ps, target or config.target
    )
    add_synthesis(report, result)
    write_report(report, out)
    return report
