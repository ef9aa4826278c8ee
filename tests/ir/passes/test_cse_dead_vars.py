"""Common subexpression elimination and dead variable elimination, in the IR's text form."""

from __future__ import annotations

from kiln.ir import parse_kernel, print_ir
from kiln.ir.passes.cse import eliminate_common_subexpressions
from kiln.ir.passes.dce import eliminate_dead_code
from kiln.ir.passes.dead_vars import eliminate_dead_variables


def cse(text: str) -> tuple[bool, str]:
    k = parse_kernel(text)
    changed = eliminate_common_subexpressions(k)
    eliminate_dead_code(k)
    return changed, print_ir(k)


def test_a_repeated_pure_op_reuses_the_first_and_reads_are_never_merged():
    changed, text = cse("""kernel @k(in %a: i8, out @y: i8) {
  var @v: i8
  %0 = add %a, %a : i8
  %1 = add %a, %a : i8
  %2 = read @v : i8
  %3 = read @v : i8
  %4 = mul %0, %1 : i8
  %5 = sub %2, %3 : i8
  %6 = add %4, %5 : i8
  write @y, %6
}
""")
    assert changed
    assert "%1 = add" not in text and "mul %0, %0" in text
    assert "%2 = read" in text and "%3 = read" in text


def test_a_value_from_one_branch_is_not_reused_in_the_other():
    source = """kernel @k(in %a: i8, in %c: u1, out @y: i8) {
  if %c {
    %0 = add %a, %a : i8
    write @y, %0
  } else {
    %1 = add %a, %a : i8
    write @y, %1
  }
}
"""
    changed, text = cse(source)
    assert not changed and text == print_ir(parse_kernel(source))


def test_writes_to_a_variable_nothing_reads_go_and_outputs_stay():
    k = parse_kernel("""kernel @k(in %a: i8, out @y: i8) {
  var @t: i8
  var @u: i8
  write @t, %a
  write @u, %a
  %0 = read @u : i8
  write @y, %0
}
""")
    assert eliminate_dead_variables(k)
    text = print_ir(k)
    assert "write @t" not in text and "write @u, %a" in text and "write @y, %0" in text
    assert not eliminate_dead_variables(k)
