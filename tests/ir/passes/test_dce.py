"""Dead code elimination, written in the IR's text form."""

from __future__ import annotations

from kiln.ir import parse_kernel, print_ir
from kiln.ir.passes.dce import eliminate_dead_code


def dce(text: str) -> tuple[bool, str]:
    k = parse_kernel(text)
    return eliminate_dead_code(k), print_ir(k)


def test_unused_chains_go_and_effects_stay():
    changed, text = dce("""kernel @k(in %a: i8, in @x: i8[4], out @y: i8) {
  var @v: i8
  %0 = add %a, %a : i8
  %1 = mul %0, %0 : i8
  %2 = load @x[%a] : i8
  %3 = read @v : i8
  write @v, %a
  write @y, %a
}
""")
    assert changed
    assert (
        text
        == """kernel @k(in %a: i8, in @x: i8[4], out @y: i8) {
  var @v: i8
  write @v, %a
  write @y, %a
}
"""
    )


def test_values_used_by_control_flow_stay():
    source = """kernel @k(in %a: u4, out @y: u4) {
  %0 = const 1 : u1
  %1 = const 3 : u4
  if %0 {
    for %i: u4 = 0 to %1 step 1 {
      write @y, %i
    }
  }
  while {
    %2 = read @y : u4
    %3 = eq %2, %a : u1
  } cond %3 do {
    write @y, %a
  }
}
"""
    assert dce(source) == (False, source)


def test_dead_ops_inside_nested_blocks_go():
    changed, text = dce("""kernel @k(in %a: i8, out @y: i8) {
  for %i: u2 = 0 to 3 step 1 {
    %0 = neg %a : i8
    write @y, %a
  }
}
""")
    assert changed and "neg" not in text
