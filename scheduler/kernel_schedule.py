"""Schedule a whole kernel: every region, each solved, verified and reported.

Straight-line regions and loops that are not pipelined get the SDC schedule with
linear-order resource constraints; pipelined loops get the modulo scheduler. Every answer
passes `Problem.verify` before it is returned.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property

from kiln.base.errors import ScheduleError
from kiln.ir.kernel import Kernel
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.exact import schedule_exact
from kiln.scheduler.modulo import IIReport, schedule_loop
from kiln.scheduler.problem import Solution
from kiln.scheduler.regions import Options, Region, Seq, kernel_control
from kiln.scheduler.resources import schedule_with_resources
from kiln.scheduler.signals import Signals


@dataclass
class RegionSchedule:
    region: Region
    solution: Solution
    ii: IIReport | None = None

    def rows(self) -> list[dict]:
        p, sol = self.region.problem, self.solution
        _, end = p.stage_times(sol.cycles)  # measured subgraphs end where synthesis says
        out = []
        for name, op in p.ops.items():
            out.append(
                {
                    "op": name,
                    "label": op.label or name,
                    "cycle": sol.cycles[name],
                    "start_ps": round(sol.start_ps[name], 3),
                    "end_ps": round(end[name], 3),
                    "delay_ps": round(op.delay_ps, 3),
                    "latency": op.latency,
                    "width": op.width,
                    "loc": str(op.loc) if op.loc else None,
                }
            )
        out.sort(key=lambda r: (r["cycle"], r["start_ps"]))
        return out

    def to_json(self) -> dict:
        sol = self.solution
        return {
            "region": self.region.problem.name,
            "pipelined": self.region.pipelined,
            "stages": sol.stages,
            "ii": sol.ii or None,
            "register_bits": sol.register_bits,
            "solver": sol.solver,
            "seconds": round(sol.seconds, 4),
            "ii_report": self.ii.to_json() if self.ii else None,
            "ops": self.rows(),
        }


@dataclass
class KernelSchedule:
    kernel: str
    clock_period_ps: float
    register_overhead_ps: float
    delay_library: str
    regions: list[RegionSchedule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    control: Seq = field(default_factory=Seq)  # how the regions run: loops, branches, order
    options: Options = field(default_factory=Options)  # what the schedule assumed (ports, ...)

    @cached_property
    def register_bits(self) -> int:
        """Pipeline register bits of the whole kernel, with registers of one signal shared
        (`pooled_register_bits`, counted once: the report, the summary and benchmarks all
        read it); each region's own count is in its solution."""
        return pooled_register_bits(self.regions)

    def to_json(self) -> dict:
        return {
            "format": "kiln-schedule",
            "version": 1,
            "kernel": self.kernel,
            "clock_period_ps": self.clock_period_ps,
            "register_overhead_ps": self.register_overhead_ps,
            "delay_library": self.delay_library,
            "register_bits": self.register_bits,
            "notes": self.notes,
            "regions": [r.to_json() for r in self.regions],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    def format(self) -> str:
        lines = [
            f"kernel {self.kernel}: {len(self.regions)} region(s) at {self.clock_period_ps:g} ps "
            f"({self.register_overhead_ps:g} ps register overhead per stage, delays: "
            f"{self.delay_library})"
        ]
        for r in self.regions:
            sol = r.solution
            lines.append("")
            head = f"{r.region.problem.name}: {sol.stages} stage(s)"
            if sol.ii:
                head += f", II {sol.ii}"
            lines.append(head + f", {sol.register_bits} register bits ({sol.solver})")
            lines.append(f"  {'cycle':>5}  {'start..end ps':>17}  {'lat':>3}  {'source':<24} op")
            rows = r.rows()
            shown = [row for row in rows if not row["label"].endswith("= const")]
            for row in shown:
                span = f"{row['start_ps']:7.1f}..{row['end_ps']:7.1f}"
                lat = str(row["latency"]) if row["latency"] else ""
                loc = row["loc"] or ""
                lines.append(f"  {row['cycle']:>5}  {span:>17}  {lat:>3}  {loc:<24} {row['label']}")
            if len(shown) < len(rows):
                lines.append(f"  ({len(rows) - len(shown)} constants not shown: wiring, no delay)")
            if r.ii is not None:
                lines.append(
                    f"  II: target {r.ii.target}, achieved {r.ii.achieved} "
                    f"(ResMII {r.ii.res_mii}, RecMII {r.ii.rec_mii})"
                )
                if r.ii.reason:
                    lines.append(f"  why not lower: {r.ii.reason}")
                if r.ii.reason and r.ii.reason.startswith("resource @"):
                    lines.append(
                        "  hint: partition the array (#pragma HLS array_partition) or give it "
                        "more ports (--param-ports, --local-ports)"
                    )
                elif r.ii.reason and r.ii.reason.startswith("resource "):
                    lines.append("  hint: allow more units (--limit CLASS=N)")
        for note in self.notes:
            lines.append(f"note: {note}")
        total = sum(r.solution.stages for r in self.regions)
        lines.append("")
        lines.append(
            f"summary: {len(self.regions)} region(s), {total} stage(s) in all, "
            f"{self.register_bits} register bits"
        )
        return "\n".join(lines)


def pooled_register_bits(regions: list[RegionSchedule]) -> int:
    """Register bits when registers of one signal are one register (`Signals`).

    A pipeline register chain delays a signal by one clock per register, whatever region
    or op reads it, so two reads of one variable, or of one input, or two loads through
    one memory port, need the longer of their chains, not both: the k-th register is that
    signal k clocks ago. A node needs the registers between where its signal starts and
    its last use, each as wide as the uses after it read.
    """
    registers: dict[tuple, int] = {}  # (root, clocks, bits) -> bits
    signals = Signals(regions, port_binding(regions))
    for k, rs in enumerate(regions):
        p = rs.region.problem
        for src in signals.consumers[k]:
            if not p.ops[src].width:
                continue
            root, clocks = signals.root(signals.term(k, src), signals.kept(k, src))
            if signals.kind(root) == "const":  # a wire in every cycle, no registers
                continue
            for j, bits in enumerate(signals.chain_bits(k, src), start=1):
                registers[(root, clocks + j, bits)] = bits
    return sum(registers.values())


def port_binding(regions: list[RegionSchedule]) -> dict[tuple[int, str], dict[str, int]]:
    """(region, access node) -> {port class: port}. Accesses that may meet in one clock
    (same region, same stage modulo the II) take different ports of each class they
    touch, in program order; the schedule kept them within the class's port count.

    The backend builds these ports, and a load from one bank reads its port's output
    directly, so loads on one port share that output's pipeline registers."""
    used: dict[tuple, int] = defaultdict(int)
    out: dict[tuple[int, str], dict[str, int]] = {}
    for k, rs in enumerate(regions):
        r, sol = rs.region, rs.solution
        ii = sol.ii if r.pipelined and sol.ii else 0
        for node, op in r.ir_ops.items():
            if op.opcode not in ("load", "store"):
                continue
            cycle = sol.cycles[node]
            slot = (k, cycle % ii if ii else cycle)
            out[(k, node)] = {}
            for cls in r.problem.ops[node].resources:
                out[(k, node)][cls] = used[(cls, slot)]
                used[(cls, slot)] += 1
    return out


def schedule_region(region: Region, exact: bool = False) -> RegionSchedule:
    p = region.problem
    if region.pipelined:
        sol, report = schedule_loop(p, region.target_ii, exact=exact)
    else:
        sol, report = (schedule_exact(p) if exact else schedule_with_resources(p)), None
    p.verify(sol)
    return RegionSchedule(region, sol, report)


def schedule_kernel(
    kernel: Kernel,
    clock_period_ps: float,
    delays: DelayModel | None = None,
    options: Options | None = None,
    exact: bool = False,
    stages: list[int] | None = None,
) -> KernelSchedule:
    """Every region of `kernel` scheduled at `clock_period_ps`. `stages` fixes each
    region's stage count (pipeline depth of a pipelined loop), in program order."""
    delays = delays or DelayModel()
    if not clock_period_ps > 0:
        raise ScheduleError(f"clock period must be positive, got {clock_period_ps:g} ps")
    # the caller's options stay as given: the schedule records a copy at this clock
    opts = replace(options or Options(), clock_period_ps=clock_period_ps)
    regions, control, notes = kernel_control(kernel, delays, opts)
    out = KernelSchedule(
        kernel.name,
        clock_period_ps,
        delays.register_overhead_ps,
        getattr(delays, "library", "custom"),
        notes=notes,
        control=control,
        options=opts,
    )
    if stages is not None and len(stages) != len(regions):
        raise ScheduleError(f"{kernel.name}: {len(stages)} stage counts for {len(regions)} regions")
    for k, r in enumerate(regions):
        if stages is not None:
            r.problem.stages = stages[k]
        out.regions.append(schedule_region(r, exact))
    return out
