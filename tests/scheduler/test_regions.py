"""From kernel IR to scheduling problems: regions, forwarded and carried variables, the
affine memory dependence test, ports per bank, pins, and loops that cannot pipeline."""

from __future__ import annotations

import pytest

from kiln.ir import parse_kernel
from kiln.ir.ops import OPS
from kiln.scheduler.affine import Affine, carried_distance, never_equal
from kiln.scheduler.kernel_schedule import schedule_kernel
from kiln.scheduler.regions import Options, kernel_regions


class Delays:
    """Fixed delays per op kind, so the expected schedules can be worked out by hand."""

    register_overhead_ps = 100.0
    library = "test"
    table = {"arith": 300.0, "mul": 700.0, "compare": 200.0, "logic": 50.0, "select": 80.0}

    def delay_ps(self, op) -> float:
        return self.table.get(OPS[op.opcode].kind, 0.0)

    def op_delay_ps(self, opcode: str, width: int, signed: bool = False) -> float:
        return self.table.get(OPS[opcode].kind, 0.0)


def regions(text: str, **opts):
    return kernel_regions(parse_kernel(text), Delays(), Options(clock_period_ps=1000, **opts))


def schedule(text: str, clock_ps: float = 1000, **opts):
    return schedule_kernel(parse_kernel(text), clock_ps, Delays(), Options(**opts))


ACC = """kernel @acc(in @x: i16[8], out @y: i16) {
  var @s: i16 = 0
  for %i: u4 = 0 to 8 step 1 [pipeline=1] {
    %0 = load @x[%i] : i16
    %1 = read @s : i16
    %2 = add %1, %0 : i16
    write @s, %2
  }
  %3 = read @s : i16
  write @y, %3
}
"""


def test_a_kernel_splits_into_straight_line_and_loop_regions():
    rs, notes = regions(ACC)
    assert [r.pipelined for r in rs] == [True, False] and notes == []
    loop = rs[0].problem
    assert loop.pins == {"in:i": "first"}
    carried = [d for d in loop.deps if d.distance]
    assert {(d.src, d.dst, d.latency, d.distance) for d in carried} >= {("write.s", "1", 1, 1)}
    assert rs[1].problem.pins == {"write.y": "last"}


def test_an_accumulator_pipelines_at_ii_1():
    ks = schedule(ACC)
    loop = ks.regions[0]
    assert loop.solution.ii == 1 and loop.ii.rec_mii == 1 and loop.ii.reason is None
    assert loop.solution.cycles["0"] == 0 and loop.solution.cycles["2"] == 1


def test_a_mul_in_the_recurrence_raises_the_ii_and_names_the_lines():
    text = ACC.replace("%2 = add %1, %0 : i16", "%2 = mul %1, %0 : i16")
    ks = schedule(text, clock_ps=750)  # 650 ps of logic: the 700 ps mul is a 2-cycle unit
    loop = ks.regions[0]
    assert loop.ii.rec_mii == 3 and loop.solution.ii == 3
    assert "recurrence needs II 3" in loop.ii.reason and "@s" in loop.ii.reason


SCAN = """kernel @scan(inout @y: i16[16], in @x: i16[16]) {
  for %i: u5 = 1 to 16 step 1 [pipeline=1] {
    %0 = const 1 : u5
    %1 = sub %i, %0 : u5
    %2 = load @y[%1] : i16
    %3 = load @x[%i] : i16
    %4 = add %2, %3 : i16
    store @y[%i], %4
  }
}
"""


def test_a_recurrence_through_memory_gets_its_distance_from_the_affine_test():
    (loop,), _ = regions(SCAN)
    carried = {(d.src, d.dst): d.distance for d in loop.problem.deps if d.distance}
    assert carried == {("store.y", "2"): 1}
    ks = schedule(SCAN)
    r = ks.regions[0]
    assert r.ii.rec_mii == 2 and r.ii.res_mii == 2 and r.solution.ii == 2


PAIRS = """kernel @pairs(in @x: i16[17], out @z: i16[16]) {
  for %i: u5 = 0 to 16 step 1 [pipeline=1] {
    %0 = load @x[%i] : i16
    %1 = const 1 : u5
    %2 = add %i, %1 : u5
    %3 = load @x[%2] : i16
    %4 = add %0, %3 : i16
    store @z[%i], %4
  }
}
"""


@pytest.mark.parametrize(("ports", "ii"), [(1, 2), (2, 1)])
def test_ports_per_array_set_the_ii(ports, ii):
    r = schedule(PAIRS, param_ports=ports).regions[0]
    assert r.solution.ii == ii == r.ii.res_mii
    assert r.region.problem.limits["@x"] == ports
    if ii == 2:
        assert "resource @x needs II 2" in r.ii.reason


def test_store_and_load_of_different_elements_are_independent():
    (loop,), _ = regions(PAIRS)
    assert not [d for d in loop.problem.deps if d.distance]  # z is only stored, x only read


def test_a_cyclic_partition_gives_each_bank_its_ports():
    text = PAIRS.replace("{\n  for", "{\n  local @w: i16[17] [partition=cyclic, factor=2]\n  for")
    text = text.replace("load @x", "load @w")
    text = text.replace("%0 = load @w[%i]", "%9 = const 4 : u5\n    %0 = load @w[%9]")
    (loop,), _ = regions(text)
    assert loop.problem.ops["0"].resources == ("@w[0]",)
    assert loop.problem.ops["3"].resources == ("@w[0]", "@w[1]")  # unknown bank: both
    assert loop.problem.limits == {"@w[0]": 2, "@w[1]": 2, "@z": 1}


