"""Indexing: slices, gathers and scatters (ONNX's negative indices count from the end; an
index out of range is an error, not a clamp)."""

from __future__ import annotations

import numpy as np

from kiln.ir.graph import TensorType
from kiln.ir.graph_ops.spec import (
    I64,
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    axis,
    distinct_axes,
    static,
)
from kiln.ir.types import IntType

_V13 = (13,)


def _indices(sig: Sig, i: int, op: str) -> TensorType:
    t = sig.type(i)
    if t.elem not in (I64, IntType(32, True)):
        raise ShapeError(f"{op}'s indices must be i32 or i64, got {t.elem}")
    return t


def _wrap(idx: np.ndarray, dim: int, op: str) -> np.ndarray:
    """Negative indices counted from the end; out of range is an error, as in ONNX."""
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < -dim or idx.max() >= dim):
        raise ShapeError(f"{op}: an index is out of range for a dimension of {dim}")
    return np.where(idx < 0, idx + dim, idx)


# ---- slicing, gathering, scattering ----------------------------------------------------


def _slices(sig_attrs: dict, shape: tuple[int, ...]) -> list[slice]:
    starts, ends = sig_attrs["starts"], sig_attrs["ends"]
    axes = sig_attrs["axes"] or tuple(range(len(starts)))
    steps = sig_attrs["steps"] or (1,) * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise ShapeError("starts, ends, axes and steps must have one length")
    if 0 in steps:
        raise ShapeError("a step of 0")
    out = [slice(None)] * len(shape)
    for a, s, e, st in zip(distinct_axes(axes, len(shape)), starts, ends, steps, strict=True):
        out[a] = slice(s, e, st)  # Python's slice clamping is ONNX's
    return out


def _slice_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    shape = static(x.shape, "Slice")
    sl = _slices(sig.attrs, shape)
    dims = tuple(len(range(*s.indices(d))) for s, d in zip(sl, shape, strict=True))
    return [TensorType(x.elem, dims)]


def _slice_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    return [np.ascontiguousarray(x[tuple(_slices(ev.attrs, x.shape))])]


def _gather_infer(sig: Sig) -> list[TensorType]:
    x, idx = sig.type(0), _indices(sig, 1, "Gather")
    a = axis(sig.attrs["axis"], x.rank)
    return [TensorType(x.elem, (*x.shape[:a], *idx.shape, *x.shape[a + 1 :]))]


def _gather_eval(ev: Eval) -> list[np.ndarray]:
    x, idx = ev.inputs
    a = ev.attrs["axis"] % x.ndim
    return [np.take(x, _wrap(idx, x.shape[a], "Gather"), axis=a)]


def _gather_elements_infer(sig: Sig) -> list[TensorType]:
    x, idx = sig.type(0), _indices(sig, 1, "GatherElements")
    if idx.rank != x.rank:
        raise ShapeError(f"indices have rank {idx.rank}, data has rank {x.rank}")
    axis(sig.attrs["axis"], x.rank)
    return [TensorType(x.elem, idx.shape)]


def _gather_elements_eval(ev: Eval) -> list[np.ndarray]:
    x, idx = ev.inputs
    a = ev.attrs["axis"] % x.ndim
    return [np.take_along_axis(x, _wrap(idx, x.shape[a], "GatherElements"), axis=a)]


def _gather_nd_infer(sig: Sig) -> list[TensorType]:
    x, idx = sig.type(0), sig.type(1)
    if idx.elem != I64:
        raise ShapeError(f"GatherND's indices must be i64, got {idx.elem}")
    b = sig.attrs["batch_dims"]
    (k,) = static(idx.shape[-1:], "GatherND")
    if not 0 <= b < min(x.rank, idx.rank) or b + k > x.rank or x.shape[:b] != idx.shape[:b]:
        raise ShapeError(f"indices {list(idx.shape)} do not index data {list(x.shape)}")
    return [TensorType(x.elem, (*idx.shape[:-1], *x.shape[b + k :]))]


def _gather_nd_eval(ev: Eval) -> list[np.ndarray]:
    x, idx = ev.inputs
    b = ev.attrs["batch_dims"]
    k = idx.shape[-1]
    xs = x.reshape(-1, *x.shape[b:])
    ids = idx.reshape(xs.shape[0], -1, k)
    out = np.stack(
        [
            np.stack([xs[i][tuple(_nd_index(j, x.shape[b:], "GatherND"))] for j in ids[i]])
            if ids.shape[1]
            else np.zeros((0, *x.shape[b + k :]), x.dtype)
            for i in range(xs.shape[0])
        ]
    )
    return [out.reshape(ev.out_types[0].shape)]


