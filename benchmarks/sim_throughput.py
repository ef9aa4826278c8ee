"""Vectors per second through the IR interpreter, Icarus and Verilator, on the demo kernel.

    .venv/bin/python benchmarks/sim_throughput.py [--vectors N] [--json PATH]

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

from kiln.backend.testbench import make_vectors
from kiln.demo import mac_sat_kernel
from kiln.flow import compile_kernel
from kiln.ir import interpret
from kiln.ir.semantics import from_bits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", type=int, default=2000)
    ap.add_argument("--json", default="benchmarks/results/sim_throughput.json")
    args = ap.parse_args()

    kernel = mac_sat_kernel()
    out = Path(tempfile.mkdtemp(prefix="kiln_bench_"))
    design = compile_kernel(kernel, out)
    spec = make_vectors(kernel, design.module, args.vectors, seed=1)
    param_of = {port: name for name, port in design.module.ports.inputs.items()}
    inputs = [
        {
            param_of[port]: from_bits(v, kernel.param(param_of[port]).type)
            for port, v in vec["in"].items()
        }
        for vec in spec["vectors"]
    ]
    t0 = time.perf_counter()
    for raw in inputs:
        interpret(kernel, raw)
    rows = [{"engine": "interpreter", "seconds": time.perf_counter() - t0}]
    for sim in ("icarus", "verilator"):
        t0 = time.perf_counter()
        design.simulate(sim, vectors=args.vectors, seed=1)
        rows.append({"engine": sim, "seconds": time.perf_counter() - t0})
    base = rows[0]["seconds"]
    # Each simulator runs two cocotb tests over the vectors (one at a time, back to back).
    for r in rows:
        n = args.vectors * (1 if r["engine"] == "interpreter" else 2)
        r["vectors_per_s"] = n / r["seconds"]
        r["ratio_to_interpreter"] = r["vectors_per_s"] / (args.vectors / base)
    print(f"{'engine':12} {'seconds':>9} {'vectors/s':>11} {'vs interpreter':>15}")
    for r in rows:
        print(
            f"{r['engine']:12} {r['seconds']:9.2f} {r['vectors_per_s']:11.0f} "
            f"{r['ratio_to_interpreter']:14.3f}x"
        )
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"vectors": args.vectors, "rows": rows}, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
