"""`kiln.ir.semantics` against the independent model in `reference_arith.py`: 10,000 seeded
random cases per pure op, drawn toward corners, plus hand-computed values for the classic
traps (saturation, wrap, each rounding mode on ties, signed shifts, extensions, division).

Reproduce a failure with the seed printed in its message: KILN_SEMANTICS_SEED=<seed>.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from collections import Counter
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

from kiln.ir.ops import OPS
from kiln.ir.semantics import evaluate
from kiln.ir.types import IntType, ScalarType, fixed, from_real


def _load_reference():
    """Import the sibling `reference_arith.py` by path, whatever pytest's import mode."""
    name = "kiln_tests_reference_arith"
    if name not in sys.modules:
        path = Path(__file__).with_name("reference_arith.py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while building
        spec.loader.exec_module(module)
    return sys.modules[name]


ref = _load_reference()
Fmt = ref.Fmt

SEED = int(os.environ.get("KILN_SEMANTICS_SEED", "20250117"))
CASES = 10_000
NOT_PURE = frozenset({"const", "load", "store", "read", "write"})
CORNER_WIDTHS = (1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130)
MAX_WIDTH = 130

Case = tuple[list[int], list[Fmt], Fmt, dict[str, int]]


@cache
def kiln_type(t: Fmt) -> ScalarType:
    """The kiln type a reference `Fmt` describes."""
    if t.is_int:
        kt: ScalarType = IntType(t.width, t.signed)
    else:
        kt = fixed(t.width, t.frac, t.signed, t.rounding, t.overflow)
    got = (kt.width, kt.signed, kt.frac, kt.rounding.value, kt.overflow.value)
    assert got == (t.width, t.signed, t.frac, t.rounding, t.overflow), (t, kt)
    return kt


# ---- drawing types and values ------------------------------------------------------------


def draw_width(rng: random.Random, lo: int = 1, hi: int = MAX_WIDTH) -> int:
    corners = [w for w in CORNER_WIDTHS if lo <= w <= hi]
    if corners and rng.random() < 0.6:
        return rng.choice(corners)
    return rng.randint(lo, hi)


def draw_frac(rng: random.Random, width: int, near: int | None = None) -> int:
    r = rng.random()
    if near is not None and r < 0.4:
        frac = near + rng.randint(-3, 3)
    elif r < 0.6:
        frac = rng.choice((0, 1, width - 1, width, width + 1, width + 4))
    else:
        frac = rng.randint(0, width + 4)
    return min(max(frac, 0), width + 4)


def draw_fmt(
    rng: random.Random,
    *,
    lo: int = 1,
    hi: int = MAX_WIDTH,
    ints_only: bool = False,
    frac_near: int | None = None,
) -> Fmt:
    """An int (30%) or a fixed type with any signedness, frac, rounding and overflow."""
    width = draw_width(rng, lo, hi)
    signed = rng.random() < 0.5
    if ints_only or rng.random() < 0.3:
        return ref.int_fmt(width, signed)
    return ref.fixed_fmt(
        width,
        draw_frac(rng, width, frac_near),
        signed,
        rng.choice(ref.ROUNDINGS),
        rng.choice(ref.OVERFLOWS),
    )


def draw_result(rng: random.Random, width: int, frac: int, *, ints_only: bool = False) -> Fmt:
    """A result type: half the time near the exact result's width and frac, else anything."""
    if rng.random() < 0.5:
        return draw_fmt(rng, ints_only=ints_only)
    w = min(max(width + rng.randint(-3, 2), 1), MAX_WIDTH)
    return draw_fmt(rng, lo=w, hi=w, ints_only=ints_only, frac_near=frac)


def clamp_or(rng: random.Random, x: int, t: Fmt) -> int:
    """`x` when it fits `t`, else a uniform value of `t`."""
    return x if t.lo <= x <= t.hi else rng.randint(t.lo, t.hi)


def draw_raw(rng: random.Random, t: Fmt, tie_bits: int = 0) -> int:
    """A raw value of `t`, biased to the ends, 0, -1, powers of two +-1 and (when
    `tie_bits` > 0) values whose low `tie_bits` bits are exactly one half, or one off it."""
    r = rng.random()
    if tie_bits > 0 and r < 0.35:
        x = rng.randint(t.lo, t.hi)
        x += 2 ** (tie_bits - 1) - x % 2**tie_bits + rng.choice((0, 0, 0, -1, 1))
        return clamp_or(rng, x, t)
    if r < 0.5:
        return clamp_or(rng, rng.choice((t.lo, t.hi, 0, 1, -1, t.lo + 1, t.hi - 1)), t)
    if r < 0.75:
        x = rng.choice((1, -1)) * 2 ** rng.randint(0, t.width) + rng.choice((-1, 0, 1))
        return clamp_or(rng, x, t)
    if r < 0.82:
        return clamp_or(rng, rng.randint(-9, 9), t)
    return rng.randint(t.lo, t.hi)


def clear_low(x: int, k: int, t: Fmt) -> int:
    """`x` with its low `k` bits cleared (rounds toward minus infinity, so stays >= t.lo)."""
    return x - x % 2**k if k > 0 and x - x % 2**k >= t.lo else x


# ---- one case generator per op -----------------------------------------------------------


def gen_add_sub(rng: random.Random, opcode: str) -> Case:
    ta, tb = draw_fmt(rng), draw_fmt(rng)
    f = max(ta.frac, tb.frac)
    rt = draw_result(rng, max(ta.width - ta.frac, tb.width - tb.frac) + f + 1, f)
    # Aim for ties: the finer operand sits on a half, the coarser has no bits below rt.
    fine, coarse = (0, 1) if ta.frac >= tb.frac else (1, 0)
    types = [ta, tb]
    args = [0, 0]
    args[fine] = draw_raw(rng, types[fine], types[fine].frac - rt.frac)
    args[coarse] = draw_raw(rng, types[coarse])
    if rng.random() < 0.5:
        args[coarse] = clear_low(args[coarse], types[coarse].frac - rt.frac, types[coarse])
    return args, types, rt, {}


def gen_mul(rng: random.Random, opcode: str) -> Case:
    ta, tb = draw_fmt(rng), draw_fmt(rng)
    rt = draw_result(rng, ta.width + tb.width, ta.frac + tb.frac)
    dropped = ta.frac + tb.frac - rt.frac
    if rng.random() < 0.5:
        # b = +-2**j makes a's own low bits decide the tie.
        j = rng.randint(0, max(min(tb.width - 2, dropped - 1), 0))
        b = clamp_or(rng, rng.choice((1, -1)) * 2**j, tb)
        b_shift = j if abs(b) == 2**j else 0
        return [draw_raw(rng, ta, dropped - b_shift), b], [ta, tb], rt, {}
    return [draw_raw(rng, ta), draw_raw(rng, tb)], [ta, tb], rt, {}


def gen_div_rem(rng: random.Random, opcode: str) -> Case:
    ta, tb = draw_fmt(rng, ints_only=True), draw_fmt(rng, ints_only=True)
    rt = draw_result(rng, ta.width, 0, ints_only=True)
    if ta.signed and tb.signed and rng.random() < 0.05:
        return [ta.lo, -1], [ta, tb], rt, {}  # INT_MIN / -1
    a, b = draw_raw(rng, ta), draw_raw(rng, tb)
    if rng.random() < 0.05:
        b = 0
    return [a, b], [ta, tb], rt, {}


def gen_unary_value(rng: random.Random, opcode: str) -> Case:
    ta = draw_fmt(rng)
    rt = draw_result(rng, ta.width + 1, ta.frac)
    return [draw_raw(rng, ta, ta.frac - rt.frac)], [ta], rt, {}


def gen_compare(rng: random.Random, opcode: str) -> Case:
    ta, tb = draw_fmt(rng), draw_fmt(rng)
    a, b = draw_raw(rng, ta), draw_raw(rng, tb)
    if rng.random() < 0.5:
        # One operand at (or one ULP off) the other's real value, so eq/le/ge see equal
        # reals across different types; the finer type can always hold the coarser value.
        if ta.frac > tb.frac or (ta.frac == tb.frac and rng.random() < 0.5):
            a = near_real(rng, ref.real(b, tb), ta, a)
        else:
            b = near_real(rng, ref.real(a, ta), tb, b)
    return [a, b], [ta, tb], ref.BOOL, {}


def near_real(rng: random.Random, x: Fraction, t: Fmt, fallback: int) -> int:
    """The raw value of `t` that is exactly `x`, or one off it; `fallback` if none fits."""
    scaled = x * 2**t.frac
    if scaled.denominator != 1:
        return fallback
    n = scaled.numerator + rng.choice((0, 0, 0, -1, 1))
    return n if t.lo <= n <= t.hi else fallback


def gen_bitwise(rng: random.Random, opcode: str) -> Case:
    t = draw_fmt(rng)
    return [draw_raw(rng, t), draw_raw(rng, t)], [t, t], t, {}


def gen_not(rng: random.Random, opcode: str) -> Case:
    t = draw_fmt(rng)
    return [draw_raw(rng, t)], [t], t, {}


def gen_shift(rng: random.Random, opcode: str) -> Case:
    ta = draw_fmt(rng)
    tn = ref.int_fmt(draw_width(rng), False)
    w = ta.width
    n = rng.choice((rng.randint(0, w + 2), rng.randint(0, w), w - 1, w, w + 1, tn.hi, 0, 1))
    return [draw_raw(rng, ta), clamp_or(rng, n, tn)], [ta, tn], ta, {}


def gen_select(rng: random.Random, opcode: str) -> Case:
    t = draw_fmt(rng)
    args = [rng.randint(0, 1), draw_raw(rng, t), draw_raw(rng, t)]
    return args, [ref.BOOL, t, t], t, {}


def gen_slice(rng: random.Random, opcode: str) -> Case:
    ta = draw_fmt(rng)
    w = ta.width
    lo = rng.choice((0, w - 1, rng.randint(0, w - 1)))
    hi = rng.choice((lo, w - 1, rng.randint(lo, w - 1)))
    return [draw_raw(rng, ta)], [ta], ref.int_fmt(hi - lo + 1, False), {"hi": hi, "lo": lo}


def gen_concat(rng: random.Random, opcode: str) -> Case:
    types = [draw_fmt(rng) for _ in range(rng.randint(1, 4))]
    rt = ref.int_fmt(sum(t.width for t in types), False)
    return [draw_raw(rng, t) for t in types], types, rt, {}


def gen_widen(rng: random.Random, opcode: str) -> Case:
    ta = draw_fmt(rng)
    w = ta.width if rng.random() < 0.2 else draw_width(rng, ta.width)
    return [draw_raw(rng, ta)], [ta], draw_fmt(rng, lo=w, hi=w), {}


def gen_trunc(rng: random.Random, opcode: str) -> Case:
    ta = draw_fmt(rng)
    w = ta.width if rng.random() < 0.2 else draw_width(rng, 1, ta.width)
    return [draw_raw(rng, ta)], [ta], draw_fmt(rng, lo=w, hi=w), {}


def gen_bitcast(rng: random.Random, opcode: str) -> Case:
    ta = draw_fmt(rng)
    return [draw_raw(rng, ta)], [ta], draw_fmt(rng, lo=ta.width, hi=ta.width), {}


GENERATORS: dict[str, Callable[[random.Random, str], Case]] = {
    "add": gen_add_sub,
    "sub": gen_add_sub,
    "mul": gen_mul,
    "div": gen_div_rem,
    "rem": gen_div_rem,
    "neg": gen_unary_value,
    "cast": gen_unary_value,
    **dict.fromkeys(("eq", "ne", "lt", "le", "gt", "ge"), gen_compare),
    **dict.fromkeys(("and", "or", "xor"), gen_bitwise),
    "not": gen_not,
    "shl": gen_shift,
    "shr": gen_shift,
    "select": gen_select,
    "slice": gen_slice,
    "concat": gen_concat,
    "zext": gen_widen,
    "sext": gen_widen,
    "trunc": gen_trunc,
    "bitcast": gen_bitcast,
}


# ---- coverage: each op's corners must actually be drawn ------------------------------------


def corner_labels(opcode: str, args: list[int], types: list[Fmt], rt: Fmt) -> list[str]:
    """The corners one case exercises; `REQUIRED` says how many of each a run must see."""
    if opcode in ref.EXACT:
        x = ref.exact(opcode, args, types)
        labels = ["overflow" if ref.overflows(x, rt) else "in range"]
        if ref.is_tie(x, rt):
            labels.append(f"tie {rt.rounding}")
        return labels
    if opcode in ("div", "rem"):
        if args[1] == 0:
            return ["by zero"]
        return ["min by -1"] if types[0].signed and args == [types[0].lo, -1] else []
    if opcode in ("shl", "shr"):
        return ["shift >= width" if args[1] >= types[0].width else "shift < width"] + (
            ["negative"] if args[0] < 0 else []
        )
    if opcode in ("eq", "ne", "lt", "le", "gt", "ge"):
        return ["equal" if ref.real(args[0], types[0]) == ref.real(args[1], types[1]) else "differ"]
    return []


REQUIRED: dict[str, dict[str, int]] = {
    **dict.fromkeys(
        ref.EXACT,
        {"overflow": 300, "in range": 300, "tie trn": 100, "tie rnd": 100, "tie rnd_conv": 100},
    ),
    "div": {"by zero": 300, "min by -1": 100},
    "rem": {"by zero": 300, "min by -1": 100},
    "shl": {"shift >= width": 300, "shift < width": 300, "negative": 300},
    "shr": {"shift >= width": 300, "shift < width": 300, "negative": 300},
    **dict.fromkeys(("eq", "ne", "lt", "le", "gt", "ge"), {"equal": 1000, "differ": 1000}),
}


# ---- the random comparison -------------------------------------------------------------------


def test_every_pure_op_has_a_generator():
    assert set(GENERATORS) == set(OPS) - NOT_PURE


def _describe(opcode, args, types, rt, attrs) -> str:
    kts = ", ".join(str(kiln_type(t)) for t in types)
    return (
        f"evaluate({opcode!r}, {args}, [{kts}], {kiln_type(rt)}, {attrs})"
        f" [KILN_SEMANTICS_SEED={SEED}]"
    )


@pytest.mark.parametrize("opcode", sorted(GENERATORS))
def test_matches_reference(opcode: str):
    rng = random.Random(f"{SEED}:{opcode}")
    generate = GENERATORS[opcode]
    rule = OPS[opcode].rule
    assert rule is not None
    seen: Counter[str] = Counter()
    for n in range(CASES):
        args, types, rt, attrs = generate(rng, opcode)
        kts, krt = [kiln_type(t) for t in types], kiln_type(rt)
        complaint = rule(kts, krt, attrs)
        fits = all(t.lo <= a <= t.hi for a, t in zip(args, types, strict=True))
        if complaint is not None or not fits:
            pytest.fail(
                f"case {n} is badly drawn ({complaint}): "
                + _describe(opcode, args, types, rt, attrs)
            )
        want = ref.evaluate(opcode, args, types, rt, attrs)
        got = evaluate(opcode, args, kts, krt, attrs)
        if got != want:
            pytest.fail(
                f"case {n}: "
                + _describe(opcode, args, types, rt, attrs)
                + f" gave {got}, the reference gives {want}"
            )
        seen.update(corner_labels(opcode, args, types, rt))
    print(f"{opcode}: {CASES} cases, corners seen: {dict(sorted(seen.items()))}")
    short = {k: (seen[k], need) for k, need in REQUIRED.get(opcode, {}).items() if seen[k] < need}
    assert not short, f"{opcode}: too few corner cases drawn (seen, needed): {short}"


# ---- hand-computed corners, checked against kiln and the reference alike ----------------------


def si(width: int) -> Fmt:
    return ref.int_fmt(width, True)


def ui(width: int) -> Fmt:
    return ref.int_fmt(width, False)


def fx(width: int, frac: int, rounding="trn", overflow="wrap", signed=True) -> Fmt:
    return ref.fixed_fmt(width, frac, signed, rounding, overflow)


# (id, opcode, args, operand types, result type, attrs, expected raw result)
CORNERS = [
    # saturation at both ends, signed and unsigned
    ("sat_high", "cast", [300], [si(16)], fx(8, 0, overflow="sat"), {}, 127),
    ("sat_low", "cast", [-300], [si(16)], fx(8, 0, overflow="sat"), {}, -128),
    ("sat_add_high", "add", [127, 1], [si(8), si(8)], fx(8, 0, overflow="sat"), {}, 127),
    ("sat_sub_low", "sub", [-128, 1], [si(8), si(8)], fx(8, 0, overflow="sat"), {}, -128),
    ("usat_high", "add", [200, 100], [ui(8), ui(8)], fx(8, 0, "trn", "sat", False), {}, 255),
    ("usat_low", "sub", [1, 2], [ui(8), ui(8)], fx(8, 0, "trn", "sat", False), {}, 0),
    ("sat_neg_min", "neg", [-128], [si(8)], fx(8, 0, overflow="sat"), {}, 127),
    # wrap of max + 1
    ("wrap_i8_max_plus_1", "add", [127, 1], [si(8), si(8)], si(8), {}, -128),
    ("wrap_u8_max_plus_1", "add", [255, 1], [ui(8), ui(8)], ui(8), {}, 0),
    ("wrap_neg_min", "neg", [-128], [si(8)], si(8), {}, -128),
    ("wrap_fixed_max_plus_ulp", "add", [127, 1], [fx(8, 4), fx(8, 4)], fx(8, 4), {}, -128),
    # rounding of +-0.5 and +-1.5 ULP: fixed<8,1> raw 1, -1, 3, -3 into fixed<8,0,mode>
    ("trn_+0.5", "cast", [1], [fx(8, 1)], fx(8, 0, "trn"), {}, 0),
    ("trn_-0.5", "cast", [-1], [fx(8, 1)], fx(8, 0, "trn"), {}, -1),
    ("trn_+1.5", "cast", [3], [fx(8, 1)], fx(8, 0, "trn"), {}, 1),
    ("trn_-1.5", "cast", [-3], [fx(8, 1)], fx(8, 0, "trn"), {}, -2),
    ("rnd_+0.5", "cast", [1], [fx(8, 1)], fx(8, 0, "rnd"), {}, 1),
    ("rnd_-0.5", "cast", [-1], [fx(8, 1)], fx(8, 0, "rnd"), {}, 0),
    ("rnd_+1.5", "cast", [3], [fx(8, 1)], fx(8, 0, "rnd"), {}, 2),
    ("rnd_-1.5", "cast", [-3], [fx(8, 1)], fx(8, 0, "rnd"), {}, -1),
    ("rnd_conv_+0.5", "cast", [1], [fx(8, 1)], fx(8, 0, "rnd_conv"), {}, 0),
    ("rnd_conv_-0.5", "cast", [-1], [fx(8, 1)], fx(8, 0, "rnd_conv"), {}, 0),
    ("rnd_conv_+1.5", "cast", [3], [fx(8, 1)], fx(8, 0, "rnd_conv"), {}, 2),
    ("rnd_conv_-1.5", "cast", [-3], [fx(8, 1)], fx(8, 0, "rnd_conv"), {}, -2),
    ("rnd_conv_+2.5", "cast", [5], [fx(8, 1)], fx(8, 0, "rnd_conv"), {}, 2),
    # just off a tie: 0.5 +- 1/8 rounds to nearest in both rounding modes
    ("rnd_above_tie", "cast", [5], [fx(8, 3)], fx(8, 0, "rnd"), {}, 1),
    ("rnd_conv_above_tie", "cast", [5], [fx(8, 3)], fx(8, 0, "rnd_conv"), {}, 1),
    ("rnd_below_tie", "cast", [3], [fx(8, 3)], fx(8, 0, "rnd"), {}, 0),
    # a tie in a product: 0.75 * 0.5 = 0.375 = 1.5 ULP of fixed<8,2>
    ("mul_tie_rnd_conv", "mul", [3, 1], [fx(8, 2), fx(8, 1)], fx(8, 2, "rnd_conv"), {}, 2),
    ("mul_tie_rnd", "mul", [-3, 1], [fx(8, 2), fx(8, 1)], fx(8, 2, "rnd"), {}, -1),
    # signed and unsigned shifts right
    ("shr_i8_min_by_1", "shr", [-128, 1], [si(8), ui(3)], si(8), {}, -64),
    ("shr_i8_-5_by_1", "shr", [-5, 1], [si(8), ui(3)], si(8), {}, -3),
    ("shr_i8_-1_by_7", "shr", [-1, 7], [si(8), ui(3)], si(8), {}, -1),
    ("shr_i8_neg_by_width", "shr", [-100, 8], [si(8), ui(4)], si(8), {}, -1),
    ("shr_i8_neg_by_200", "shr", [-100, 200], [si(8), ui(8)], si(8), {}, -1),
    ("shr_i8_pos_by_width", "shr", [100, 8], [si(8), ui(4)], si(8), {}, 0),
    ("shr_u8_logical", "shr", [0x80, 1], [ui(8), ui(3)], ui(8), {}, 0x40),
    ("shr_fixed_ignores_frac", "shr", [-6, 1], [fx(8, 4), ui(3)], fx(8, 4), {}, -3),
    # shifts left that overflow
    ("shl_i8_into_sign", "shl", [0x40, 1], [si(8), ui(3)], si(8), {}, -128),
    ("shl_u8_drops_msb", "shl", [0x81, 1], [ui(8), ui(3)], ui(8), {}, 2),
    ("shl_i8_by_width", "shl", [1, 8], [si(8), ui(4)], si(8), {}, 0),
    ("shl_i8_by_255", "shl", [-1, 255], [si(8), ui(8)], si(8), {}, 0),
    # extensions
    ("sext_u1_one_to_i8", "sext", [1], [ui(1)], si(8), {}, -1),
    ("sext_u1_one_to_u8", "sext", [1], [ui(1)], ui(8), {}, 255),
    ("sext_i1_minus_one_to_i8", "sext", [-1], [si(1)], si(8), {}, -1),
    ("sext_u1_zero", "sext", [0], [ui(1)], si(8), {}, 0),
    ("sext_u8_msb_set", "sext", [200], [ui(8)], si(16), {}, -56),
    ("zext_i8_minus_one", "zext", [-1], [si(8)], si(16), {}, 255),
    ("zext_i8_min", "zext", [-128], [si(8)], ui(16), {}, 128),
    ("zext_same_width_to_signed", "zext", [255], [ui(8)], si(8), {}, -1),
    ("trunc_i16_to_i8", "trunc", [0x1FF], [si(16)], si(8), {}, -1),
    ("bitcast_fixed_to_u8", "bitcast", [-1], [fx(8, 3)], ui(8), {}, 255),
    ("slice_sign_bit", "slice", [-128], [si(8)], ui(1), {"hi": 7, "lo": 7}, 1),
    ("concat_msb_first", "concat", [-1, 0x12], [si(4), ui(8)], ui(12), {}, 0xF12),
    ("not_i8_zero", "not", [0], [si(8)], si(8), {}, -1),
    ("and_mixed_signs", "and", [-1, 0x55], [si(8), si(8)], si(8), {}, 0x55),
    # fixed<8,2> + fixed<8,6> into fixed<10,4,rnd>: 1.25 + 0.03125 = 20.5 ULP, up to 21
    ("mixed_frac_add_tie_up", "add", [5, 2], [fx(8, 2), fx(8, 6)], fx(10, 4, "rnd"), {}, 21),
    # -1.25 - 0.03125 = -20.5 ULP: half up goes to -20
    ("mixed_frac_add_neg_tie", "add", [-5, -2], [fx(8, 2), fx(8, 6)], fx(10, 4, "rnd"), {}, -20),
    # 31.75 + 1.984375 = 539.75 ULP -> 540, wrapped into 10 signed bits -> -484
    ("mixed_frac_add_wrap", "add", [127, 127], [fx(8, 2), fx(8, 6)], fx(10, 4, "rnd"), {}, -484),
    # mixed widths and signedness in compares: i8 -1 < u8 255, and 0.5 == 0.5 across fracs
    ("lt_mixed_sign", "lt", [-1, 255], [si(8), ui(8)], ui(1), {}, 1),
    ("eq_across_fracs", "eq", [1, 32], [fx(4, 1), fx(16, 6)], ui(1), {}, 1),
    # division: by zero, INT_MIN / -1, C truncation toward zero
    ("div_by_zero_i8", "div", [7, 0], [si(8), si(8)], si(8), {}, -1),
    ("div_by_zero_u8", "div", [7, 0], [ui(8), ui(8)], ui(8), {}, 255),
    ("rem_by_zero_pos", "rem", [7, 0], [si(8), si(8)], si(8), {}, 7),
    ("rem_by_zero_neg", "rem", [-7, 0], [si(8), si(8)], si(8), {}, -7),
    ("div_min_by_minus_one", "div", [-128, -1], [si(8), si(8)], si(8), {}, -128),
    ("rem_min_by_minus_one", "rem", [-128, -1], [si(8), si(8)], si(8), {}, 0),
    ("div_min_by_minus_one_wide", "div", [-128, -1], [si(8), si(8)], si(16), {}, 128),
    ("div_truncates_toward_zero", "div", [-7, 2], [si(8), si(8)], si(8), {}, -3),
    ("rem_sign_of_dividend", "rem", [-7, 2], [si(8), si(8)], si(8), {}, -1),
    ("rem_negative_divisor", "rem", [7, -2], [si(8), si(8)], si(8), {}, 1),
    ("div_mixed_sign_widths", "div", [200, -3], [ui(8), si(4)], si(8), {}, -66),
    ("select_false", "select", [0, 5, -5], [ui(1), si(8), si(8)], si(8), {}, -5),
]


def _kiln_evaluate(opcode, args, types, rt, attrs) -> int:
    return evaluate(opcode, args, [kiln_type(t) for t in types], kiln_type(rt), attrs)


@pytest.mark.parametrize("impl", [_kiln_evaluate, ref.evaluate], ids=["kiln", "reference"])
@pytest.mark.parametrize(
    ("opcode", "args", "types", "rt", "attrs", "want"),
    [pytest.param(*c[1:], id=c[0]) for c in CORNERS],
)
def test_corner(impl, opcode, args, types, rt, attrs, want):
    assert OPS[opcode].rule([kiln_type(t) for t in types], kiln_type(rt), attrs) is None
    assert impl(opcode, args, types, rt, attrs) == want


# ---- types.from_real, which quantizes a Python number with the type's own modes --------------


@pytest.mark.parametrize(
    ("value", "rounding", "want"),
    [
        (Fraction(1, 2), "rnd_conv", 0),
        (Fraction(3, 2), "rnd_conv", 2),
        (Fraction(1, 2) + Fraction(1, 2**200), "rnd_conv", 1),
        (Fraction(1, 2) - Fraction(1, 3 * 2**300), "rnd", 0),
        (Fraction(-1, 2) - Fraction(1, 2**300), "rnd", -1),
        ("-1.5", "rnd", -1),
        (0.25, "trn", 0),
    ],
)
def test_from_real(value, rounding, want):
    t = fixed(8, 0, True, rounding)
    assert from_real(t, value) == want
    assert from_real(t, value) == ref.to_raw(Fraction(value), fx(8, 0, rounding))


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (Fraction(1, 2) + Fraction(1, 2**300), 1),
        (Fraction(1, 2) + Fraction(1, 3 * 2**300), 1),
        (Fraction(-3, 2) + Fraction(1, 2**300), -1),
    ],
)
def test_from_real_rnd_conv_just_above_a_tie(value, want):
    assert ref.to_raw(value, fx(8, 0, "rnd_conv")) == want
    assert from_real(fixed(8, 0, True, "rnd_conv"), value) == want
