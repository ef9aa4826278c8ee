"""Op characterization: fresh Yosys + OpenSTA runs agree with the shipped delay model, the
shipped data is reproducible, and bad input gives KilnError with a hint."""

from __future__ import annotations

import json
import math

import pytest

from kiln.base.errors import KilnError, ToolError
from kiln.feedback.characterize import (
    CHARACTERIZED_OPS,
    GENERIC_LIBERTY,
    build_op,
    characterize,
    fit,
    measure_op,
    measure_register_overhead,
    op_module,
    plan,
)
from kiln.ir import parse_kernel
from kiln.ir.kernel import walk_ops
from kiln.scheduler.delay_model import DEFAULT_DATA, DelayModel, interpolate

SHIPPED = json.loads(DEFAULT_DATA.read_text())
SAMPLE = [("add", 8, False), ("add", 16, False), ("mul", 8, False), ("lt", 16, True),
          ("xor", 16, False), ("shl", 8, False), ("div", 8, True),
          ("add", 32, False), ("mul", 16, False), ("sub", 40, False), ("shl", 12, False),
          ("eq", 20, False), ("select", 13, False), ("shr", 27, True)]  # fmt: skip


def shipped_points(opcode: str, signed: bool) -> dict[int, float]:
    variants = SHIPPED["ops"][opcode]
    key = "any" if "any" in variants else ("signed" if signed else "unsigned")
    return {w: d for w, d in variants[key]["points"]}


# ---- against the tools ------------------------------------------------------------------


@pytest.mark.yosys
@pytest.mark.parametrize("opcode,width,signed", SAMPLE)
def test_fresh_measurement_agrees_with_the_model(opcode, width, signed, tmp_path):
    fresh = measure_op(opcode, width, signed, GENERIC_LIBERTY, tmp_path)
    modelled = DelayModel().op_delay_ps(opcode, width, signed)
    assert fresh > 0
    assert abs(fresh - modelled) <= 0.05 * modelled, (fresh, modelled)


@pytest.mark.yosys
def test_characterize_reproduces_the_shipped_points(tmp_path):
    progress = []
    out = tmp_path / "delays.json"
    data = characterize(
        opcodes=["add", "lt"], widths=[4, 16], out=out, workdir=tmp_path / "w",
        progress=progress.append,
    )  # fmt: skip
    assert data["register_overhead_ps"] == SHIPPED["register_overhead_ps"]
    assert data["liberty_sha256"] == SHIPPED["liberty_sha256"]
    for opcode, signed in [("add", False), ("lt", False), ("lt", True)]:
        shipped = shipped_points(opcode, signed)
        key = "any" if opcode == "add" else ("signed" if signed else "unsigned")
        for w, d in data["ops"][opcode][key]["points"]:
            assert d == shipped[w], (opcode, signed, w)
    assert [p.done for p in progress] == [1, 2, 3, 4, 5, 6]
    assert {p.label for p in progress} == {"add_u4", "add_u16", "lt_u4", "lt_u16", "lt_s4",
                                           "lt_s16"}  # fmt: skip
    assert DelayModel.from_file(out).op_delay_ps("lt", 16, True) == shipped_points("lt", True)[16]
    assert (tmp_path / "w" / "lt_s16" / "netlist.v").is_file()  # the kept workdir


@pytest.mark.yosys
def test_register_overhead_is_clock_to_q_plus_setup(tmp_path):
    overhead = measure_register_overhead(GENERIC_LIBERTY, tmp_path)
    assert round(overhead, 1) == SHIPPED["register_overhead_ps"]
    assert 80 < overhead < 150  # the library's DFF: about 80 ps clock-to-Q, 30 ps setup


@pytest.mark.yosys
def test_an_unparsable_liberty_file_is_a_tool_error(tmp_path):
    bad = tmp_path / "bad.lib"
    bad.write_text("library(bad) { cell(X) { pin(A) { direction : input; }\n")
    with pytest.raises(ToolError) as info:
        measure_op("add", 4, False, bad, tmp_path / "w")
    assert info.value.log and "fix" in str(info.value)


# ---- without the tools ------------------------------------------------------------------


def test_bad_requests_are_kiln_errors(tmp_path):
    with pytest.raises(KilnError, match="no such op"):
        measure_op("frob", 8, False, GENERIC_LIBERTY, tmp_path)
    with pytest.raises(KilnError, match="wiring"):
        plan(["slice"], [8])
    with pytest.raises(KilnError, match="width must be an integer >= 1, got 0"):
        plan(["add"], [0])
    with pytest.raises(KilnError, match="does not exist") as info:
        measure_op("add", 8, False, tmp_path / "nope.lib", tmp_path)
    assert "--liberty" in str(info.value)


def test_plan_measures_both_signednesses_only_where_logic_differs():
    labels = {job.label for job in plan(["add", "shr"], [8])}
    assert labels == {"add_u8", "shr_u8", "shr_s8"}


def test_plan_measures_widening_products_up_to_a_64_bit_result():
    labels = {job.label for job in plan(["mul"], [8, 40])}
    assert labels == {"mul_u8", "mul_u40", "mulw_s8"}
    assert build_op("mul", 8, True, widening=True).result.type.width == 16


