"""IR scalar ops as Verilog expressions, bit for bit equal to `kiln.ir.semantics`.

Value ops are built in two steps, as the semantics define them: an exact result held as
a signed vector wide enough never to overflow, then `quantize` into the result type
(rounding by slicing off fractional bits, then wrap or saturate). Intermediate vectors
are named wires, since Verilog can slice only identifiers.
"""

from __future__ import annotations

from collections.abc import Callable

from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    Assign,
    Binary,
    Call,
    Concat,
    Const,
    Decl,
    Expr,
    LintOff,
    Ref,
    Repeat,
    Slice,
    Ternary,
    Unary,
)
from kiln.base.errors import BackendError
from kiln.ir.kernel import Op
from kiln.ir.semantics import bits
from kiln.ir.types import Overflow, Rounding, ScalarType


def signed_width(t: ScalarType) -> int:
    """Bits needed to hold every value of `t` as a signed number."""
    return t.width + (0 if t.signed else 1)


def extend(name: str, width: int, to: int, signed: bool) -> Expr:
    """`name` (a `width`-bit vector) sign- or zero-extended to `to` bits."""
    if to == width:
        return Ref(name)
    fill = Slice(name, width - 1, width - 1) if signed else Const(1, 0)
    return Concat((Repeat(to - width, fill), Ref(name)))


def shift_left_const(e: Expr, k: int) -> Expr:
    return e if k == 0 else Concat((e, Const(k, 0)))


class OpLowering:
    """Lowers ops one at a time, adding the wires they need to `decls` and `assigns`."""

    def __init__(self, namer: Namer):
        self.namer = namer
        self.decls: list[Decl] = []
        self.assigns: list[Assign] = []

    def wire(self, hint: str, width: int, rhs: Expr) -> str:
        name = self.namer.fresh(hint)
        self.decls.append(Decl("wire", name, width))
        self.assigns.append(Assign(name, rhs))
        return name

    # ---- exact value, then quantize --------------------------------------------------

    def aligned(self, name: str, t: ScalarType, frac: int, width: int) -> Expr:
        """`name`'s value rescaled to `frac` fractional bits, as a signed `width`-bit vector."""
        k = frac - t.frac
        return shift_left_const(extend(name, t.width, width - k, t.signed), k)

    def quantize(self, x: str, n: int, frac: int, rt: ScalarType, hint: str) -> Expr:
        """Signed `n`-bit `x` holding `value * 2**frac`, converted into `rt`."""
        k = frac - rt.frac
        if k > 0 and rt.rounding is Rounding.TRN:
            q, qn = (Slice(x, n - 1, k), n - k) if n > k else (Slice(x, n - 1, n - 1), 1)
            q = self.wire(f"{hint}_q", qn, q)
        elif k > 0:
            m = max(n, k) + 1
            bias: Expr = Const(m, 1 << (k - 1))
            if rt.rounding is Rounding.RND_CONV:
                # Ties go to even: add half - 1, plus the bit that will become the LSB.
                lsb = Slice(x, min(k, n - 1), min(k, n - 1))
                bias = Binary("+", Const(m, (1 << (k - 1)) - 1), extend_expr(lsb, 1, m))
            y = self.wire(f"{hint}_r", m, Binary("+", extend(x, n, m, True), bias))
            q, qn = self.wire(f"{hint}_q", m - k, Slice(y, m - 1, k)), m - k
        elif k < 0:
            q, qn = self.wire(f"{hint}_q", n - k, shift_left_const(Ref(x), -k)), n - k
        else:
            q, qn = x, n
        return self.overflow(q, qn, rt, hint)

    def overflow(self, q: str, qn: int, rt: ScalarType, hint: str) -> Expr:
        """Signed `qn`-bit integer `q` into `rt`'s width, wrapping or saturating."""
        w = rt.width
        wrapped = Slice(q, w - 1, 0) if qn >= w else extend(q, qn, w, True)
        qmin, qmax = -(1 << (qn - 1)), (1 << (qn - 1)) - 1
        if rt.overflow is Overflow.WRAP or (qmin >= rt.min_raw and qmax <= rt.max_raw):
            return wrapped
        c = max(qn, w + 1)
        qe_name = q if c == qn else self.wire(f"{hint}_e", c, extend(q, qn, c, True))
        qe = Call("$signed", Ref(qe_name))
        result: Expr = Slice(qe_name, w - 1, 0)
        if qmin < rt.min_raw:
            under = Binary("<", qe, Call("$signed", Const(c, rt.min_raw % (1 << c))))
            result = Ternary(under, Const(w, bits(rt.min_raw, rt)), result)
        if qmax > rt.max_raw:
            over = Binary(">", qe, Call("$signed", Const(c, rt.max_raw)))
            result = Ternary(over, Const(w, bits(rt.max_raw, rt)), result)
        return result

    # ---- ops -------------------------------------------------------------------------

    def lower(self, op: Op, args: list[str], hint: str) -> Expr:
        """The expression for `op`'s result (exactly its width), given operand signals."""
        fn = _LOWERINGS.get(op.opcode)
        if fn is None:
            raise BackendError(f"op '{op.opcode}' has no Verilog lowering yet", op.place)
        return fn(self, op, args, hint)


