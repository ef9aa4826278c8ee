"""ISDC against plain SDC: pipeline register bits at equal clock period and stage counts.

    .venv/bin/python benchmarks/isdc.py [--kernels A,B] [--clocks 2000,2500] [--no-signoff]
                                        [--target generic|ice40|liberty:FILE]
                                        [--ablation A,B] [--fewer-stages]
                                        [--json PATH] [--md PATH]

Kernels: the datapath kernels in benchmarks/isdc_kernels (manifest.json there), written
for kiln after the kinds XLS and the ISDC paper evaluate. For each kernel, two clock
periods: given with --clocks, or the two longest of 1 to 4 ns (8 to 30 ns on the iCE40)
at which plain SDC still needs at least 3 stages in the kernel's largest region and no op
is slower than a stage (`pick_clocks`).

Per point: M1, register bits of the schedule (registers of one signal counted once, as the
backend builds them, those inside multi-cycle units included) for plain SDC and for ISDC,
and the LP objective alone (without the units' fixed registers); M2, flip-flop bits Yosys
counts in the whole emitted design (coarse netlist) for both; M3, worst slack at sign-off
(OpenSTA, the target clock; nextpnr on the iCE40, with Fmax); M4, wall time, synthesis
calls and cache hits. The summary gives the geometric mean of ISDC/SDC for M1 and M2.
--ablation runs selection x expansion x subgraphs-per-iteration on the named kernels at
their first clock, 10 iterations each; the register bits after each iteration give the
K = 1..10 columns.

--fewer-stages lets ISDC also cut the stages the measured delays show are not needed (what
a user picks when the clock, not the latency, is fixed; `kiln compile --isdc
--isdc-fewer-stages`): M1 then no longer compares at equal stages, and the rows are the
kiln side of `benchmarks/isdc_xls.py`.

Writes JSON and a markdown table. Exit status 0 when every ISDC point that was signed off
meets timing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from kiln.api import load_kernel
from kiln.base.errors import ScheduleError
from kiln.feedback.isdc import IsdcOptions, isdc_schedule
from kiln.feedback.subgraphs import EXPANSIONS, SELECTIONS
from kiln.feedback.targets import Target
from kiln.scheduler.kernel_schedule import schedule_kernel
from kiln.scheduler.regions import Options

HERE = Path(__file__).resolve().parent
KERNELS = HERE / "isdc_kernels"
CANDIDATE_CLOCKS = (1000.0, 1250.0, 1500.0, 1750.0, 2000.0, 2500.0, 3000.0, 4000.0)
ICE40_CLOCKS = (8000.0, 10000.0, 12500.0, 15000.0, 20000.0, 25000.0, 30000.0)


def manifest() -> list[dict]:
    return json.loads((KERNELS / "manifest.json").read_text())["kernels"]


def pick_clocks(kernel, target: Target, count: int = 2) -> list[float]:
    """The longest candidate periods at which plain SDC needs >= 3 stages somewhere and
    every op fits in one stage. kiln's backend builds an op slower than a stage (a
    multi-cycle unit) as one block of logic ahead of its registers, with no retiming, so
    such a point fails sign-off whatever the schedule: it would measure the backend."""
    fit = []
    delays = target.delay_model()
    for clock in ICE40_CLOCKS if target.is_fpga else CANDIDATE_CLOCKS:
        try:
            ks = schedule_kernel(kernel, clock, delays, Options(pipeline_units=False))
        except ScheduleError:  # an op slower than the stage
            continue
        if max(r.solution.stages for r in ks.regions) >= 3:
            fit.append(clock)
    return fit[-count:]


def run_point(kernel, clock: float, opts: IsdcOptions) -> dict:
    start = time.monotonic()
    r = isdc_schedule(kernel, clock, Options(), opts)
    row = {
        "kernel": kernel.name,
        "clock_ps": clock,
        "stages": [x.solution.stages for x in r.baseline.regions],
        "isdc_stages": [x.solution.stages for x in r.schedule.regions],
        "margin_ps": round(r.margin_ps, 1),
        "m1_sdc": r.baseline.register_bits,
        "m1_isdc": r.schedule.register_bits,
        # the LP's own objective: pipeline bits without the registers inside multi-cycle
        # units (their width x latency does not depend on the schedule)
        "lp_sdc": sum(x.solution.register_bits for x in r.baseline.regions),
        "lp_isdc": sum(x.solution.register_bits for x in r.schedule.regions),
        "iterations": [it.register_bits for it in r.iterations],
        "synth_calls": r.synth_calls,
        "cache_hits": r.cache_hits,
        "seconds": round(time.monotonic() - start, 1),
    }
    if r.signoff is not None:
        row |= {
            "m2_sdc": r.baseline_signoff.register_bits,
            "m2_isdc": r.signoff.register_bits,
            "m3_sdc_slack_ps": r.baseline_signoff.slack_ps,
            "m3_isdc_slack_ps": r.signoff.slack_ps,
            "signoff_passed": r.signoff.passed,
            "fmax_sdc_mhz": r.baseline_signoff.fmax_mhz,
            "fmax_isdc_mhz": r.signoff.fmax_mhz,
            "abc_no_sweep": [x.abc_no_sweep for x in (r.baseline_signoff, r.signoff)],
        }
    return row


def stages_changed(r: dict) -> bool:
    """Whether ISDC ended at other stage counts than plain SDC (fewer, or relaxed)."""
    return r.get("isdc_stages", r["stages"]) != r["stages"]


def geomean(xs: list[float]) -> float:
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def table(rows: list[dict]) -> str:
    cols = (
        "kernel", "clock ps", "stages", "M1 SDC", "M1 ISDC", "cut", "M2 SDC", "M2 ISDC",
        "WNS SDC", "WNS ISDC", "Fmax SDC", "Fmax ISDC", "s", "synth", "cached",
    )  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cut = 100.0 * (r["m1_sdc"] - r["m1_isdc"]) / r["m1_sdc"] if r["m1_sdc"] else 0.0
        stages = f"{sum(r['stages'])}"
        if stages_changed(r):
            stages += f" -> {sum(r['isdc_stages'])}"
        lines.append(
            f"| {r['kernel']} | {r['clock_ps']:g} | {stages} | {r['m1_sdc']} | "
            f"{r['m1_isdc']} | {cut:.1f}% | {r.get('m2_sdc', '')} | {r.get('m2_isdc', '')} | "
            f"{r.get('m3_sdc_slack_ps', '')} | {r.get('m3_isdc_slack_ps', '')} | "
            f"{r.get('fmax_sdc_mhz', '')} | {r.get('fmax_isdc_mhz', '')} | "
            f"{r['seconds']} | {r['synth_calls']} | {r['cache_hits']} |"
        )
    return "\n".join(lines)


def ablation(kernel, clock: float, cache: Path | None, target: Target) -> list[dict]:
    rows = []
    for selection in SELECTIONS:
        for expansion in EXPANSIONS:
            for per in (1, 4, 16):
                opts = IsdcOptions(
                    iterations=10, subgraphs=per, selection=selection, expansion=expansion,
                    signoff=False, cache_dir=cache, target=target,
                )  # fmt: skip
                start = time.monotonic()
                r = isdc_schedule(kernel, clock, Options(), opts)
                bits = [it.register_bits for it in r.iterations]
                bits += [bits[-1]] * (11 - len(bits))  # stopped early: nothing changes after
                rows.append(
                    {
                        "kernel": kernel.name,
                        "clock_ps": clock,
                        "selection": selection,
                        "expansion": expansion,
                        "subgraphs": per,
                        "bits_by_k": bits,
                        "synth_calls": r.synth_calls,
                        "seconds": round(time.monotonic() - start, 1),
                    }
                )
                print(
                    f"  ablation {kernel.name} {selection}/{expansion}/{per}: {bits}",
                    flush=True,
                )
    return rows


def ablation_table(rows: list[dict]) -> str:
    ks = " | ".join(f"K={k}" for k in range(1, 11))
    lines = [f"| kernel | selection | expansion | N | SDC | {ks} |", "|" + "---|" * 15]
    for r in rows:
        b = r["bits_by_k"]
        cells = " | ".join(str(x) for x in b[1:11])
        lines.append(
            f"| {r['kernel']} | {r['selection']} | {r['expansion']} | {r['subgraphs']} | "
            f"{b[0]} | {cells} |"
        )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", help="comma-separated names (default: all in the manifest)")
    ap.add_argument("--clocks", help="comma-separated periods in ps (default: picked per kernel)")
    ap.add_argument("--no-signoff", action="store_true", help="skip M2/M3 (whole-design synthesis)")
    ap.add_argument("--ablation", help="kernels for the ablation table (comma-separated)")
    ap.add_argument("--cache", help="subgraph timing cache (default: kiln's user cache)")
    ap.add_argument("--target", default="generic", help="generic (default), ice40, liberty:FILE")
    ap.add_argument(
        "--fewer-stages", action="store_true",
        help="let ISDC cut stages too (the M1 mean then covers only points at equal stages)",
    )  # fmt: skip
    ap.add_argument("--json", default=str(HERE / "results" / "isdc.json"))
    ap.add_argument("--md", default=str(HERE / "results" / "isdc.md"))
    ap.add_argument(
        "--resummarize", action="store_true",
        help="recompute the summary and table of the --json file's points; run nothing",
    )  # fmt: skip
    args = ap.parse_args()
    if args.resummarize:
        old = json.loads(Path(args.json).read_text())
        summary = summarize(old["points"], old["summary"]["target"])
        write(old["points"], summary, old.get("ablation", []), Path(args.json), Path(args.md))
        return 0 if summary["signoff_all_passed"] else 1
    entries = manifest()
    if args.kernels:
        wanted = args.kernels.split(",")
        entries = [e for e in entries if e["name"] in wanted]
    cache = Path(args.cache) if args.cache else None
    target = Target.parse(args.target)
    rows = []
    for e in entries:
        kernel = load_kernel(KERNELS / e["file"], e["top"])
        clocks = (
            [float(c) for c in args.clocks.split(",")]
            if args.clocks
            else pick_clocks(kernel, target)
        )
        for clock in clocks:
            opts = IsdcOptions(
                signoff=not args.no_signoff, cache_dir=cache, target=target,
                fewer_stages=args.fewer_stages,
            )  # fmt: skip
            row = run_point(kernel, clock, opts)
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
    summary = summarize(rows, target.name)
    abl = []
    for name in args.ablation.split(",") if args.ablation else []:
        e = next(x for x in manifest() if x["name"] == name)
        kernel = load_kernel(KERNELS / e["file"], e["top"])
        clock = next((r["clock_ps"] for r in rows if r["kernel"] == name), None)
        abl += ablation(kernel, clock or pick_clocks(kernel, target)[0], cache, target)
    write(rows, summary, abl, Path(args.json), Path(args.md))
    return 0 if summary["signoff_all_passed"] else 1


def summarize(rows: list[dict], target: str) -> dict:
    """Geometric means of ISDC / SDC. A point where ISDC leaves no pipeline register at all
    (ratio 0) has no logarithm: it is listed, and the M1 mean is over the other points."""
    left = [r for r in rows if r["m1_sdc"] and r["m1_isdc"] and not stages_changed(r)]
    ratio_m1 = geomean([r["m1_isdc"] / r["m1_sdc"] for r in left])
    signed = [r for r in rows if "m2_sdc" in r]
    ratio_m2 = geomean([r["m2_isdc"] / r["m2_sdc"] for r in signed if r["m2_sdc"]])
    per_kernel: dict[str, float] = {}
    for r in rows:
        per_kernel[r["kernel"]] = per_kernel.get(r["kernel"], 0.0) + r["seconds"]
    return {
        "target": target,
        "points": len(rows),
        "m1_geomean_ratio": round(ratio_m1, 4),
        "m1_geomean_reduction_pct": round(100 * (1 - ratio_m1), 2),
        "m1_points_in_mean": len(left),
        "m1_to_zero": [f"{r['kernel']}@{r['clock_ps']:g}" for r in rows if not r["m1_isdc"]],
        # fewer stages (--fewer-stages), or more where sign-off needed a margin
        "stages_changed": [f"{r['kernel']}@{r['clock_ps']:g}" for r in rows if stages_changed(r)],
        "m2_geomean_ratio": round(ratio_m2, 4) if signed else None,
        "m2_moves_with_m1": all(
            (r["m2_isdc"] <= r["m2_sdc"]) == (r["m1_isdc"] <= r["m1_sdc"]) for r in signed
        ),
        "signoff_all_passed": all(r["signoff_passed"] for r in signed),
        "sdc_signoff_failures": sum(
            1 for r in signed if r["m3_sdc_slack_ps"] is not None and r["m3_sdc_slack_ps"] < 0
        ),
        "max_seconds_per_kernel": round(max(per_kernel.values(), default=0.0), 1),  # both clocks
        "max_seconds_per_point": max((r["seconds"] for r in rows), default=0.0),
    }


def write(rows: list[dict], summary: dict, abl: list[dict], json_path: Path, md: Path) -> None:
    text = ["# ISDC vs plain SDC", "", table(rows), "", "```", json.dumps(summary, indent=1), "```"]
    if abl:
        text += ["", "## Ablation (register bits after K iterations)", "", ablation_table(abl)]
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text("\n".join(text) + "\n")
    json_path.write_text(
        json.dumps({"points": rows, "summary": summary, "ablation": abl}, indent=1) + "\n"
    )
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    sys.exit(main())
