"""End-to-end runs of `kiln.ir.interpret` on kernels written as IR text and with
`KernelBuilder`: loops, branches, while loops, and the errors a run can stop with."""

from __future__ import annotations

import pytest

from kiln.base.errors import InterpretError
from kiln.ir import ArrayType, KernelBuilder, fixed, i, interpret, parse_kernel, print_ir, u

ACC = """\
kernel @acc(in @x: i8[4], out @y: i16) {
  var @s: i16 = 0
  for %i: u3 = 0 to 4 step 1 {
    %0 = load @x[%i] : i8
    %1 = read @s : i16
    %2 = add %1, %0 : i16
    write @s, %2
  }
  %3 = read @s : i16
  write @y, %3
}
"""

MAX = """\
kernel @max(in %a: i8, in %b: i8, out @y: i8, out @which: u1) {
  %c = gt %a, %b : u1
  if %c {
    write @y, %a
    %t = const 1 : u1
    write @which, %t
  } else {
    write @y, %b
  }
}
"""

# Euclid's algorithm: the condition's values (%b0) stay visible in the body.
GCD = """\
kernel @gcd(in %a: u8, in %b: u8, out @g: u8) {
  var @x: u8
  var @y: u8
  write @x, %a
  write @y, %b
  while [max_trip=16] {
    %b0 = read @y : u8
    %zero = const 0 : u8
    %go = ne %b0, %zero : u1
  } cond %go do {
    %a0 = read @x : u8
    %r = rem %a0, %b0 : u8
    write @x, %b0
    write @y, %r
  }
  %out = read @x : u8
  write @g, %out
}
"""

COUNT = """\
kernel @count(in %n: u8, out @k: u8) {
  var @c: u8 = 0
  while [max_trip=5] {
    %c0 = read @c : u8
    %more = lt %c0, %n : u1
  } cond %more do {
    %one = const 1 : u8
    %c1 = add %c0, %one : u8
    write @c, %c1
  }
  %last = read @c : u8
  write @k, %last
}
"""

GATHER = """\
kernel @gather(in @x: i8[4], in %i: u3, out @y: i8) {
  %v = load @x[%i] : i8
  write @y, %v
}
"""


def build_acc():
    """The same kernel as `ACC`, through the builder."""
    kb = KernelBuilder("acc")
    x = kb.input("x", ArrayType(i(8), (4,)))
    y = kb.output("y", i(16))
    s = kb.var("s", i(16), init=0)
    with kb.for_("i", u(3), 0, 4) as idx:
        v = kb.load(x, idx)
        kb.write(s, kb.add(kb.read(s), v, i(16)))
    kb.write(y, kb.read(s))
    return kb.build()


@pytest.mark.parametrize(
    ("xs", "total"),
    [([1, 2, 3, 4], 10), ([1, -2, 127, 100], 226), ([-128] * 4, -512), ([0, 0, 0, 0], 0)],
)
def test_for_loop_sums_an_array(xs, total):
    text_kernel = parse_kernel(ACC)
    built = build_acc()
    assert interpret(text_kernel, {"x": xs}) == {"y": total}
    assert interpret(built, {"x": xs}) == {"y": total}


def test_builder_kernel_prints_as_the_text_kernel_runs():
    """Printing the built kernel and parsing it back gives a kernel that runs the same."""
    reparsed = parse_kernel(print_ir(build_acc()))
    assert interpret(reparsed, {"x": [5, 6, 7, -8]}) == {"y": 10}


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [(3, -7, {"y": 3, "which": 1}), (-7, 3, {"y": 3, "which": 0}), (5, 5, {"y": 5, "which": 0})],
)
def test_if_else_picks_the_larger(a, b, want):
    assert interpret(parse_kernel(MAX), {"a": a, "b": b}) == want


def test_if_else_through_the_builder():
    kb = KernelBuilder("max")
    a, b = kb.input("a", i(8)), kb.input("b", i(8))
    y = kb.output("y", i(8))
    with kb.if_(kb.cmp("gt", a, b)):
        kb.write(y, a)
    with kb.else_():
        kb.write(y, b)
    k = kb.build()
    assert interpret(k, {"a": -1, "b": -2}) == {"y": -1}
    assert interpret(k, {"a": -100, "b": 100}) == {"y": 100}


@pytest.mark.parametrize(("a", "b", "g"), [(48, 18, 6), (255, 85, 85), (13, 7, 1), (9, 0, 9)])
def test_while_loop_runs_euclid(a, b, g):
    assert interpret(parse_kernel(GCD), {"a": a, "b": b}) == {"g": g}


def test_while_loop_within_max_trip():
    assert interpret(parse_kernel(COUNT), {"n": 5}) == {"k": 5}


def test_while_loop_past_max_trip_stops():
    with pytest.raises(InterpretError, match=r"while loop ran more than its max_trip=5 trips"):
        interpret(parse_kernel(COUNT), {"n": 6})


def test_while_loop_through_the_builder_sums_fixed_point():
    """0.25 steps in fixed<8,4> until the sum reaches 1.0 (raw 16): four trips."""
    t = fixed(8, 4)
    kb = KernelBuilder("steps")
    out = kb.output("n", u(8))
    s = kb.var("s", t, init=0)
    n = kb.var("trips", u(8), init=0)
    with kb.while_(max_trip=10) as w:
        w.cond(kb.cmp("lt", kb.read(s), kb.const(16, t)))
        kb.write(s, kb.add(kb.read(s), kb.const(4, t), t))
        kb.write(n, kb.add(kb.read(n), kb.const(1, u(8)), u(8)))
    kb.write(out, kb.read(n))
    assert interpret(kb.build(), {}) == {"n": 4}


def test_out_of_bounds_load_names_the_array_and_the_line():
    k = parse_kernel(GATHER, filename="gather.ir")
    assert interpret(k, {"x": [1, 2, 3, -4], "i": 3}) == {"y": -4}
    with pytest.raises(InterpretError) as err:
        interpret(k, {"x": [1, 2, 3, -4], "i": 4})
    assert err.value.message == "op 'load' on @x: index [4] is out of bounds [4]"
    assert (err.value.loc.file, err.value.loc.line) == ("gather.ir", 2)


def test_missing_input_is_named():
    with pytest.raises(InterpretError, match=r"missing input 'x' for kernel @acc"):
        interpret(parse_kernel(ACC), {})
