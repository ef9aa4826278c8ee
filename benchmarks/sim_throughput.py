"""Calls per second through the IR interpreter, Icarus and Verilator, on the demo kernel.

    .venv/bin/python benchmarks/sim_throughput.py [--calls N] [--json PATH]

Prints a table and writes JSON. The interpreter is the baseline: each simulator's row
gives its speed as a ratio to it, measured in the same run. Simulator times include
building the model (Verilator compiles C++), since that is what a user waits for.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kiln.api import compile_ir
from kiln.config import CompileConfig
from kiln.demo import mac_sat_kernel
from kiln.ir import interpret


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--json", default="benchmarks/results/sim_throughput.json")
    args = ap.parse_args()

    kernel = mac_sat_kernel()
    out = Path(tempfile.mkdtemp(prefix="kiln_bench_"))
    config = CompileConfig.make(vectors=args.calls, seed=1, simulate=False, synthesize=False)
    design = compile_ir(kernel, out, config, progress=lambda _m: None)
    inputs = [{k: v[0] for k, v in call.inputs.items()} for call in design.kernel.calls]
    t0 = time.perf_counter()
    for raw in inputs:
        interpret(kernel, raw)
    rows = [{"engine": "interpreter", "seconds": time.perf_counter() - t0}]
    for sim in ("icarus", "verilator"):
        t0 = time.perf_counter()
        design.simulate(sim)
        rows.append({"engine": sim, "seconds": time.perf_counter() - t0})
    base = rows[0]["seconds"]
    for r in rows:
        r["calls_per_s"] = args.calls / r["seconds"]
        r["ratio_to_interpreter"] = r["calls_per_s"] / (args.calls / base)
    print(f"{'engine':12} {'seconds':>9} {'calls/s':>11} {'vs interpreter':>15}")
    for r in rows:
        print(
            f"{r['engine']:12} {r['seconds']:9.2f} {r['calls_per_s']:11.0f} "
            f"{r['ratio_to_interpreter']:14.3f}x"
        )
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"calls": args.calls, "rows": rows}, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
