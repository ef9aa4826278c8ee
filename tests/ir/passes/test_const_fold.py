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

    from kiln.errors import KilnError

    with pytest.raises(KilnError, match="unknown pass 'gvn'") as info:
        passes_named(["const-fold", "gvn"])
    assert "const-fold, dce" in str(info.value) and "cse" in str(info.value)
