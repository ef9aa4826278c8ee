"""Reductions over axes, ArgMax and ArgMin, TopK (stable: equal values keep the lower index
first) and CumSum."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from kiln.ir.graph import Dim, TensorType, is_float
from kiln.ir.graph_ops.spec import (
    FLOATS,
    I64,
    INTS,
    INTS32_64,
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    axis,
    elem_in,
    scalar_as,
    wide,
)

# ---- reductions --------------------------------------------------------------------------


def _reduced_axes(sig_axes: tuple[int, ...], rank: int, noop: int) -> tuple[int, ...] | None:
    """The axes reduced, in order; None for the identity (empty axes with
    noop_with_empty_axes)."""
    if not sig_axes:
        return None if noop else tuple(range(rank))
    axes = tuple(sorted(axis(a, rank, "axes entry") for a in sig_axes))
    if len(set(axes)) != len(axes):
        raise ShapeError(f"axes {list(sig_axes)} name an axis twice")
    return axes


def _reduced_shape(shape: tuple[Dim, ...], axes: tuple[int, ...], keep: int) -> tuple[Dim, ...]:
    if keep:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduce_infer(name: str, allowed: Sequence[str]) -> Callable[[Sig], list[TensorType]]:
    def infer(sig: Sig) -> list[TensorType]:
        x = sig.type(0)
        elem_in(x, allowed, name)
        axes = _reduced_axes(sig.attrs["axes"], x.rank, sig.attrs["noop_with_empty_axes"])
        if axes is None:
            return [x]
        return [TensorType(x.elem, _reduced_shape(x.shape, axes, sig.attrs["keepdims"]))]

    return infer


def extreme(x: np.ndarray, largest: bool) -> np.ndarray:
    """The identity of max (largest) or min over x's type: what an empty reduction gives."""
    if x.dtype == np.bool_:
        return np.asarray(not largest)
    if is_float(x.dtype):
        return scalar_as(-np.inf if largest else np.inf, x.dtype)
    info = np.iinfo(x.dtype)
    return np.asarray(info.min if largest else info.max, x.dtype)


def _sum(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    x = wide(x)
    return np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)