def test_a_widening_product_costs_the_smaller_of_the_two_shapes_that_hold_it():
    """`int16 * int16 -> int32` is a 16 x 16 multiplier with a 32-bit result: cheaper than
    a 32 x 32 one, dearer than 16 x 16 -> 16; `-> int24` is bounded by both."""
    from kiln.ir.kernel import Op, Value
    from kiln.ir.types import IntType

    model = DelayModel()
    wide = dict(SHIPPED["ops"]["mul"]["widening"]["points"])
    plain = shipped_points("mul", False)

    def mul(w: int, r: int) -> Op:
        t = IntType(w, True)
        return Op("mul", [Value("a", t), Value("b", t)], Value("y", IntType(r, True)))

    assert model.delay_ps(mul(16, 32)) == wide[16] < plain[32]
    assert model.delay_ps(mul(16, 24)) == min(wide[16], plain[24])
    assert model.delay_ps(mul(32, 32)) == plain[32]


def test_characterization_modules_use_the_backend_lowering():
    text = op_module(build_op("lt", 8, True))
    assert "$signed" in text and "always @(posedge clk)" in text
    assert op_module(build_op("shl", 8, False)).count("input wire [3:0]") == 1


def test_every_characterized_op_is_in_the_shipped_data():
    assert set(SHIPPED["ops"]) == set(CHARACTERIZED_OPS)
    assert SHIPPED["format"] == "kiln-delays" and SHIPPED["version"] == 1


def test_fit_recovers_a_known_model():
    points = [(w, 3.0 * w + 20.0 * math.log2(w) + 50.0) for w in (1, 2, 4, 8, 16, 32, 64)]
    got = fit(points)
    assert (got["a"], got["b"], got["c"]) == (3.0, 20.0, 50.0)
    assert got["max_rel_error"] == 0.0


def test_the_model_returns_measured_points_at_measured_widths():
    model = DelayModel()
    for opcode, variants in SHIPPED["ops"].items():
        for variant, entry in variants.items():
            if variant == "widening":  # a mul shape, looked up by delay_ps (test below)
                continue
            for w, d in entry["points"]:
                assert model.op_delay_ps(opcode, w, variant == "signed") == d


def test_interpolation_between_and_beyond_the_points():
    points = [(8, 100.0), (16, 200.0), (32, 260.0)]
    assert interpolate(points, 12) == 150.0
    assert interpolate(points, 4) == 100.0  # flat below the narrowest
    assert interpolate(points, 64) == 380.0  # along the chord from half the widest width
    noisy = [(8, 100.0), (16, 200.0), (31, 300.0), (32, 290.0)]  # last step goes down
    assert interpolate(noisy, 64) == 290.0 + (90.0 / 16) * 32  # still grows, never shrinks


def test_wiring_and_memory_ops_cost_nothing():
    k = parse_kernel("""kernel @w(in %a: i16, in %b: u4, out @y: i8, out @z: i32) {
  %0 = slice %a {hi=11, lo=4} : u8
  %1 = zext %b : u8
  %2 = concat %0, %1 : u16
  %3 = sext %2 : i32
  %4 = trunc %3 : i8
  %5 = const 7 : i8
  %6 = cast %4 : i32
  %7 = add %4, %5 : i8
  write @y, %7
  write @z, %6
}
""")
    model = DelayModel()
    delays = {op.opcode: model.delay_ps(op) for op in walk_ops(k.body)}
    assert delays.pop("add") == model.op_delay_ps("add", 8) > 0
    assert set(delays.values()) == {0.0}
    for opcode in ("slice", "concat", "zext", "sext", "trunc", "const", "load", "store", "read",
                   "write", "bitcast"):  # fmt: skip
        assert model.op_delay_ps(opcode, 32) == 0.0


def test_overrides_win_over_the_data():
    k = parse_kernel("""kernel @o(in %a: u8, out @y: u8) {
  %s = add %a, %a : u8
  write @y, %s
}
""")
    model = DelayModel()
    op = next(walk_ops(k.body))
    model.override("s", 12.5)
    assert model.delay_ps(op) == 12.5
    assert model.register_overhead_ps == SHIPPED["register_overhead_ps"]
    assert model.library == "generic"


@pytest.mark.parametrize(
    "text,problem",
    [
        ("{not json", "is not valid JSON"),
        ('{"format": "other", "version": 1}', "format is 'other'"),
        ('{"format": "kiln-delays", "version": 9}', "version 9 is not supported"),
        (
            '{"format": "kiln-delays", "version": 1, "register_overhead_ps": 100,'
            ' "ops": {"add": {"any": {"points": [[8, -1]]}}}}',
            "op 'add' (any): point [8, -1]",
        ),
    ],
)
def test_a_bad_data_file_names_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "delays.json"
    path.write_text(text)
    with pytest.raises(KilnError) as info:
        DelayModel.from_file(path)
    assert str(path) in str(info.value) and problem in str(info.value)
    assert "kiln characterize" in str(info.value)


def test_a_missing_data_file_names_the_file(tmp_path):
    with pytest.raises(KilnError, match="nope.json: cannot be read"):
        DelayModel.from_file(tmp_path / "nope.json")


def test_a_data_file_without_the_op_says_so(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(
        '{"format": "kiln-delays", "version": 1, "register_overhead_ps": 100,'
        ' "ops": {"add": {"any": {"points": [[8, 50.0]]}}}}'
    )
    with pytest.raises(KilnError, match="has no entry for op 'mul'"):
        DelayModel.from_file(path).op_delay_ps("mul", 8)
