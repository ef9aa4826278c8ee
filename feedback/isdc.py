"""The ISDC loop: schedule, time subgraphs of the schedule by synthesis, feed the measured
delays back to the scheduler, schedule again; then sign off on the whole design.

After Ye et al., "Iterative SDC scheduling" (arXiv 2401.12343): per-op delays summed along
a path overestimate what synthesis achieves across op boundaries, so plain SDC cuts
pipelines early and spends registers. Here each iteration picks subgraphs of the current
schedule (`subgraphs.extract`), times them (`subgraph_timing`), and adds them to the delay
model, which then replaces summed delays on every path through them, lower or higher
(`kiln.scheduler.path_delays`). Each region keeps the stage count (and II) plain SDC gave
it, so fewer register bits is the whole gain. A newer subgraph replaces the older ones it
overlaps, so one iteration's optimum can be worse than an earlier one's: the loop picks
the next subgraphs from the latest schedule and keeps the best found, which sign-off then
checks in the whole circuit. The loop stops after `iterations` rounds, or
early when there is nothing new to time; not when a round leaves the schedule as it was
(the next may still gain, and a rule that asked whether synthesis ran would let a warm
cache change the result).

Sign-off emits the whole kernel, synthesizes it and times it at the target clock. When it
fails, every stage of every region is timed whole and the kernel is scheduled again, up to
`signoff_retries` times; a result that still fails says so, with the slack and the log.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiln.backend.subgraph_rtl import subgraph_module
from kiln.base.errors import KilnError, ScheduleError
from kiln.base.parallel import check_executor, run_all
from kiln.feedback.subgraph_timing import Timing, time_subgraph
from kiln.feedback.subgraphs import EXPANSIONS, SELECTIONS, Candidate, extract
from kiln.feedback.synthesizer import SignOff
from kiln.feedback.targets import GENERIC, Target
from kiln.ir.kernel import Kernel, walk_ops
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.kernel_schedule import KernelSchedule, schedule_kernel
from kiln.scheduler.path_delays import MeasuredSubgraph, chain_order
from kiln.scheduler.regions import Options

Progress = Callable[[str], None]
# model clock / real clock at which the sign-off probe schedules one stage fewer: summed
# per-op delays can be several times what synthesis gives across a long xor or mux chain
# (an AES round's S-boxes: 4x), so the range runs far past what the model would allow
PROBE_STRETCH = (1.1, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)
SIGNOFF_NOT_KEPT = "not kept: set a sign-off folder (--isdc-workdir) to keep it"
BAR_WIDTH = 30  # characters for the baseline's register bits in the text report


@dataclass
class IsdcOptions:
    iterations: int = 5
    subgraphs: int = 8  # timed per iteration
    selection: str = "all"  # delay | fanout | dual | all
    expansion: str = "cone"  # path | cone | window
    target: Target = GENERIC
    workers: int = 2
    executor: str = "process"  # or "ray" (`kiln.base.parallel`)
    address: str | None = None  # a Ray cluster; None: a local Ray of `workers` CPUs
    cache_dir: Path | None = None
    signoff: bool = True
    signoff_retries: int = 4
    # also cut stages the measured delays show are not needed, then those sign-off shows
    # are not (`_probe_fewer_stages`)
    fewer_stages: bool = False
    workdir: Path | None = None  # sign-off files kept here; None: removed after each one

    def check(self) -> None:
        if self.selection not in SELECTIONS:
            raise KilnError(
                f"unknown ISDC selection '{self.selection}'",
                hint=f"use one of: {', '.join(SELECTIONS)}",
            )
        if self.expansion not in EXPANSIONS:
            raise KilnError(
                f"unknown ISDC expansion '{self.expansion}'",
                hint=f"use one of: {', '.join(EXPANSIONS)}",
            )
        check_executor(self.executor)
        if self.iterations < 0 or self.subgraphs < 1 or self.workers < 1:
            raise KilnError("ISDC needs iterations >= 0, subgraphs >= 1 and workers >= 1")


@dataclass
class Iteration:
    index: int  # 0: plain SDC
    register_bits: int  # the best schedule's so far, registers of one signal shared
    region_bits: list[int]  # that schedule's LP register bits per region (its objective)
    timed: int = 0  # subgraphs timed this iteration
    synth_calls: int = 0
    cache_hits: int = 0
    unmeasured: int = 0  # synthesis ran past its time limit
    seconds: float = 0.0
    picks: list[str] = field(default_factory=list)
    lp_bits: int | None = None  # this iteration's own optimum (a newer subgraph replaces the
    # older ones it overlaps, so it can be worse than an earlier one)

    def to_json(self) -> dict:
        return {
            "iteration": self.index,
            "register_bits": self.register_bits,
            "lp_bits": self.lp_bits,
            "region_bits": self.region_bits,
            "timed": self.timed,
            "synth_calls": self.synth_calls,
            "cache_hits": self.cache_hits,
            "unmeasured": self.unmeasured,
            "seconds": round(self.seconds, 3),
            "picks": self.picks,
        }


@dataclass
class IsdcResult:
    baseline: KernelSchedule
    schedule: KernelSchedule
    iterations: list[Iteration]
    delays: DelayModel
    signoff: SignOff | None = None
    baseline_signoff: SignOff | None = None
    seconds: float = 0.0
    target: str = "generic"
    margin_ps: float = 0.0  # taken off the clock after a failed sign-off
    stages_relaxed: bool = False  # the margin needed more stages than plain SDC's

    @property
    def synth_calls(self) -> int:
        return sum(it.synth_calls for it in self.iterations)

    @property
    def cache_hits(self) -> int:
        return sum(it.cache_hits for it in self.iterations)

    def to_json(self) -> dict:
        def signoff(s: SignOff | None):
            return s.to_json() if s else None

        return {
            "format": "kiln-isdc",
            "version": 1,
            "kernel": self.schedule.kernel,
            "clock_period_ps": self.baseline.clock_period_ps,
            "margin_ps": round(self.margin_ps, 1),
            "stages_relaxed": self.stages_relaxed,
            "target": self.target,
            "sdc_register_bits": self.baseline.register_bits,
            "isdc_register_bits": self.schedule.register_bits,
            "stages": [r.solution.stages for r in self.schedule.regions],
            "iterations": [it.to_json() for it in self.iterations],
            "synth_calls": self.synth_calls,
            "cache_hits": self.cache_hits,
            "signoff": signoff(self.signoff),
            "sdc_signoff": signoff(self.baseline_signoff),
            "seconds": round(self.seconds, 3),
        }

    def plot_svg(self) -> str:
        """Register bits per iteration as a small SVG bar chart, for the compile report."""
        bits = [it.register_bits for it in self.iterations]
        top = max(bits) or 1
        w, h, pad, step = 360, 160, 30, 300 / max(1, len(bits))
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 40}" '
            'font-family="sans-serif" font-size="10">',
            f'<text x="{pad}" y="14">ISDC {self.schedule.kernel}: register bits per '
            f"iteration ({self.baseline.clock_period_ps:g} ps)</text>",
        ]
        for i, b in enumerate(bits):
            bh = (h - 40) * b / top
            x, y = pad + i * step, h - bh
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{bh:.1f}" '
                f'fill="{"#999" if i == 0 else "#3a7"}"/>'
            )
            parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}">{b}</text>')
            parts.append(f'<text x="{x:.1f}" y="{h + 14}">{"SDC" if i == 0 else i}</text>')
        parts.append("</svg>")
        return "\n".join(parts) + "\n"

    def _stages_note(self) -> str:
        if self.stages_relaxed:
            return "stages relaxed for timing"
        before = sum(r.solution.stages for r in self.baseline.regions)
        after = sum(r.solution.stages for r in self.schedule.regions)
        return "same stages per region" if before == after else f"{before} -> {after} stages"

    def format(self) -> str:
        base, best = self.baseline.register_bits, self.schedule.register_bits
        cut = 100.0 * (base - best) / base if base else 0.0
        lines = [
            f"ISDC {self.schedule.kernel} at {self.baseline.clock_period_ps:g} ps: "
            f"{base} -> {best} register bits ({cut:.1f}% fewer), " + self._stages_note(),
            f"  {'iter':>4}  {'bits':>7}  {'timed':>5}  {'synth':>5}  {'cached':>6}  {'s':>6}",
        ]
        for it in self.iterations:
            bar = "#" * round(BAR_WIDTH * it.register_bits / base) if base else ""
            lines.append(
                f"  {it.index:>4}  {it.register_bits:>7}  {it.timed:>5}  {it.synth_calls:>5}  "
                f"{it.cache_hits:>6}  {it.seconds:>6.1f}  {bar}"
            )
        if self.margin_ps:
            relaxed = ", with more stages than plain SDC" if self.stages_relaxed else ""
            lines.append(
                f"  scheduled with a {self.margin_ps:.0f} ps margin after sign-off{relaxed}"
            )
        for name, s in (("plain SDC", self.baseline_signoff), ("ISDC", self.signoff)):
            if s is None:
                continue
            verdict = "meets timing" if s.passed else "FAILS timing"
            fmax = f", Fmax {s.fmax_mhz:g} MHz" if s.fmax_mhz else ""
            no_sweep = (
                " (ABC without SAT sweeping: its full script ran too long)"
                if s.abc_no_sweep
                else ""
            )
            lines.append(
                f"  sign-off {name} ({self.target}): {verdict}, slack {s.slack_ps} ps{fmax}, "
                f"{s.register_bits} register bits (Yosys), {s.flip_flops} flip-flops{no_sweep}"
            )
        return "\n".join(lines)


def _constants(kernel: Kernel) -> dict[int, object]:
    return {id(op.result): op for op in walk_ops(kernel.body) if op.opcode == "const"}


@dataclass(frozen=True)
class _Job:
    region: int
    nodes: frozenset[str]
    verilog: str
    top: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


def _jobs(kernel: Kernel, ks: KernelSchedule, picks: list[Candidate], target: Target) -> list[_Job]:
    constants = _constants(kernel)
    fpga = target.synthesizer().clock_per_register
    out = []
    for c in picks:
        rs = ks.regions[c.region]
        order = chain_order(rs.region.problem)
        rtl = subgraph_module(rs.region.ir_ops, order, c.nodes, constants, clock_per_register=fpga)
        out.append(_Job(c.region, c.nodes, rtl.verilog, rtl.top, rtl.inputs, rtl.outputs))
    return out


def _measure(jobs: list[_Job], delays: DelayModel, opts: IsdcOptions, it: Iteration) -> None:
    """Time every job (in parallel) and add each to `delays`."""
    args = [
        (j.verilog, j.top, len(j.inputs), len(j.outputs), delays.register_overhead_ps,
         opts.target, opts.cache_dir)
        for j in jobs
    ]  # fmt: skip
    timings: list[Timing] = [None] * len(jobs)  # type: ignore[list-item]
    for i, t in run_all(time_subgraph, args, opts.workers, opts.executor, opts.address):
        timings[i] = t
    for job, t in zip(jobs, timings, strict=True):
        it.timed += 1
        if t.cached:
            it.cache_hits += 1
        else:
            it.synth_calls += 1
        if t.failed:
            it.unmeasured += 1
            continue
        pairs = {
            (job.inputs[i], job.outputs[j]): d
            for (i, j), d in t.delays.items()
            if job.inputs[i] != job.outputs[j]
        }
        delays.measure(job.region, MeasuredSubgraph(job.nodes, pairs, t.key[:16]))


def _record(index: int, ks: KernelSchedule) -> Iteration:
    return Iteration(index, ks.register_bits, [r.solution.register_bits for r in ks.regions])


class _Loop:
    """One ISDC run's state, and its steps: pick and time subgraphs, reschedule at the
    fixed stage counts, keep the best, cut stages, sign off with retries."""

    def __init__(self, kernel, clock_ps, options, isdc: IsdcOptions, base: DelayModel, say):
        self.kernel, self.clock_ps, self.options, self.isdc, self.say = (
            kernel, clock_ps, options, isdc, say,
        )  # fmt: skip
        self.baseline = schedule_kernel(kernel, clock_ps, base, copy.deepcopy(options))
        self.stages = [r.solution.stages for r in self.baseline.regions]
        self.model = DelayModel(base.path, base.overrides)
        self.model.measured = {k: list(v) for k, v in base.measured.items()}
        self.current = self.reschedule()  # the latest LP optimum: where subgraphs are picked
        self.best = self.current  # the fewest register bits found: the result
        self.iterations = [_record(0, self.current)]
        self.seen: set = set()

    def reschedule(self, margin_ps: float = 0.0, fixed: bool = True) -> KernelSchedule:
        """The kernel at the clock less `margin_ps`, at the fixed stage counts (or free)."""
        return schedule_kernel(
            self.kernel, self.clock_ps - margin_ps, self.model, copy.deepcopy(self.options),
            stages=self.stages if fixed else None,
        )  # fmt: skip

    def time(self, picks: list[Candidate], it: Iteration) -> None:
        """Emit each pick as a module, time it on the target, add it to the model."""
        _measure(
            _jobs(self.kernel, self.current, picks, self.isdc.target), self.model, self.isdc, it
        )

    def refine(self) -> None:
        """Up to `iterations` rounds at the current stage counts."""
        for _ in range(self.isdc.iterations):
            if not self.round():
                return

    def round(self) -> bool:
        """One iteration; False when the loop should stop."""
        index, start = len(self.iterations), time.monotonic()
        timed = {k: [m.nodes for m in subs] for k, subs in self.model.measured.items()}
        isdc = self.isdc
        picks = extract(
            self.current, isdc.selection, isdc.expansion, isdc.subgraphs, self.seen, timed
        )
        if not picks:
            self.say(f"iteration {index}: nothing new to time; stopping")
            return False
        it = Iteration(index, 0, [], picks=[c.why for c in picks])
        self.time(picks, it)
        try:
            self.current = self.reschedule()
        except ScheduleError as err:  # measured slower than modelled: stages no longer fit
            self.say(f"iteration {index}: no schedule at the same stage counts ({err.message})")
            it.picks.append(f"stopped: {err.message}")
            it.register_bits = self.iterations[-1].register_bits
            it.region_bits = self.iterations[-1].region_bits
            self.iterations.append(it)
            return False
        if self.current.register_bits <= self.best.register_bits:
            self.best = self.current
        it.lp_bits = self.current.register_bits
        it.register_bits = self.best.register_bits
        it.region_bits = [r.solution.register_bits for r in self.best.regions]
        it.seconds = time.monotonic() - start
        self.iterations.append(it)
        self.say(
            f"iteration {index}: timed {it.timed} subgraph(s) ({it.cache_hits} cached), "
            f"{it.register_bits} register bits"
        )
        return True

    def fewer_stages(self) -> bool:
        """What has been measured may fit the kernel in fewer stages: schedule for the
        fewest and make that the current point; False when the count does not fall."""
        try:
            fewer = self.reschedule(fixed=False)
        except ScheduleError:
            return False
        counts = [r.solution.stages for r in fewer.regions]
        if sum(counts) >= sum(self.stages):
            return False
        self.say(f"the measured delays fit {sum(counts)} stage(s) instead of {sum(self.stages)}")
        self.stages[:] = counts
        self.current = self.best = fewer
        self.iterations.append(_record(len(self.iterations), fewer))
        self.iterations[-1].picks.append(f"fewer stages: {sum(counts)}")
        return True

    def sign_off(self, result: IsdcResult, done: dict[str, SignOff]) -> None:
        """Sign off plain SDC's and ISDC's schedules; while ISDC's fails, time every stage
        whole and reschedule with a growing margin, up to `signoff_retries` times."""
        isdc, clock = self.isdc, self.clock_ps
        result.baseline_signoff = signoff(self.kernel, self.baseline, isdc, "sdc", clock, done)
        result.signoff = signoff(self.kernel, self.current, isdc, "isdc", clock, done)
        attempt = 1
        while not result.signoff.passed and attempt <= isdc.signoff_retries:
            # The whole circuit is slower than its parts: time every stage whole, and take
            # a margin off the clock the LP schedules for: the violation (and 1% more) at
            # first, then at least doubling, since the failing path's modelled delay can
            # be well under its real one.
            attempt += 1
            violation = -result.signoff.slack_ps + 0.01 * clock
            result.margin_ps += max(violation, result.margin_ps)
            self.say(
                f"sign-off failed (slack {result.signoff.slack_ps} ps): timing every stage "
                f"whole, scheduling with a {result.margin_ps:.0f} ps margin"
            )
            it = Iteration(len(self.iterations), 0, [], picks=["sign-off: every stage"])
            self.time(extract(self.current, "delay", "window", 1 << 30, set()), it)
            try:
                self.current = self.reschedule(result.margin_ps)
            except ScheduleError as err:
                # Timing comes first: let the regions take the stages the margin needs,
                # and say so (the register bits no longer compare at equal stages).
                self.say(f"no schedule at the same stage counts with the margin ({err.message})")
                it.picks.append(f"stages relaxed: {err.message}")
                try:
                    self.current = self.reschedule(result.margin_ps, fixed=False)
                except ScheduleError as err2:
                    it.picks.append(f"stopped: {err2.message}")
                    self.iterations.append(it)
                    break
                result.stages_relaxed = True
            it.register_bits = self.current.register_bits
            it.region_bits = [r.solution.register_bits for r in self.current.regions]
            self.iterations.append(it)
            result.schedule = self.current
            result.signoff = signoff(self.kernel, self.current, isdc, f"isdc{attempt}", clock, done)
            result.signoff.attempts = attempt


def isdc_schedule(
    kernel: Kernel,
    clock_period_ps: float,
    options: Options | None = None,
    isdc: IsdcOptions | None = None,
    delays: DelayModel | None = None,
    progress: Progress | None = None,
) -> IsdcResult:
    """Plain SDC, then the ISDC loop at the same stage counts (or fewer, with
    `fewer_stages`), then sign-off."""
    isdc = isdc or IsdcOptions()
    isdc.check()
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    base = delays or isdc.target.delay_model(kernel, say)
    loop = _Loop(kernel, clock_period_ps, options, isdc, base, say)
    say(f"plain SDC: {loop.baseline.register_bits} register bits in {sum(loop.stages)} stage(s)")
    loop.refine()
    while isdc.fewer_stages and loop.fewer_stages():
        loop.refine()  # and again, until the stage count stops falling
    loop.current = loop.best
    result = IsdcResult(
        loop.baseline, loop.current, loop.iterations, loop.model, target=isdc.target.name
    )
    if isdc.signoff:
        done: dict[str, SignOff] = {}  # by design text: the same circuit is timed once
        loop.sign_off(result, done)
        if isdc.fewer_stages and result.signoff.passed:
            _probe_fewer_stages(
                kernel, clock_period_ps, loop.model, options, isdc, result, done, say
            )
    result.seconds = time.monotonic() - t0
    return result


def _probe_fewer_stages(kernel, clock_ps, model, options, isdc, result, done, say) -> None:
    """Ask the circuit for the stages the model cannot rule out. Across a stage boundary the
    model still sums what was measured on either side (a subgraph spanning stages is often
    too large to time), so it can keep a stage the circuit does not need. Schedule one stage
    fewer per region at the shortest stretched model clock that allows it, and keep it
    when the whole design signs off at the real clock; again, until one fails."""
    stages = [r.solution.stages for r in result.schedule.regions]
    while any(s > 1 for s in stages):
        target = [max(1, s - 1) for s in stages]
        probe, stretch = None, 0.0
        for stretch in PROBE_STRETCH:
            try:
                probe = schedule_kernel(
                    kernel, clock_ps * stretch, model, copy.deepcopy(options), stages=target
                )
                break
            except ScheduleError:
                continue
        if probe is None:
            return
        checked = signoff(kernel, probe, isdc, f"probe{sum(target)}", clock_ps, done)
        verdict = "meets timing" if checked.passed else f"fails (slack {checked.slack_ps} ps)"
        say(f"sign-off probe: {sum(target)} stage(s), scheduled at {stretch:g}x: {verdict}")
        if checked.passed:
            result.schedule, result.signoff, stages = probe, checked, target
        it = _record(len(result.iterations), result.schedule)
        it.picks.append(f"sign-off probe: {sum(target)} stage(s) at {stretch:g}x: {verdict}")
        result.iterations.append(it)
        if not checked.passed:
            return


def signoff(
    kernel: Kernel,
    ks: KernelSchedule,
    isdc: IsdcOptions,
    tag: str,
    period_ps: float,
    done: dict[str, SignOff] | None = None,
) -> SignOff:
    """Emit `ks` as the kernel's module, synthesize it and time it at `period_ps`; a
    design whose text is in `done` was timed already (ISDC often keeps plain SDC's
    schedule), and its result is reused."""
    from kiln.backend.kernel_rtl import emit_kernel_rtl

    rtl = emit_kernel_rtl(kernel, ks)
    if done is not None and rtl.verilog in done:
        return copy.copy(done[rtl.verilog])
    result = _signoff(rtl, isdc, tag, period_ps)
    if done is not None:
        done[rtl.verilog] = result
    return copy.copy(result)


def _signoff(rtl, isdc: IsdcOptions, tag: str, period_ps: float) -> SignOff:
    """Sign off in `isdc.workdir`, or in a temporary folder that is removed once the design
    is timed (a run signs off several designs of a few MB each); kept when a tool fails,
    since the error names a log in it."""
    if isdc.workdir is not None:
        return _signoff_in(Path(isdc.workdir), rtl, isdc, tag, period_ps)
    root = Path(tempfile.mkdtemp(prefix="kiln-isdc-"))
    result = _signoff_in(root, rtl, isdc, tag, period_ps)
    shutil.rmtree(root, ignore_errors=True)
    result.log = SIGNOFF_NOT_KEPT
    return result


def _signoff_in(root: Path, rtl, isdc: IsdcOptions, tag: str, period_ps: float) -> SignOff:
    work = root / f"signoff-{tag}"
    work.mkdir(parents=True, exist_ok=True)
    return isdc.target.synthesizer().sign_off(rtl.verilog, rtl.name, work, period_ps)
