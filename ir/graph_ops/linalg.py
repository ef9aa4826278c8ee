"""Linear algebra (MatMul, Gemm, Einsum) and the softmax family.

Products and sums compute in the operands' own element type (float32 stays float32; f16
and bf16 accumulate in float32, as onnxruntime does), so native runs round the way
onnxruntime does."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from kiln.ir.graph import Dim, TensorType, is_float
from kiln.ir.graph_ops.spec import (
    FLOATS,
    INTS,
    INTS32_64,
    VARIADIC,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    axis,
    broadcast,
    elem_in,
    same_elem,
    scalar_as,
    shape_text,
    unidirectional,
    wide,
)

# ---- MatMul and Gemm ---------------------------------------------------------------------


def _matmul_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1))
    a, b = sig.type(0).shape, sig.type(1).shape
    if not a or not b:
        raise ShapeError("MatMul operands must have rank >= 1")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ShapeError(f"inner dimensions differ: {a2[-1]} and {b2[-2]}")
    out = (*broadcast([a2[:-2], b2[:-2]]), a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return [TensorType(elem, out)]


def _matmul_eval(ev: Eval) -> list[np.ndarray]:
    return [ev.out(np.matmul(ev.inputs[0], ev.inputs[1]))]


def _gemm_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1, 2))
    elem_in(sig.type(0), FLOATS + INTS32_64, "Gemm")
    a, b = sig.type(0).shape, sig.type(1).shape
    if len(a) != 2 or len(b) != 2:
        raise ShapeError(f"Gemm takes matrices, got A {shape_text(a)} and B {shape_text(b)}")
    m, k = a[::-1] if sig.attrs["transA"] else a
    k2, n = b[::-1] if sig.attrs["transB"] else b
    if k != k2:
        raise ShapeError(f"inner dimensions differ: {k} (A) and {k2} (B)")
    if sig.has(2):
        unidirectional(sig.type(2).shape, (m, n), "C")
    return [TensorType(elem, (m, n))]


def _gemm_eval(ev: Eval) -> list[np.ndarray]:
    a, b = wide(ev.inputs[0]), wide(ev.inputs[1])
    a = a.T if ev.attrs["transA"] else a
    b = b.T if ev.attrs["transB"] else b
    alpha, beta = ev.attrs["alpha"], ev.attrs["beta"]
    y = np.matmul(a, b)
    if is_float(y.dtype):
        if alpha != 1.0:
            y = y * scalar_as(alpha, y.dtype)
        if ev.has(2) and beta != 0.0:
            y = y + wide(ev.inputs[2]) * scalar_as(beta, y.dtype)
    else:  # integers: ONNX multiplies by the float coefficients and truncates
        y = y * alpha if alpha != 1.0 else y
        if ev.has(2) and beta != 0.0:
            y = y + (ev.inputs[2] * beta if beta != 1.0 else ev.inputs[2])
    return [ev.out(y)]


# ---- Einsum -----------------------------------------------------------------------------


def _einsum_terms(equation: str, n: int) -> tuple[list[str], str | None]:
    """The operand terms and the explicit output term (None when implicit), spaces
    removed; each term holds letters and at most one '...'."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != n:
        raise ShapeError(f"equation '{equation}' has {len(terms)} operand terms for {n} operands")
    for t in [*terms, rhs]:
        if not re.fullmatch(r"[A-Za-z]*(\.\.\.)?[A-Za-z]*", t):
            raise ShapeError(f"equation '{equation}': term '{t}' is not letters and one '...'")
    return terms, rhs if arrow else None


