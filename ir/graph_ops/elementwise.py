"""Elementwise ops: arithmetic with ONNX (numpy) broadcasting, unary math and activations,
comparisons, logic and bitwise ops, Where, Clip, casts, and the ops inference passes
through (Identity, Dropout).

Native precision computes in the operands' own dtype, as onnxruntime does, so float32
results round the same way; integer division truncates toward zero, as in C.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from kiln.ir.graph import TensorType, elem_named, is_float
from kiln.ir.graph_ops.spec import (
    VARIADIC,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    broadcast,
    convert,
    same_elem,
)
from kiln.ir.types import BOOL, IntType, ScalarType

# ---- element type classes (ONNX's type constraints) ------------------------------------


def _kind(elem: ScalarType) -> str:
    """'f' float, 'i' signed, 'u' unsigned, 'b' bool."""
    if elem == BOOL:
        return "b"
    if isinstance(elem, IntType):
        return "i" if elem.signed else "u"
    return "f"


def _require(sig: Sig, i: int, kinds: str, op: str) -> ScalarType:
    elem = sig.type(i).elem
    if _kind(elem) not in kinds:
        names = {"f": "float", "i": "signed integer", "u": "unsigned integer", "b": "bool"}
        allowed = " or ".join(names[k] for k in kinds)
        raise ShapeError(f"{op} takes {allowed} operands, got {elem}")
    return elem


FLOAT, SIGNED, NUMERIC, INTEGER, ANY = "f", "fi", "fiu", "iu", "fiub"


def _errstate():
    return np.errstate(all="ignore")


# ---- binary and variadic ops -----------------------------------------------------------


def _nary(
    name: str,
    fn: Callable,
    versions: tuple[int, ...],
    doc: str,
    kinds: str = NUMERIC,
    result: ScalarType | None = None,
    n_inputs: tuple[int, int] = (2, 2),
    attrs: tuple[Attr, ...] = (),
) -> OpSpec:
    """An op on broadcast operands of one element type; `result` fixes the output's
    element type (bool for comparisons), otherwise it is the operands'."""

    def infer(sig: Sig) -> list[TensorType]:
        idx = range(len(sig.inputs))
        elem = same_elem(sig, idx)
        _require(sig, 0, kinds, name)
        shape = broadcast([sig.type(i).shape for i in idx])
        return [TensorType(result or elem, shape)]

    def evaluate(ev: Eval) -> list[np.ndarray]:
        with _errstate():
            out = ev.inputs[0]
            for x in ev.inputs[1:]:
                out = fn(out, x, ev)
            if name == "Mean":
                out = out / np.asarray(len(ev.inputs), out.dtype)
            return [ev.out(out)]

    return OpSpec(name, versions, infer, evaluate, attrs, n_inputs=n_inputs, doc=doc)


def _div(a: np.ndarray, b: np.ndarray, ev: Eval) -> np.ndarray:
    if a.dtype.kind in "iu":
        safe = np.where(b == 0, np.ones((), b.dtype), b)
        q = np.abs(a.astype(np.int64)) // np.abs(safe.astype(np.int64))
        if a.dtype.kind == "u":
            q = a.astype(np.uint64) // safe.astype(np.uint64)
            return q.astype(a.dtype)
        return np.where((a < 0) != (safe < 0), -q, q).astype(a.dtype)
    return np.divide(a, b)


def _mod(a: np.ndarray, b: np.ndarray, ev: Eval) -> np.ndarray:
    if a.dtype.kind in "iu":
        b = np.where(b == 0, np.ones((), b.dtype), b)  # undefined in ONNX; no trap here
    return np.fmod(a, b) if ev.attrs["fmod"] else np.mod(a, b)


def _pow_infer(sig: Sig) -> list[TensorType]:
    base = _require(sig, 0, NUMERIC, "Pow")
    _require(sig, 1, NUMERIC, "Pow")
    return [TensorType(base, broadcast([sig.type(0).shape, sig.type(1).shape]))]


def _pow_eval(ev: Eval) -> list[np.ndarray]:
    x, y = ev.inputs
    with _errstate():
        if is_float(x.dtype):
            out = np.power(x, y.astype(x.dtype))
        elif is_float(y.dtype):
            out = np.power(x.astype(np.float64), y.astype(np.float64))
        else:
            out = np.power(x.astype(np.int64), y.astype(np.int64))
    return [ev.out(out)]


