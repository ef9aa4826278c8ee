"""Test vectors for a generated module: random inputs and the interpreter's outputs.

The vectors file is the contract between the compiler and the cocotb test in
`kiln.hw_tests.vectors_tb`: port names and widths, the expected latency, and for each
vector the input and output bit patterns (unsigned integers) that must match exactly.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from kiln.backend.emit import EmittedModule
from kiln.ir.interpreter import interpret
from kiln.ir.kernel import Direction, Kernel
from kiln.ir.semantics import bits
from kiln.ir.types import ScalarType


def random_raw(t: ScalarType, rng: random.Random) -> int:
    """A raw value of `t`: a corner (min, max, 0, +-1, powers of two) a third of the time."""
    if rng.random() < 1 / 3:
        corners = [t.min_raw, t.max_raw, 0, 1, t.min_raw + 1, t.max_raw - 1]
        if t.signed:
            corners.append(-1)
        corners.append(1 << rng.randrange(t.width - (1 if t.signed else 0) or 1))
        return min(max(rng.choice(corners), t.min_raw), t.max_raw)
    return rng.randint(t.min_raw, t.max_raw)


def make_vectors(kernel: Kernel, module: EmittedModule, count: int, seed: int = 0) -> dict:
    rng = random.Random(seed)
    ins = [p for p in kernel.params if p.direction is Direction.IN]
    outs = [p for p in kernel.params if p.direction is Direction.OUT]
    vectors = []
    for _ in range(count):
        raw = {p.name: random_raw(p.type, rng) for p in ins}
        result = interpret(kernel, raw)
        vectors.append(
            {
                "in": {module.ports.inputs[p.name]: bits(raw[p.name], p.type) for p in ins},
                "out": {module.ports.outputs[p.name]: bits(result[p.name], p.type) for p in outs},
            }
        )
    return {
        "top": module.name,
        "latency": module.ports.latency,
        "inputs": {module.ports.inputs[p.name]: p.type.width for p in ins},
        "outputs": {module.ports.outputs[p.name]: p.type.width for p in outs},
        "seed": seed,
        "vectors": vectors,
    }


def write_vectors(path: Path, vectors: dict) -> Path:
    path.write_text(json.dumps(vectors))
    return path
