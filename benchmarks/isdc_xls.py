"""XLS beside kiln SDC and kiln ISDC: flip-flops and worst slack, timed by the same flow.

    .venv/bin/python benchmarks/isdc_xls.py [--kiln benchmarks/results/isdc_fewer.json]
                                            [--kernels A,B] [--xls-from JSON[,JSON]]
                                            [--json PATH] [--md PATH]

Needs `xls-python` (`pip install kiln-hls[xls]`); not run in CI. Reads the kiln rows that
`benchmarks/isdc.py --fewer-stages --json benchmarks/results/isdc_fewer.json` wrote (with
sign-off): kiln's plain SDC at the fewest stages its model allows, and kiln's ISDC free to
cut stages too, since each side here picks its own stage count and only timing is equal.
For each (kernel, clock) point:

1. exports the kernel's region to XLS IR (`kiln.scheduler.xls_export`, arrays as params so
   that the function depends on its inputs; writes become stand-ins of the same shape, so
   XLS's circuit has kiln's ops and widths, not necessarily kiln's function);
2. has XLS schedule it with its SDC scheduler (`sky130` delay model) with inputs and
   outputs flopped, as kiln's interface samples its inputs and holds its results: then
   both designs count their I/O registers, and sign-off times real register-to-register
   paths (an unflopped single-stage design has none, so it "meets" any clock). Among XLS
   clock periods it keeps the setting with the fewest flip-flops whose Verilog passes
   kiln's sign-off at the point's clock: Yosys + ABC on kiln's generic library, OpenSTA
   (`kiln.feedback.synthesis`). The search is a bisection over periods from 0.5x to 6x the
   target: a longer XLS period gives fewer stages and registers until the design stops
   meeting timing;
3. tries XLS's own ISDC ("FDO", `use_fdo=True`, Yosys and OpenSTA on the same library)
   at the chosen setting and records whether it ran and what it reached. XLS's FDO
   scripts call `report_clock_min_period` and `report_worst_slack -max`, which are
   OpenROAD's OpenSTA and not in Debian's (2.0.17): a small shim (`sta_shim`) defines the
   first and rewrites the second to the same figures, and XLS reads its Yosys script's
   `DONT_USE_ARGS` from the environment, set empty here.

Prints a table of XLS flip-flops and WNS beside kiln SDC and ISDC (M2: Yosys register
bits of the whole design; M3: slack) and the geometric mean of ISDC / XLS flip-flops over
the points where both meet timing. Writes JSON and markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kiln.api import load_kernel
from kiln.base.errors import KilnError, ToolError
from kiln.base.toolchain import find_tool
from kiln.feedback.synthesis import GENERIC_LIBERTY, synthesize
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.regions import Options, kernel_regions
from kiln.scheduler.xls_export import export_region

sys.path.insert(0, str(Path(__file__).resolve().parent))
from isdc import geomean  # noqa: E402  (the sibling benchmark: one geometric mean)
from vs_xls import _xls  # noqa: E402  (xls-python, or a message saying how to install it)

HERE = Path(__file__).resolve().parent
KERNELS = HERE / "isdc_kernels"
DELAY_MODEL = "sky130"
LOW, HIGH, STEPS = 0.5, 6.0, 7  # XLS periods searched, as multiples of the target
XLS_KEYS = ("xls_ff", "wns_xls", "xls_period_ps", "xls_stages", "xls_tried", "fdo", "skipped")


STA_PRELUDE = """\
proc report_clock_min_period {} {
  global clk_period
  set p [expr {$clk_period - [worst_slack -max]}]
  puts [format "op_clk period_min = %.2f fmax = %.2f" $p [expr {1e6 / $p}]]
}
proc kiln_worst_slack {} { puts [format "worst slack %.2f" [worst_slack -max]] }
"""


def sta_shim(folder: Path) -> Path:
    """An `sta` that runs XLS's FDO timing script on Debian's OpenSTA (see the docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prelude.tcl").write_text(STA_PRELUDE)
    shim = folder / "sta"
    shim.write_text(
        "#!/bin/bash\n"
        'script="${@: -1}"\n'
        f'{{ cat "{folder / "prelude.tcl"}"; '
        'sed \'s/^report_worst_slack -max$/kiln_worst_slack/\' "$script"; } > "$script.kiln"\n'
        f'exec "{find_tool("sta").path}" "${{@:1:$#-1}}" "$script.kiln"\n'
    )
    shim.chmod(0o755)
    return shim


def codegen(text: str, top: str, period_ps: int, fdo: bool = False, sta: Path | None = None) -> str:
    """XLS's pipelined Verilog for `text` at `period_ps`; KilnError with XLS's message."""
    xls = _xls()
    kw = dict(
        generator="pipeline", top=top, module_name=top, delay_model=DELAY_MODEL,
        clock_period_ps=period_ps, scheduling_strategy="sdc", flop_inputs=True,
        flop_outputs=True, reset="rst",
    )  # fmt: skip
    if fdo:
        kw |= dict(
            use_fdo=True, fdo_yosys_path=str(find_tool("yosys").path),
            fdo_sta_path=str(sta or find_tool("sta").path),
            fdo_synthesis_libraries=[str(GENERIC_LIBERTY)],
            fdo_default_driver_cell="BUF_X1", fdo_default_load="BUF_X1",
        )  # fmt: skip
    try:
        return xls.Package.parse_ir(text).schedule_and_codegen(**kw).get_verilog_text()
    except Exception as err:  # XLS raises its own status errors
        raise KilnError("XLS: " + " ".join(str(err).split())[:1500]) from None


def signoff(verilog: str, top: str, clock_ps: float, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"{top}.v"
    src.write_text(verilog)
    rep = synthesize(src, top, work, clock_ps)
    return {
        "flip_flops": rep.register_bits,
        "slack_ps": rep.slack_ps,
        "passed": rep.slack_ps is None or rep.slack_ps >= 0,
    }


def search(text: str, top: str, clock_ps: float, work: Path) -> dict:
    """Bisect the XLS period for the longest one (fewest registers) that still signs off."""
    periods = [round(clock_ps * LOW * (HIGH / LOW) ** (i / (STEPS - 1))) for i in range(STEPS)]
    tried: dict[int, dict] = {}

    def attempt(i: int) -> dict:
        p = periods[i]
        if p not in tried:
            try:
                v = codegen(text, top, p)
                tried[p] = {"xls_period_ps": p, **signoff(v, top, clock_ps, work / f"p{p}")}
                tried[p]["stages"] = v.count("// ===== Pipe stage")
            except (KilnError, ToolError) as err:
                tried[p] = {"xls_period_ps": p, "passed": False, "error": err.message}
        return tried[p]

    lo, hi = 0, STEPS - 1
    if attempt(hi)["passed"]:
        lo = hi
    else:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if attempt(mid)["passed"]:
                lo = mid
            else:
                hi = mid
    passing = [t for t in tried.values() if t["passed"]]
    best = min(passing, key=lambda t: (t["flip_flops"], -t["xls_period_ps"]), default=None)
    return {"best": best, "tried": sorted(tried.values(), key=lambda t: t["xls_period_ps"])}


def fdo_try(text: str, top: str, period_ps: int, clock_ps: float, work: Path) -> dict:
    start = time.monotonic()
    os.environ.setdefault("DONT_USE_ARGS", "")
    try:
        v = codegen(text, top, period_ps, fdo=True, sta=sta_shim(work / "shim"))
    except KilnError as err:
        return {"ran": False, "error": err.message, "seconds": round(time.monotonic() - start, 1)}
    out = signoff(v, top, clock_ps, work / "fdo")
    return {"ran": True, **out, "seconds": round(time.monotonic() - start, 1)}


def kiln_side(r: dict) -> dict:
    """The figures of a `benchmarks/isdc.py` row that this table shows."""
    keys = ("kernel", "clock_ps", "stages", "isdc_stages", "m2_sdc", "m2_isdc")
    row = {k: r.get(k) for k in keys}
    return row | {"wns_sdc": r["m3_sdc_slack_ps"], "wns_isdc": r["m3_isdc_slack_ps"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kiln", default=str(HERE / "results" / "isdc_fewer.json"))
    ap.add_argument("--kernels", help="comma-separated names (default: every kiln row)")
    ap.add_argument("--no-fdo", action="store_true", help="skip XLS's FDO attempt")
    ap.add_argument(
        "--xls-from", metavar="JSON[,JSON]",
        help="take the XLS side of each point from these earlier outputs (XLS and its search "
        "do not depend on kiln's rows): only kiln's figures are read anew; a point found in "
        "none of them runs XLS",
    )  # fmt: skip
    ap.add_argument("--json", default=str(HERE / "results" / "isdc_xls.json"))
    ap.add_argument("--md", default=str(HERE / "results" / "isdc_xls.md"))
    args = ap.parse_args()
    kiln_rows = [r for r in json.loads(Path(args.kiln).read_text())["points"] if "m2_sdc" in r]
    if args.kernels:
        kiln_rows = [r for r in kiln_rows if r["kernel"] in args.kernels.split(",")]
    files = {e["name"]: e for e in json.loads((KERNELS / "manifest.json").read_text())["kernels"]}
    work = Path(tempfile.mkdtemp(prefix="kiln-isdc-xls-"))
    earlier = {}
    for path in args.xls_from.split(",") if args.xls_from else []:
        for x in json.loads(Path(path).read_text())["points"]:
            earlier[(x["kernel"], x["clock_ps"])] = {k: v for k, v in x.items() if k in XLS_KEYS}
    rows = []
    for r in kiln_rows:
        row = kiln_side(r)
        xls = earlier.get((r["kernel"], r["clock_ps"]))
        if xls is not None:
            rows.append(row | xls)
            continue
        e = files[r["kernel"]]
        kernel = load_kernel(KERNELS / e["file"], e["top"])
        regions, _ = kernel_regions(kernel, DelayModel(), Options())
        start = time.monotonic()
        try:
            if len(regions) != 1:
                raise KilnError(f"{len(regions)} regions; XLS takes one function")
            exp = export_region(regions[0], r["kernel"], arrays_as_params=True)
        except KilnError as err:
            row["skipped"] = err.message
            rows.append(row)
            print(f"{r['kernel']} {r['clock_ps']:g}: skipped ({err.message})", flush=True)
            continue
        point = work / f"{r['kernel']}_{r['clock_ps']:g}"
        found = search(exp.text, exp.top, r["clock_ps"], point)
        best = found["best"]
        row["xls_tried"] = found["tried"]
        if best:
            row |= {
                "xls_ff": best["flip_flops"], "wns_xls": best["slack_ps"],
                "xls_period_ps": best["xls_period_ps"], "xls_stages": best["stages"],
            }  # fmt: skip
            if not args.no_fdo:
                row["fdo"] = fdo_try(exp.text, exp.top, best["xls_period_ps"], r["clock_ps"], point)
        row["seconds"] = round(time.monotonic() - start, 1)
        rows.append(row)
        Path(args.json).write_text(json.dumps({"points": rows}, indent=1) + "\n")  # so far
        print(
            f"{r['kernel']} {r['clock_ps']:g}: XLS {row.get('xls_ff')} ff (WNS "
            f"{row.get('wns_xls')}), kiln SDC {row['m2_sdc']}, ISDC {row['m2_isdc']}; "
            f"FDO {row.get('fdo', {}).get('ran')}",
            flush=True,
        )
    shutil.rmtree(work, ignore_errors=True)
    both = [
        x for x in rows
        if x.get("xls_ff") and x["m2_isdc"] and (x["wns_isdc"] is None or x["wns_isdc"] >= 0)
    ]  # fmt: skip
    summary = {
        "points": len(rows),
        "compared": len(both),
        "isdc_over_xls_ff_geomean": round(geomean([x["m2_isdc"] / x["xls_ff"] for x in both]), 4),
        "sdc_over_xls_ff_geomean": round(geomean([x["m2_sdc"] / x["xls_ff"] for x in both]), 4),
        "fdo_ran": sum(1 for x in rows if x.get("fdo", {}).get("ran")),
        "fdo_tried": sum(1 for x in rows if "fdo" in x),
    }
    cols = ("kernel", "clock ps", "XLS ff", "XLS WNS", "XLS period", "XLS stages",
            "kiln SDC ff", "SDC WNS", "kiln ISDC ff", "ISDC WNS", "kiln stages SDC/ISDC",
            "FDO")  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for x in rows:
        fdo = x.get("fdo", {})
        fdo_text = (
            f"{fdo['flip_flops']} ff, WNS {fdo['slack_ps']}" if fdo.get("ran")
            else (fdo.get("error", "")[:60] if fdo else x.get("skipped", "")[:60])
        )  # fmt: skip
        lines.append(
            f"| {x['kernel']} | {x['clock_ps']:g} | {x.get('xls_ff', '')} | "
            f"{x.get('wns_xls', '')} | {x.get('xls_period_ps', '')} | "
            f"{x.get('xls_stages', '')} | {x['m2_sdc']} | {x['wns_sdc']} | {x['m2_isdc']} | "
            f"{x['wns_isdc']} | {sum(x['stages'])}/{sum(x['isdc_stages'] or x['stages'])} | "
            f"{fdo_text} |"
        )
    text = ["# kiln ISDC vs XLS", "", *lines, "", "```", json.dumps(summary, indent=1), "```"]
    Path(args.md).write_text("\n".join(text) + "\n")
    Path(args.json).write_text(json.dumps({"points": rows, "summary": summary}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    return 0 if summary["isdc_over_xls_ff_geomean"] < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
