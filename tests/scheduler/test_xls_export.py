"""The XLS IR exporter: well-formed text, one XLS node per region node (plus the documented
literal arrays and return tuple), a mirror problem with the same graph, and refusals."""

from __future__ import annotations

import re

import pytest

from kiln.base.errors import KilnError
from kiln.ir import parse_kernel
from kiln.scheduler.regions import Options, kernel_regions
from kiln.scheduler.sdc import schedule_sdc
from kiln.scheduler.xls_export import RETURN, export_region, mirror_problem, region_to_xls_ir

UNIT = {"literal": 0.0, "param": 0.0}  # every other XLS op costs 1 in XLS's unit model


class Unit:
    register_overhead_ps = 0.0
    library = "unit"

    def delay_ps(self, op) -> float:
        return 0.0 if op.opcode == "const" else 1.0


class UnitTable(dict):
    def __missing__(self, key: str) -> float:
        return 1.0


KERNEL = """kernel @k(in %a: i8, in %b: i8, in @x: i8[4][2], out @y: i16[4], out @s: i16) {
  var @t: i16 = 0
  %c = gt %a, %b : u1
  %wa = sext %a : i16
  %wb = cast %b : i16
  %p = mul %wa, %wb : i16
  %i0 = const 1 : u2
  %j0 = const 0 : u1
  %v = load @x[%i0, %j0] : i8
  %vw = cast %v : i16
  %old = read @t : i16
  %q = add %old, %p : i16
  write @t, %q
  if %c {
    write @t, %vw
    store @y[%i0], %vw
  }
  %r = read @t : i16
  %sel = select %c, %r, %p : i16
  %sh = shr %sel, %i0 : i16
  write @s, %sh
}
"""


def region(text: str = KERNEL, clock_ps: float = 2.0):
    (r,), _ = kernel_regions(
        parse_kernel(text), Unit(), Options(clock_period_ps=clock_ps, mem_latency=0)
    )
    return r


def parse_text(text: str):
    """(params, [(name, op, operands)], ret line) of exported text, checked line by line."""
    head = re.search(r"^top fn (\w+)\((.*)\) -> (.*) \{$", text, re.M)
    assert head, text
    params = re.findall(r"(\w+): bits\[\d+\]", head.group(2))
    nodes = []
    body = text[head.end() :].strip("\n").splitlines()
    assert body[-1] == "}"
    for line in body[:-1]:
        m = re.fullmatch(r"  (?:ret )?(\w+): (.+?) = (\w+)\((.*)\)", line)
        assert m, line
        operands = re.findall(r"\b([an]\d+_\w+)", m.group(4))
        nodes.append((m.group(1), m.group(3), operands))
    assert body[-2].startswith("  ret ")
    return params, nodes


def test_the_text_is_well_formed_and_defines_every_operand_before_use():
    text = region_to_xls_ir(region(), "k")
    assert text.count("(") == text.count(")") and text.count("[") == text.count("]")
    assert text.count("{") == text.count("}") == 1
    params, nodes = parse_text(text)
    defined = set(params)
    for name, _, operands in nodes:
        assert set(operands) <= defined, (name, operands)
        assert name not in defined
        defined.add(name)


def test_one_xls_node_per_region_node_plus_literal_arrays_and_the_return_tuple():
    r = region()
    exp = export_region(r, "k")
    params, nodes = parse_text(exp.text)
    assert len(params) + len(nodes) == exp.node_count
    assert exp.node_count == len(r.problem.ops) + len(exp.arrays) + 1
    assert exp.arrays == {"x": "a0_x"}
    ops = dict(exp.op_of)
    assert ops["in:a"] == ops["in:b"] == ops["old"] == "param"  # the unfed read is a param
    assert ops["c"] == "sgt" and ops["wa"] == ops["wb"] == "sign_ext" and ops["p"] == "smul"
    assert ops["v"] == "array_index" and ops["sel"] == "sel" and ops["sh"] == "shra"
    assert ops["write.t"] == "identity" and ops["write.t#2"] == "gate"
    assert ops["r"] == "identity" and ops["store.y"] == "tuple"  # the latest write holds @t
    assert "sel(n2_c, cases=[n5_p, n15_r])" in exp.text  # select's true value is XLS's case 1
    assert set(exp.outputs) == {"write.t", "write.t#2", "store.y", "write.s"}
    # the write of @t overwrites the value read before it and follows the first write;
    # the read after both takes its value from the second only
    assert exp.dropped == {"ordering without a value": 3}


