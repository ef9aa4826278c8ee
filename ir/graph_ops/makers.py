"""The ops that make tensors from shapes and constants: Shape, Size, Range,
ConstantOfShape, Constant, EyeLike and OneHot (most fold away at import)."""

from __future__ import annotations

import math

import numpy as np

from kiln.ir.graph import TensorType, elem_named
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
)

_V21 = (21, 23, 24, 25)  # ops whose later versions only add element types


# ---- index and constant makers ---------------------------------------------------------


def _shape_range(sig_attrs: dict, rank: int) -> range:
    end = sig_attrs["end"]
    return range(rank)[slice(sig_attrs["start"], rank if end is None else end)]


def _shape_infer(sig: Sig) -> list[TensorType]:
    return [TensorType(I64, (len(_shape_range(sig.attrs, sig.type(0).rank)),))]


def _shape_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    dims = [x.shape[i] for i in _shape_range(ev.attrs, x.ndim)]
    return [np.array(dims, np.int64)]


def _size_infer(sig: Sig) -> list[TensorType]:
    sig.type(0)
    return [TensorType(I64, ())]


def _size_eval(ev: Eval) -> list[np.ndarray]:
    return [np.array(ev.inputs[0].size, np.int64)]


def _range_count(attrs: dict) -> int:
    start, limit, delta = attrs["start"], attrs["limit"], attrs["delta"]
    if delta == 0:
        raise ShapeError("Range's delta is 0")
    return max(math.ceil((limit - start) / delta), 0)


def _range_infer(sig: Sig) -> list[TensorType]:
    if not sig.attrs["dtype"]:
        raise ShapeError("Range needs its element type (the attribute dtype)")
    return [TensorType(elem_named(sig.attrs["dtype"]), (_range_count(sig.attrs),))]


def _range_eval(ev: Eval) -> list[np.ndarray]:
    d = ev.out_dtype()
    n = _range_count(ev.attrs)
    start, delta = np.asarray(ev.attrs["start"], d), np.asarray(ev.attrs["delta"], d)
    return [ev.out(start + np.arange(n, dtype=d) * delta)]


def _constant_of_shape_infer(sig: Sig) -> list[TensorType]:
    shape = sig.attrs["shape"]
    if min(shape, default=0) < 0:
        raise ShapeError(f"shape {list(shape)} has a negative dimension")
    return [TensorType(elem_named(sig.attrs["dtype"]), tuple(shape))]


def _constant_of_shape_eval(ev: Eval) -> list[np.ndarray]:
    t = ev.out_types[0]
    return [np.full(t.shape, ev.attrs["value"], ev.out_dtype())]


_CONSTANT_FORMS = {
    "value_float": ("f32", False),
    "value_floats": ("f32", True),
    "value_int": ("i64", False),
    "value_ints": ("i64", True),
}


def _constant_form(attrs: dict) -> str:
    given = [k for k in _CONSTANT_FORMS if attrs.get(k) is not None]
    if len(given) != 1:
        raise ShapeError(f"Constant needs exactly one of {', '.join(_CONSTANT_FORMS)}")
    return given[0]


def _constant_infer(sig: Sig) -> list[TensorType]:
    form = _constant_form(sig.attrs)
    elem, many = _CONSTANT_FORMS[form]
    return [TensorType(elem_named(elem), (len(sig.attrs[form]),) if many else ())]


def _constant_eval(ev: Eval) -> list[np.ndarray]:
    return [np.array(ev.attrs[_constant_form(ev.attrs)], ev.out_dtype())]


def _eye_like_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    if x.rank != 2:
        raise ShapeError(f"EyeLike needs a rank-2 input, got rank {x.rank}")
    elem = elem_named(sig.attrs["dtype"]) if sig.attrs["dtype"] else x.elem
    return [TensorType(elem, x.shape)]


def _eye_like_eval(ev: Eval) -> list[np.ndarray]:
    r, c = ev.out_types[0].shape
    return [np.eye(r, c, ev.attrs["k"], dtype=ev.out_dtype())]


def _one_hot_infer(sig: Sig) -> list[TensorType]:
    idx, values = sig.type(0), sig.type(1)
    if values.shape != (2,):
        raise ShapeError(f"OneHot's values must be [off, on], got shape {list(values.shape)}")
    depth = int(sig.attrs["depth"])
    if depth < 1:
        raise ShapeError(f"OneHot's depth {depth} must be at least 1")
    a = axis(sig.attrs["axis"], idx.rank + 1)
    return [TensorType(values.elem, (*idx.shape[:a], depth, *idx.shape[a:]))]


def _one_hot_eval(ev: Eval) -> list[np.ndarray]:
    idx, values = ev.inputs
    depth = int(ev.attrs["depth"])
    a = ev.attrs["axis"] % (idx.ndim + 1)
    i = idx.astype(np.float64) if idx.dtype.kind == "f" else idx.astype(np.int64)
    i = np.where(i < 0, i + depth, i).astype(np.int64)
    hot = np.expand_dims(i, a) == np.arange(depth).reshape(
        [-1 if d == a else 1 for d in range(idx.ndim + 1)]
    )
    return [np.where(hot, values[1], values[0])]


OPS: list[OpSpec] = [
    OpSpec(
        "Shape",
        _V21,
        _shape_infer,
        _shape_eval,
        (Attr("start", "int", 0), Attr("end", "int", None)),
        doc="the dimensions start:end of the operand's shape, as i64",
    ),
    OpSpec("Size", _V21, _size_infer, _size_eval, doc="the operand's element count, as i64"),
    OpSpec(
        "Range",
        (11, 27),
        _range_infer,
        _range_eval,
        (
            Attr("dtype", "dtype", ""),
            Attr("stash_type", "int", 1, doc="a float range's precision; kiln computes in its own"),
        ),
        static_inputs=(
            StaticInput(0, Attr("start", "scalar", REQUIRED)),
            StaticInput(1, Attr("limit", "scalar", REQUIRED)),
            StaticInput(2, Attr("delta", "scalar", REQUIRED)),
        ),
        n_inputs=(0, 0),
        doc="start, start + delta, ... up to (not including) limit",
    ),
    OpSpec(
        "ConstantOfShape",
        _V21,
        _constant_of_shape_infer,
        _constant_of_shape_eval,
        (Attr("value", "scalar", 0.0), Attr("dtype", "dtype", "f32")),
        static_inputs=(StaticInput(0, Attr("shape", "ints", REQUIRED)),),
        n_inputs=(0, 0),
        doc="a tensor of the given shape filled with value",
    ),
    OpSpec(
        "Constant",
        _V21,
        _constant_infer,
        _constant_eval,
        (
            Attr("value_float", "float", None),
            Attr("value_floats", "floats", None),
            Attr("value_int", "int", None),
            Attr("value_ints", "ints", None),
        ),
        n_inputs=(0, 0),
        doc="a constant from one of its value_* forms (tensor values become graph constants)",
    ),
    OpSpec(
        "EyeLike",
        (9, 22),
        _eye_like_infer,
        _eye_like_eval,
        (Attr("dtype", "dtype", ""), Attr("k", "int", 0)),
        doc="ones on diagonal k of the operand's 2-D shape, zeros elsewhere",
    ),
    OpSpec(
        "OneHot",
        (11, 28),
        _one_hot_infer,
        _one_hot_eval,
        (Attr("axis", "int", -1),),
        static_inputs=(StaticInput(1, Attr("depth", "scalar", REQUIRED)),),
        n_inputs=(2, 2),
        doc="values[1] where the new axis equals the index, values[0] elsewhere",
    ),
]