def _bitshift(a: np.ndarray, b: np.ndarray, ev: Eval) -> np.ndarray:
    """Shifts by a negative amount or by the width or more give what sign extension alone
    gives: -1 for a right shift of a negative signed value, else 0 (BitShift-28)."""
    out_of_range = (b < 0) | (b >= a.dtype.itemsize * 8)
    b = np.where(out_of_range, np.zeros((), b.dtype), b).astype(a.dtype)
    right = ev.attrs["direction"] == "RIGHT"
    out = np.right_shift(a, b) if right else np.left_shift(a, b)
    fill = np.where(right & (a < 0), np.asarray(-1).astype(a.dtype), np.zeros((), a.dtype))
    return np.where(out_of_range, fill, out)


def _maximum(a: np.ndarray, b: np.ndarray, ev: Eval) -> np.ndarray:
    return np.maximum(a, b)


def _minimum(a: np.ndarray, b: np.ndarray, ev: Eval) -> np.ndarray:
    return np.minimum(a, b)


def _binop(fn: Callable) -> Callable:
    return lambda a, b, ev: fn(a, b)


def _prelu_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1))
    _require(sig, 0, SIGNED, "PRelu")
    x, slope = sig.type(0).shape, sig.type(1).shape
    if broadcast([x, slope]) != x:
        raise ShapeError(f"slope {list(slope)} does not broadcast to the input {list(x)}")
    return [TensorType(elem, x)]


def _prelu_eval(ev: Eval) -> list[np.ndarray]:
    x, slope = ev.inputs
    return [ev.out(np.where(x < 0, x * slope, x))]


# ---- unary ops -------------------------------------------------------------------------


def _unary(
    name: str,
    fn: Callable,
    versions: tuple[int, ...],
    doc: str,
    kinds: str = FLOAT,
    attrs: tuple[Attr, ...] = (),
    result: ScalarType | None = None,
) -> OpSpec:
    """`fn(x, attrs)` on every element; the result keeps the operand's type unless
    `result` fixes it."""

    def infer(sig: Sig) -> list[TensorType]:
        elem = _require(sig, 0, kinds, name)
        return [TensorType(result or elem, sig.type(0).shape)]

    def evaluate(ev: Eval) -> list[np.ndarray]:
        with _errstate():
            return [ev.out(fn(ev.inputs[0], ev.attrs))]

    return OpSpec(name, versions, infer, evaluate, attrs, doc=doc)


def _c(x: np.ndarray, value: float) -> np.ndarray:
    """A constant in x's dtype, so float32 math stays float32."""
    return np.asarray(value, x.dtype)


def _sigmoid(x: np.ndarray, a: dict) -> np.ndarray:
    one = _c(x, 1)
    pos = one / (one + np.exp(-np.abs(x)))
    return np.where(x >= 0, pos, one - pos)


_ERF = np.frompyfunc(math.erf, 1, 1)


def _erf(x: np.ndarray, a: dict | None = None) -> np.ndarray:
    """erf to double precision (numpy has none), rounded once to x's dtype."""
    return np.asarray(_ERF(x.astype(np.float64)), np.float64).astype(x.dtype)


def _gelu(x: np.ndarray, a: dict) -> np.ndarray:
    half, one = _c(x, 0.5), _c(x, 1)
    if a["approximate"] == "tanh":
        inner = _c(x, math.sqrt(2 / math.pi)) * (x + _c(x, 0.044715) * x * x * x)
        return half * x * (one + np.tanh(inner))
    return half * x * (one + _erf(x / _c(x, math.sqrt(2))))


def _softplus(x: np.ndarray, a: dict) -> np.ndarray:
    return np.log1p(np.exp(x))


def _relu(x: np.ndarray, a: dict) -> np.ndarray:
    return np.maximum(x, np.zeros((), x.dtype))


def _leaky(x: np.ndarray, a: dict) -> np.ndarray:
    return np.where(x < 0, x * _c(x, a["alpha"]), x)


def _elu(x: np.ndarray, a: dict) -> np.ndarray:
    return np.where(x < 0, _c(x, a["alpha"]) * (np.exp(x) - _c(x, 1)), x)


def _celu(x: np.ndarray, a: dict) -> np.ndarray:
    alpha = _c(x, a["alpha"])
    zero = np.zeros((), x.dtype)
    return np.maximum(zero, x) + np.minimum(zero, alpha * (np.exp(x / alpha) - _c(x, 1)))


def _selu(x: np.ndarray, a: dict) -> np.ndarray:
    alpha, gamma = _c(x, a["alpha"]), _c(x, a["gamma"])
    return np.where(x <= 0, gamma * (alpha * np.exp(x) - alpha), gamma * x)


