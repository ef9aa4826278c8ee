"""Floats in the IR (IEEE bit patterns with C's conversions), `static` storage that keeps its
contents from call to call, and out parameters that start from what the caller held."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from kiln.base.errors import BackendError, VerifyError
from kiln.ir import F32, F64, interpret, parse_kernel, print_ir, verify
from kiln.ir.semantics import evaluate, float_bits, float_value
from kiln.ir.types import i, u


def f32(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def test_float_arithmetic_rounds_once_in_its_own_precision():
    a, b = f32(0.1), f32(0.2)
    got = evaluate("add", [a, b], [F32, F32], F32, {})
    assert got == f32(float(np.float32(0.1) + np.float32(0.2)))
    assert evaluate("div", [f64(1.0), f64(3.0)], [F64, F64], F64, {}) == f64(1.0 / 3.0)


@pytest.mark.parametrize(
    ("value", "t", "want"),
    [
        (16777217, F32, 16777216.0),  # ties to even at 2**24 + 1
        ((1 << 64) - 1, F32, 18446744073709551616.0),
        ((1 << 53) + 1, F64, 9007199254740992.0),
        (-(1 << 63), F64, -9223372036854775808.0),
        ((1 << 60) + (1 << 36) + 1, F32, float(np.float32(2**60 + 2**37))),  # sticky bit
    ],
)
def test_int_to_float_is_c_conversion(value, t, want):
    src = i(65) if value < 0 or value >= 1 << 64 else u(64)
    raw = evaluate("cast", [value], [src], t, {})
    assert float(float_value(raw, t)) == want


def test_float_to_int_truncates_toward_zero():
    assert evaluate("cast", [f64(-2.7)], [F64], i(32), {}) == -2
    assert evaluate("cast", [f32(3.99)], [F32], u(8), {}) == 3
    assert evaluate("cast", [f64(float("nan"))], [F64], i(32), {}) == 0


def test_float_compare_follows_ieee():
    nan = f32(float("nan"))
    assert evaluate("eq", [nan, nan], [F32, F32], u(1), {}) == 0
    assert evaluate("ne", [nan, nan], [F32, F32], u(1), {}) == 1
    assert evaluate("lt", [f32(-0.0), f32(0.0)], [F32, F32], u(1), {}) == 0
    assert float_bits(-0.0, F32) == 0x80000000


KERNEL = """kernel @acc(in %x: f32, out @y: f32, inout @n: i32) {
  static @total: f32 = 0
  static @calls: i32[2] = [5, 0]
  %t = read @total : f32
  %s = add %t, %x : f32
  write @total, %s
  write @y, %s
  %z = const 0 : i32
  %c = load @calls[%z] : i32
  %one = const 1 : i32
  %c2 = add %c, %one : i32
  store @calls[%z], %c2
  write @n, %c2
}
"""


def test_static_storage_persists_across_calls_and_round_trips():
    k = parse_kernel(KERNEL, "acc.kir")
    assert print_ir(k) == KERNEL
    state: dict[str, list[int]] = {}
    outs = [interpret(k, {"x": f32(1.5), "n": 0}, state=state) for _ in range(3)]
    assert [float(float_value(o["y"], F32)) for o in outs] == [1.5, 3.0, 4.5]
    assert [o["n"] for o in outs] == [6, 7, 8]
    assert state["calls"] == [8, 0]
    fresh = interpret(k, {"x": f32(1.5), "n": 0})
    assert fresh["n"] == 6, "without a state dict every call starts from the initial values"


def test_out_parameter_starts_from_given_contents():
    k = parse_kernel(
        """kernel @half(out @y: i8[4]) {
  %i = const 1 : u2
  %v = const 7 : i8
  store @y[%i], %v
}
""",
        "half.kir",
    )
    assert interpret(k, {})["y"] == [0, 7, 0, 0]
    assert interpret(k, {"y": [1, 2, 3, 4]})["y"] == [1, 7, 3, 4]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("%r = add %a, %b : f32", "cannot mix f32 with integers"),
        ("%r = and %a, %a : f32", "bitcast it to u32 first"),
        ("%r = rem %a, %a : f32", "must be integers"),
    ],
)
def test_verifier_keeps_floats_apart(body, message):
    text = f"kernel @k(in %a: f32, in %b: i32) {{\n  {body}\n}}\n"
    with pytest.raises(VerifyError, match=message):
        verify(parse_kernel(text, "k.kir"))


def test_backend_refuses_float_kernels_clearly():
    from kiln.backend import emit_kernel_rtl
    from kiln.scheduler import schedule_kernel

    k = parse_kernel(
        "kernel @k(in %a: f32, out @y: f32) {\n  %r = add %a, %a : f32\n  write @y, %r\n}\n",
        "k.kir",
    )
    with pytest.raises(BackendError, match="floating-point hardware is not generated yet"):
        emit_kernel_rtl(k, schedule_kernel(k, 2000.0))
