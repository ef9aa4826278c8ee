"""How the SDC scheduler scales: seconds and peak memory for 500 to 10,000-op dataflow graphs.

    .venv/bin/python benchmarks/scheduler_scale.py [--sizes 500,1000,...] [--json PATH]

Each graph is a random dataflow DAG shaped like unrolled kernels: every op reads one to
three values made by the previous 64 ops, with widths from 1 to 64 bits and delays from
the shipped characterized library's range (0 to 900 ps), a tenth of them pipelined units
(latency 1 or 2), inputs pinned to the first cycle and sinks to the last, clock 1 ns.
Every size runs in a fresh process, so peak memory (ru_maxrss) is that size's own. The
baseline, in the same process, is the ASAP chaining pass over the same graph (one
topological sweep, no optimization): the table shows SDC time / ASAP time and SDC register
bits / ASAP register bits. Every SDC answer passes `Problem.verify`.

Target (issue [scheduler]): 5,000 ops in under 10 s with peak memory under 2 GB on the
2-core reference machine; the exit status is 0 when that holds.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from kiln.scheduler.problem import Dep, Problem, SchedOp, complete
from kiln.scheduler.sdc import schedule_sdc

TARGET_OPS, TARGET_S, TARGET_MB = 5000, 10.0, 2048.0


def dataflow_graph(n: int, seed: int = 0) -> Problem:
    rng = random.Random(seed)
    p = Problem(clock_period_ps=1000.0, register_overhead_ps=100.0, name=f"dag{n}")
    inputs = max(4, n // 50)
    for i in range(n):
        if i < inputs:
            p.add_op(SchedOp(f"o{i}", 0.0, 0, rng.choice((8, 16, 32))))
            p.pins[f"o{i}"] = "first"
            continue
        pipelined = rng.random() < 0.1
        delay = 0.0 if pipelined else rng.choice((0.0, 60.0, 150.0, 300.0, 450.0, 700.0, 880.0))
        p.add_op(
            SchedOp(
                f"o{i}",
                delay,
                rng.choice((1, 2)) if pipelined else 0,
                rng.choice((1, 8, 16, 32, 64)),
            )
        )
        for j in set(rng.randint(max(0, i - 64), i - 1) for _ in range(rng.randint(1, 3))):
            p.add_dep(Dep(f"o{j}", f"o{i}", p.ops[f"o{j}"].latency))
    used = {d.src for d in p.deps}
    for name in p.ops:
        if name not in used and name not in p.pins:
            p.pins[name] = "last"
    return p


def asap(p: Problem) -> dict[str, int]:
    """The baseline: each op in the earliest cycle its inputs and the clock allow."""
    cycle, finish = {}, {}
    preds: dict[str, list[Dep]] = {n: [] for n in p.ops}
    for d in p.deps:
        preds[d.dst].append(d)
    for n, op in p.ops.items():  # ops were added in topological order
        c = max((cycle[d.src] + d.latency for d in preds[n]), default=0)
        start = max(
            (finish[d.src] for d in preds[n] if d.chains and cycle[d.src] == c), default=0.0
        )
        if op.latency == 0 and start + op.delay_ps > p.budget_ps:
            c, start = c + 1, 0.0
        cycle[n], finish[n] = c, start + op.delay_ps
    last = max(cycle.values())
    for n, pin in p.pins.items():  # outputs to the last cycle, as the SDC schedule has them
        if pin == "last":
            cycle[n] = last
    return cycle


def measure(n: int) -> dict:
    p = dataflow_graph(n)
    t0 = time.perf_counter()
    base = complete(p, asap(p), 0, "asap")
    asap_s = time.perf_counter() - t0
    sol = schedule_sdc(p)
    p.verify(sol)
    p.verify(base)
    return {
        "ops": n,
        "deps": len(p.deps),
        "sdc_s": round(sol.seconds, 3),
        "asap_s": round(asap_s, 4),
        "time_ratio": round(sol.seconds / asap_s, 1),
        "stages": sol.stages,
        "asap_stages": base.stages,
        "register_bits": sol.register_bits,
        "asap_register_bits": base.register_bits,
        "register_ratio": round(sol.register_bits / max(1, base.register_bits), 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,1000,2000,5000,10000")
    ap.add_argument("--json", default="benchmarks/results/scheduler_scale.json")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child: measure one size
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    rows = []
    head = (
        f"{'ops':>6} {'deps':>6} {'SDC s':>7} {'ASAP s':>7} {'ratio':>6} {'stages':>9} "
        f"{'reg bits':>9} {'vs ASAP':>7} {'peak MB':>8}"
    )
    print(head)
    for n in (int(x) for x in args.sizes.split(",")):
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=False
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        r = json.loads(child.stdout)
        rows.append(r)
        print(
            f"{r['ops']:>6} {r['deps']:>6} {r['sdc_s']:>7.2f} {r['asap_s']:>7.3f} "
            f"{r['time_ratio']:>6.0f} {r['stages']:>4}/{r['asap_stages']:<4} "
            f"{r['register_bits']:>9} {r['register_ratio']:>7.3f} {r['peak_mb']:>8.0f}"
        )
    target = [r for r in rows if r["ops"] == TARGET_OPS]
    ok = all(r["sdc_s"] < TARGET_S and r["peak_mb"] < TARGET_MB for r in target)
    if target:
        r = target[0]
        print(
            f"target: {TARGET_OPS} ops in {r['sdc_s']:.2f} s (< {TARGET_S:g}) with "
            f"{r['peak_mb']:.0f} MB peak (< {TARGET_MB:g}): {'met' if ok else 'MISSED'}"
        )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "target_met": ok}, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