def mean_over(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    count = math.prod(x.shape[a] for a in axes)
    s = _sum(x, axes)
    if is_float(x.dtype):
        return s / scalar_as(count, s.dtype)
    if count == 0:
        return np.zeros_like(s)
    return np.sign(s) * (np.abs(s) // count)  # integer mean truncates toward zero


def _log_sum_exp(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log(sum(exp(x))), with the largest element taken out first so it cannot overflow."""
    if not is_float(x.dtype):
        return _log_sum_exp(x.astype(np.float64), axes)
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    top = np.where(np.isfinite(top), top, np.zeros((), x.dtype))
    return np.log(_sum(np.exp(x - top), axes)) + top


def _log_sum(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log(sum(x)): an empty set sums to 0 and gives -inf; integers in float64."""
    if not is_float(x.dtype):
        return _log_sum(x.astype(np.float64), axes)
    return np.log(_sum(x, axes))


_REDUCERS: dict[str, Callable[[np.ndarray, tuple[int, ...]], np.ndarray]] = {
    "ReduceSum": _sum,
    "ReduceMean": mean_over,
    "ReduceProd": lambda x, a: np.prod(x, axis=a, keepdims=True, dtype=x.dtype),
    "ReduceMax": lambda x, a: np.max(x, axis=a, keepdims=True, initial=extreme(x, True)),
    "ReduceMin": lambda x, a: np.min(x, axis=a, keepdims=True, initial=extreme(x, False)),
    "ReduceSumSquare": lambda x, a: _sum(x * x, a),
    "ReduceL1": lambda x, a: _sum(np.abs(x), a),
    "ReduceL2": lambda x, a: np.sqrt(_sum(x * x, a)),
    "ReduceLogSumExp": _log_sum_exp,
    "ReduceLogSum": _log_sum,
}
_REDUCE_DOCS = {
    "ReduceSum": "sum over axes",
    "ReduceMean": "mean over axes (integers truncate toward zero)",
    "ReduceProd": "product over axes",
    "ReduceMax": "maximum over axes (an empty set gives the type's lowest value)",
    "ReduceMin": "minimum over axes (an empty set gives the type's highest value)",
    "ReduceSumSquare": "sum of squares over axes",
    "ReduceL1": "sum of absolute values over axes",
    "ReduceL2": "square root of the sum of squares over axes",
    "ReduceLogSumExp": "log(sum(exp(x))) over axes, computed without overflow",
    "ReduceLogSum": "log(sum(x)) over axes (an empty set gives -inf)",
}
_REDUCE_VERSIONS = {
    "ReduceSum": (13,),
    "ReduceMax": (13, 18, 20),
    "ReduceMin": (13, 18, 20),
    "ReduceLogSumExp": (13, 18, 28),
    "ReduceLogSum": (18, 28),
}


def _reduce(name: str) -> OpSpec:
    reducer = _REDUCERS[name]
    allowed = FLOATS + INTS32_64
    if name in ("ReduceMax", "ReduceMin"):
        allowed += ("i8", "u8", "u1")

    def evaluate(ev: Eval) -> list[np.ndarray]:
        x = ev.inputs[0]
        axes = _reduced_axes(ev.attrs["axes"], x.ndim, ev.attrs["noop_with_empty_axes"])
        if axes is None:
            return [ev.out(x)]
        with np.errstate(all="ignore"):
            y = reducer(x, axes)
        return [ev.out(y.reshape(ev.out_types[0].shape))]

    axes = Attr("axes", "ints", (), doc="the axes reduced; none means all")
    return OpSpec(
        name,
        _REDUCE_VERSIONS.get(name, (13, 18)),
        _reduce_infer(name, allowed),
        evaluate,
        # before its version 18 (ReduceSum: 13) an op takes axes as an attribute, after it
        # as operand 1; both land in the one attribute
        attrs=(
            *(() if name == "ReduceSum" else (axes,)),
            Attr("keepdims", "int", 1, (0, 1)),
            Attr("noop_with_empty_axes", "int", 0, (0, 1), "empty axes: 1 is the identity"),
        ),
        static_inputs=(StaticInput(1, axes),),
        doc=_REDUCE_DOCS[name],
    )


# ---- ArgMax, ArgMin, TopK, CumSum --------------------------------------------------------


def _arg_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS + INTS, "ArgMax and ArgMin")
    a = axis(sig.attrs["axis"], x.rank)
    if x.shape[a] == 0:
        raise ShapeError(f"axis {a} is empty: there is no index to give")
    return [TensorType(I64, _reduced_shape(x.shape, (a,), sig.attrs["keepdims"]))]


def _arg(name: str, fn: Callable) -> OpSpec:
    def evaluate(ev: Eval) -> list[np.ndarray]:
        x = ev.inputs[0]
        a = axis(ev.attrs["axis"], x.ndim)
        if ev.attrs["select_last_index"]:
            i = x.shape[a] - 1 - fn(np.flip(x, a), axis=a)
        else:
            i = fn(x, axis=a)
        return [ev.out(i.reshape(ev.out_types[0].shape))]

    which = "largest" if name == "ArgMax" else "smallest"
    return OpSpec(
        name,
        (13,),
        _arg_infer,
        evaluate,
        attrs=(
            Attr("axis", "int", 0),
            Attr("keepdims", "int", 1, (0, 1)),
            Attr("select_last_index", "int", 0, (0, 1), "1 gives the last of equal values"),
        ),
        doc=f"index (i64) of the {which} element along axis, the first of equal ones",
    )


def _topk_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS + INTS, "TopK")
    a = axis(sig.attrs["axis"], x.rank)
    k, n = sig.attrs["k"], x.shape[a]
    if not isinstance(n, int):
        raise ShapeError(f"TopK needs a static size along axis {a}, got {n}")
    if not 0 <= k <= n:
        raise ShapeError(f"K = {k} is outside 0 to {n}, the size of axis {a}")
    shape = x.shape[:a] + (k,) + x.shape[a + 1 :]
    return [TensorType(x.elem, shape), TensorType(I64, shape)]


def _topk_eval(ev: Eval) -> list[np.ndarray]:
    """A stable sort, so equal values keep the lower index first; for the largest, sort
    the reversed axis ascending and read it backwards (NaN counts as the largest)."""
    x, k = ev.inputs[0], ev.attrs["k"]
    a = axis(ev.attrs["axis"], x.ndim)
    n = x.shape[a]
    if ev.attrs["largest"]:
        order = n - 1 - np.flip(np.argsort(np.flip(x, a), axis=a, kind="stable"), a)
    else:
        order = np.argsort(x, axis=a, kind="stable")
    idx = np.take(order, np.arange(k), axis=a)
    return [ev.out(np.take_along_axis(x, idx, axis=a)), ev.out(idx, 1)]


def _cumsum_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS + INTS32_64, "CumSum")
    axis(sig.attrs["axis"], x.rank)
    return [x]


def _cumsum_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    a = axis(ev.attrs["axis"], x.ndim)
    if ev.attrs["reverse"]:
        x = np.flip(x, a)
    if ev.attrs["exclusive"] and x.shape[a]:
        head = np.zeros_like(np.take(x, [0], axis=a))
        x = np.concatenate([head, np.take(x, range(x.shape[a] - 1), axis=a)], axis=a)
    y = np.cumsum(x, axis=a, dtype=x.dtype)
    if ev.attrs["reverse"]:
        y = np.flip(y, a)
    return [ev.out(y)]


OPS: list[OpSpec] = [
    *(_reduce(name) for name in _REDUCERS),
    _arg("ArgMax", np.argmax),
    _arg("ArgMin", np.argmin),
    OpSpec(
        "TopK",
        (11, 24),
        _topk_infer,
        _topk_eval,
        attrs=(
            Attr("axis", "int", -1),
            Attr("largest", "int", 1, (0, 1)),
            Attr("sorted", "int", 1, (0, 1), "kiln always sorts"),
        ),
        static_inputs=(StaticInput(1, Attr("k", "int", REQUIRED)),),
        n_outputs=(2, 2),
        doc="the k largest (or smallest) values along axis and their i64 indices, sorted, "
        "equal values lower index first",
    ),
    OpSpec(
        "CumSum",
        (11, 14),
        _cumsum_infer,
        _cumsum_eval,
        attrs=(Attr("exclusive", "int", 0, (0, 1)), Attr("reverse", "int", 0, (0, 1))),
        static_inputs=(StaticInput(1, Attr("axis", "int", REQUIRED)),),
        doc="running sum along axis, optionally exclusive and from the end",
    ),
]
