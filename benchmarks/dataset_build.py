"""Throughput of the bug-dataset build: validated samples per minute, and the full build time.

    .venv/bin/python benchmarks/dataset_build.py [--samples 5000] [--workers 2] [--out DIR]
                                                 [--json PATH]

Builds the dataset from scratch (seed 0) into a fresh folder and prints a table: samples,
jobs run (every candidate is compiled and put before the oracles, including the ones the
oracles discard), wall time, samples per minute and jobs per minute. The baseline in the
same run is one worker on a small build of the same corpus, so the table shows what the
second worker buys. Target (issue [dataset]): 5,000 buggy samples (plus the clean ones) in
under 45 minutes on the 2-core reference machine; the exit status is 0 when that holds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kiln.datasets.bugs.build import build

TARGET_MIN = 45.0


def timed(out: Path, samples: int, workers: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.monotonic()
    stats = build(out, seed=0, buggy=samples, workers=workers, progress=None)
    minutes = (time.monotonic() - t0) / 60
    return {
        "buggy_asked": samples,
        "workers": workers,
        "samples": stats["samples"],
        "jobs": stats["jobs_run"],
        "minutes": round(minutes, 2),
        "samples_per_min": round(stats["samples"] / minutes, 1),
        "jobs_per_min": round(stats["jobs_run"] / minutes, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=5000, help="buggy samples of the full build")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--baseline-samples", type=int, default=200)
    ap.add_argument("--out", help="build folder (default: a temporary one, removed)")
    ap.add_argument("--json", default="benchmarks/results/dataset_build.json")
    args = ap.parse_args()
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="kiln-ds-bench-"))
    rows = [
        timed(root / "baseline", args.baseline_samples, 1),
        timed(root / "scaled", args.baseline_samples, args.workers),
        timed(root / "full", args.samples, args.workers),
    ]
    print(
        f"{'buggy asked':>11} {'workers':>7} {'samples':>8} {'jobs':>7} {'minutes':>8} "
        f"{'samples/min':>11} {'jobs/min':>9}"
    )
    for r in rows:
        print(
            f"{r['buggy_asked']:>11} {r['workers']:>7} {r['samples']:>8} {r['jobs']:>7} "
            f"{r['minutes']:>8.2f} {r['samples_per_min']:>11.1f} {r['jobs_per_min']:>9.1f}"
        )
    speedup = rows[1]["samples_per_min"] / rows[0]["samples_per_min"]
    ok = rows[2]["minutes"] < TARGET_MIN
    print(
        f"{args.workers} workers vs 1: {speedup:.2f}x samples/min; full build "
        f"{rows[2]['minutes']:.1f} min (< {TARGET_MIN:g}): {'met' if ok else 'MISSED'}"
    )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "speedup": speedup, "target_met": ok}, indent=2))
    if not args.out:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
