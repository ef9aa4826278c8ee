"""The verifier rejects malformed IR with a message that names the op (or declaration or
statement), the broken rule, and where it is: the `loc(...)` given, else the IR text's
file:line:col. Each kind of malformed IR has its own test and pins the message."""

from __future__ import annotations

import pytest

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir import Kernel, Op, Partition, Value, i, parse, parse_kernel, verify
from kiln.ir.kernel import WhileLoop

# Line 1 of every text below: values %a: i8, %b: u8, %c: u1, %f: fixed<8,4>; an input
# array @src, output arrays @dst and @g (2-D), and an output scalar @o.
HEAD = (
    "kernel @k(in %a: i8, in %b: u8, in %c: u1, in %f: fixed<8,4>, in @src: i8[4], "
    "out @dst: i8[4], out @g: i8[2][3], out @o: i8) {\n"
)


def rejected(text: str) -> VerifyError:
    with pytest.raises(VerifyError) as info:
        parse_kernel(text, "bad.kir")
    return info.value


def body_rejected(body: str) -> VerifyError:
    """Verify HEAD + `body` + '}'; the body's first line is line 2 of bad.kir."""
    return rejected(HEAD + body + "}\n")


def unverified(text: str) -> Kernel:
    """Well-formed text, parsed but not verified, for a test to break in ways text cannot."""
    k = parse_kernel(text, "bad.kir", verify=False)
    verify(k)
    return k


def verify_rejected(k: Kernel) -> VerifyError:
    with pytest.raises(VerifyError) as info:
        verify(k)
    return info.value


def message(err: VerifyError) -> str:
    """The located message without the hint."""
    return str(err).splitlines()[0]


# ---- pure ops ---------------------------------------------------------------------------


@pytest.mark.parametrize("opcode", ["and", "or", "xor"])
def test_logic_operands_must_match_the_result(opcode: str) -> None:
    err = body_rejected(f"  %0 = {opcode} %a, %b : i8\n")
    assert message(err) == (
        f"bad.kir:2:3: op '%0 = {opcode}': operand type u8 must equal result type i8"
    )
    assert err.loc == SourceLoc("bad.kir", 2, 3)


def test_shift_amount_must_be_unsigned() -> None:
    err = body_rejected("  %0 = shl %b, %a : u8\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = shl': shift amount must be an unsigned integer, got i8"
    )


def test_shifted_operand_must_match_the_result() -> None:
    err = body_rejected("  %0 = shr %a, %b : u8\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = shr': shifted operand type i8 must equal result type u8"
    )


def test_select_condition_must_be_u1() -> None:
    err = body_rejected("  %0 = select %b, %a, %a : i8\n")
    assert message(err) == "bad.kir:2:3: op '%0 = select': condition must be u1, got u8"


def test_compare_result_must_be_u1() -> None:
    err = body_rejected("  %x = const 1 : i8\n  %0 = lt %a, %x : u8\n")
    assert message(err) == "bad.kir:3:3: op '%0 = lt': result must be u1, got u8"


def test_slice_must_stay_inside_the_operand() -> None:
    err = body_rejected("  %0 = slice %a {hi=8, lo=1} : u8\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = slice': slice [8:1] is outside the operand's 8 bits"
    )


def test_slice_result_width_must_match_the_range() -> None:
    err = body_rejected("  %0 = slice %a {hi=7, lo=4} : u3\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = slice': slice [7:4] gives 4 bits but the result has 3"
    )


def test_slice_needs_both_attributes() -> None:
    err = body_rejected("  %0 = slice %a {hi=7} : u8\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = slice': attributes: missing ['lo'], unexpected []"
    )


def test_concat_result_width_must_be_the_sum() -> None:
    err = body_rejected("  %0 = concat %a, %b : u15\n")
    assert message(err) == "bad.kir:2:3: op '%0 = concat': concat gives 16 bits, result has 15"


def test_zext_must_not_narrow() -> None:
    err = body_rejected("  %0 = zext %a : i4\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = zext': result width 4 is narrower than operand width 8"
    )