def test_a_register_file_is_read_in_the_clock_of_its_index():
    """A completely partitioned array is a register per element: no port, no read latency;
    a constant index is wiring, a variable one a tree of 2:1 multiplexers (8 elements: 3)."""
    text = """kernel @rf(in %x: i16, in %j: u3, out @y: i16) {
  local @w: i16[8] [partition=complete]
  %0 = const 5 : u3
  store @w[%0], %x
  %1 = load @w[%0] : i16
  %2 = load @w[%j] : i16
  %3 = add %1, %2 : i16
  write @y, %3
}
"""
    (r,), _ = regions(text)
    ops = r.problem.ops
    assert (ops["1"].latency, ops["1"].delay_ps, ops["1"].resources) == (0, 0.0, ())
    assert (ops["2"].latency, ops["2"].delay_ps) == (0, 3 * Delays.table["select"])
    ks = schedule(text)
    cycles = ks.regions[0].solution.cycles
    assert cycles["1"] == cycles["2"] == cycles["3"] == cycles["write.y"] == 1  # one clock
    assert ks.regions[0].solution.stages == 2  # after the store's clock edge


def test_an_op_slower_than_a_stage_is_noted_as_a_unit():
    text = """kernel @m(in %a: i16, in %b: i16, out @y: i16) {
  %0 = mul %a, %b : i16
  write @y, %0
}
"""
    ks = schedule(text, clock_ps=500)  # 700 ps of multiplier, 400 ps of stage logic
    assert ks.regions[0].region.problem.ops["0"].latency == 2
    assert any("runs as a 2-cycle unit" in n and "retimes" in n for n in ks.notes), ks.notes


def test_a_pipelined_loop_around_a_variable_bound_loop_is_noted():
    text = """kernel @tri(in %n: u4, inout @a: i16[16]) {
  for %i: u5 = 0 to 16 step 1 [pipeline=1] {
    for %j: u4 = 0 to %n step 1 {
      %0 = load @a[%j] : i16
      store @a[%j], %0
    }
  }
}
"""
    rs, notes = regions(text)
    assert len(rs) == 1 and not rs[0].pipelined
    assert "is not pipelined: it holds a loop" in notes[0]


def test_loops_that_are_not_pipelined_carry_no_loop_dependences():
    (loop, _), _ = regions(ACC.replace(" [pipeline=1]", ""))
    assert not loop.pipelined and not [d for d in loop.problem.deps if d.distance]


def _a(const: int, **coefs: int) -> Affine:
    ids = {"i": 1, "n": 2}
    return Affine(const, tuple(sorted((ids[k], c) for k, c in coefs.items())))


@pytest.mark.parametrize(
    ("x", "y", "step", "distance"),
    [
        ([_a(0, i=1)], [_a(-1, i=1)], 1, 1),  # a[i] then a[i-1]: next iteration
        ([_a(2, i=1)], [_a(0, i=1)], 1, 2),  # a[i+2] then a[i]: two iterations later
        ([_a(0, i=1)], [_a(2, i=1)], 1, None),  # a[i] then a[i+2]: never later
        ([_a(1, i=2)], [_a(0, i=2)], 1, None),  # odd and even elements
        ([_a(0, i=1)], [_a(-4, i=1)], 2, 2),  # step 2
        ([_a(0)], [_a(0)], 1, 1),  # the same element every iteration
        ([_a(0, i=1, n=1)], [_a(-1, i=1, n=1)], 1, 1),  # invariant symbols cancel
        ([_a(0, i=1)], [None], 1, 1),  # unknown: conservative
        ([_a(0, i=1), _a(3)], [_a(-1, i=1), _a(4)], 1, None),  # another dim never meets
        ([_a(0, i=1), _a(0, n=1)], [_a(-1, i=1), _a(0, i=1)], 1, 1),
    ],
)
def test_carried_distance(x, y, step, distance):
    assert carried_distance(x, y, 1, step) == distance


def test_never_equal_same_iteration():
    assert never_equal([_a(0, i=1)], [_a(1, i=1)])
    assert not never_equal([_a(0, i=1)], [_a(0, n=1)])
    assert not never_equal([None], [_a(0)])


def test_a_cyclic_bank_is_known_when_the_step_is_a_multiple_of_the_factor():
    text = """kernel @four(in @x: i16[16], out @z: i16[16]) {
  local @w: i16[16] [partition=cyclic, factor=4]
  for %i: u5 = 0 to 16 step 4 [pipeline=1] {
    %1 = const 1 : u5
    %2 = add %i, %1 : u5
    %3 = load @w[%i] : i16
    %4 = load @w[%2] : i16
    %5 = add %3, %4 : i16
    store @z[%i], %5
  }
}
"""
    (loop,), _ = regions(text)
    assert loop.problem.ops["3"].resources == ("@w[0]",)
    assert loop.problem.ops["4"].resources == ("@w[1]",)
    odd, _ = regions(text.replace("step 4", "step 2").replace("0 to 16", "0 to 16"))
    assert odd[0].problem.ops["4"].resources == ("@w[0]", "@w[1]", "@w[2]", "@w[3]")
