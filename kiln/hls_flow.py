"""`kiln compile FILE.c`, `kiln sim OUT`, `kiln synth OUT`: C kernel to checked RTL.

Only composition lives here: the frontend translates, gcc records the testbench's calls,
the scheduler schedules, the backend emits the module, its harness and the report,
Verilator lints, cocotb co-simulates, Yosys and OpenSTA synthesize and time.

OUT holds `<top>.v`, `schedule.json`, `<kernel>.kir`, `tb/` (harness and recorded calls),
`report.json` and `report.html`; `kiln sim` and `kiln synth` read `report.json` to find
the rest, so they rerun without recompiling.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from kiln.errors import KilnError

Progress = Callable[[str], None]


def stderr_progress(msg: str) -> None:
    print(f"kiln: {msg}", file=sys.stderr, flush=True)


@dataclass
class CompileOptions:
    clock_ns: float
    include_dirs: tuple[str, ...] = ()
    defines: tuple[str, ...] = ()
    tb_sources: tuple[str, ...] = ()
    ii: int | None = None  # pipeline every innermost loop at this II
    local_ports: int = 2
    limits: dict[str, int] = field(default_factory=dict)
    simulate: bool = True
    simulator: str = "verilator"
    waves: bool = False
    max_calls: int = 0  # 0: every recorded call
    synthesize: bool = True
    liberty: str | None = None
    isdc: object | None = None  # kiln.feedback.isdc.IsdcOptions: schedule with ISDC


def compile_c(
    source: str | Path,
    top: str,
    out_dir: str | Path,
    opts: CompileOptions,
    progress: Progress = stderr_progress,
) -> dict:
    """Compile C function `top` to RTL in `out_dir`, check it, and return the report."""
    from kiln.backend.cosim import write_cosim
    from kiln.backend.kernel_rtl import check_interfaces, emit_kernel_rtl
    from kiln.backend.latency import call_cycles
    from kiln.backend.report import build_report, write_report
    from kiln.c_check import load_c
    from kiln.frontend.c.golden import run_golden
    from kiln.hw_tests.lint import lint_verilog
    from kiln.ir.printer import print_kernel
    from kiln.scheduler.delay_model import DelayModel
    from kiln.scheduler.kernel_schedule import schedule_kernel
    from kiln.scheduler.regions import Options
    from kiln.scheduling import SCHEDULE_PASSES

    if opts.clock_ns <= 0:
        raise KilnError(f"clock period must be positive, got {opts.clock_ns:g} ns")
    out = Path(out_dir).absolute()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    progress(f"translating {source} ({top})")
    ck = load_c(
        source, top, include_dirs=opts.include_dirs, defines=opts.defines, passes=SCHEDULE_PASSES
    )
    check_interfaces(ck.directives)
    progress("running the C testbench under gcc to record the kernel's calls")
    golden = run_golden(ck, tuple(opts.tb_sources), workdir=out / "golden")
    progress(f"{len(golden.calls)} call(s) recorded; scheduling at {opts.clock_ns:g} ns")
    sched_opts = Options(ii=opts.ii, limits=dict(opts.limits), local_ports=opts.local_ports)
    isdc = None
    if opts.isdc is not None:
        from kiln.feedback.isdc import isdc_schedule

        progress("refining the schedule with synthesis feedback (ISDC)")
        # the sign-off netlists and logs sit beside the report unless a folder was given
        isdc_opts = replace(opts.isdc, workdir=opts.isdc.workdir or out / "isdc")
        isdc = isdc_schedule(
            ck.kernel, opts.clock_ns * 1000.0, sched_opts, isdc_opts, None,
            lambda msg: progress(f"isdc: {msg}"),
        )  # fmt: skip
        ks = isdc.schedule
    else:
        ks = schedule_kernel(ck.kernel, opts.clock_ns * 1000.0, DelayModel(), sched_opts)
    rtl = emit_kernel_rtl(ck.kernel, ks)
    files = {
        "verilog": out / f"{rtl.name}.v",
        "schedule": out / "schedule.json",
        "ir": out / f"{ck.kernel.name}.kir",
    }
    files["verilog"].write_text(rtl.verilog)
    files["schedule"].write_text(ks.dumps() + "\n")
    files["ir"].write_text(print_kernel(ck.kernel))
    loops = [r.region.loop for r in ks.regions]
    predicted = call_cycles(ks.control, rtl.stages, rtl.iis, loops)
    probe = tuple(k for k, r in enumerate(ks.regions) if r.region.pipelined)
    tb = write_cosim(out / "tb", ck.kernel, rtl, golden.calls, predicted, probe)
    files.update({"harness": tb["harness"], "calls": tb["calls"]})
    report = build_report(str(source), rtl.name, ks, rtl, predicted)
    if isdc is not None:
        report["notes"].append(isdc.format())
        files["isdc"] = out / "isdc.json"
        files["isdc"].write_text(json.dumps(isdc.to_json(), indent=1) + "\n")
        files["isdc_plot"] = out / "isdc_bits.svg"
        files["isdc_plot"].write_text(isdc.plot_svg())
    report["files"] = {k: str(v) for k, v in files.items()}
    report["files"]["harness_top"] = tb["top"]
    progress("linting with verilator -Wall")
    lint = lint_verilog(files["verilog"], rtl.name, out)
    report["checks"]["lint"] = {"tool": "verilator --lint-only -Wall", "warnings": 0}
    report["checks"]["lint"]["log"] = str(lint.log)
    write_report(report, out)
    if opts.simulate:
        report = simulate_dir(out, opts.simulator, opts.waves, opts.max_calls, progress)
    if opts.synthesize:
        report = synth_dir(out, opts.liberty, progress)
    progress(f"done in {time.monotonic() - t0:.1f} s: {out / 'report.json'}")
    return report


def read_report(out_dir: str | Path) -> dict:
    path = Path(out_dir) / "report.json"
    if not path.is_file():
        raise KilnError(
            f"{out_dir}: no report.json here",
            hint="give the folder `kiln compile ... -o OUT` wrote",
        )
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise KilnError(f"{path}: not valid JSON (line {err.lineno})") from None


def simulate_dir(
    out_dir: str | Path,
    simulator: str = "verilator",
    waves: bool = False,
    max_calls: int = 0,
    progress: Progress = stderr_progress,
) -> dict:
    """Co-simulate the compiled design in `out_dir` against its recorded calls."""
    from kiln.backend.report import add_cosim, write_report
    from kiln.hw_tests.simulate import cosimulate

    out = Path(out_dir).absolute()
    report = read_report(out)
    f = report["files"]
    progress(f"co-simulating on {simulator} (build, then every recorded call)")
    result = cosimulate(
        [Path(f["verilog"]), Path(f["harness"])],
        f["harness_top"],
        Path(f["calls"]),
        out,
        simulator,
        waves=waves,
        max_calls=max_calls,
    )
    add_cosim(report, simulator, result)
    write_report(report, out)
    progress(f"{simulator}: {result.calls} call(s) bit-exact in {result.seconds:.1f} s")
    return report


def synth_dir(
    out_dir: str | Path, liberty: str | None = None, progress: Progress = stderr_progress
) -> dict:
    """Synthesize and time the compiled design in `out_dir`; update its report."""
    from kiln.backend.report import add_synthesis, write_report
    from kiln.feedback.synthesis import synthesize

    out = Path(out_dir).absolute()
    report = read_report(out)
    progress("synthesizing with Yosys + ABC, timing with OpenSTA")
    result = synthesize(
        Path(report["files"]["verilog"]),
        report["top"],
        out / "synth",
        report["clock_period_ps"],
        Path(liberty) if liberty else None,
    )
    add_synthesis(report, result)
    write_report(report, out)
    return report