def test_trunc_must_not_widen() -> None:
    err = body_rejected("  %0 = trunc %b : u9\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = trunc': result width 9 is wider than operand width 8"
    )


def test_bitcast_must_keep_the_width_and_points_at_its_loc() -> None:
    err = body_rejected('  %0 = bitcast %a : u16 loc("kernel.c":7:9)\n')
    assert message(err) == (
        "kernel.c:7:9: op '%0 = bitcast': bitcast needs equal widths, got 8 and 16"
    )
    assert err.loc == SourceLoc("kernel.c", 7, 9)


def test_const_must_fit_its_type() -> None:
    err = body_rejected("  %x = const 1 : i8\n  %0 = const 128 : i8\n")
    assert message(err) == "bad.kir:3:3: op '%0 = const': constant 128 does not fit i8"


def test_div_takes_only_integers() -> None:
    err = body_rejected("  %0 = div %f, %f : fixed<8,4>\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = div': operands and result must be integers, got fixed<8,4>"
    )


def test_op_needs_its_operand_count() -> None:
    err = body_rejected("  %0 = neg %a, %a : i8\n")
    assert message(err) == "bad.kir:2:3: op '%0 = neg': takes 1 operands, got 2"


# ---- memory and variables ----------------------------------------------------------------


def test_store_to_an_input_array_is_refused() -> None:
    err = body_rejected("  %i = const 0 : u2\n  store @src[%i], %a\n")
    assert message(err) == "bad.kir:3:3: op 'store': @src is read-only"


def test_store_to_a_const_array_is_refused() -> None:
    text = "kernel @k(in %v: i8) {\n  const @t: i8[2] = [1, 2]\n  %i = const 0 : u1\n"
    err = rejected(text + "  store @t[%i], %v\n}\n")
    assert message(err) == "bad.kir:4:3: op 'store': @t is read-only"


def test_stored_value_must_have_the_element_type() -> None:
    err = body_rejected("  %i = const 0 : u2\n  store @dst[%i], %b\n")
    assert message(err) == "bad.kir:3:3: op 'store': stored value %b is u8, @dst holds i8"


def test_load_needs_one_index_per_dimension() -> None:
    err = body_rejected("  %i = const 0 : u2\n  %0 = load @g[%i] : i8\n")
    assert message(err) == "bad.kir:3:3: op '%0 = load': takes 2 operands for @g, got 1"


def test_load_index_must_be_an_integer() -> None:
    err = body_rejected("  %0 = load @src[%f] : i8\n")
    assert message(err) == (
        "bad.kir:2:3: op '%0 = load': index %f must be an integer, got fixed<8,4>"
    )


def test_load_result_must_be_the_element_type() -> None:
    err = body_rejected("  %i = const 0 : u2\n  %0 = load @src[%i] : u8\n")
    assert message(err) == "bad.kir:3:3: op '%0 = load': result type u8 must be @src's i8"


def test_read_of_an_array_is_refused() -> None:
    err = body_rejected("  %0 = read @src : i8\n")
    assert message(err) == "bad.kir:2:3: op '%0 = read': @src is an array; use load/store"


def test_load_of_a_scalar_is_refused() -> None:
    err = body_rejected("  %0 = load @o[] : i8\n")
    assert message(err) == "bad.kir:2:3: op '%0 = load': @o is a scalar; use read/write"


def test_write_of_an_array_is_refused() -> None:
    err = body_rejected("  write @dst, %a\n")
    assert message(err) == "bad.kir:2:3: op 'write': @dst is an array; use load/store"


# ---- scope: what text cannot say, made by editing a parsed kernel -----------------------

LOOP = """\
kernel @k(out @o: i8) {
  for %i: u4 = 0 to 8 step 1 {
    %x = const 1 : i8
  }
  %y = const 2 : i8
  write @o, %y
}
"""


def test_value_from_a_loop_body_is_not_visible_after_the_loop() -> None:
    k = unverified(LOOP)
    loop, write = k.body.stmts[0], k.body.stmts[2]
    write.operands[0] = loop.body.stmts[0].result  # %x, defined inside the loop
    err = verify_rejected(k)
    assert message(err) == (
        "bad.kir:6:3: op 'write': operand %x is not defined before this use or not in scope"
    )


