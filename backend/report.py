"""The compile report: one JSON document (schema in `report_schema.json`), an HTML page
with a per-region schedule chart, and a short terminal table, all from the same data."""

from __future__ import annotations

import html
import json
from pathlib import Path

from kiln.backend.kernel_rtl import KernelRtl
from kiln.scheduler.kernel_schedule import KernelSchedule

SCHEMA_PATH = Path(__file__).with_name("report_schema.json")
REPORT_VERSION = 1


def controller_bits(rtl: KernelRtl) -> int:
    """Register bits the module has besides the schedule's pipeline registers: state,
    counters, variables, sampled inputs, values kept between regions, memory read
    registers and completely partitioned arrays."""
    return sum(b for kind, b in rtl.register_bits.items() if kind != "pipeline")


def build_report(
    source: str, top: str, ks: KernelSchedule, rtl: KernelRtl, predicted: int | None
) -> dict:
    regions = []
    for k, rs in enumerate(ks.regions):
        r = rs.region
        loop = r.loop
        regions.append(
            {
                "index": k,
                "name": r.problem.name,
                "loop": None if loop is None else type(loop).__name__.replace("Loop", "").lower(),
                "loc": str(loop.place) if loop is not None and loop.place else None,
                "pipelined": r.pipelined,
                "target_ii": r.target_ii or None,
                "scheduled_ii": rs.solution.ii or None,
                "ii_reason": rs.ii.reason if rs.ii else None,
                "stages": rtl.stages[k],
                "schedule_stages": rs.solution.stages,
                "register_bits": rs.solution.register_bits,
                "measured_ii": None,
                "ops": rs.rows(),
            }
        )
    rtl_bits = dict(sorted(rtl.register_bits.items()))
    control = controller_bits(rtl)
    return {
        "format": "kiln-report",
        "version": REPORT_VERSION,
        "kernel": ks.kernel,
        "top": top,
        "source": source,
        "clock_period_ps": ks.clock_period_ps,
        "latency": {"predicted": predicted, "measured_min": None, "measured_max": None},
        "registers": {
            "schedule": ks.register_bits,
            "controller": control,
            "expected": ks.register_bits + control,
            "rtl": rtl_bits,
            "yosys": None,
        },
        "synthesis": None,
        "notes": list(ks.notes),
        "regions": regions,
        "checks": {},
        "files": {},
    }


def add_cosim(report: dict, simulator: str, result) -> None:
    clocks = result.clocks
    report["latency"]["measured_min"] = min(clocks) if clocks else None
    report["latency"]["measured_max"] = max(clocks) if clocks else None
    for k, ii in result.ii.items():
        report["regions"][k]["measured_ii"] = ii
    report["checks"][f"cosim_{simulator}"] = {
        "passed": True,
        "calls": result.calls,
        "seconds": round(result.seconds, 2),
        "log": str(result.log),
        "waves": str(result.waves) if result.waves else None,
    }


def add_synthesis(report: dict, synth) -> None:
    data = synth.to_json()
    report["synthesis"] = data
    report["registers"]["yosys"] = data["register_bits"]


def write_report(report: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    js = out_dir / "report.json"
    js.write_text(json.dumps(report, indent=1) + "\n")
    page = out_dir / "report.html"
    page.write_text(render_html(report))
    return js, page


def check_report(report: dict) -> list[str]:
    """Schema errors in `report` (empty when it conforms)."""
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(report)]


def format_table(report: dict) -> str:
    lat = report["latency"]
    measured = (
        f"{lat['measured_min']}..{lat['measured_max']}"
        if lat["measured_min"] is not None and lat["measured_min"] != lat["measured_max"]
        else str(lat["measured_min"])
    )
    regs = report["registers"]
    lines = [
        f"kernel {report['kernel']} -> {report['top']} at {report['clock_period_ps']:g} ps",
        f"  latency (clocks, start to done): predicted {lat['predicted']}, measured {measured}",
        f"  register bits: schedule {regs['schedule']} + controller {regs['controller']} = "
        f"{regs['expected']}; yosys {regs['yosys']}",
    ]
    syn = report["synthesis"]
    if syn:
        lines.append(
            f"  synthesis: {syn['cells']} cells, area {syn['area']:.1f}, critical path "
            f"{syn['critical_path_ps']} ps, Fmax {syn['fmax_mhz']} MHz"
        )
    lines.append(f"  {'region':<44} {'stages':>6} {'II':>9} {'measured':>8}")
    for r in report["regions"]:
        if r["loop"] is None:
            continue
        ii = f"{r['scheduled_ii']}/{r['target_ii']}" if r["pipelined"] else "-"
        m = r["measured_ii"]
        got = (
            "-"
            if not m or m["min"] is None
            else f"{m['min']}" + (f"..{m['max']}" if m["max"] != m["min"] else "")
        )
        lines.append(f"  {r['name'][:44]:<44} {r['stages']:>6} {ii:>9} {got:>8}")
    return "\n".join(lines)


# ---- HTML -------------------------------------------------------------------------------

_COLORS = {"load": "#4e79a7", "store": "#59a14f", "mul": "#e15759", "div": "#b07aa1"}


def _chart(region: dict) -> str:
    """An SVG chart: one row per op, a bar over its stage (x: stage, and time in it)."""
    ops = [o for o in region["ops"] if not o["label"].endswith("= const")]
    stages = max(region["stages"], 1)
    col, row, left = 90, 16, 280
    width, height = left + col * stages + 10, row * (len(ops) + 1) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for s in range(stages):
        x = left + s * col
        out.append(
            f'<rect x="{x}" y="0" width="{col}" height="{height}" fill="#f4f4f4" stroke="#ddd"/>'
        )
        out.append(f'<text x="{x + 4}" y="12" font-size="10">stage {s}</text>')
    period = 1.0
    for o in ops:
        period = max(period, o["start_ps"] + o["delay_ps"])
    for n, o in enumerate(ops):
        y = row * (n + 1)
        kind = o["label"].split("= ")[-1].split(" ")[0] if "= " in o["label"] else o["label"]
        color = _COLORS.get(kind.split(".")[0], "#f28e2b")
        x = left + o["cycle"] * col + col * o["start_ps"] / period
        w = max(3.0, col * o["delay_ps"] / period) + col * o["latency"]
        label = html.escape(f"{o['label']}  {o['loc'] or ''}")[:60]
        out.append(f'<text x="2" y="{y + 11}" font-size="10">{label}</text>')
        out.append(
            f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{row - 4}" fill="{color}"/>'
        )
    out.append("</svg>")
    return "\n".join(out)


def render_html(report: dict) -> str:
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>kiln report: {esc(report['kernel'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body>",
        f"<h1>{esc(report['kernel'])}</h1>",
        f"<pre>{esc(format_table(report))}</pre>",
        "<h2>Checks</h2><table><tr><th>check</th><th>result</th></tr>",
    ]
    for name, check in report["checks"].items():
        parts.append(f"<tr><td>{esc(name)}</td><td>{esc(json.dumps(check))}</td></tr>")
    parts.append("</table>")
    for r in report["regions"]:
        ii = f", II {r['scheduled_ii']}" if r["pipelined"] else ""
        parts.append(f"<h2>{esc(r['name'])}: {r['stages']} stage(s){ii}</h2>")
        parts.append(_chart(r))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
