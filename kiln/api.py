"""The one compile flow, for C and IR kernels alike: read, run the passes, record the calls
co-simulation replays, schedule (SDC, or ISDC with synthesis feedback), emit the module and
its harness, write the files, then lint, co-simulate and synthesize as the config asks.

Only composition lives here; each step is a function of the package that owns it.

    design = compile_c("fir.c", "fir", "out", CompileConfig.make(clock_ns=2.5))
    print(design.schedule.format())
    design.simulate("icarus")
"""

from __future__ import annotations

import copy
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from kiln.backend.cosim import write_cosim
from kiln.backend.kernel_rtl import check_interfaces, emit_kernel_rtl
from kiln.backend.latency import call_cycles
from kiln.base.errors import KilnError
from kiln.config import CompileConfig
from kiln.design import CompiledKernel, Composite, Design, Progress
from kiln.frontend.c import translate
from kiln.frontend.c.golden import run_golden
from kiln.ir.calls import Call, Feed, chain_calls, random_calls
from kiln.ir.kernel import Kernel
from kiln.ir.passes import PassRun, passes_named, run_passes
from kiln.ir.printer import print_kernel
from kiln.ir.verifier import verify_kernel
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.kernel_schedule import KernelSchedule, schedule_kernel
from kiln.sources import pick_kernel, read_ir


def stderr_progress(msg: str) -> None:
    print(f"kiln: {msg}", file=sys.stderr, flush=True)


def compile_c(
    source: str | Path,
    top: str,
    out_dir: str | Path,
    config: CompileConfig | None = None,
    progress: Progress = stderr_progress,
) -> Design:
    """Compile C function `top` of `source` to RTL in `out_dir`, proven against the calls
    its testbench main() makes under gcc."""
    config = config or CompileConfig()
    out = _out_dir(out_dir)
    progress(f"translating {source} ({top})")
    ck = translate(source, top, config.c.include_dirs, config.c.defines)
    log = run_passes(ck.kernel, passes_named(config.schedule.passes))
    check_interfaces(ck.directives)
    progress("running the C testbench under gcc to record the kernel's calls")
    golden = run_golden(ck, config.c.tb_sources, workdir=out / "golden")
    progress(f"{len(golden.calls)} call(s) recorded")
    return _compile(ck.kernel, ck.kernel, str(source), golden.calls, log, config, out, progress)


def compile_ir(
    kernel: Kernel | str | Path,
    out_dir: str | Path,
    config: CompileConfig | None = None,
    top: str | None = None,
    progress: Progress = stderr_progress,
) -> Design:
    """Compile an IR kernel (a `Kernel`, or the kernel `top` of a .kir file, default its
    first) to RTL in `out_dir`, proven against the interpreter on random calls. The passes
    rewrite a copy: `kernel` itself is left as it was."""
    config = config or CompileConfig()
    source = "<python>"
    if not isinstance(kernel, Kernel):
        source = str(kernel)
        kernel = pick_kernel(read_ir(source), top)
    compiled, log = _passes_on_copy(kernel, config)
    out = _out_dir(out_dir)
    progress(f"drawing {config.sim.vectors} random call(s) through the IR interpreter")
    calls = random_calls(kernel, config.sim.vectors, config.sim.seed)
    return _compile(kernel, compiled, source, calls, log, config, out, progress)


def _passes_on_copy(kernel: Kernel, config: CompileConfig) -> tuple[Kernel, list[PassRun]]:
    """The verified kernel's copy the compile passes rewrote, and what each did."""
    verify_kernel(kernel)
    compiled = copy.deepcopy(kernel)
    return compiled, run_passes(compiled, passes_named(config.schedule.passes))


def _build(
    kernel: Kernel, compiled: Kernel, source: str, calls: list[Call], passes: list[PassRun],
    config: CompileConfig, progress: Progress, workdir: Path,
) -> CompiledKernel:  # fmt: skip
    """Schedule and emit one kernel; ISDC's sign-off files go to `workdir` unless its
    options name a folder."""
    progress(f"scheduling {kernel.name} at {config.schedule.clock_ns:g} ns on {config.target.name}")
    ks, isdc = schedule(compiled, config, progress, workdir=workdir)
    rtl = emit_kernel_rtl(compiled, ks)
    predicted = call_cycles(ks.control, rtl.stages, rtl.iis, [r.region.loop for r in ks.regions])
    return CompiledKernel(kernel, compiled, source, ks, rtl, calls, predicted, passes, isdc)


def _out_dir(out_dir: str | Path) -> Path:
    out = Path(out_dir).absolute()
    if out.exists() and not out.is_dir():
        raise KilnError(f"{out_dir}: exists and is not a folder", hint="give a folder for -o")
    out.mkdir(parents=True, exist_ok=True)
    return out


def schedule(
    kernel: Kernel,
    config: CompileConfig,
    progress: Progress = stderr_progress,
    workdir: Path | None = None,
    delays: DelayModel | None = None,
) -> tuple[KernelSchedule, object | None]:
    """The kernel's schedule at the config's clock, with `delays` (default: the target's
    own), and ISDC's result when the config asks for synthesis feedback (else None)."""
    sched = config.schedule
    delays = delays or config.target.delay_model(kernel, progress)
    if config.isdc is None:
        return schedule_kernel(kernel, sched.clock_ps, delays, sched.options(), sched.exact), None
    from kiln.feedback.isdc import isdc_schedule

    progress("refining the schedule with synthesis feedback (ISDC)")
    isdc_opts = config.isdc
    if workdir is not None and isdc_opts.workdir is None:
        isdc_opts = replace(isdc_opts, workdir=workdir)
    found = isdc_schedule(
        kernel, sched.clock_ps, sched.options(), isdc_opts, delays,
        lambda msg: progress(f"isdc: {msg}"),
    )  # fmt: skip
    return found.schedule, found


