"""Constant folding, written in the IR's text form."""

from __future__ import annotations

from kiln.ir import parse_kernel, print_ir
from kiln.ir.passes import DEFAULT_FLOW, passes_named, run_passes
from kiln.ir.passes.const_fold import fold_constants


def test_ops_on_constants_become_constants_with_their_quantization():
    k = parse_kernel("""kernel @k(in %a: i8, out @y: fixed<8,2,rnd,sat>) {
  %0 = const 100 : i8
  %1 = const 100 : i8
  %2 = mul %0, %1 : fixed<8,2,rnd,sat> loc("k.c":3)
  %3 = add %2, %a : fixed<8,2,rnd,sat>
  write @y, %3
}
""")
    assert fold_constants(k)
    assert (
        print_ir(k)
        == """kernel @k(in %a: i8, out @y: fixed<8,2,rnd,sat>) {
  %0 = const 100 : i8
  %1 = const 100 : i8
  %2 = const 127 : fixed<8,2,rnd,sat> loc("k.c":3)
  %3 = add %2, %a : fixed<8,2,rnd,sat>
  write @y, %3
}
"""
    )


def test_folding_reaches_into_nested_blocks_and_chains():
    k = parse_kernel("""kernel @k(out @y: u8) {
  %0 = const 5 : u8
  for %i: u2 = 0 to 2 step 1 {
    %1 = shl %0, %i : u8
    %2 = const 1 : u2
    %3 = shl %0, %2 : u8
    %4 = add %3, %3 : u8
    write @y, %4
  }
}
""")
    assert fold_constants(k)
    text = print_ir(k)
    assert "%1 = shl %0, %i : u8" in text  # depends on the loop variable: stays
    assert "%4 = const 20 : u8" in text


def test_default_flow_folds_then_sweeps_and_reports():
    k = parse_kernel("""kernel @k(out @y: i8) {
  %0 = const 3 : i8
  %1 = neg %0 : i8
  %2 = add %1, %0 : i8
  write @y, %2
}
""")
    log = run_passes(k, passes_named(DEFAULT_FLOW))
    assert [(r.name, r.changed, r.ops_before, r.ops_after) for r in log] == [
        ("const-fold", True, 4, 4),
        ("dce", True, 4, 2),
    ]
    assert print_ir(k) == "kernel @k(out @y: i8) {\n  %2 = const 0 : i8\n  write @y, %2\n}\n"


def test_unknown_pass_names_the_known_ones():
    import pytest

    from kiln.base.errors import KilnError

    with pytest.raises(KilnError, match="unknown pass 'gvn'") as info:
        passes_named(["const-fold", "gvn"])
    assert "const-fold, dce" in str(info.value) and "cse" in str(info.value)


def test_identities_pass_their_operand_on_and_zero_annihilates():
    k = parse_kernel("""kernel @k(in %a: i8, out @y: i8, out @z: i8) {
  %0 = const 0 : i8
  %1 = const 1 : i8
  %2 = add %0, %a : i8
  %3 = mul %2, %1 : i8
  %4 = sub %3, %0 : i8
  write @y, %4
  %5 = mul %a, %0 : i8
  %6 = sub %0, %a : i8
  %7 = add %5, %6 : i8
  write @z, %7
}
""")
    assert fold_constants(k)
    text = print_ir(k)
    assert "write @y, %a" in text  # a + 0, * 1, - 0: a itself
    assert "%5 = const 0 : i8" in text
    assert "%6 = sub %0, %a" in text  # 0 - a is not a


def test_a_load_from_a_const_array_at_a_constant_index_is_the_element():
    k = parse_kernel("""kernel @k(in %i: u2, out @y: i8, out @z: i8) {
  const @lut: i8[4] = [-128, -1, 0, 127]
  %0 = const 3 : u2
  %1 = load @lut[%0] : i8
  write @y, %1
  %2 = load @lut[%i] : i8
  write @z, %2
}
""")
    assert fold_constants(k)
    text = print_ir(k)
    assert "%1 = const 127 : i8" in text and "%2 = load @lut[%i]" in text