def _hard_sigmoid(x: np.ndarray, a: dict) -> np.ndarray:
    y = _c(x, a["alpha"]) * x + _c(x, a["beta"])
    return np.clip(y, _c(x, 0), _c(x, 1))


def _hard_swish(x: np.ndarray, a: dict) -> np.ndarray:
    return x * _hard_sigmoid(x, {"alpha": 1 / 6, "beta": 0.5})


def _mish(x: np.ndarray, a: dict) -> np.ndarray:
    return x * np.tanh(np.log1p(np.exp(x)))


def _thresholded(x: np.ndarray, a: dict) -> np.ndarray:
    return np.where(x > _c(x, a["alpha"]), x, np.zeros((), x.dtype))


def _shrink(x: np.ndarray, a: dict) -> np.ndarray:
    lambd, bias = a["lambd"], a["bias"]
    with _errstate():
        out = np.where(x < -lambd, x + bias, np.where(x > lambd, x - bias, 0))
    return out.astype(x.dtype)


def _sign(x: np.ndarray, a: dict) -> np.ndarray:
    return np.sign(x)


def _abs(x: np.ndarray, a: dict) -> np.ndarray:
    return x if x.dtype.kind == "u" else np.abs(x)


def _neg(x: np.ndarray, a: dict) -> np.ndarray:
    return np.negative(x)


def _reciprocal(x: np.ndarray, a: dict) -> np.ndarray:
    return _c(x, 1) / x


def _isinf(x: np.ndarray, a: dict) -> np.ndarray:
    return (np.isposinf(x) & bool(a["detect_positive"])) | (
        np.isneginf(x) & bool(a["detect_negative"])
    )


def _f(fn: Callable) -> Callable:
    return lambda x, a: fn(x)


# ---- Where, Clip, casts, pass-through --------------------------------------------------


def _where_infer(sig: Sig) -> list[TensorType]:
    if sig.type(0).elem != BOOL:
        raise ShapeError(f"Where's condition must be bool, got {sig.type(0).elem}")
    elem = same_elem(sig, (1, 2))
    return [TensorType(elem, broadcast([sig.type(i).shape for i in range(3)]))]


def _where_eval(ev: Eval) -> list[np.ndarray]:
    return [ev.out(np.where(*ev.inputs))]


def _clip_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, range(len(sig.inputs)))
    _require(sig, 0, NUMERIC, "Clip")
    for i in (1, 2):
        if sig.has(i) and sig.type(i).size != 1:
            raise ShapeError(f"Clip's {'min' if i == 1 else 'max'} must be a scalar")
    return [TensorType(elem, sig.type(0).shape)]


def _clip_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    if ev.has(1):
        x = np.maximum(x, ev.inputs[1].reshape(()))
    if ev.has(2):
        x = np.minimum(x, ev.inputs[2].reshape(()))
    return [ev.out(x)]


def _cast_to(x: np.ndarray, ev: Eval) -> np.ndarray:
    return convert(x, ev.out_dtype(), ev.attrs["saturate"], ev.attrs["round_mode"])


def _cast_infer(sig: Sig) -> list[TensorType]:
    if not sig.attrs["to"]:
        raise ShapeError("Cast needs the attribute 'to'")
    return [TensorType(elem_named(sig.attrs["to"]), sig.type(0).shape)]


def _cast_like_infer(sig: Sig) -> list[TensorType]:
    return [TensorType(sig.type(1).elem, sig.type(0).shape)]


def _cast_eval(ev: Eval) -> list[np.ndarray]:
    return [_cast_to(ev.inputs[0], ev)]


def _identity_infer(sig: Sig) -> list[TensorType]:
    return [sig.type(0)]


def _identity_eval(ev: Eval) -> list[np.ndarray]:
    return [ev.inputs[0]]


def _dropout_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    _require(sig, 0, FLOAT, "Dropout")
    return [x, TensorType(BOOL, x.shape)][: sig.n_outputs]


def _dropout_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    return [x, np.ones(x.shape, np.bool_)][: len(ev.out_types)]


_CAST_ATTRS = (
    Attr("saturate", "int", 1, (0, 1), "clamp to the largest finite float8/float4 value"),
    Attr("round_mode", "str", "up", ("up", "down", "nearest"), "for float8 e8m0 targets"),
)
_V13, _V14 = (13,), (14,)
_TRIG = (7, 22)

