"""Pipeline register bits of kiln's SDC scheduler against Google XLS's, region by region.

    .venv/bin/python benchmarks/vs_xls.py [--clocks 2 3] [--kernels A,B] [--json PATH]

Needs `xls-python` (the benchmark-only extra: `pip install kiln-hls[xls]`); not run in CI.

1. Probe XLS's `unit` delay model: for each XLS op the exporter uses, schedule a chain
   `add -> op x3 -> add` at clock periods 1, 2, ... and take the smallest that fits one
   stage: op delay = (period - 2) / 3. Literal, param and the return tuple are probed in
   their own small graphs.
2. Build regions with a kiln delay object that gives each IR op the probed delay of the
   XLS op it is exported as, no register overhead, memories with latency 0 (XLS's
   array_index is combinational) and no pipelined units.
3. For every region of every corpus kernel and every clock period N: export it
   (`kiln.scheduler.xls_export`), schedule it with XLS (`generator='pipeline'`,
   `delay_model='unit'`, `scheduling_strategy='sdc'`, `opt_level=0` so XLS's optimizer
   leaves the graph alone, `flop_inputs=flop_outputs=False` so only registers between
   stages exist) and count the bits of its `p<stage>_<node>` registers; schedule the
   mirror problem (the same graph as a kiln `Problem`, see `xls_export.mirror_problem`)
   with kiln's `schedule_sdc` and take `register_bits`.

Prints one row per (region, clock) and writes JSON. Exit status 0 when kiln's register
bits are at most XLS's on every region and clock, 1 otherwise. Regions XLS cannot express
(floating point) are listed as skipped, with the reason.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kiln.base.errors import KilnError
from kiln.frontend.c.check import load_c
from kiln.ir.kernel import Op
from kiln.ir.ops import OPS
from kiln.scheduler.regions import Options, kernel_regions
from kiln.scheduler.sdc import schedule_sdc
from kiln.scheduler.xls_export import export_region, mirror_problem

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "datasets" / "kernels"
PASSES = ("const-fold", "unroll", "const-fold", "dce")
CHAIN = 3  # ops per probe chain

# Probe graphs: `{x}` is the chain's bits[8] value; y: bits[8], c: bits[1], L: bits[8][4].
_CHAIN_FORMS = {
    **{op: f"{op}({{x}}, y)" for op in ("add", "sub", "and", "or", "xor", "umul", "smul")},
    **{op: f"{op}({{x}}, y)" for op in ("udiv", "sdiv", "umod", "smod", "shll", "shrl", "shra")},
    **{op: f"{op}({{x}})" for op in ("neg", "not", "identity", "concat")},
    "sel": "sel({c}, cases=[{x}, y])",
    "gate": "gate({c}, {x})",
    "bit_slice_update": "bit_slice_update({x}, {c}, y)",
    "bit_slice": "bit_slice({x}, start=0, width=8)",
    "zero_ext": "zero_ext({x}, new_bit_count=8)",
    "sign_ext": "sign_ext({x}, new_bit_count=8)",
    "array_index": "array_index(L, indices=[{x}])",
}
_COMPARES = ("eq", "ne", "ult", "ule", "ugt", "uge", "slt", "sle", "sgt", "sge")

# The XLS op each IR opcode is exported as (its most common form; the mirror problem then
# sets every node's delay from its exact XLS op).
XLS_OP = {
    "add": "add", "sub": "sub", "mul": "umul", "div": "udiv", "rem": "umod", "neg": "neg",
    "cast": "sign_ext", "eq": "eq", "ne": "ne", "lt": "ult", "le": "ule", "gt": "ugt",
    "ge": "uge", "and": "and", "or": "or", "xor": "xor", "not": "not", "shl": "shll",
    "shr": "shrl", "select": "sel", "slice": "bit_slice", "concat": "concat",
    "zext": "zero_ext", "sext": "sign_ext", "trunc": "bit_slice", "bitcast": "identity",
    "const": "literal", "load": "array_index", "store": "tuple", "read": "identity",
    "write": "identity",
}  # fmt: skip


def _xls():
    try:
        import xls
    except ImportError:
        sys.exit("this benchmark needs xls-python: .venv/bin/pip install xls-python")
    return xls


@dataclass
class XlsRun:
    stages: int
    register_bits: int
    registers: dict[str, list[int]]  # XLS node -> the stages whose end registers it
    seconds: float


_REG = re.compile(
    r"^\s*reg\s+(?:signed\s+)?(?:\[(\d+):(\d+)\]\s+)?p(\d+)_(\w+?)\s*((?:\[[^\]]*\]\s*)*);", re.M
)
_STAGE = re.compile(r"// ===== Pipe stage (\d+):")


def xls_schedule(text: str, top: str, clock_ps: int) -> XlsRun:
    """XLS's SDC schedule of `text` at `clock_ps` under the unit model, as its registers."""
    xls = _xls()
    t0 = time.perf_counter()
    verilog = (
        xls.Package.parse_ir(text)
        .schedule_and_codegen(
            generator="pipeline",
            top=top,
            delay_model="unit",
            clock_period_ps=clock_ps,
            scheduling_strategy="sdc",
            opt_level=0,
            flop_inputs=False,
            flop_outputs=False,
        )
        .get_verilog_text()
    )
    seconds = time.perf_counter() - t0
    bits, regs, last = 0, {}, 0
    for m in _REG.finditer(verilog):
        width = int(m.group(1)) - int(m.group(2)) + 1 if m.group(1) else 1
        for lo, hi in re.findall(r"\[(\d+)\s*:\s*(\d+)\]", m.group(5)):
            width *= abs(int(hi) - int(lo)) + 1
        stage = int(m.group(3))
        bits += width
        regs.setdefault(m.group(4), []).append(stage)
        last = max(last, stage + 1)
    last = max([last, *(int(s) for s in _STAGE.findall(verilog))])
    return XlsRun(last + 1, bits, regs, seconds)