def test_value_from_the_then_branch_is_not_visible_in_the_else_branch() -> None:
    k = unverified(
        "kernel @k(in %c: u1, out @o: i8) {\n"
        "  if %c {\n    %x = const 1 : i8\n  } else {\n    %y = const 2 : i8\n"
        "    write @o, %y\n  }\n}\n"
    )
    branch = k.body.stmts[0]
    branch.orelse.stmts[1].operands[0] = branch.then.stmts[0].result
    err = verify_rejected(k)
    assert message(err) == (
        "bad.kir:6:5: op 'write': operand %x is not defined before this use or not in scope"
    )


def test_value_defined_twice_is_refused() -> None:
    k = unverified(LOOP)
    y = k.body.stmts[1]
    y.result = k.body.stmts[0].body.stmts[0].result  # %x again, as %y's op result
    err = verify_rejected(k)
    assert message(err) == "bad.kir:5:3: op 'const' result %x is defined twice"


def test_storage_of_another_kernel_is_refused() -> None:
    k, other = unverified(LOOP), unverified(LOOP)
    write: Op = k.body.stmts[2]
    write.storage = other.params[0].storage
    err = verify_rejected(k)
    assert message(err) == "bad.kir:6:3: op 'write': @o is not declared in kernel @k"


def test_unknown_opcode_is_refused() -> None:
    k = unverified(LOOP)
    k.body.stmts[1].opcode = "frobnicate"
    err = verify_rejected(k)
    assert message(err) == "bad.kir:5:3: op '%y = frobnicate': unknown op"


def test_while_condition_holds_only_ops() -> None:
    k = unverified(
        "kernel @k(in %c: u1) {\n"
        '  while loc("k.c":2) {\n  } cond %c do {\n'
        '    for %i: u4 = 0 to 8 step 1 loc("k.c":4) {\n    }\n  }\n}\n'
    )
    loop: WhileLoop = k.body.stmts[0]
    loop.cond.stmts.append(loop.body.stmts.pop())
    err = verify_rejected(k)
    assert message(err) == "k.c:4: a while condition holds only ops"


# ---- control flow ------------------------------------------------------------------------


def test_if_condition_must_be_u1() -> None:
    err = body_rejected('  if %a loc("k.c":7:5) {\n  }\n')
    assert message(err) == "k.c:7:5: if condition %a must be u1"


def test_while_condition_must_be_u1() -> None:
    err = body_rejected('  while loc("k.c":9) {\n  } cond %b do {\n  }\n')
    assert message(err) == "k.c:9: while condition %b must be u1"


def test_for_step_must_not_be_zero() -> None:
    err = body_rejected('  for %i: u4 = 0 to 8 step 0 loc("k.c":3:3) {\n  }\n')
    assert message(err) == "k.c:3:3: for %i: step must not be 0"


def test_for_bound_must_fit_the_counter() -> None:
    err = body_rejected('  for %i: u4 = 0 to 17 step 1 loc("k.c":3:3) {\n  }\n')
    assert message(err) == "k.c:3:3: for %i: bound 17 does not fit u4"


def test_for_counter_must_be_an_integer() -> None:
    err = body_rejected('  for %i: fixed<8,4> = 0 to 16 step 1 loc("k.c":3:3) {\n  }\n')
    assert message(err) == "k.c:3:3: for %i: induction variable must be an integer"


def test_for_bound_value_must_be_an_integer() -> None:
    err = body_rejected('  for %i: i8 = 0 to %f step 1 loc("k.c":3:3) {\n  }\n')
    assert message(err) == "k.c:3:3: for %i: bound %f must be an integer"


def test_loop_directives_must_not_be_negative() -> None:
    err = body_rejected('  for %i: u4 = 0 to 8 step 1 [pipeline=-1] loc("k.c":3:3) {\n  }\n')
    assert message(err) == (
        "k.c:3:3: for %i: directives must not be negative "
        "(LoopDirectives(pipeline=-1, unroll=1, max_trip=0))"
    )


# ---- declarations -------------------------------------------------------------------------


