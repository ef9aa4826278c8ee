"""Seconds from C to verified IR for every kernel of the corpus, against gcc compiling the file.

    .venv/bin/python benchmarks/c_frontend.py [--repeat N] [--json PATH]

Prints a table and writes JSON. For each kernel in datasets/kernels/manifest.json, kiln's
time is `load_c` (gcc -E, parse, lowering, IR verification, const-fold and dce), best of N
runs; the baseline, measured in the same run, is `gcc -std=gnu99 -O0 -c -o /dev/null` on the
same file, best of N. The target is that the largest kernel (by IR op count) goes from C to
verified IR in under 2 s; the exit status is 0 when it does, 1 when it does not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from kiln.frontend.c.check import load_c
from kiln.ir.kernel import walk_ops

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "datasets" / "kernels"
TARGET_S = 2.0


def best_of(repeat: int, fn) -> tuple[float, object]:
    """The fastest of `repeat` timed calls of `fn`, and what the last call returned."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def gcc_compile(path: Path) -> None:
    cmd = ["gcc", "-std=gnu99", "-O0", "-c", "-o", "/dev/null", str(path)]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{run.stderr}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    ap.add_argument("--json", default="benchmarks/results/c_frontend.json")
    args = ap.parse_args()

    manifest = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
    rows = []
    for entry in manifest:
        path = KERNELS / entry["file"]
        kiln_s, ck = best_of(args.repeat, lambda p=path, t=entry["top"]: load_c(p, t))
        gcc_s, _ = best_of(args.repeat, lambda p=path: gcc_compile(p))
        rows.append(
            {
                "kernel": entry["name"],
                "file": entry["file"],
                "ir_ops": sum(1 for _ in walk_ops(ck.kernel.body)),
                "c_lines": len(path.read_text().splitlines()),
                "kiln_s": kiln_s,
                "gcc_s": gcc_s,
                "ratio_to_gcc": kiln_s / gcc_s,
            }
        )

    print(f"{'kernel':18} {'IR ops':>7} {'C lines':>8} {'kiln s':>8} {'gcc s':>8} {'ratio':>8}")
    for r in rows:
        print(
            f"{r['kernel']:18} {r['ir_ops']:7d} {r['c_lines']:8d} {r['kiln_s']:8.3f} "
            f"{r['gcc_s']:8.3f} {r['ratio_to_gcc']:7.2f}x"
        )
    largest = max(rows, key=lambda r: r["ir_ops"])
    met = largest["kiln_s"] < TARGET_S
    target = {
        "description": f"largest kernel (by IR op count) from C to verified IR in < {TARGET_S} s",
        "kernel": largest["kernel"],
        "ir_ops": largest["ir_ops"],
        "kiln_s": largest["kiln_s"],
        "gcc_s": largest["gcc_s"],
        "limit_s": TARGET_S,
        "met": met,
    }
    print(
        f"largest: {largest['kernel']} ({largest['ir_ops']} IR ops, {largest['c_lines']} C "
        f"lines): {largest['kiln_s']:.3f} s from C to verified IR "
        f"({largest['ratio_to_gcc']:.2f}x gcc -O0 -c); target < {TARGET_S} s: "
        f"{'met' if met else 'NOT met'}"
    )
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"repeat": args.repeat, "rows": rows, "target": target}
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
