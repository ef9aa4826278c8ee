"""Value ranges: every value a run makes lies in the range the analysis gives it."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kiln.ir.interpreter as interpreter
from kiln.base.errors import InterpretError
from kiln.frontend.c.check import load_c
from kiln.ir import ArrayType, Direction, interpret, parse_kernel
from kiln.ir.kernel import walk_ops
from kiln.ir.passes import COMPILE_FLOW
from kiln.ir.ranges import significant_bits, value_ranges

sys.path.insert(0, os.path.dirname(__file__))
from kernel_strategies import kernels  # noqa: E402  (needs the path above)

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
_BIG = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


class _Seen(dict):
    """An interpreter environment that remembers every value each id took."""

    def __init__(self):
        super().__init__()
        self.values: dict[int, set[int]] = {}

    def __setitem__(self, key, value):
        self.values.setdefault(key, set()).add(value)
        super().__setitem__(key, value)


def run_and_check(k, inputs, monkeypatch, step_limit) -> int:
    """Interpret `k` and assert each value stays in its range; returns values checked."""
    ranges = value_ranges(k)
    seen = _Seen()
    real_init = interpreter._Machine.__init__

    def init(self, kernel, limit):
        real_init(self, kernel, limit)
        self.env = seen

    monkeypatch.setattr(interpreter._Machine, "__init__", init)
    try:
        interpret(k, inputs, step_limit=step_limit)
    except InterpretError:
        pass  # what ran before the stop still counts
    finally:
        monkeypatch.setattr(interpreter._Machine, "__init__", real_init)
    checked = 0
    for vid, values in seen.values.items():
        if vid in ranges:
            lo, hi = ranges[vid]
            assert lo <= min(values) and max(values) <= hi, (vid, (lo, hi), sorted(values)[:8])
            checked += 1
    return checked


def random_inputs(k, rng: random.Random) -> dict:
    inputs = {}
    for p in k.params:
        if p.direction is Direction.OUT:
            continue
        elem = p.type.elem if isinstance(p.type, ArrayType) else p.type
        extremes = rng.random() < 0.3  # all cells at the ends of the type's range
        cells = [
            rng.choice((elem.min_raw, elem.max_raw))
            if extremes
            else rng.randint(elem.min_raw, elem.max_raw)
            for _ in range(getattr(p.type, "size", 1))
        ]
        inputs[p.name] = cells if isinstance(p.type, ArrayType) else cells[0]
    return inputs


@settings(max_examples=300, deadline=None, suppress_health_check=_BIG)
@given(kernels(max_stmts=14), st.integers(0, 2**32))
def test_random_kernels_stay_in_their_ranges(k, seed) -> None:
    with pytest.MonkeyPatch.context() as mp:
        run_and_check(k, random_inputs(k, random.Random(seed)), mp, 20_000)


_INTEGER = [
    e for e in json.loads((KERNELS / "manifest.json").read_text())["kernels"] if not e["uses_float"]
]


@pytest.mark.parametrize("entry", _INTEGER, ids=[e["name"] for e in _INTEGER])
def test_corpus_kernels_stay_in_their_ranges(entry, monkeypatch) -> None:
    k = load_c(KERNELS / entry["file"], entry["top"], passes=COMPILE_FLOW).kernel
    rng = random.Random(entry["name"])
    checked = sum(run_and_check(k, random_inputs(k, rng), monkeypatch, 300_000) for _ in range(3))
    assert checked > 0


def ranges_by_name(text: str) -> dict[str, tuple[int, int]]:
    k = parse_kernel(text)
    r = value_ranges(k)
    return {op.result.name: r[id(op.result)] for op in walk_ops(k.body) if op.result is not None}


def test_a_sum_of_bytes_has_the_bits_of_its_largest_total():
    got = ranges_by_name("""kernel @k(in @x: u8[4], out @y: i32) {
  %0 = const 0 : i32
  %1 = const 1 : i32
  %2 = load @x[%0] : u8
  %3 = load @x[%1] : u8
  %4 = zext %2 : i32
  %5 = zext %3 : i32
  %9 = const 1 : u32
  %6 = shl %5, %9 : i32
  %7 = add %4, %6 : i32
  %8 = sub %4, %6 : i32
  write @y, %7
}
""")
    assert got["7"] == (0, 255 + 510) and significant_bits(got["7"]) == (10, False)
    assert got["8"] == (-510, 255) and significant_bits(got["8"]) == (10, True)


def test_a_counter_that_may_overflow_gets_its_whole_type():
    got = ranges_by_name("""kernel @k(in %n: u8, out @y: u8) {
  var @c: u8 = 0
  for %i: u8 = 0 to %n step 1 {
    %0 = read @c : u8
    %1 = const 1 : u8
    %2 = add %0, %1 : u8
    write @c, %2
  }
  %3 = read @c : u8
  write @y, %3
}
""")
    assert got["0"] == (0, 255) and got["3"] == (0, 255)


def test_a_masked_variable_settles_on_the_mask():
    got = ranges_by_name("""kernel @k(in @x: i32[8], out @y: i32) {
  var @h: i32 = 0
  for %i: i32 = 0 to 8 step 1 {
    %0 = read @h : i32
    %1 = load @x[%i] : i32
    %2 = xor %0, %1 : i32
    %3 = const 255 : i32
    %4 = and %2, %3 : i32
    write @h, %4
  }
  %5 = read @h : i32
  write @y, %5
}
""")
    assert got["0"] == (0, 255) and got["5"] == (0, 255)
