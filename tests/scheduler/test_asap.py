"""ASAP scheduling: chaining under the clock, dependences, and the schedule's own checks."""

from __future__ import annotations

import json

import pytest

from kiln.errors import ScheduleError
from kiln.ir import parse_kernel
from kiln.scheduler import DelayModel, dependence_graph, schedule_asap
from kiln.scheduler.schedule import Schedule, Slot

CHAIN = """kernel @chain(in %a: i8, in %b: i8, out @y: i8) {
  %0 = add %a, %b : i8
  %1 = add %0, %b : i8
  %2 = add %1, %b : i8
  write @y, %2
}
"""


class Flat(DelayModel):
    """Every op with a result takes 400 ps; writes take none."""

    def delay_ps(self, op) -> float:
        return 400.0 if op.result is not None else 0.0


def cycles(schedule: Schedule) -> list[int]:
    return [schedule.slot(op).cycle for op in schedule.ops]


def test_ops_chain_in_one_cycle_while_they_fit():
    k = parse_kernel(CHAIN)
    s = schedule_asap(k.body, 1200, Flat())
    assert cycles(s) == [0, 0, 0, 0]
    assert [s.slot(op).start_ps for op in s.ops] == [0, 400, 800, 1200]
    assert s.latency == 1


def test_an_op_that_would_cross_the_clock_edge_moves_to_the_next_cycle():
    k = parse_kernel(CHAIN)
    s = schedule_asap(k.body, 1000, Flat())
    assert cycles(s) == [0, 0, 1, 1]
    assert s.slot(s.ops[2]).start_ps == 0
    assert s.latency == 2


def test_independent_ops_start_at_time_zero():
    k = parse_kernel("""kernel @par(in %a: i8, in %b: i8, out @y: i8, out @z: i8) {
  %0 = add %a, %b : i8
  %1 = sub %a, %b : i8
  write @y, %0
  write @z, %1
}
""")
    s = schedule_asap(k.body, 500, Flat())
    assert [s.slot(op).start_ps for op in s.ops[:2]] == [0, 0]


def test_variable_accesses_keep_program_order():
    k = parse_kernel("""kernel @vars(in %a: i8, out @y: i8) {
  var @v: i8 = 1
  %0 = read @v : i8
  %1 = add %0, %a : i8
  write @v, %1
  %2 = read @v : i8
  write @y, %2
}
""")
    g = dependence_graph(k.body.stmts)
    read0, add, write_v, read2, write_y = k.body.stmts
    assert g.has_edge(read0, write_v)  # write after read
    assert g.has_edge(write_v, read2)  # read after write
    assert not g.has_edge(read0, read2)  # two reads need no order
    s = schedule_asap(k.body, 1000, Flat())
    assert s.slot(read2).cycle >= s.slot(write_v).cycle


def test_op_slower_than_the_clock_is_an_error_naming_the_op():
    k = parse_kernel(CHAIN, "chain.kir")
    with pytest.raises(ScheduleError) as info:
        schedule_asap(k.body, 300, Flat())
    assert str(info.value).startswith("chain.kir:2:3: op 'add' needs 400 ps, more than the 300 ps")
    assert "raise the clock period" in str(info.value)


def test_loops_are_refused_with_a_pointer_to_the_sdc_scheduler():
    k = parse_kernel(
        """kernel @loop(in @x: i8[4], out @y: i8) {
  for %i: u3 = 0 to 4 step 1 {
  }
}
""",
        "loop.kir",
    )
    with pytest.raises(ScheduleError) as info:
        schedule_asap(k.body, 1000, what="kernel @loop")
    assert "loop.kir:2:3" in str(info.value) and "straight-line" in str(info.value)


def test_nonpositive_clock_is_refused():
    with pytest.raises(ScheduleError, match="clock period must be positive"):
        schedule_asap(parse_kernel(CHAIN).body, 0)


def test_overrides_replace_table_delays():
    k = parse_kernel(CHAIN)
    model = DelayModel()
    table = schedule_asap(k.body, 10_000, model)
    assert table.slot(k.body.stmts[0]).delay_ps > 0
    model.override("0", 1234.0)
    measured = schedule_asap(k.body, 10_000, model)
    assert measured.slot(k.body.stmts[0]).delay_ps == 1234.0
    assert measured.slot(k.body.stmts[1]).start_ps == 1234.0


def test_verify_catches_a_consumer_scheduled_before_its_producer():
    k = parse_kernel(CHAIN)
    s = schedule_asap(k.body, 1000, Flat())
    first, second = k.body.stmts[0], k.body.stmts[1]
    s.slots[id(second)] = Slot(0, 100.0, 400.0)  # starts while `first` is still running
    with pytest.raises(ScheduleError, match="starts before its input"):
        s.verify(list(dependence_graph(s.ops).edges))
    s.slots[id(first)] = Slot(0, 800.0, 400.0)  # finishes after the clock edge
    with pytest.raises(ScheduleError, match="outside its cycle"):
        s.verify([])


def test_schedule_json_names_every_op_with_its_cycle():
    k = parse_kernel(CHAIN)
    data = json.loads(schedule_asap(k.body, 1000, Flat()).dumps())
    assert data["latency_cycles"] == 2 and data["clock_period_ps"] == 1000
    assert [(o["op"], o["result"], o["cycle"]) for o in data["ops"]] == [
        ("add", "0", 0),
        ("add", "1", 0),
        ("add", "2", 1),
        ("write", None, 1),
    ]