# --- probing the unit model -----------------------------------------------------------
def _fits_one_stage(body: list[str], ret_type: str = "bits[8]") -> int:
    """The smallest clock period (ps) at which XLS schedules `body` in one stage."""
    text = "\n".join(
        [
            "package probe",
            "",
            "top fn f(a: bits[8], y: bits[8], c: bits[1]) -> " + ret_type + " {",
            "  L: bits[8][4] = literal(value=[0, 1, 2, 3])",
            *body,
            "}",
            "",
        ]
    )
    for period in range(1, 64):
        try:
            run = xls_schedule(text, "f", period)
        except Exception:  # noqa: BLE001 -- XLS raises a bare RuntimeError when a period is too short
            continue
        if run.stages == 1:
            return period
    raise RuntimeError(f"probe never fits one stage:\n{text}")


def _chain(form: str, compare: str | None = None) -> list[str]:
    """add, then CHAIN links of `form` (each after a `compare` of the link's input, when
    given, which gives `form` its bits[1] `c`), then add."""
    lines, x = ["  s: bits[8] = add(a, y)"], "s"
    for i in range(CHAIN):
        c = "c"
        if compare:
            c = f"k{i}"
            lines.append(f"  {c}: bits[1] = {compare}({x}, y)")
        lines.append(f"  n{i}: bits[8] = " + form.format(x=x, c=c))
        x = f"n{i}"
    return [*lines, f"  ret z: bits[8] = add({x}, y)"]


def probe_unit_delays() -> dict[str, float]:
    """XLS op -> delay in ps under XLS's `unit` model, read off small schedules."""
    out = {}
    for op, form in _CHAIN_FORMS.items():
        out[op] = (_fits_one_stage(_chain(form.replace("{c}", "c"))) - 2) / CHAIN
    for op in _COMPARES:  # a compare gives bits[1]: chain it through sel, whose delay we know
        out[op] = (_fits_one_stage(_chain(_CHAIN_FORMS["sel"], op)) - 2) / CHAIN - out["sel"]
    two_adds = ["  s: bits[8] = add(a, y)", "  ret z: bits[8] = add(s, y)"]
    out["param"] = _fits_one_stage(two_adds) - 2
    lit = [
        "  k: bits[8] = literal(value=3)",
        "  s: bits[8] = add(a, k)",
        "  ret z: bits[8] = add(s, y)",
    ]
    out["literal"] = _fits_one_stage(lit) - 2
    ret = ["  s: bits[8] = add(a, y)", "  t: bits[8] = add(s, y)", "  ret r: (bits[8]) = tuple(t)"]
    out["tuple"] = _fits_one_stage(ret, "(bits[8])") - 2
    return {k: float(v) for k, v in out.items()}


class MirrorDelays:
    """kiln delays mirroring XLS's unit model: each IR op costs what its XLS op costs."""

    register_overhead_ps = 0.0
    library = "xls-unit (probed)"

    def __init__(self, xls_delays: dict[str, float]):
        self.xls = xls_delays

    def delay_ps(self, op: Op) -> float:
        return self.xls[XLS_OP[op.opcode]]


# --- the comparison ---------------------------------------------------------------------
def compare_region(region, name: str, clock_ps: int, delays: dict[str, float]) -> dict:
    exp = export_region(region, name)
    mirror = mirror_problem(region, exp, delays)
    if len(mirror.ops) != exp.node_count:
        raise AssertionError(f"{name}: mirror has {len(mirror.ops)} nodes, XLS {exp.node_count}")
    t0 = time.perf_counter()
    sol = schedule_sdc(mirror)
    kiln_s = time.perf_counter() - t0
    mirror.verify(sol)
    run = xls_schedule(exp.text, exp.top, clock_ps)
    moved = sum(
        1
        for n, op in region.problem.ops.items()
        if abs(op.delay_ps - mirror.ops[n].delay_ps) > 1e-9
    )
    return {
        "nodes": exp.node_count,
        "region_nodes": len(region.problem.ops),
        "dropped_deps": exp.dropped,
        "delays_changed_by_mirror": moved,
        "xls_stages": run.stages,
        "kiln_stages": sol.stages,
        "xls_bits": run.register_bits,
        "kiln_bits": sol.register_bits,
        "xls_s": run.seconds,
        "kiln_s": kiln_s,
        "diff": _lifetime_diff(exp, mirror, sol, run)
        if sol.register_bits != run.register_bits
        else None,
    }