def all_of(terms: list[Expr]) -> Expr:
    """The AND of one or more 1-bit terms."""
    out = terms[0]
    for t in terms[1:]:
        out = Binary("&", out, t)
    return out


def extend_expr(e: Expr, width: int, to: int) -> Expr:
    """Zero-extend an unnamed expression (used for single bits)."""
    return e if to == width else Concat((Const(to - width, 0), e))


def _types(op: Op) -> tuple[list[ScalarType], ScalarType]:
    return [v.type for v in op.operands], op.result.type


def _addsub(sym: str):
    def lower(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
        (ta, tb), rt = _types(op)
        f = max(ta.frac, tb.frac)
        n = max(signed_width(ta) + f - ta.frac, signed_width(tb) + f - tb.frac) + 1
        a, b = lw.aligned(args[0], ta, f, n), lw.aligned(args[1], tb, f, n)
        return lw.quantize(lw.wire(f"{hint}_x", n, Binary(sym, a, b)), n, f, rt, hint)

    return lower


def _mul(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
    (ta, tb), rt = _types(op)
    n = signed_width(ta) + signed_width(tb)
    if rt.overflow is Overflow.WRAP and rt.frac == ta.frac + tb.frac and rt.width < n:
        n = rt.width  # only the low bits are kept: they depend on the operands' low bits
    x = lw.namer.fresh(f"{hint}_x")
    lw.decls.append(Decl("wire", x, n))
    if not ta.signed and not tb.signed:
        lw.assigns.append(Assign(x, Binary("*", _factor(args[0], ta, n), _factor(args[1], tb, n))))
    else:
        # Operands stay as narrow as they are, marked signed, and the n-bit context extends
        # them: Yosys then builds a signed multiplier of the operands' widths. Extension
        # bits written out (`{16{a[15]}}`) make it a full n x n one that ABC takes minutes
        # over. Verilator flags the implicit extension, which is the point here.
        rhs = Binary("*", _signed_factor(args[0], ta, n), _signed_factor(args[1], tb, n))
        lw.assigns.append(LintOff("WIDTHEXPAND", _IMPLICIT_EXTENSION, (Assign(x, rhs),)))
    return lw.quantize(x, n, ta.frac + tb.frac, rt, hint)


_IMPLICIT_EXTENSION = "signed factors extended by the product's width, on purpose"


def _factor(name: str, t: ScalarType, n: int) -> Expr:
    """An unsigned factor of an n-bit product: its low n bits."""
    return Slice(name, n - 1, 0) if t.width > n else Ref(name)


def _signed_factor(name: str, t: ScalarType, n: int) -> Expr:
    """A factor of a signed n-bit product: its low n bits, or the whole operand as a
    signed value (an unsigned one with a zero on top)."""
    if t.width >= n:
        return Call("$signed", _factor(name, t, n))
    if t.signed:
        return Call("$signed", Ref(name))
    return Call("$signed", Concat((Const(1, 0), Ref(name))))


def _neg(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
    (ta,), rt = _types(op)
    n = signed_width(ta) + 1
    x = lw.wire(f"{hint}_x", n, Unary("-", extend(args[0], ta.width, n, ta.signed)))
    return lw.quantize(x, n, ta.frac, rt, hint)


def _cast(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
    (ta,), rt = _types(op)
    n = signed_width(ta)
    x = lw.wire(f"{hint}_x", n, extend(args[0], ta.width, n, ta.signed))
    return lw.quantize(x, n, ta.frac, rt, hint)


def _divrem(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
    (ta, tb), rt = _types(op)
    n = max(signed_width(ta), signed_width(tb)) + 1
    a = lw.wire(f"{hint}_a", n, extend(args[0], ta.width, n, ta.signed))
    b = lw.wire(f"{hint}_b", n, extend(args[1], tb.width, n, tb.signed))
    sym = "/" if op.opcode == "div" else "%"
    x = lw.wire(f"{hint}_x", n, Binary(sym, Call("$signed", Ref(a)), Call("$signed", Ref(b))))
    zero = Binary("==", Ref(b), Const(n, 0))
    by_zero = (
        Const(rt.width, (1 << rt.width) - 1)
        if op.opcode == "div"
        else lw.overflow(a, n, rt, hint + "_z")
    )
    return Ternary(zero, by_zero, lw.overflow(x, n, rt, hint))


def _compare(sym: str):
    def lower(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
        (ta, tb), _ = _types(op)
        f = max(ta.frac, tb.frac)
        n = max(signed_width(ta) + f - ta.frac, signed_width(tb) + f - tb.frac)
        a = lw.wire(f"{hint}_a", n, lw.aligned(args[0], ta, f, n))
        b = lw.wire(f"{hint}_b", n, lw.aligned(args[1], tb, f, n))
        return Binary(sym, Call("$signed", Ref(a)), Call("$signed", Ref(b)))

    return lower


def _bitwise(sym: str):
    return lambda lw, op, args, hint: Binary(sym, Ref(args[0]), Ref(args[1]))


def _shr(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
    if op.operands[0].type.signed:
        return Binary(">>>", Call("$signed", Ref(args[0])), Ref(args[1]))
    return Binary(">>", Ref(args[0]), Ref(args[1]))


def _resize(signed_from_operand: bool | None):
    """zext (False), sext (True) or trunc/bitcast (None: keep the low bits)."""

    def lower(lw: OpLowering, op: Op, args: list[str], hint: str) -> Expr:
        (ta,), rt = _types(op)
        if rt.width <= ta.width:
            return Ref(args[0]) if rt.width == ta.width else Slice(args[0], rt.width - 1, 0)
        return extend(args[0], ta.width, rt.width, bool(signed_from_operand))

    return lower


_LOWERINGS: dict[str, Callable[[OpLowering, Op, list[str], str], Expr]] = {
    "add": _addsub("+"),
    "sub": _addsub("-"),
    "mul": _mul,
    "neg": _neg,
    "cast": _cast,
    "div": _divrem,
    "rem": _divrem,
    "eq": _compare("=="),
    "ne": _compare("!="),
    "lt": _compare("<"),
    "le": _compare("<="),
    "gt": _compare(">"),
    "ge": _compare(">="),
    "and": _bitwise("&"),
    "or": _bitwise("|"),
    "xor": _bitwise("^"),
    "not": lambda lw, op, args, hint: Unary("~", Ref(args[0])),
    "shl": lambda lw, op, args, hint: Binary("<<", Ref(args[0]), Ref(args[1])),
    "shr": _shr,
    "select": lambda lw, op, args, hint: Ternary(Ref(args[0]), Ref(args[1]), Ref(args[2])),
    "slice": lambda lw, op, args, hint: Slice(args[0], op.attrs["hi"], op.attrs["lo"]),
    "concat": lambda lw, op, args, hint: Concat(tuple(Ref(a) for a in args)),
    "zext": _resize(False),
    "sext": _resize(True),
    "trunc": _resize(None),
    "bitcast": _resize(None),
    "const": lambda lw, op, args, hint: Const(
        op.result.type.width, bits(op.attrs["value"], op.result.type)
    ),
}