def compile_design(
    kernels: Sequence[Kernel],
    feeds: Sequence[tuple[str, str]],
    out_dir: str | Path,
    config: CompileConfig | None = None,
    name: str = "top",
    progress: Progress = stderr_progress,
) -> Design:
    """Compile several kernels, run one after another under a top level `name`, with each
    feed `("producer.y", "consumer.x")` a RAM that the earlier kernel's array writes and the
    later one's reads; proven against the interpreter run on the kernels in order."""
    from kiln.backend.top_rtl import Part, emit_top

    config = config or CompileConfig()
    out = _out_dir(out_dir)
    index = {k.name: i for i, k in enumerate(kernels)}
    links = [_feed(src, dst, index, kernels) for src, dst in feeds]
    parts: list[CompiledKernel] = []
    for kernel in kernels:
        compiled, log = _passes_on_copy(kernel, config)
        parts.append(
            _build(
                kernel, compiled, "<python>", [], log, config, progress, out / "isdc" / kernel.name
            )
        )
    top = emit_top(name, [Part(ck.compiled, ck.rtl) for ck in parts], links)
    latencies = [ck.predicted_latency for ck in parts]
    predicted = None if None in latencies else sum(latencies)
    progress(f"drawing {config.sim.vectors} random call(s) through the IR interpreter")
    calls = chain_calls(list(kernels), links, top.names, config.sim.vectors, config.sim.seed)
    files = {}
    for module, text in top.sources.items():  # one file per module, the top last
        key = "verilog" if module == top.rtl.name else f"verilog_{module}"
        files[key] = out / f"{module}.v"
        files[key].write_text(text)
    for ck in parts:
        files[f"schedule_{ck.kernel.name}"] = out / f"schedule_{ck.kernel.name}.json"
        files[f"schedule_{ck.kernel.name}"].write_text(ck.schedule.dumps() + "\n")
        files[f"ir_{ck.kernel.name}"] = out / f"{ck.kernel.name}.kir"
        files[f"ir_{ck.kernel.name}"].write_text(print_kernel(ck.compiled))
    tb = write_cosim(out / "tb", top.interface, top.rtl, calls, predicted)
    files.update({"harness": tb["harness"], "calls": tb["calls"], "harness_top": tb["top"]})
    composite = Composite(top, links, calls, predicted)
    design = Design(parts, config, out, files, progress=progress, composite=composite)
    return _check(design)


def _feed(src: str, dst: str, index: dict[str, int], kernels: Sequence[Kernel]) -> Feed:
    ends = []
    for text in (src, dst):
        kname, dot, array = text.partition(".")
        if not dot or kname not in index:
            raise KilnError(
                f"feed end '{text}' is not KERNEL.ARRAY of this design",
                hint=f"kernels: {', '.join(index)}",
            )
        try:
            kernels[index[kname]].param(array)
        except KeyError:
            params = ", ".join(p.name for p in kernels[index[kname]].params)
            raise KilnError(f"kernel @{kname} has no parameter '{array}'", hint=params) from None
        ends.append((index[kname], array))
    return Feed(ends[0][0], ends[0][1], ends[1][0], ends[1][1])


def _check(design: Design) -> Design:
    """Lint, then co-simulate and synthesize as the config asks."""
    t0 = time.monotonic()
    design.write_report()
    design.lint()
    if design.config.sim.enabled:
        design.simulate()
    if design.config.synth.enabled:
        design.synthesize()
    design.progress(f"checked in {time.monotonic() - t0:.1f} s: {design.files['report']}")
    return design


def _compile(
    kernel: Kernel,
    compiled: Kernel,
    source: str,
    calls: list[Call],
    passes: list[PassRun],
    config: CompileConfig,
    out: Path,
    progress: Progress,
) -> Design:
    t0 = time.monotonic()
    ck = _build(kernel, compiled, source, calls, passes, config, progress, out / "isdc")
    ks, rtl, isdc = ck.schedule, ck.rtl, ck.isdc
    files = {
        "verilog": out / f"{rtl.name}.v",
        "schedule": out / "schedule.json",
        "ir": out / f"{compiled.name}.kir",
    }
    files["verilog"].write_text(rtl.verilog)
    files["schedule"].write_text(ks.dumps() + "\n")
    files["ir"].write_text(print_kernel(compiled))
    probe = tuple(k for k, r in enumerate(ks.regions) if r.region.pipelined)
    tb = write_cosim(out / "tb", compiled, rtl, calls, ck.predicted_latency, probe)
    files.update({"harness": tb["harness"], "calls": tb["calls"], "harness_top": tb["top"]})
    if isdc is not None:
        files["isdc"] = out / "isdc.json"
        files["isdc"].write_text(json.dumps(isdc.to_json(), indent=1) + "\n")
        files["isdc_plot"] = out / "isdc_bits.svg"
        files["isdc_plot"].write_text(isdc.plot_svg())
    design = _check(Design([ck], config, out, files, progress=progress))
    progress(f"done in {time.monotonic() - t0:.1f} s")
    return design


def load_kernel(path: str | Path, top: str | None, config: CompileConfig | None = None) -> Kernel:
    """The kernel `top` of a C file (.c) or IR text file (.kir), the compile passes applied:
    what `kiln schedule` schedules."""
    config = config or CompileConfig()
    if Path(path).suffix == ".c":
        if not top:
            raise KilnError(f"{path}: which function is the kernel?", hint="pass --top NAME")
        kernel = translate(path, top, config.c.include_dirs, config.c.defines).kernel
    else:
        kernel = pick_kernel(read_ir(str(path)), top)
    run_passes(kernel, passes_named(config.schedule.passes))
    return kernel