def test_parameter_name_must_be_unique() -> None:
    err = rejected('kernel @k(in %a: i8, out @a: i8 loc("k.c":1:30)) {\n}\n')
    assert message(err) == "k.c:1:30: kernel @k: parameter 'a' appears twice"


def test_storage_must_not_reuse_a_parameter_name() -> None:
    err = rejected('kernel @k(in %a: i8) {\n  var @a: i8 loc("k.c":2)\n}\n')
    assert message(err) == "k.c:2: kernel @k: '@a' is declared twice"


def test_const_array_needs_one_value_per_element() -> None:
    err = rejected('kernel @k() {\n  const @t: i8[4] = [1, 2, 3] loc("k.c":2)\n}\n')
    assert message(err) == "k.c:2: const @t: has 3 initial values, needs 4"


def test_const_array_needs_initial_values() -> None:
    err = rejected('kernel @k() {\n  const @t: i8[4] loc("k.c":2)\n}\n')
    assert message(err) == "k.c:2: const @t: a const array needs initial values"


def test_initial_value_must_fit() -> None:
    err = rejected('kernel @k() {\n  var @v: u4 = 16 loc("k.c":2)\n}\n')
    assert message(err) == "k.c:2: var @v: initial value 16 does not fit u4"


def test_var_must_be_a_scalar() -> None:
    err = rejected('kernel @k() {\n  var @v: u4[2] loc("k.c":2)\n}\n')
    assert message(err) == "k.c:2: var @v: a var holds one scalar; use 'local' for arrays"


def test_local_must_be_an_array() -> None:
    err = rejected('kernel @k() {\n  local @v: u4 loc("k.c":2)\n}\n')
    assert message(err) == "k.c:2: local @v: must be an array; use 'var' for scalars"


def test_kernel_name_must_be_unique_in_a_module() -> None:
    with pytest.raises(VerifyError) as info:
        parse('kernel @k() loc("a.c":1) {\n}\nkernel @k() loc("a.c":5) {\n}\n', "bad.kir")
    assert message(info.value) == "a.c:5: kernel @k is defined twice"


# Partitions are set on a parsed kernel, so that each bad one is tried on its own.
BUFFER = 'kernel @k() {\n  local @buf: i8[4][2] loc("k.c":2)\n}\n'


@pytest.mark.parametrize(
    ("partition", "complaint"),
    [
        (Partition("cyclic", 2, 2), "partition dim 2 out of range"),
        (Partition("block", 0, 0), "partition factor 0 does not suit 'block'"),
        (Partition("complete", 4, 1), "partition factor 4 does not suit 'complete'"),
        (Partition("diagonal", 2, 0), "unknown partition 'diagonal'"),
    ],
    ids=["dim", "block-factor", "complete-factor", "kind"],
)
def test_partition_must_suit_the_array(partition: Partition, complaint: str) -> None:
    k = unverified(BUFFER)
    k.storages[0].partition = partition
    assert message(verify_rejected(k)) == f"k.c:2: local @buf: {complaint}"


# ---- statements and declarations without loc(...) ----------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        (HEAD + "  for %i: u4 = 0 to 8 step 0 {\n  }\n}\n", 2, 3),
        (HEAD + "  if %a {\n  }\n}\n", 2, 3),
        (HEAD + "  while {\n  } cond %b do {\n  }\n}\n", 2, 3),
        ("kernel @k(in %a: i8, out @a: i8) {\n}\n", 1, 22),
        ("kernel @k() {\n  const @t: i8[4] = [1]\n}\n", 2, 3),
    ],
    ids=["for", "if", "while", "param", "storage"],
)
def test_statement_errors_name_the_text_position(text: str, line: int, col: int) -> None:
    assert rejected(text).loc == SourceLoc("bad.kir", line, col)


def test_two_values_with_one_name_are_refused() -> None:
    k = unverified(LOOP)
    twin = Op("const", [], Value("y", i(8)), {"value": 3}, loc=SourceLoc("k.c", 4))
    k.body.stmts.insert(1, twin)
    err = verify_rejected(k)
    assert message(err) == "bad.kir:5:3: op 'const' result %y is defined twice"
