"""Snapshot every corpus kernel's schedule and register counts, or compare two snapshots.

A refactor of the compile flow must not change what it builds. This records, for every
kernel of the C corpus at two clocks: each region's stages, II, register bits and the
cycle of every op; the kernel's pooled register bits; the emitted module's register and
controller bits; and a digest of its Verilog. Comparing two snapshots prints every
difference and exits 1 when there is one.

    .venv/bin/python scripts/schedule_snapshot.py --out before.json
    .venv/bin/python scripts/schedule_snapshot.py --out after.json --compare before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from kiln.base.errors import KilnError

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "datasets" / "kernels"
CLOCKS_PS = (2500.0, 5000.0)


def _emit(kernel, ks):
    """(register bits, controller bits, Verilog digest) of the module, or the refusal."""
    from kiln.backend.kernel_rtl import emit_kernel_rtl
    from kiln.backend.report import controller_bits

    try:
        rtl = emit_kernel_rtl(kernel, ks)
    except KilnError as err:
        return {"refused": str(err).splitlines()[0]}
    digest = hashlib.sha256(rtl.verilog.encode()).hexdigest()[:16]
    return {"rtl_bits": rtl.register_bits, "controller_bits": controller_bits(rtl), "v": digest}


def _schedule(kernel, clock_ps: float):
    from kiln.scheduler.kernel_schedule import schedule_kernel

    return schedule_kernel(kernel, clock_ps)


def snapshot_kernel(entry: dict) -> dict:
    from kiln.frontend.c.check import load_c
    from kiln.ir.passes import COMPILE_FLOW

    out = {}
    for clock in CLOCKS_PS:
        kernel = load_c(KERNELS / entry["file"], entry["top"], passes=COMPILE_FLOW).kernel
        ks = _schedule(kernel, clock)
        regions = [
            {
                "region": r.region.problem.name,
                "stages": r.solution.stages,
                "ii": r.solution.ii or None,
                "register_bits": r.solution.register_bits,
                "cycles": dict(sorted(r.solution.cycles.items())),
            }
            for r in ks.regions
        ]
        out[f"{clock:g}ps"] = {
            "register_bits": ks.register_bits,
            "regions": regions,
            **_emit(kernel, ks),
        }
    return out


def compare(before: dict, after: dict) -> list[str]:
    """One line per difference, naming the kernel, clock and field."""
    diffs = []
    for name in sorted(set(before) | set(after)):
        if name not in after or name not in before:
            diffs.append(f"{name}: only in {'before' if name in before else 'after'}")
            continue
        for clock in sorted(set(before[name]) | set(after[name])):
            a, b = before[name].get(clock, {}), after[name].get(clock, {})
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    shown = (a.get(key), b.get(key)) if key != "regions" else ("...", "...")
                    diffs.append(f"{name} @ {clock}: {key} {shown[0]} -> {shown[1]}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="snapshot JSON to write")
    ap.add_argument("--compare", metavar="BEFORE", help="an earlier snapshot to compare with")
    ap.add_argument("--kernels", metavar="A,B", help="only these corpus kernels")
    args = ap.parse_args(argv)
    manifest = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
    if args.kernels:
        manifest = [e for e in manifest if e["name"] in args.kernels.split(",")]
    snap = {}
    for k, entry in enumerate(manifest, 1):
        print(f"[{k}/{len(manifest)}] {entry['name']}", file=sys.stderr, flush=True)
        snap[entry["name"]] = snapshot_kernel(entry)
    Path(args.out).write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n")
    print(f"{len(snap)} kernels x {len(CLOCKS_PS)} clocks written to {args.out}")
    if not args.compare:
        return 0
    diffs = compare(json.loads(Path(args.compare).read_text()), snap)
    for line in diffs:
        print(line)
    same = len(snap) * len(CLOCKS_PS)
    print("identical" if not diffs else f"{len(diffs)} difference(s)", f"({same} schedules)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