def _nd_index(j: np.ndarray, shape: tuple[int, ...], op: str) -> list[int]:
    return [int(_wrap(np.asarray(v), shape[d], op)) for d, v in enumerate(j)]


_REDUCE_AT = {"add": np.add.at, "mul": np.multiply.at, "max": np.maximum.at, "min": np.minimum.at}


def _scatter_elements_infer(sig: Sig) -> list[TensorType]:
    x, idx, upd = sig.type(0), _indices(sig, 1, "ScatterElements"), sig.type(2)
    if upd.elem != x.elem or upd.shape != idx.shape or idx.rank != x.rank:
        raise ShapeError("updates must match the indices' shape and the data's element type")
    axis(sig.attrs["axis"], x.rank)
    return [x]


def _scatter_elements_eval(ev: Eval) -> list[np.ndarray]:
    x, idx, upd = ev.inputs
    a = ev.attrs["axis"] % x.ndim
    grid = list(np.indices(idx.shape))
    grid[a] = _wrap(idx, x.shape[a], "ScatterElements")
    out = x.copy()
    if ev.attrs["reduction"] == "none":
        out[tuple(grid)] = upd
    else:
        _REDUCE_AT[ev.attrs["reduction"]](out, tuple(grid), upd)
    return [out]


def _scatter_nd_infer(sig: Sig) -> list[TensorType]:
    x, idx, upd = sig.type(0), sig.type(1), sig.type(2)
    if idx.elem != I64:
        raise ShapeError(f"ScatterND's indices must be i64, got {idx.elem}")
    (k,) = static(idx.shape[-1:], "ScatterND")
    if k > x.rank or upd.elem != x.elem or upd.shape != (*idx.shape[:-1], *x.shape[k:]):
        raise ShapeError(f"updates {list(upd.shape)} do not fit indices {list(idx.shape)}")
    return [x]


def _scatter_nd_eval(ev: Eval) -> list[np.ndarray]:
    x, idx, upd = ev.inputs
    k = idx.shape[-1]
    out = x.copy()
    ids, ups = idx.reshape(-1, k), upd.reshape(-1, *x.shape[k:])
    red = ev.attrs["reduction"]
    for j, u in zip(ids, ups, strict=True):
        at = tuple(_nd_index(j, x.shape, "ScatterND"))
        if red == "none":
            out[at] = u
        else:
            _REDUCE_AT[red](out, at, u)
    return [out]


_REDUCTIONS = ("none", "add", "mul", "max", "min")

OPS: list[OpSpec] = [
    OpSpec(
        "Slice",
        _V13,
        _slice_infer,
        _slice_eval,
        static_inputs=(
            StaticInput(1, Attr("starts", "ints", REQUIRED)),
            StaticInput(2, Attr("ends", "ints", REQUIRED)),
            StaticInput(3, Attr("axes", "ints", ())),
            StaticInput(4, Attr("steps", "ints", ())),
        ),
        doc="strided slices along the given axes, clamped as Python slices are",
    ),
    OpSpec(
        "Gather",
        _V13,
        _gather_infer,
        _gather_eval,
        (Attr("axis", "int", 0),),
        n_inputs=(2, 2),
        doc="take entries of axis by an index tensor (negative indices from the end)",
    ),
    OpSpec(
        "GatherElements",
        _V13,
        _gather_elements_infer,
        _gather_elements_eval,
        (Attr("axis", "int", 0),),
        n_inputs=(2, 2),
        doc="numpy take_along_axis",
    ),
    OpSpec(
        "GatherND",
        _V13,
        _gather_nd_infer,
        _gather_nd_eval,
        (Attr("batch_dims", "int", 0),),
        n_inputs=(2, 2),
        doc="take slices addressed by the last axis of the indices",
    ),
    OpSpec(
        "ScatterElements",
        (18,),
        _scatter_elements_infer,
        _scatter_elements_eval,
        (Attr("axis", "int", 0), Attr("reduction", "str", "none", _REDUCTIONS)),
        n_inputs=(3, 3),
        doc="write (or combine) updates at index positions along axis",
    ),
    OpSpec(
        "ScatterND",
        (18,),
        _scatter_nd_infer,
        _scatter_nd_eval,
        (Attr("reduction", "str", "none", _REDUCTIONS),),
        n_inputs=(3, 3),
        doc="write (or combine) slices addressed by the last axis of the indices",
    ),
]