OPS: list[OpSpec] = [
    _nary("Add", _binop(np.add), _V14, "a + b"),
    _nary("Sub", _binop(np.subtract), _V14, "a - b"),
    _nary("Mul", _binop(np.multiply), _V14, "a * b"),
    _nary("Div", _div, _V14, "a / b; integers truncate toward zero"),
    _nary(
        "Mod",
        _mod,
        (13, 28),
        "remainder with the divisor's sign (fmod=0, integers) or the dividend's (fmod=1)",
        attrs=(Attr("fmod", "int", 0, (0, 1)),),
    ),
    OpSpec("Pow", (15,), _pow_infer, _pow_eval, n_inputs=(2, 2), doc="x ** y, typed as x"),
    _nary("Max", _maximum, _V13, "elementwise maximum of 1 or more", n_inputs=(1, VARIADIC)),
    _nary("Min", _minimum, _V13, "elementwise minimum of 1 or more", n_inputs=(1, VARIADIC)),
    _nary("Sum", _binop(np.add), _V13, "sum of 1 or more", FLOAT, n_inputs=(1, VARIADIC)),
    _nary("Mean", _binop(np.add), _V13, "mean of 1 or more", FLOAT, n_inputs=(1, VARIADIC)),
    _nary("Equal", _binop(np.equal), (19,), "a == b", ANY, BOOL),
    _nary("Less", _binop(np.less), _V13, "a < b", NUMERIC, BOOL),
    _nary("LessOrEqual", _binop(np.less_equal), (16,), "a <= b", NUMERIC, BOOL),
    _nary("Greater", _binop(np.greater), _V13, "a > b", NUMERIC, BOOL),
    _nary("GreaterOrEqual", _binop(np.greater_equal), (16,), "a >= b", NUMERIC, BOOL),
    _nary("And", _binop(np.logical_and), (7,), "a and b", "b"),
    _nary("Or", _binop(np.logical_or), (7,), "a or b", "b"),
    _nary("Xor", _binop(np.logical_xor), (7,), "a xor b", "b"),
    _nary("BitwiseAnd", _binop(np.bitwise_and), (18,), "a & b", INTEGER),
    _nary("BitwiseOr", _binop(np.bitwise_or), (18,), "a | b", INTEGER),
    _nary("BitwiseXor", _binop(np.bitwise_xor), (18,), "a ^ b", INTEGER),
    _nary(
        "BitShift",
        _bitshift,
        (11, 28),
        "a << b or a >> b (arithmetic for signed integers)",
        INTEGER,
        attrs=(Attr("direction", "str", choices=("LEFT", "RIGHT")),),
    ),
    OpSpec("PRelu", (16,), _prelu_infer, _prelu_eval, n_inputs=(2, 2), doc="x < 0 ? slope*x : x"),
    _unary("Neg", _neg, _V13, "-x", SIGNED),
    _unary("Abs", _abs, _V13, "|x|", NUMERIC),
    _unary("Sign", _sign, _V13, "-1, 0 or 1", NUMERIC),
    _unary("Relu", _relu, _V14, "max(x, 0)", SIGNED),
    _unary(
        "LeakyRelu", _leaky, (16,), "x < 0 ? alpha*x : x", attrs=(Attr("alpha", "float", 0.01),)
    ),
    _unary(
        "Elu", _elu, (6, 22), "x < 0 ? alpha*(e^x - 1) : x", attrs=(Attr("alpha", "float", 1.0),)
    ),
    _unary(
        "Celu",
        _celu,
        (12, 28),
        "max(0,x) + min(0, alpha*(e^(x/alpha) - 1))",
        attrs=(Attr("alpha", "float", 1.0),),
    ),
    _unary(
        "Selu",
        _selu,
        (6, 22),
        "gamma * (x <= 0 ? alpha*e^x - alpha : x)",
        attrs=(
            Attr("alpha", "float", 1.67326319217681884765625),
            Attr("gamma", "float", 1.05070102214813232421875),
        ),
    ),
    _unary("Sigmoid", _sigmoid, _V13, "1 / (1 + e^-x)"),
    _unary(
        "HardSigmoid",
        _hard_sigmoid,
        (6, 22),
        "clip(alpha*x + beta, 0, 1)",
        attrs=(Attr("alpha", "float", 0.2), Attr("beta", "float", 0.5)),
    ),
    _unary("HardSwish", _hard_swish, (14, 22), "x * clip(x/6 + 1/2, 0, 1)"),
    _unary("Softplus", _softplus, (1, 22), "log(1 + e^x)"),
    _unary("Softsign", _f(lambda x: x / (_c(x, 1) + np.abs(x))), (1, 22), "x / (1 + |x|)"),
    _unary("Mish", _mish, (18, 22), "x * tanh(softplus(x))"),
    _unary(
        "ThresholdedRelu",
        _thresholded,
        (10, 22),
        "x > alpha ? x : 0",
        attrs=(Attr("alpha", "float", 1.0),),
    ),
    _unary(
        "Shrink",
        _shrink,
        (9,),
        "soft or hard shrinkage by lambd, shifted by bias",
        NUMERIC,
        attrs=(Attr("bias", "float", 0.0), Attr("lambd", "float", 0.5)),
    ),
    _unary(
        "Gelu",
        _gelu,
        (20,),
        "x * Phi(x), exactly (erf) or by the tanh approximation",
        attrs=(Attr("approximate", "str", "none", ("none", "tanh")),),
    ),
    _unary("Tanh", _f(np.tanh), _V13, "tanh x"),
    _unary("Exp", _f(np.exp), _V13, "e^x"),
    _unary("Log", _f(np.log), _V13, "natural logarithm"),
    _unary("Sqrt", _f(np.sqrt), _V13, "square root"),
    _unary("Reciprocal", _reciprocal, _V13, "1 / x"),
    _unary("Erf", _f(_erf), _V13, "the error function", NUMERIC),
    _unary("Floor", _f(np.floor), _V13, "round down"),
    _unary("Ceil", _f(np.ceil), _V13, "round up"),
    _unary("Round", _f(np.round), (11, 22), "round half to even"),
    _unary("Sin", _f(np.sin), _TRIG, "sine"),
    _unary("Cos", _f(np.cos), _TRIG, "cosine"),
    _unary("Tan", _f(np.tan), _TRIG, "tangent"),
    _unary("Asin", _f(np.arcsin), _TRIG, "arcsine"),
    _unary("Acos", _f(np.arccos), _TRIG, "arccosine"),
    _unary("Atan", _f(np.arctan), _TRIG, "arctangent"),
    _unary("Sinh", _f(np.sinh), (9, 22), "hyperbolic sine"),
    _unary("Cosh", _f(np.cosh), (9, 22), "hyperbolic cosine"),
    _unary("Asinh", _f(np.arcsinh), (9, 22), "inverse hyperbolic sine"),
    _unary("Acosh", _f(np.arccosh), (9, 22), "inverse hyperbolic cosine"),
    _unary("Atanh", _f(np.arctanh), (9, 22), "inverse hyperbolic tangent"),
    _unary("Not", _f(np.logical_not), (1,), "logical not", "b"),
    _unary("BitwiseNot", _f(np.invert), (18,), "~x", INTEGER),
    _unary("IsNaN", _f(np.isnan), (20,), "x is NaN", result=BOOL),
    _unary(
        "IsInf",
        _isinf,
        (20,),
        "x is +inf or -inf (each selectable)",
        attrs=(
            Attr("detect_negative", "int", 1, (0, 1)),
            Attr("detect_positive", "int", 1, (0, 1)),
        ),
        result=BOOL,
    ),
    OpSpec("Where", (16,), _where_infer, _where_eval, n_inputs=(3, 3), doc="cond ? x : y"),
    OpSpec(
        "Clip",
        _V13,
        _clip_infer,
        _clip_eval,
        n_inputs=(1, 3),
        doc="min(max(x, lo), hi), each bound optional",
    ),
    OpSpec(
        "Cast",
        (21, 23, 24, 25, 28),
        _cast_infer,
        _cast_eval,
        (Attr("to", "dtype"), *_CAST_ATTRS),
        doc="convert to the element type 'to'; floats to integers truncate toward zero",
    ),
    OpSpec(
        "CastLike",
        (21, 23, 24, 25),
        _cast_like_infer,
        _cast_eval,
        _CAST_ATTRS,
        n_inputs=(2, 2),
        doc="Cast to the element type of the second operand",
    ),
    OpSpec("Identity", (21, 23, 24, 25), _identity_infer, _identity_eval, doc="x"),
    OpSpec(
        "Dropout",
        (13, 22),
        _dropout_infer,
        _dropout_eval,
        (Attr("seed", "int", 0),),
        static_inputs=(
            StaticInput(1, Attr("ratio", "float", 0.5)),
            StaticInput(2, Attr("training_mode", "int", 0, (0,), "inference only")),
        ),
        n_outputs=(1, 2),
        doc="inference: x unchanged (and an all-true mask)",
    ),
]
