"""`kiln compile` of the largest integer corpus kernel, through co-simulation.

The largest kernel is the one with the most IR ops after unrolling. Each stage of the flow
is timed from its progress message to the next; the baseline is the gcc golden run of the
same kernel's testbench (what any C flow pays), reported as a ratio. Target: the whole
compile, co-simulation included, under 60 s on this machine. Writes JSON (default
benchmarks/results/compile_rtl.json).

    .venv/bin/python benchmarks/compile_rtl.py [--kernel NAME] [--synth] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from kiln.api import compile_c
from kiln.config import CompileConfig
from kiln.frontend.c.check import load_c
from kiln.ir.kernel import walk_ops
from kiln.ir.passes import COMPILE_FLOW

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "datasets" / "kernels"
TARGET_S = 60.0


def largest() -> dict:
    manifest = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
    sizes = []
    for e in manifest:
        if e["uses_float"]:
            continue
        k = load_c(KERNELS / e["file"], e["top"], passes=COMPILE_FLOW).kernel
        sizes.append((sum(1 for _ in walk_ops(k.body)), e["name"], e))
    sizes.sort(key=lambda t: (t[0], t[1]))
    ops, _, entry = sizes[-1]
    return {**entry, "ir_ops": ops}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", help="a corpus kernel name (default: the largest)")
    ap.add_argument("--synth", action="store_true", help="also time synthesis and STA")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "compile_rtl.json"))
    args = ap.parse_args(argv)
    if args.kernel:
        manifest = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
        entry = next(e for e in manifest if e["name"] == args.kernel)
    else:
        entry = largest()
    marks: list[tuple[str, float]] = []

    def progress(msg: str) -> None:
        marks.append((msg, time.perf_counter()))

    opts = CompileConfig.make(clock_ns=2.5, synthesize=args.synth)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = compile_c(
            KERNELS / entry["file"], entry["top"], Path(tmp), opts, progress
        ).report()
        total = time.perf_counter() - t0
    stages = []
    for (msg, t), (_, t_next) in zip(marks, marks[1:], strict=False):
        stages.append({"stage": msg.split(":")[0][:60], "seconds": round(t_next - t, 2)})
    golden = next(s["seconds"] for s in stages if s["stage"].startswith("running the C"))
    print(f"kernel {entry['name']} ({entry.get('ir_ops', '?')} IR ops), clock 2.5 ns")
    for s in stages:
        print(f"  {s['seconds']:7.2f} s  {s['stage']}")
    calls = report["checks"]["cosim_verilator"]["calls"]
    print(
        f"total {total:.1f} s for {calls} co-simulated call(s); target {TARGET_S:g} s: "
        f"{'met' if total < TARGET_S else 'MISSED'}; {total / golden:.1f}x the gcc golden run"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "kernel": entry["name"],
        "ir_ops": entry.get("ir_ops"),
        "total_s": round(total, 2),
        "target_s": TARGET_S,
        "golden_s": golden,
        "ratio_to_golden": round(total / golden, 1),
        "stages": stages,
        "calls": calls,
        "latency": report["latency"],
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
