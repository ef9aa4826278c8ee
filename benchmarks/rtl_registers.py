"""Register bits: what the schedule and controller imply against what Yosys keeps.

For every integer corpus kernel at 2.5 ns: the schedule's pipeline register bits (pooled:
registers of one signal shared), the controller's bits (every other register: state,
counters, variables, inputs, values kept between regions, memory read registers,
completely partitioned arrays), their sum, and the register bits Yosys counts after its
coarse passes (flip-flops plus memories' registered read ports; memory words excluded).
Prints a table and the share of kernels within 10%; writes JSON (default
benchmarks/results/rtl_registers.json).

    .venv/bin/python benchmarks/rtl_registers.py [--out FILE] [--kernels a,b]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from kiln.backend.kernel_rtl import emit_kernel_rtl
from kiln.backend.report import controller_bits
from kiln.feedback.synthesis import count_registers
from kiln.frontend.c.check import load_c
from kiln.ir.passes import COMPILE_FLOW
from kiln.scheduler.kernel_schedule import schedule_kernel
from kiln.scheduler.regions import Options

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "datasets" / "kernels"
CLOCK_PS = 2500.0
TOLERANCE = 0.10


def measure(entry: dict, work: Path) -> dict:
    ck = load_c(KERNELS / entry["file"], entry["top"], passes=COMPILE_FLOW)
    ks = schedule_kernel(ck.kernel, CLOCK_PS, None, Options())
    rtl = emit_kernel_rtl(ck.kernel, ks)
    path = work / f"{rtl.name}.v"
    path.write_text(rtl.verilog)
    t0 = time.perf_counter()
    ff, mem = count_registers(path, rtl.name, work / entry["name"])
    control = controller_bits(rtl)
    expected = ks.register_bits + control
    return {
        "kernel": entry["name"],
        "schedule": ks.register_bits,
        "controller": control,
        "expected": expected,
        "yosys": ff,
        "ratio": round(ff / expected, 3) if expected else None,
        "rtl": rtl.register_bits,
        "yosys_s": round(time.perf_counter() - t0, 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "rtl_registers.json"))
    ap.add_argument("--kernels", help="comma-separated kernel names (default: all integer)")
    args = ap.parse_args(argv)
    manifest = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
    chosen = [k for k in manifest if not k["uses_float"]]
    if args.kernels:
        names = set(args.kernels.split(","))
        chosen = [k for k in chosen if k["name"] in names]
    rows = []
    print(
        f"{'kernel':<18} {'schedule':>8} {'control':>8} {'expected':>8} {'yosys':>7} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for entry in chosen:
            r = measure(entry, Path(tmp))
            rows.append(r)
            print(
                f"{r['kernel']:<18} {r['schedule']:>8} {r['controller']:>8} {r['expected']:>8} "
                f"{r['yosys']:>7} {r['ratio']:>6}",
                flush=True,
            )
    within = sum(1 for r in rows if r["ratio"] and abs(r["ratio"] - 1) <= TOLERANCE)
    print(f"\n{within}/{len(rows)} kernels within {TOLERANCE:.0%} of schedule + controller")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"clock_ps": CLOCK_PS, "within": within, "rows": rows}, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
