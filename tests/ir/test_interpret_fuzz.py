"""Any verified kernel, on any inputs, runs to an answer or stops with an InterpretError."""

from __future__ import annotations

import os
import random
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln.base.errors import InterpretError
from kiln.ir import ArrayType, Direction, interpret

sys.path.insert(0, os.path.dirname(__file__))
from kernel_strategies import kernels  # noqa: E402  (needs the path above)

_BIG = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


@settings(max_examples=200, deadline=None, suppress_health_check=_BIG)
@given(kernels(max_stmts=10), st.integers(0, 2**32))
def test_random_kernels_run_or_stop_cleanly(k, seed) -> None:
    rng = random.Random(seed)
    inputs = {}
    for p in k.params:
        if p.direction is Direction.OUT:
            continue
        elem = p.type.elem if isinstance(p.type, ArrayType) else p.type
        cells = [rng.randint(elem.min_raw, elem.max_raw) for _ in range(getattr(p.type, "size", 1))]
        inputs[p.name] = cells if isinstance(p.type, ArrayType) else cells[0]
    try:
        out = interpret(k, inputs, step_limit=20_000)
    except InterpretError as err:
        assert err.message
        return
    for p in k.params:
        if p.direction is not Direction.IN:
            elem = p.type.elem if isinstance(p.type, ArrayType) else p.type
            values = out[p.name] if isinstance(out[p.name], list) else [out[p.name]]
            assert all(elem.contains_raw(v) for v in values), (p.name, values)
