"""Demanded bits: how many low bits of each value a use can observe."""

from __future__ import annotations

from kiln.ir import parse_kernel
from kiln.ir.demanded import demanded_bits
from kiln.ir.kernel import ForLoop, walk, walk_ops


def bits_by_name(text: str) -> dict[str, int]:
    k = parse_kernel(text)
    need = demanded_bits(k)
    values = {op.result.name: op.result for op in walk_ops(k.body) if op.result is not None}
    values.update({s.var.name: s.var for s in walk(k.body) if isinstance(s, ForLoop)})
    values.update({p.name: p.value for p in k.params if p.value is not None})
    return {name: need[id(v)] for name, v in values.items() if id(v) in need}


def test_an_index_needs_its_address_bits_and_arithmetic_passes_them_down():
    got = bits_by_name("""kernel @k(in %a: i32, in @x: i8[8], out @y: i8) {
  %0 = const 1 : i32
  %1 = add %a, %0 : i32
  %2 = load @x[%1] : i8
  write @y, %2
}
""")
    assert got["1"] == 3 and got["a"] == 3 and got["2"] == 8


def test_a_compare_or_a_right_shift_needs_every_bit():
    got = bits_by_name("""kernel @k(in %a: i32, in %b: u16, in @x: i8[8], out @y: u1, out @z: i8) {
  %0 = const 0 : i32
  %1 = lt %a, %0 : u1
  write @y, %1
  %2 = const 2 : u16
  %3 = shr %b, %2 : u16
  %4 = load @x[%3] : i8
  write @z, %4
}
""")
    assert got["a"] == 32 and got["b"] == 16 and got["3"] == 3


def test_a_loop_counter_with_constant_bounds_needs_the_bits_of_its_largest_value():
    got = bits_by_name("""kernel @k(out @y: i32) {
  for %i: i32 = 0 to 10 step 1 {
    %0 = const 0 : i32
    %1 = lt %i, %0 : u1
    %2 = select %1, %i, %0 : i32
    write @y, %2
  }
}
""")
    assert got["i"] == 4  # 9 is 0b1001


def test_a_while_condition_needs_every_bit_of_what_it_compares():
    got = bits_by_name("""kernel @k(in %a: i32, out @y: i32) {
  var @v: i32
  write @v, %a
  while {
    %0 = read @v : i32
    %1 = const 0 : i32
    %2 = ne %0, %1 : u1
  } cond %2 do {
    %3 = read @v : i32
    %4 = const 1 : i32
    %5 = sub %3, %4 : i32
    write @v, %5
  }
  %6 = read @v : i32
  write @y, %6
}
""")
    assert got["0"] == 32 and got["2"] == 1
