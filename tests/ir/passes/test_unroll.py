"""Loop unrolling: the shapes it leaves, written in the IR's text form, and proof on the
whole C corpus that unrolled kernels still match gcc on every recorded call."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kiln.base.errors import KilnError
from kiln.frontend.c.check import load_c, replay
from kiln.frontend.c.golden import run_golden
from kiln.ir import interpret, parse_kernel, print_ir, verify
from kiln.ir.kernel import ForLoop, Kernel, WhileLoop, walk
from kiln.ir.passes import PASSES, passes_named, run_passes
from kiln.ir.passes.unroll import unroll_loop, unroll_loops

KERNELS = Path(__file__).resolve().parents[3] / "datasets" / "kernels"
MANIFEST = json.loads((KERNELS / "manifest.json").read_text())["kernels"]


def unroll(text: str, **kw) -> tuple[bool, str]:
    k = parse_kernel(text)
    changed = unroll_loops(k, **kw)
    verify(k)
    return changed, print_ir(k)


def simplified(text: str) -> Kernel:
    """`text` after unroll, const-fold and dce, checked after each pass."""
    k = parse_kernel(text)
    run_passes(k, passes_named(["unroll", "const-fold", "dce"]))
    return k


def loops(k: Kernel) -> list[ForLoop]:
    return [s for s in walk(k.body) if isinstance(s, ForLoop)]


def assert_round_trips(k: Kernel) -> None:
    text = print_ir(k)
    again = parse_kernel(text, "unrolled.kir")
    verify(again)
    assert print_ir(again) == text


def assert_same_results(text: str, inputs: dict) -> Kernel:
    """Unroll (and simplify) `text`; both kernels give the same outputs on `inputs`."""
    k = simplified(text)
    assert interpret(k, inputs) == interpret(parse_kernel(text), inputs)
    assert_round_trips(k)
    return k


# ---- full unrolling ----------------------------------------------------------------------


def test_full_unroll_leaves_one_copy_per_trip_in_order():
    changed, text = unroll("""kernel @k(in @x: i8[4], out @y: i8[4]) {
  for %i: u3 = 0 to 3 step 1 [unroll=0] loc("k.c":4) {
    %0 = load @x[%i] : i8 loc("k.c":5)
    store @y[%i], %0 loc("k.c":5)
  }
}
""")
    assert changed
    assert (
        text
        == """kernel @k(in @x: i8[4], out @y: i8[4]) {
  %i.u0 = const 0 : u3 loc("k.c":4)
  %0.u0 = load @x[%i.u0] : i8 loc("k.c":5)
  store @y[%i.u0], %0.u0 loc("k.c":5)
  %i.u1 = const 1 : u3 loc("k.c":4)
  %0.u1 = load @x[%i.u1] : i8 loc("k.c":5)
  store @y[%i.u1], %0.u1 loc("k.c":5)
  %i.u2 = const 2 : u3 loc("k.c":4)
  %0.u2 = load @x[%i.u2] : i8 loc("k.c":5)
  store @y[%i.u2], %0.u2 loc("k.c":5)
}
"""
    )


def test_full_unroll_clones_nested_control_flow_with_fresh_names():
    source = """kernel @k(in %a: i8, out @y: i8[2][3]) {
  var @v: i8
  for %i: u2 = 0 to 2 step 1 [unroll=0] {
    for %j: u2 = 0 to 3 step 1 {
      %0 = cast %i : i8
      %1 = add %0, %a : i8
      %2 = gt %1, %a : u1
      if %2 {
        store @y[%i, %j], %1
      } else {
        store @y[%i, %j], %a
      }
      while {
        %3 = read @v : i8
        %4 = lt %3, %a : u1
      } cond %4 do {
        %5 = const 1 : i8
        %6 = add %3, %5 : i8
        write @v, %6
      }
    }
  }
}
"""
    changed, text = unroll(source)
    assert changed
    k = parse_kernel(text)
    assert [(f.var.name, f.lo, f.hi) for f in loops(k)] == [("j.u0", 0, 3), ("j.u1", 0, 3)]
    assert sum(isinstance(s, WhileLoop) for s in walk(k.body)) == 2
    assert "%1.u1 = add %0.u1, %a : i8" in text
    assert "%4.u0 = lt %3.u0, %a : u1" in text and "} cond %4.u1 do {" in text
    for a in (-3, 0, 5):
        assert interpret(k, {"a": a}, step_limit=10_000) == interpret(
            parse_kernel(source), {"a": a}, step_limit=10_000
        )


def test_triangular_nest_unrolls_once_the_outer_bound_is_known():
    k = assert_same_results(
        """kernel @k(out @y: i8[4][4]) {
  for %i: i8 = 0 to 4 step 1 [unroll=0] {
    %0 = const 1 : i8
    %1 = add %i, %0 : i8
    for %j: i8 = 0 to %1 step 1 [unroll=0] {
      %2 = add %i, %j : i8
      store @y[%i, %j], %2
    }
  }
}
""",
        {},
    )
    assert loops(k) == []
    assert sum(1 for s in walk(k.body) if getattr(s, "opcode", "") == "store") == 1 + 2 + 3 + 4


def test_zero_trip_loop_goes():
    for bounds in ("5 to 5 step 1", "5 to 2 step 1", "2 to 5 step -1"):
        changed, text = unroll(f"""kernel @k(out @y: u4) {{
  for %i: u4 = {bounds} [unroll=0] {{
    write @y, %i
  }}
}}
""")
        assert changed
        assert text == "kernel @k(out @y: u4) {\n}\n"


def test_negative_step_counts_down():
    source = """kernel @k(out @y: i8[8]) {
  for %i: i8 = 7 to -1 step -2 [unroll=0] {
    store @y[%i], %i
  }
}
"""
    _, text = unroll(source)
    assert [line.split()[3] for line in text.splitlines() if "const" in line] == list("7531")
    assert_same_results(source, {})


# ---- partial unrolling -------------------------------------------------------------------

FACTOR_4 = """kernel @k(in @x: i16[10], out @y: i16[10]) {
  for %i: u4 = 0 to 10 step 1 [pipeline=1, unroll=4] loc("k.c":3) {
    %0 = load @x[%i] : i16 loc("k.c":4)
    %1 = cast %i : i16 loc("k.c":4)
    %2 = add %0, %1 : i16 loc("k.c":4)
    store @y[%i], %2 loc("k.c":4)
  }
}
"""


def test_factor_4_on_10_trips_is_a_step_4_loop_and_two_leftover_copies():
    changed, text = unroll(FACTOR_4)
    assert changed
    k = parse_kernel(text)
    (loop,) = loops(k)
    assert (loop.lo, loop.hi, loop.step) == (0, 8, 4)
    assert loop.directives.pipeline == 1 and loop.directives.unroll == 1
    assert sum(1 for s in walk(loop.body) if getattr(s, "opcode", "") == "store") == 4
    assert "%i.p3 = add %i, %i.off3 : u4" in text
    after = k.body.stmts[k.body.stmts.index(loop) + 1 :]
    assert [s.attrs["value"] for s in after if s.opcode == "const"] == [8, 9]
    assert sum(s.opcode == "store" for s in after) == 2
    assert text.count('loc("k.c":4)') == 4 * 4 + 2 * 4  # every copy still points at C
    assert_same_results(FACTOR_4, {"x": [n * 37 - 200 for n in range(10)]})


def test_factor_dividing_the_trip_count_leaves_no_leftovers():
    changed, text = unroll(FACTOR_4.replace("10", "8").replace("unroll=4", "unroll=2"))
    assert changed
    k = parse_kernel(text)
    (loop,) = loops(k)
    assert (loop.hi, loop.step) == (8, 2)
    assert k.body.stmts[-1] is loop


def test_factor_on_a_counting_down_unsigned_loop_wraps_its_offsets():
    source = """kernel @k(out @y: u8[10]) {
  for %i: u4 = 9 to 0 step -1 [unroll=4] {
    %0 = zext %i : u8
    store @y[%i], %0
  }
}
"""
    _, text = unroll(source)
    (loop,) = loops(parse_kernel(text))
    assert (loop.lo, loop.hi, loop.step) == (9, 1, -4)
    assert "%i.off1 = const 15 : u4" in text  # -1 in u4
    assert_same_results(source, {})


def test_step_past_the_types_end_keeps_the_bound_legal():
    # 0, 3, ..., 15: the main loop's natural end (18) does not fit u4; 16 does.
    source = """kernel @k(out @y: u8[16]) {
  for %i: u4 = 0 to 16 step 3 [unroll=4] {
    %0 = zext %i : u8
    store @y[%i], %0
  }
}
"""
    _, text = unroll(source)
    (loop,) = loops(parse_kernel(text))
    assert (loop.hi, loop.step) == (12, 12)
    _, text = unroll(source.replace("unroll=4", "unroll=2"))
    (loop,) = loops(parse_kernel(text))
    assert (loop.hi, loop.step) == (16, 6)
    assert_same_results(source.replace("unroll=4", "unroll=2"), {})


@pytest.mark.parametrize(
    ("header", "bounds"),
    [
        ("%0 = const 17 : u8\n  for %i: u4 = 0 to %0 step 3", (0, 13, 6)),
        ("%0 = const -1 : i8\n  for %i: u4 = 15 to %0 step -1", (15, 2, -4)),
    ],
)
def test_main_loop_bound_falls_back_to_one_step_past_its_last_trip(header, bounds):
    # Neither the natural end (18; -1) nor the original bound (17; -1) is a legal u4 bound.
    factor = 2 if "step 3" in header else 4
    source = f"""kernel @k(out @y: u8[16]) {{
  {header} [unroll={factor}] {{
    %1 = zext %i : u8
    store @y[%i], %1
  }}
}}
"""
    _, text = unroll(source)
    (loop,) = loops(parse_kernel(text))
    assert (loop.lo, loop.hi, loop.step) == bounds
    assert_same_results(source, {})


def test_factor_at_least_the_trip_count_unrolls_fully():
    changed, text = unroll(FACTOR_4.replace("unroll=4", "unroll=16"))
    assert changed and loops(parse_kernel(text)) == []


# ---- loops left alone ----------------------------------------------------------------------


def test_loops_without_constant_bounds_stay():
    source = """kernel @k(in %n: u4, in @x: i8[16], out @y: i8[16]) {
  for %i: u4 = 0 to %n step 1 [unroll=4] {
    %0 = load @x[%i] : i8
    store @y[%i], %0
  }
  while [max_trip=1] {
    %1 = const 0 : u1
  } cond %1 do {
  }
  for %j: u4 = 0 to 4 step 1 {
    %2 = const 0 : i8
    store @y[%j], %2
  }
}
"""
    assert unroll(source) == (False, print_ir(parse_kernel(source)))


def test_a_trip_whose_value_would_not_fit_the_variable_is_left_to_the_interpreter():
    source = """kernel @k(out @y: u2) {
  %0 = const 5 : u8
  for %i: u2 = 0 to %0 step 1 [unroll=0] {
    write @y, %i
  }
}
"""
    assert unroll(source) == (False, print_ir(parse_kernel(source)))


# ---- Vitis's rule: loops in a pipelined loop unroll fully --------------------------------


def test_loops_inside_a_pipelined_loop_unroll_fully_at_any_depth():
    source = """kernel @k(in %n: u3, in @x: i8[4][4], out @y: i8[4]) {
  var @acc: i8
  for %i: u3 = 0 to 4 step 1 [pipeline=1] {
    %0 = const 0 : i8
    write @acc, %0
    for %j: u3 = 0 to 2 step 1 {
      for %k: u3 = 0 to 2 step 1 [unroll=2] {
        %1 = const 2 : u3
        %2 = mul %j, %1 : u3
        %3 = add %2, %k : u3
        %4 = load @x[%i, %3] : i8
        %5 = read @acc : i8
        %6 = add %5, %4 : i8
        write @acc, %6
      }
    }
    for %m: u3 = 0 to %n step 1 {
      write @acc, %0
    }
    %7 = read @acc : i8
    store @y[%i], %7
  }
}
"""
    k = simplified(source)
    remaining = loops(k)
    assert [f.var.name for f in remaining] == ["i", "m"]  # %m's bound is not constant
    assert remaining[0].directives.pipeline == 1
    assert sum(1 for s in walk(k.body) if getattr(s, "opcode", "") == "load") == 4
    x = [[r * 4 + c - 7 for c in range(4)] for r in range(4)]
    inputs = {"n": 0, "x": [v for row in x for v in row]}
    assert interpret(k, inputs) == interpret(parse_kernel(source), inputs)


def test_a_fully_unrolled_loop_may_hold_a_pipelined_one():
    changed, text = unroll("""kernel @k(out @y: u2[2][2]) {
  for %i: u2 = 0 to 2 step 1 [unroll=0] {
    for %j: u2 = 0 to 2 step 1 [pipeline=2] {
      store @y[%i, %j], %j
    }
  }
}
""")
    assert changed
    assert [(f.var.name, f.directives.pipeline) for f in loops(parse_kernel(text))] == [
        ("j.u0", 2),
        ("j.u1", 2),
    ]


# ---- the op limit --------------------------------------------------------------------------

BIG = """kernel @k(out @y: i8[262144]) {
  %0 = const 1 : i8
  for %i: u18 = 0 to 200000 step 1 [unroll=0] loc("big.c":7:5) {
    store @y[%i], %0 loc("big.c":8)
  }
}
"""


def test_full_unroll_past_the_op_limit_names_the_loop():
    with pytest.raises(KilnError) as err:
        unroll_loops(parse_kernel(BIG))
    assert str(err.value) == (
        "big.c:7:5: unrolling loop %i (200000 copies of 2 ops, because of its unroll "
        "directive) would create 400000 ops, more than the limit of 100000\n"
        "  hint: unroll by a factor instead (#pragma HLS unroll factor=N)"
    )
    unroll_loops(parse_kernel(BIG.replace("unroll=0", "unroll=8")))  # a factor is fine


def test_the_limit_counts_nested_copies_and_the_pipeline_rule_says_so():
    source = """kernel @k(out @y: i8[64][64]) {
  %0 = const 1 : i8
  for %i: u7 = 0 to 64 step 1 [pipeline=1] {
    for %j: u7 = 0 to 64 step 1 {
      for %k: u7 = 0 to 64 step 1 loc("nest.c":13) {
        store @y[%j, %k], %0
      }
    }
  }
}
"""
    with pytest.raises(KilnError) as err:
        unroll_loops(parse_kernel(source), max_ops=4096)
    assert str(err.value.loc) == "nest.c:13"  # the first copy of %k past the limit
    assert "nested in a pipelined loop" in err.value.message
    assert "pipeline an inner loop" in err.value.hint
    # %j: 64 copies of (const + 1 op); then 64 copies of %k, each 64 copies of 2 ops.
    exact = 64 * 2 + 64 * 64 * 2
    with pytest.raises(KilnError):
        unroll_loops(parse_kernel(source), max_ops=exact - 1)
    assert unroll_loops(parse_kernel(source), max_ops=exact)


# ---- the helper and the registry ---------------------------------------------------------


def test_unroll_loop_ignores_the_directive_and_leaves_inner_loops():
    source = """kernel @k(out @y: u2[2][2]) {
  for %i: u2 = 0 to 2 step 1 {
    for %j: u2 = 0 to 2 step 1 [unroll=0] {
      store @y[%i, %j], %j
    }
  }
}
"""
    k = parse_kernel(source)
    outer = loops(k)[0]
    assert unroll_loop(k, outer, 0)
    verify(k)
    assert [f.var.name for f in loops(k)] == ["j.u0", "j.u1"]
    assert all(f.directives.unroll == 0 for f in loops(k))
    assert not unroll_loop(k, loops(k)[0], 1)
    with pytest.raises(KilnError, match="is not in kernel"):
        unroll_loop(k, outer, 2)


def test_unroll_is_registered_but_not_in_the_default_flow():
    from kiln.ir.passes import DEFAULT_FLOW

    assert PASSES["unroll"].run is unroll_loops
    assert "unroll" not in DEFAULT_FLOW


# ---- the C corpus: unrolled kernels still match gcc ----------------------------------------


@pytest.mark.parametrize("entry", MANIFEST, ids=[k["name"] for k in MANIFEST])
def test_unrolled_corpus_kernel_matches_gcc(entry, tmp_path):
    ck = load_c(KERNELS / entry["file"], entry["top"])
    golden = run_golden(ck, (), sanitize=False, workdir=tmp_path)
    unrolled = copy.deepcopy(ck)
    run_passes(unrolled.kernel, passes_named(["unroll", "const-fold", "dce"]), checked=True)
    report = replay(unrolled, golden)  # GoldenError at the first output that differs
    assert report.calls >= 1 and report.values_compared >= 1
    assert_round_trips(unrolled.kernel)
    for loop, pipelined in loops_in_context(unrolled.kernel.body):
        constant = isinstance(loop.lo, int) and isinstance(loop.hi, int)
        assert not (constant and (pipelined or loop.directives.unroll != 1)), loop.place


def loops_in_context(block, pipelined: bool = False):
    """Every for loop under `block`, with whether a pipelined loop encloses it."""
    for s in block.stmts:
        if isinstance(s, ForLoop):
            yield s, pipelined
            yield from loops_in_context(s.body, pipelined or s.directives.pipeline > 0)
        elif isinstance(s, WhileLoop):
            yield from loops_in_context(s.body, pipelined or s.directives.pipeline > 0)
        elif hasattr(s, "then"):
            yield from loops_in_context(s.then, pipelined)
            if s.orelse is not None:
                yield from loops_in_context(s.orelse, pipelined)
