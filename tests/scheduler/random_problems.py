"""Random scheduling problems for property tests: DAGs of up to 40 ops with random
widths, delays and latencies, and loop bodies with recurrences and shared resources."""

from __future__ import annotations

import random

from kiln.scheduler.problem import Dep, Problem, SchedOp

DELAYS = (0, 40, 120, 250, 450, 700, 880)


def random_dag(seed: int, max_ops: int = 40, clock_ps: float = 1000.0) -> Problem:
    rng = random.Random(seed)
    n = rng.randint(2, max_ops)
    p = Problem(clock_period_ps=clock_ps, register_overhead_ps=100.0, name=f"dag{seed}")
    for i in range(n):
        latency = rng.choice((0, 0, 0, 0, 0, 1, 2))
        p.add_op(SchedOp(f"o{i}", rng.choice(DELAYS), latency, rng.choice((1, 3, 8, 16, 32))))
    for j in range(1, n):
        for i in rng.sample(range(j), min(j, rng.randint(0, 3))):
            p.add_dep(Dep(f"o{i}", f"o{j}", p.ops[f"o{i}"].latency))
    if rng.random() < 0.3:  # inputs pinned first, an output pinned last, as XLS pins them
        p.pins["o0"] = "first"
        p.pins[f"o{n - 1}"] = "last"
    return p


def random_loop(seed: int, max_ops: int = 14) -> Problem:
    """A loop body: a DAG plus loop-carried back edges and a shared resource class."""
    rng = random.Random(seed)
    p = random_dag(seed, max_ops)
    p.name = f"loop{seed}"
    p.pins.clear()
    names = list(p.ops)
    for _ in range(rng.randint(1, 3)):
        a, b = sorted(rng.sample(range(len(names)), 2)) if len(names) > 1 else (0, 0)
        p.add_dep(Dep(names[b], names[a], max(1, p.ops[names[b]].latency), rng.randint(1, 2)))
    for n in rng.sample(names, min(len(names), rng.randint(0, 5))):
        p.ops[n].resources = ("mul",)
    p.limits["mul"] = rng.randint(1, 2)
    p.ii = 1
    return p
