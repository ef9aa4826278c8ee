"""Which nodes are one signal: registers are counted as the backend builds them and as
logic synthesis keeps them."""

from __future__ import annotations

from test_regions import schedule

from kiln.scheduler.kernel_schedule import port_binding
from kiln.scheduler.signals import Signals, registered_variables

TWO_LOADS = """kernel @k(in @x: u16[8], out @y: u4[8]) {
  for %i: u4 = 0 to 8 step 1 [pipeline=2] {
    %0 = load @x[%i] : u16
    %1 = const 1 : u4
    %2 = add %i, %1 : u4
    %3 = load @x[%2] : u16
    %4 = gt %0, %3 : u1
    %5 = select %4, %0, %3 : u16
    %6 = mul %5, %5 : u16
    %7 = mul %6, %6 : u16
    %8 = add %7, %0 : u16
    %9 = trunc %8 : u4
    store @y[%i], %9
  }
}
"""


def signals(ks) -> Signals:
    return Signals(ks.regions, port_binding(ks.regions))


def test_loads_through_one_port_are_one_signal_and_registers_narrow_after_wide_uses():
    ks = schedule(TWO_LOADS)
    cycles = ks.regions[0].solution.cycles
    assert cycles["0"] != cycles["3"]  # one port: the loads take turns
    s = signals(ks)
    assert s.term(0, "0") == s.term(0, "3")
    # %0 is compared whole one clock after it arrives; later only its low 4 bits count
    bits = s.chain_bits(0, "0")
    assert bits[0] == 16 and bits[1:] and set(bits[1:]) == {4}


def test_two_ports_give_two_signals():
    ks = schedule(TWO_LOADS, param_ports=2)
    s = signals(ks)
    assert s.term(0, "0") != s.term(0, "3")


def test_a_variable_both_arms_write_before_any_read_needs_no_register():
    both = """kernel @k(in %a: i8, in %c: u1, out @y: i8) {
  var @t: i8
  if %c {
    write @t, %a
  } else {
    %0 = const 1 : i8
    write @t, %0
  }
  %1 = read @t : i8
  write @y, %1
}
"""
    assert "t" not in registered(both)
    one = both.replace("  } else {\n    %0 = const 1 : i8\n    write @t, %0\n", "")
    assert "t" in registered(one)


def registered(text: str) -> set[str]:
    ks = schedule(text)
    ids = registered_variables(ks.regions)
    ops = [op for rs in ks.regions for op in rs.region.ir_ops.values()]
    return {op.storage.name for op in ops if op.storage is not None and id(op.storage) in ids}