def _einsum_infer(sig: Sig) -> list[TensorType]:
    n = len(sig.inputs)
    elem = same_elem(sig, range(n))
    elem_in(sig.type(0), FLOATS + INTS, "Einsum")
    terms, out = _einsum_terms(sig.attrs["equation"], n)
    sizes: dict[str, Dim] = {}
    ellipses: list[tuple[Dim, ...]] = []
    for i, term in enumerate(terms):
        shape = sig.type(i).shape
        letters = term.replace("...", "")
        rest = len(shape) - len(letters)
        if rest < 0 or (rest and "..." not in term):
            raise ShapeError(f"term '{term}' does not fit operand {i} of shape {shape_text(shape)}")
        head = term.index("...") if "..." in term else len(term)
        ellipses.append(shape[head : head + rest])
        dims = shape[:head] + shape[head + rest :]
        for letter, d in zip(letters, dims, strict=True):
            if sizes.setdefault(letter, d) != d:
                raise ShapeError(
                    f"index '{letter}' is {sizes[letter]} in one term and {d} in another"
                )
    ell = broadcast(ellipses)
    if out is None:  # implicit: the ellipsis, then the letters used once, in order
        counts = "".join(terms).replace(".", "")
        out = "..." + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    unknown = set(out.replace(".", "")) - set(sizes)
    if unknown or len(set(out.replace(".", ""))) != len(out.replace(".", "")):
        raise ShapeError(f"output term '{out}' repeats an index or names one no operand has")
    shape: list[Dim] = []
    for part in re.split(r"(\.\.\.)", out):
        shape.extend(ell if part == "..." else (sizes[c] for c in part))
    return [TensorType(elem, tuple(shape))]


def _einsum_eval(ev: Eval) -> list[np.ndarray]:
    args = [wide(x) for x in ev.inputs]
    return [ev.out(np.einsum(ev.attrs["equation"].replace(" ", ""), *args))]


# ---- softmax family ----------------------------------------------------------------------


def _along_axis_infer(name: str) -> Callable[[Sig], list[TensorType]]:
    def infer(sig: Sig) -> list[TensorType]:
        x = sig.type(0)
        elem_in(x, FLOATS, name)
        axis(sig.attrs["axis"], x.rank)
        return [x]

    return infer


def _softmax(x: np.ndarray, a: int) -> np.ndarray:
    shifted = x - np.max(x, axis=a, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=a, keepdims=True)


def _log_softmax(x: np.ndarray, a: int) -> np.ndarray:
    shifted = x - np.max(x, axis=a, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=a, keepdims=True))


def _hardmax(x: np.ndarray, a: int) -> np.ndarray:
    """1 at the first largest element along `a`, 0 elsewhere."""
    out = np.zeros_like(x)
    if x.size:
        first = np.expand_dims(np.argmax(x, axis=a), a)
        np.put_along_axis(out, first, np.ones((), x.dtype), axis=a)
    return out


def _along_axis(name: str, fn: Callable[[np.ndarray, int], np.ndarray], doc: str) -> OpSpec:
    def evaluate(ev: Eval) -> list[np.ndarray]:
        x = ev.inputs[0]
        if x.size == 0:
            return [ev.out(x)]
        with np.errstate(all="ignore"):
            return [ev.out(fn(x, axis(ev.attrs["axis"], x.ndim)))]

    return OpSpec(
        name,
        (13,),
        _along_axis_infer(name),
        evaluate,
        attrs=(Attr("axis", "int", -1, doc="the axis normalized over"),),
        doc=doc,
    )


OPS: list[OpSpec] = [
    OpSpec("MatMul", (13,), _matmul_infer, _matmul_eval, n_inputs=(2, 2), doc="numpy matmul"),
    OpSpec(
        "Gemm",
        (13,),
        _gemm_infer,
        _gemm_eval,
        attrs=(
            Attr("alpha", "float", 1.0),
            Attr("beta", "float", 1.0),
            Attr("transA", "int", 0, (0, 1)),
            Attr("transB", "int", 0, (0, 1)),
        ),
        n_inputs=(2, 3),
        doc="alpha * A' @ B' + beta * C, C broadcast to the product",
    ),
    OpSpec(
        "Einsum",
        (12, 28),
        _einsum_infer,
        _einsum_eval,
        attrs=(Attr("equation", "str"),),
        n_inputs=(1, VARIADIC),
        doc="numpy einsum: sums of products over the indices the equation names",
    ),
    _along_axis("Softmax", _softmax, "exp(x - max) / sum(exp(x - max)) along axis"),
    _along_axis("LogSoftmax", _log_softmax, "x - max - log(sum(exp(x - max))) along axis"),
    _along_axis("Hardmax", _hardmax, "1 at the first largest element along axis, else 0"),
]
