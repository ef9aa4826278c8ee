"""The IR text form round-trips: print(parse(print(k))) == print(k), for random kernels
and for hand-written texts, and what the parser reads back still verifies."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kiln.base.errors import SourceLoc
from kiln.ir import BOOL, Kernel, KernelBuilder, parse, parse_kernel, print_ir, verify
from kiln.ir.ops import OPS

sys.path.insert(0, os.path.dirname(__file__))
from kernel_strategies import OPCODES, kernels, statements  # noqa: E402  (needs the path above)

# A kernel is one large composite draw; hypothesis finds that slow and big by default.
_BIG_DRAWS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


def locations(k: Kernel) -> list[SourceLoc | None]:
    """Every printed source location of `k`, in text order."""
    return [
        k.loc,
        *(p.loc for p in k.params),
        *(s.loc for s in k.storages),
        *(s.loc for s in statements(k.body)),
    ]


def assert_round_trips(k: Kernel) -> None:
    text = print_ir(k)
    k2 = parse_kernel(text, "roundtrip.kir")
    assert print_ir(k2) == text
    verify(k2)
    assert locations(k2) == locations(k)


# ---- random kernels -------------------------------------------------------------------------


@settings(max_examples=500, deadline=None, suppress_health_check=_BIG_DRAWS)
@given(kernels(partitions="sometimes"))
def test_random_kernels_round_trip(k: Kernel) -> None:
    assert_round_trips(k)


@pytest.mark.parametrize("opcode", OPCODES)
@settings(max_examples=10, deadline=None, suppress_health_check=_BIG_DRAWS)
@given(data=st.data())
def test_every_op_round_trips(opcode: str, data: st.DataObject) -> None:
    k = data.draw(kernels(partitions="sometimes", required_ops=[opcode], max_stmts=4))
    assert_round_trips(k)


def test_strategy_makes_every_op() -> None:
    assert set(OPCODES) == set(OPS)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=_BIG_DRAWS,
    phases=[Phase.generate],  # the first example fails; shrinking it teaches nothing
    database=None,
)
@given(kernels(partitions="always"))
def test_partitioned_kernels_round_trip(k: Kernel) -> None:
    assert_round_trips(k)


# ---- hand-written texts ----------------------------------------------------------------------

MAC = """\
kernel @mac(in @a: fixed<16,8>[8], in @b: fixed<16,8>[8], out @y: fixed<32,16,rnd,sat>) \
loc("mac.c":3) {
  var @acc: fixed<32,16,rnd,sat> = 0
  for %i: u4 = 0 to 8 step 1 [pipeline=1] loc("mac.c":5:3) {
    %x = load @a[%i] : fixed<16,8>
    %w = load @b[%i] : fixed<16,8>
    %p = mul %x, %w : fixed<32,16,rnd,sat>
    %s = read @acc : fixed<32,16,rnd,sat>
    %t = add %s, %p : fixed<32,16,rnd,sat> loc("mac.c":6:12)
    write @acc, %t
  }
  %r = read @acc : fixed<32,16,rnd,sat>
  write @y, %r
}
"""

CONTROL = """\
kernel @bits(in %n: u8, in %x: i16 loc("my dir/bits.c":1:20), inout @m: u4[2][3]) {
  const @lut: i8[4] = [-128, -1, 0, 127]
  local @buf: ufixed<12,4,rnd_conv>[3] = [0, 1, 4095]
  var @count: u8 loc("bits.c":2)
  for %i: i9 = %n to -1 step -2 [unroll=0] {
    %lo = slice %x {hi=7, lo=0} : u8
    %hi = slice %x {hi=15, lo=8} : u8
    %both = concat %hi, %lo : u16
    %wide = zext %both : u32
    %back = trunc %wide : i16
    %same = eq %back, %x : u1
    if %same {
      %one = const 1 : u2
      %k = shl %lo, %one : u8
    } else {
      %c = read @count : u8
      %c1 = xor %c, %n : u8
      write @count, %c1
    }
  }
  while [pipeline=2, max_trip=16] loc("C:\\\\src\\\\\\"q\\" dir\\\\k.c":12:5) {
    %c = read @count : u8
    %more = lt %c, %n : u1
  } cond %more do {
    %r = const 1 : u2
    %col = const 2 : u2
    %v = load @m[%r, %col] : u4
    %nv = not %v : u4
    store @m[%r, %col], %nv
    %idx = const 3 : u2
    %e = load @lut[%idx] : i8
    %ee = sext %e : fixed<32,4,rnd,sat>
    %q = div %n, %c : u8
    %big = const -340282366920938463463374607431768211456 : i129
    %sel = select %more, %q, %n : u8
  }
}
"""

EMPTY = """\
kernel @empty() {
}
"""


@pytest.mark.parametrize("text", [MAC, CONTROL, EMPTY], ids=["mac", "control", "empty"])
def test_hand_written_text_round_trips(text: str) -> None:
    k = parse_kernel(text, "hand.kir")
    assert print_ir(k) == text


def test_awkward_file_name_survives() -> None:
    k = parse_kernel(CONTROL, "hand.kir")
    assert k.storages[2].loc == SourceLoc("bits.c", 2)
    assert k.params[1].loc == SourceLoc("my dir/bits.c", 1, 20)
    assert k.body.stmts[1].loc == SourceLoc('C:\\src\\"q" dir\\k.c', 12, 5)


def test_module_of_two_kernels_round_trips() -> None:
    text = MAC + "\n" + EMPTY
    module = parse(text, "two.kir")
    assert [k.name for k in module.kernels] == ["mac", "empty"]
    assert print_ir(module) == text


def test_comments_and_spacing_are_not_kept() -> None:
    messy = "// header\nkernel @empty(  )   {   // nothing here\n\n}\n"
    assert print_ir(parse_kernel(messy, "messy.kir")) == EMPTY


def test_partition_directives_round_trip() -> None:
    text = """\
kernel @p(in @a: i8[4]) {
  local @buf: i8[4][2] [partition=cyclic, factor=2, dim=1]
  local @all: i8[4] [partition=complete]
}
"""
    assert print_ir(parse_kernel(text, "p.kir")) == text


def test_builder_else_after_nested_if() -> None:
    kb = KernelBuilder("k", track_locations=False)
    c = kb.input("c", BOOL)
    with kb.if_(c), kb.if_(c):
        pass
    with kb.else_():
        pass
    assert_round_trips(kb.build())


def test_names_the_text_form_cannot_spell_still_round_trip() -> None:
    kb = KernelBuilder("k", track_locations=False)
    out = kb.output("o", BOOL)
    kb.write(out, kb.const(1, BOOL, name="conv1/w:0"))
    assert_round_trips(kb.build())