def _lifetime_diff(exp, mirror, sol, run: XlsRun) -> list[str]:
    """Per value, the boundaries each scheduler registers it across, where they differ."""
    cons = mirror.consumers()
    out = []
    for node, xname in exp.of.items():
        op = mirror.ops[node]
        uses = [sol.cycles[d.dst] for d in cons.get(node, [])]
        kiln = op.width * (max([sol.cycles[node], *uses]) - sol.cycles[node]) if op.width else 0
        xls_regs = run.registers.get(xname, [])
        xls = op.width * len(xls_regs)
        if kiln != xls:
            out.append(f"{node}: kiln {kiln} bits (cycle {sol.cycles[node]}), XLS {xls} {xls_regs}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clocks", type=int, nargs="+", default=[2, 3], help="periods in unit delays")
    ap.add_argument("--kernels", default="", help="comma-separated kernel names (default: all)")
    ap.add_argument("--json", default="benchmarks/results/vs_xls.json")
    args = ap.parse_args()
    t_start = time.perf_counter()

    delays = probe_unit_delays()
    probe_s = time.perf_counter() - t_start
    print(f"XLS unit-model delays (ps), probed in {probe_s:.1f} s:")
    print("  " + ", ".join(f"{k} {v:g}" for k, v in sorted(delays.items())))
    mirror = MirrorDelays(delays)
    unused = sorted(set(OPS) - set(XLS_OP))
    if unused:
        raise AssertionError(f"no XLS op for IR ops {unused}")

    manifest = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
    wanted = set(filter(None, args.kernels.split(",")))
    rows, skipped = [], []
    for entry in manifest:
        if wanted and entry["name"] not in wanted:
            continue
        ck = load_c(KERNELS / entry["file"], entry["top"], passes=PASSES)
        for clock in args.clocks:
            opts = Options(clock_period_ps=clock, mem_latency=0, pipeline_units=False)
            regions, _ = kernel_regions(ck.kernel, mirror, opts)
            for i, region in enumerate(regions):
                name = f"{entry['name']}_r{i}"
                try:
                    row = compare_region(region, name, clock, delays)
                except KilnError as err:
                    if clock == args.clocks[0]:
                        skipped.append({"kernel": entry["name"], "region": i, "why": err.message})
                    continue
                rows.append({"kernel": entry["name"], "region": i, "where": region.problem.name,
                             "clock": clock, **row})  # fmt: skip

    head = f"{'kernel':16} {'reg':>3} {'nodes':>5} {'clk':>3} {'XLS st':>6} {'kiln st':>7}"
    print(f"\n{head} {'XLS bits':>8} {'kiln bits':>9} {'ratio':>6}")
    for r in rows:
        ratio = r["kiln_bits"] / r["xls_bits"] if r["xls_bits"] else 1.0
        r["ratio"] = ratio
        print(
            f"{r['kernel']:16} {r['region']:3d} {r['nodes']:5d} {r['clock']:3d} "
            f"{r['xls_stages']:6d} {r['kiln_stages']:7d} {r['xls_bits']:8d} {r['kiln_bits']:9d} "
            f"{ratio:6.3f}"
        )
    for s in skipped:
        print(f"skipped {s['kernel']} region {s['region']}: {s['why']}")
    le = sum(r["kiln_bits"] <= r["xls_bits"] for r in rows)
    eq = sum(r["kiln_bits"] == r["xls_bits"] for r in rows)
    same_stages = sum(r["kiln_stages"] == r["xls_stages"] for r in rows)
    total = time.perf_counter() - t_start
    print(
        f"\nkiln <= XLS on {le}/{len(rows)} (region, clock) pairs ({eq} equal, {le - eq} lower); "
        f"same stage count on {same_stages}/{len(rows)}; {len(skipped)} region(s) skipped; "
        f"XLS {sum(r['xls_s'] for r in rows):.1f} s, kiln {sum(r['kiln_s'] for r in rows):.1f} s, "
        f"total {total:.1f} s"
    )
    for r in rows:
        if r["diff"]:
            print(f"\n{r['kernel']} region {r['region']} clock {r['clock']}: "
                  f"kiln {r['kiln_bits']} vs XLS {r['xls_bits']} bits")  # fmt: skip
            for line in r["diff"][:20]:
                print("  " + line)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "description": "pipeline register bits, kiln SDC vs XLS SDC, same graph and unit delays",
        "xls_unit_delays_ps": delays,
        "clocks": args.clocks,
        "pairs": len(rows),
        "kiln_le_xls": le,
        "kiln_eq_xls": eq,
        "same_stages": same_stages,
        "skipped": skipped,
        "seconds": total,
        "parity": le == len(rows),
    }
    out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")
    print(f"wrote {out}")
    return 0 if le == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
