"""Store-to-load forwarding and dead stores, in the IR's text form."""

from __future__ import annotations

from kiln.ir import parse_kernel, print_ir
from kiln.ir.passes.forward import forward_stores


def forward(text: str) -> tuple[bool, str]:
    k = parse_kernel(text)
    changed = forward_stores(k)
    return changed, print_ir(k)


def test_a_read_takes_the_value_last_written_and_an_overwritten_write_goes():
    changed, text = forward("""kernel @k(in %a: i8, in %b: i8, out @y: i8) {
  var @t: i8
  write @t, %a
  write @t, %b
  %0 = read @t : i8
  %1 = add %0, %a : i8
  write @y, %1
}
""")
    assert changed
    assert "write @t, %a" not in text and "read @t" not in text
    assert "add %b, %a" in text


def test_a_loop_that_writes_the_variable_sees_the_value_it_carries():
    source = """kernel @k(in %a: i8, out @y: i8) {
  var @t: i8
  write @t, %a
  for %i: i32 = 0 to 4 step 1 {
    %0 = read @t : i8
    %1 = add %0, %a : i8
    write @t, %1
  }
  %2 = read @t : i8
  write @y, %2
}
"""
    changed, text = forward(source)
    assert not changed and text == print_ir(parse_kernel(source))


def test_a_branch_that_writes_the_variable_hides_the_value_before_it():
    changed, text = forward("""kernel @k(in %a: i8, in %c: u1, out @y: i8) {
  var @t: i8
  write @t, %a
  if %c {
    %0 = read @t : i8
    %1 = add %0, %a : i8
    write @t, %1
  }
  %2 = read @t : i8
  write @y, %2
}
""")
    assert changed  # the read inside the branch still sees %a
    assert "add %a, %a" in text and "%2 = read @t" in text
