"""IR text the parser refuses: each error is an `IRParseError` that names file:line:col
and says what was wrong; the tests pin both."""

from __future__ import annotations

import pytest

from kiln.base.errors import IRParseError, SourceLoc
from kiln.ir import parse_kernel


def refused(text: str) -> IRParseError:
    with pytest.raises(IRParseError) as info:
        parse_kernel(text, "bad.kir")
    return info.value


def message(err: IRParseError) -> str:
    """The located message without the hint."""
    return str(err).splitlines()[0]


def test_unknown_op() -> None:
    err = refused("kernel @k(in %a: i8) {\n  %0 = frob %a : i8\n}\n")
    assert message(err) == "bad.kir:2:8: unknown op 'frob'"
    assert err.loc == SourceLoc("bad.kir", 2, 8)
    assert err.hint == "see kiln.ir.ops.OPS for the list"


def test_undefined_value() -> None:
    err = refused("kernel @k(in %a: i8) {\n  %0 = add %a, %b : i8\n}\n")
    assert message(err) == "bad.kir:2:16: value %b is not defined here"


def test_value_defined_in_a_branch_is_not_visible_after_it() -> None:
    err = refused(
        "kernel @k(in %c: u1, out @o: i8) {\n  if %c {\n    %x = const 2 : i8\n  }\n"
        "  write @o, %x\n}\n"
    )
    assert message(err) == "bad.kir:5:13: value %x is not defined here"


def test_value_defined_twice() -> None:
    err = refused("kernel @k(in %a: i8) {\n  %a = const 1 : i8\n}\n")
    assert message(err) == "bad.kir:2:3: value %a is defined twice"
    assert err.hint == "SSA values get one name each"


def test_value_shadowing_an_outer_one_is_defined_twice() -> None:
    err = refused(
        "kernel @k(in %c: u1) {\n  %x = const 1 : i8\n  if %c {\n    %x = const 2 : i8\n  }\n}\n"
    )
    assert message(err) == "bad.kir:4:5: value %x is defined twice"


def test_unknown_type() -> None:
    err = refused("kernel @k(in %a: int8) {\n}\n")
    assert message(err) == "bad.kir:1:18: unknown type 'int8'"


def test_zero_width_type() -> None:
    err = refused("kernel @k(in %a: i0) {\n}\n")
    assert message(err) == "bad.kir:1:18: bit width must be between 1 and 4096, got 0"


def test_negative_fractional_bits() -> None:
    err = refused("kernel @k(in %a: fixed<8,-1>) {\n}\n")
    assert message(err) == "bad.kir:1:18: fixed-point type needs frac >= 0, got -1"


def test_unknown_fixed_point_mode() -> None:
    # Points at the type ('fixed'), whose modes are wrong, not at the mode itself.
    err = refused("kernel @k() {\n  %0 = const 1 : fixed<8,4,round>\n}\n")
    assert message(err) == "bad.kir:2:18: unknown fixed-point mode 'round'"
    assert err.hint == "rounding: trn, rnd, rnd_conv; overflow: wrap, sat"


def test_missing_closing_brace() -> None:
    err = refused("kernel @k(in %c: u1) {\n  if %c {\n    %x = const 2 : i8\n}\n")
    assert message(err) == "bad.kir:5:1: missing '}' before end of file"


def test_bad_character() -> None:
    err = refused("kernel @k() {\n  %0 = const 1 : i8 ;\n}\n")
    assert message(err) == "bad.kir:2:21: unexpected character ';'"


def test_scalar_input_written_as_storage() -> None:
    err = refused("kernel @k(in @a: i8) {\n}\n")
    assert message(err) == "bad.kir:1:14: parameter @a must be written %a"
    assert err.hint == "scalar inputs are values (%); arrays and outputs are storage (@)"


def test_output_written_as_value() -> None:
    err = refused("kernel @k(out %y: i8[4]) {\n}\n")
    assert message(err) == "bad.kir:1:15: parameter %y must be written @y"


def test_unknown_direction() -> None:
    err = refused("kernel @k(input %a: i8) {\n}\n")
    assert message(err) == "bad.kir:1:11: expected in, out or inout, got 'input'"


def test_unknown_loop_directive() -> None:
    err = refused("kernel @k() {\n  for %i: u4 = 0 to 8 step 1 [pipelined=1] {\n  }\n}\n")
    assert message(err) == "bad.kir:2:31: unknown directive 'pipelined'"
    assert err.hint == "allowed here: pipeline, unroll, max_trip"


def test_loop_directive_needs_an_integer() -> None:
    err = refused("kernel @k() {\n  for %i: u4 = 0 to 8 step 1 [pipeline=yes] {\n  }\n}\n")
    assert message(err) == "bad.kir:2:30: directive 'pipeline' needs an integer, got 'yes'"


def test_add_without_a_result() -> None:
    err = refused("kernel @k(in %a: i8) {\n  add %a, %a : i8\n}\n")
    assert message(err) == "bad.kir:2:3: op 'add' needs a result (%x = ...)"


def test_write_with_a_result() -> None:
    err = refused("kernel @k(in %a: i8, out @o: i8) {\n  %0 = write @o, %a\n}\n")
    assert message(err) == "bad.kir:2:8: op 'write' has no result"


def test_unknown_attribute() -> None:
    err = refused("kernel @k(in %a: i8) {\n  %0 = slice %a {hi=3, low=0} : u4\n}\n")
    assert message(err) == "bad.kir:2:24: op 'slice' has no attribute 'low'"


def test_unknown_storage() -> None:
    err = refused("kernel @k(in %a: i8) {\n  write @nowhere, %a\n}\n")
    assert message(err) == "bad.kir:2:9: no array or variable named @nowhere"


def test_storage_declared_twice() -> None:
    err = refused("kernel @k(out @a: i8) {\n  var @a: i8\n}\n")
    assert message(err) == "bad.kir:2:7: @a is declared twice"


def test_while_without_cond() -> None:
    err = refused("kernel @k(in %c: u1) {\n  while {\n  } %c do {\n  }\n}\n")
    assert message(err) == "bad.kir:3:5: expected 'cond', got '%c'"


def test_const_without_a_value() -> None:
    err = refused("kernel @k() {\n  %0 = const x : i8\n}\n")
    assert message(err) == "bad.kir:2:14: expected the constant's raw value, got 'x'"


def test_file_without_a_kernel() -> None:
    err = refused("// nothing here\n")
    assert message(err) == "bad.kir:2:1: no kernel in the file"


def test_parse_kernel_wants_exactly_one_kernel() -> None:
    err = refused("kernel @a() {\n}\nkernel @b() {\n}\n")
    assert message(err) == "bad.kir: expected one kernel, found 2"


# ---- Python exceptions that escape the parser -------------------------------------------


def test_integer_with_leading_zeros() -> None:
    err = refused("kernel @k() {\n  %0 = const 007 : i8\n}\n")
    assert err.loc == SourceLoc("bad.kir", 2, 14)


def test_bad_escape_in_a_location() -> None:
    err = refused('kernel @k() loc("a\\q") {\n}\n')
    assert err.loc == SourceLoc("bad.kir", 1, 17)