def test_arrays_as_params_make_the_loads_read_inputs():
    """For synthesis of XLS's Verilog: a load must depend on an input, or it folds away."""
    exp = export_region(region(), "k", arrays_as_params=True)
    head = re.search(r"^top fn k\((.*)\) ->", exp.text, re.M).group(1)
    assert "a0_x: bits[8][2][4]" in head
    assert "literal(value=[[" not in exp.text
    assert "array_index(a0_x, indices=[" in exp.text


def test_the_mirror_problem_is_the_exported_graph():
    r = region()
    exp = export_region(r, "k")
    p = mirror_problem(r, exp, UnitTable(UNIT))
    _, nodes = parse_text(exp.text)
    assert len(p.ops) == exp.node_count
    edges = sum(len(ops) for _, _, ops in nodes)
    assert len(p.deps) == edges
    assert p.pins == {"in:a": "first", "in:b": "first", "old": "first", RETURN: "last"}
    assert p.ops["store.y"].width == 2 + 16 + 1  # address, data and enable
    assert p.ops["i0"].width == 0  # XLS never registers a literal
    assert p.ops["old"].delay_ps == 0.0 and p.ops["q"].delay_ps == 1.0
    sol = schedule_sdc(p)
    p.verify(sol)


FLOAT = """kernel @f(in %a: f32, out @y: f32) {
  %b = add %a, %a : f32
  write @y, %b
}
"""


def test_floats_are_refused_with_the_reason():
    with pytest.raises(KilnError, match="XLS IR has no floating point"):
        region_to_xls_ir(region(FLOAT), "f")


def test_fixed_point_rescaling_is_refused_but_plain_fixed_point_is_exported():
    same = """kernel @q(in %a: fixed<16,8>, out @y: fixed<16,8>) {
  %b = add %a, %a : fixed<16,8>
  write @y, %b
}
"""
    assert "add(n0_in_a, n0_in_a)" in region_to_xls_ir(region(same), "q")
    rescale = same.replace("%b = add %a, %a : fixed<16,8>", "%b = cast %a : fixed<16,4>")
    rescale = rescale.replace("@y: fixed<16,8>", "@y: fixed<16,4>")
    with pytest.raises(KilnError, match="fixed-point rescaling"):
        region_to_xls_ir(region(rescale), "q")


def test_a_write_under_three_guards_is_refused():
    text = """kernel @g(in %a: u1, in %b: u1, in %c: u1, in %v: u8, out @y: u8) {
  if %a {
    if %b {
      if %c {
        write @y, %v
      }
    }
  }
}
"""
    with pytest.raises(KilnError, match="a write under 3 guards"):
        region_to_xls_ir(region(text), "g")


def test_xls_parses_and_schedules_the_export_like_kiln():
    xls = pytest.importorskip(
        "xls", reason="xls-python is a benchmark-only extra (benchmarks/vs_xls.py), not in CI"
    )
    r = region()
    exp = export_region(r, "k")
    verilog = (
        xls.Package.parse_ir(exp.text)
        .schedule_and_codegen(
            generator="pipeline",
            top=exp.top,
            delay_model="unit",
            clock_period_ps=2,
            scheduling_strategy="sdc",
            opt_level=0,
            flop_inputs=False,
            flop_outputs=False,
        )
        .get_verilog_text()
    )
    regs = re.findall(r"^\s*reg\s+(?:\[(\d+):0\]\s+)?p\d+_\w+;", verilog, re.M)
    xls_bits = sum(int(w) + 1 if w else 1 for w in regs)
    sol = schedule_sdc(mirror_problem(r, exp, UnitTable(UNIT)))
    assert sol.register_bits == xls_bits
