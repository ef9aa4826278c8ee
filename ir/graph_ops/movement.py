"""Data movement: reshapes, transposes, slicing, gathering and scattering, concatenation,
splitting, padding, and the ops that make index tensors (Shape, Size, Range,
ConstantOfShape, Constant, EyeLike, OneHot).

Operands that fix a shape (Reshape's shape, Slice's starts and ends, Squeeze's axes ...)
are attributes here: kiln builds static shapes, so the importer requires them constant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kiln.ir.graph import TensorType, elem_named
from kiln.ir.graph_ops.spec import (
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    axis,
    broadcast,
    same_elem,
    static,
)
from kiln.ir.types import IntType

I64 = IntType(64, True)
VARIADIC = 1 << 16
_V13 = (13,)
_V21 = (21, 23, 24, 25)  # ops whose later versions only add element types


def _axes(axes: Sequence[int], rank: int, what: str = "axes") -> list[int]:
    out = [axis(a, rank, what) for a in axes]
    if len(set(out)) != len(out):
        raise ShapeError(f"{what} {list(axes)} repeat an axis")
    return out


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


# ---- reshaping -------------------------------------------------------------------------


def _reshape_target(
    shape: tuple[int, ...], target: tuple[int, ...], allowzero: int
) -> tuple[int, ...]:
    out = [
        shape[i] if d == 0 and not allowzero and i < len(shape) else d for i, d in enumerate(target)
    ]
    if out.count(-1) > 1:
        raise ShapeError(f"shape {list(target)} has more than one -1")
    total = int(np.prod(shape, dtype=np.int64))
    if -1 in out:
        rest = int(np.prod([d for d in out if d != -1], dtype=np.int64))
        if rest == 0 or total % rest:
            raise ShapeError(f"cannot reshape {list(shape)} to {list(target)}")
        out[out.index(-1)] = total // rest
    if int(np.prod(out, dtype=np.int64)) != total:
        raise ShapeError(f"cannot reshape {list(shape)} ({total} elements) to {list(target)}")
    return tuple(out)


def _reshape_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    shape = static(x.shape, "Reshape")
    return [TensorType(x.elem, _reshape_target(shape, sig.attrs["shape"], sig.attrs["allowzero"]))]


def _reshaped(ev: Eval) -> list[np.ndarray]:
    """Every pure reshape (Reshape, Flatten, Squeeze, Unsqueeze): the declared shape."""
    return [ev.inputs[0].reshape(ev.out_types[0].shape)]


def _flatten_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    shape = static(x.shape, "Flatten")
    a = sig.attrs["axis"]
    if not -x.rank <= a <= x.rank:
        raise ShapeError(f"axis {a} is out of range for rank {x.rank}")
    a += x.rank if a < 0 else 0
    return [TensorType(x.elem, (math.prod(shape[:a]), math.prod(shape[a:])))]


def _squeeze_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    if sig.attrs["axes"]:
        drop = _axes(sig.attrs["axes"], x.rank)
        bad = [a for a in drop if x.shape[a] != 1]
        if bad:
            raise ShapeError(f"cannot squeeze axis {bad[0]} of size {x.shape[bad[0]]}")
    else:
        drop = [i for i, d in enumerate(x.shape) if d == 1]
    return [TensorType(x.elem, tuple(d for i, d in enumerate(x.shape) if i not in drop))]


def _unsqueeze_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    rank = x.rank + len(sig.attrs["axes"])
    add = set(_axes(sig.attrs["axes"], rank))
    dims = iter(x.shape)
    return [TensorType(x.elem, tuple(1 if i in add else next(dims) for i in range(rank)))]


def _perm(sig: Sig) -> tuple[int, ...]:
    rank = sig.type(0).rank
    perm = sig.attrs["perm"] or tuple(reversed(range(rank)))
    if sorted(axis(p, rank, "perm entry") for p in perm) != list(range(rank)):
        raise ShapeError(f"perm {list(perm)} is not a permutation of {rank} axes")
    return tuple(p % rank for p in perm)


def _transpose_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    return [TensorType(x.elem, tuple(x.shape[p] for p in _perm(sig)))]


def _transpose_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    perm = ev.attrs["perm"] or tuple(reversed(range(x.ndim)))
    return [np.ascontiguousarray(np.transpose(x, [p % max(x.ndim, 1) for p in perm]))]


def _depth_space_infer(sig: Sig, to_space: bool) -> list[TensorType]:
    x = sig.type(0)
    if x.rank != 4:
        raise ShapeError(f"needs a rank-4 NCHW input, got rank {x.rank}")
    b, c, h, w = static(x.shape, "DepthToSpace" if to_space else "SpaceToDepth")
    bs = sig.attrs["blocksize"]
    if to_space:
        if c % (bs * bs):
            raise ShapeError(f"channels {c} are not divisible by blocksize^2 = {bs * bs}")
        return [TensorType(x.elem, (b, c // (bs * bs), h * bs, w * bs))]
    if h % bs or w % bs:
        raise ShapeError(f"height {h} and width {w} must be divisible by blocksize {bs}")
    return [TensorType(x.elem, (b, c * bs * bs, h // bs, w // bs))]


def _depth_to_space(ev: Eval) -> list[np.ndarray]:
    x, bs = ev.inputs[0], ev.attrs["blocksize"]
    b, c, h, w = x.shape
    if ev.attrs["mode"] == "DCR":
        y = x.reshape(b, bs, bs, c // bs**2, h, w).transpose(0, 3, 4, 1, 5, 2)
    else:
        y = x.reshape(b, c // bs**2, bs, bs, h, w).transpose(0, 1, 4, 2, 5, 3)
    return [y.reshape(ev.out_types[0].shape)]


def _space_to_depth(ev: Eval) -> list[np.ndarray]:
    x, bs = ev.inputs[0], ev.attrs["blocksize"]
    b, c, h, w = x.shape
    y = x.reshape(b, c, h // bs, bs, w // bs, bs)
    perm = (0, 3, 5, 1, 2, 4) if ev.attrs["mode"] == "DCR" else (0, 1, 3, 5, 2, 4)
    return [y.transpose(perm).reshape(ev.out_types[0].shape)]


# ---- concatenation and splitting -------------------------------------------------------


def _concat_infer(sig: Sig) -> list[TensorType]:
    idx = range(len(sig.inputs))
    elem = same_elem(sig, idx)
    shapes = [sig.type(i).shape for i in idx]
    rank = len(shapes[0])
    if rank == 0 or any(len(s) != rank for s in shapes):
        raise ShapeError("Concat operands must share one rank of at least 1")
    a = axis(sig.attrs["axis"], rank)
    for s in shapes[1:]:
        if any(s[i] != shapes[0][i] for i in range(rank) if i != a):
            raise ShapeError(f"shapes {list(shapes[0])} and {list(s)} differ off axis {a}")
    total = sum(static((s[a],), "Concat")[0] for s in shapes)
    return [TensorType(elem, (*shapes[0][:a], total, *shapes[0][a + 1 :]))]


def _concat_eval(ev: Eval) -> list[np.ndarray]:
    a = ev.attrs["axis"] % ev.inputs[0].ndim
    return [ev.out(np.concatenate(ev.inputs, axis=a))]


def _split_sizes(sig_attrs: dict, dim: int, n: int) -> list[int]:
    split, num = sig_attrs["split"], sig_attrs["num_outputs"]
    if n < 1:
        raise ShapeError("Split needs at least one result")
    if split:
        if len(split) != n or sum(split) != dim or min(split) < 0:
            raise ShapeError(f"split {list(split)} does not cut {dim} into {n} parts")
        return list(split)
    if num and num != n:
        raise ShapeError(f"num_outputs is {num}, but the node has {n} results")
    if num:
        step = -(-dim // n)
        sizes = [min(step, max(dim - i * step, 0)) for i in range(n)]
        if sizes[-1] == 0:
            raise ShapeError(f"cannot split {dim} into {n} parts of {step}")
        return sizes
    if dim % n:
        raise ShapeError(f"cannot split {dim} evenly into {n} parts")
    return [dim // n] * n


def _split_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    a = axis(sig.attrs["axis"], x.rank)
    (dim,) = static((x.shape[a],), "Split")
    sizes = _split_sizes(sig.attrs, dim, sig.n_outputs)
    return [TensorType(x.elem, (*x.shape[:a], s, *x.shape[a + 1 :])) for s in sizes]


def _split_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    a = ev.attrs["axis"] % x.ndim
    cuts = np.cumsum([t.shape[a] for t in ev.out_types])[:-1]
    return [np.ascontiguousarray(p) for p in np.split(x, cuts, axis=a)]


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
    for a, s, e, st in zip(_axes(axes, len(shape)), starts, ends, steps, strict=True):
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


# ---- broadcasting copies and padding ---------------------------------------------------


def _expand_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    return [TensorType(x.elem, broadcast([x.shape, tuple(sig.attrs["shape"])]))]


def _expand_eval(ev: Eval) -> list[np.ndarray]:
    return [np.broadcast_to(ev.inputs[0], ev.out_types[0].shape).copy()]


def _tile_infer(sig: Sig) -> list[TensorType]:
    x, reps = sig.type(0), sig.attrs["repeats"]
    shape = static(x.shape, "Tile")
    if len(reps) != x.rank or min(reps, default=0) < 0:
        raise ShapeError(f"repeats {list(reps)} must give one count >= 0 per axis of {x.rank}")
    return [TensorType(x.elem, tuple(d * r for d, r in zip(shape, reps, strict=True)))]


def _tile_eval(ev: Eval) -> list[np.ndarray]:
    return [np.tile(ev.inputs[0], ev.attrs["repeats"])]


def _pads(attrs: dict, rank: int) -> list[tuple[int, int]]:
    pads = attrs["pads"]
    axes = _axes(attrs["axes"] or range(rank), rank)
    if len(pads) != 2 * len(axes):
        raise ShapeError(f"pads {list(pads)} must hold 2 values per padded axis ({len(axes)})")
    out = [(0, 0)] * rank
    for i, a in enumerate(axes):
        out[a] = (pads[i], pads[i + len(axes)])
    return out


def _pad_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    shape = static(x.shape, "Pad")
    pads = _pads(sig.attrs, x.rank)
    out = tuple(d + lo + hi for d, (lo, hi) in zip(shape, pads, strict=True))
    if min(out, default=0) < 0:
        raise ShapeError(f"pads {list(sig.attrs['pads'])} crop more than {list(shape)}")
    if sig.attrs["mode"] != "constant":
        for d, (lo, hi) in zip(shape, pads, strict=True):
            if (lo or hi) and d == 0:
                raise ShapeError(f"mode {sig.attrs['mode']} cannot pad an empty axis")
    return [TensorType(x.elem, out)]


def _pad_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    pads = _pads(ev.attrs, x.ndim)
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    mode = ev.attrs["mode"]
    if mode == "constant":
        value = np.asarray(ev.attrs["value"]).astype(x.dtype)
        y = np.pad(x, grow, mode="constant", constant_values=value)
    else:
        y = np.pad(x, grow, mode=mode)
    crop = tuple(slice(max(-lo, 0), y.shape[i] - max(-hi, 0)) for i, (lo, hi) in enumerate(pads))
    return [np.ascontiguousarray(y[crop])]


def _trilu_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    if x.rank < 2:
        raise ShapeError(f"Trilu needs rank >= 2, got {x.rank}")
    return [x]


def _trilu_eval(ev: Eval) -> list[np.ndarray]:
    x, k = ev.inputs[0], ev.attrs["k"]
    return [np.triu(x, k) if ev.attrs["upper"] else np.tril(x, k)]


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


def _axis_attr(default: int | object = 0) -> Attr:
    return Attr("axis", "int", default)


_BLOCKS = (Attr("blocksize", "int"), Attr("mode", "str", "DCR", ("DCR", "CRD")))
_REDUCTIONS = ("none", "add", "mul", "max", "min")

OPS: list[OpSpec] = [
    OpSpec(
        "Reshape",
        _V21,
        _reshape_infer,
        _reshaped,
        attrs=(Attr("allowzero", "int", 0, (0, 1)),),
        static_inputs=(StaticInput(1, Attr("shape", "ints", REQUIRED)),),
        doc="the same elements in a new shape (0 copies a dimension, -1 infers one)",
    ),
    OpSpec(
        "Flatten",
        _V21,
        _flatten_infer,
        _reshaped,
        (_axis_attr(1),),
        doc="a 2-D view: the dimensions before axis, and the rest",
    ),
    OpSpec(
        "Squeeze",
        _V21,
        _squeeze_infer,
        _reshaped,
        static_inputs=(StaticInput(1, Attr("axes", "ints", ())),),
        doc="drop dimensions of size 1 (the given axes, or all)",
    ),
    OpSpec(
        "Unsqueeze",
        _V21,
        _unsqueeze_infer,
        _reshaped,
        static_inputs=(StaticInput(1, Attr("axes", "ints", REQUIRED)),),
        doc="insert dimensions of size 1 at the given axes of the result",
    ),
    OpSpec(
        "Transpose",
        _V21,
        _transpose_infer,
        _transpose_eval,
        (Attr("perm", "ints", ()),),
        doc="permute the axes (default: reverse them)",
    ),
    OpSpec(
        "DepthToSpace",
        (13, 28),
        lambda sig: _depth_space_infer(sig, True),
        _depth_to_space,
        _BLOCKS,
        doc="move channel blocks into height and width",
    ),
    OpSpec(
        "SpaceToDepth",
        (13, 28),
        lambda sig: _depth_space_infer(sig, False),
        _space_to_depth,
        _BLOCKS,
        doc="move height and width blocks into channels",
    ),
    OpSpec(
        "Concat",
        _V13,
        _concat_infer,
        _concat_eval,
        (_axis_attr(REQUIRED),),
        n_inputs=(1, VARIADIC),
        doc="join operands along axis",
    ),
    OpSpec(
        "Split",
        (18,),
        _split_infer,
        _split_eval,
        (_axis_attr(0), Attr("num_outputs", "int", 0)),
        static_inputs=(StaticInput(1, Attr("split", "ints", ())),),
        n_outputs=(1, VARIADIC),
        doc="cut along axis into the given sizes, or equal parts (the last smaller)",
    ),
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
        (_axis_attr(0),),
        n_inputs=(2, 2),
        doc="take entries of axis by an index tensor (negative indices from the end)",
    ),
    OpSpec(
        "GatherElements",
        _V13,
        _gather_elements_infer,
        _gather_elements_eval,
        (_axis_attr(0),),
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
        (_axis_attr(0), Attr("reduction", "str", "none", _REDUCTIONS)),
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
    OpSpec(
        "Expand",
        _V13,
        _expand_infer,
        _expand_eval,
        static_inputs=(StaticInput(1, Attr("shape", "ints", REQUIRED)),),
        doc="broadcast to a shape (both ways, as numpy does)",
    ),
    OpSpec(
        "Tile",
        _V13,
        _tile_infer,
        _tile_eval,
        static_inputs=(StaticInput(1, Attr("repeats", "ints", REQUIRED)),),
        doc="repeat the whole tensor along each axis",
    ),
    OpSpec(
        "Pad",
        _V21,
        _pad_infer,
        _pad_eval,
        (Attr("mode", "str", "constant", ("constant", "reflect", "edge", "wrap")),),
        static_inputs=(
            StaticInput(1, Attr("pads", "ints", REQUIRED)),
            StaticInput(2, Attr("value", "scalar", 0)),
            StaticInput(3, Attr("axes", "ints", ())),
        ),
        doc="pad (or, with negative pads, crop) each axis at both ends",
    ),
    OpSpec(
        "Trilu",
        (14,),
        _trilu_infer,
        _trilu_eval,
        (Attr("upper", "int", 1, (0, 1)),),
        static_inputs=(StaticInput(1, Attr("k", "int", 0)),),
        doc="keep the upper (or lower) triangle of the last two axes from diagonal k",
    ),
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
        (_axis_attr(-1),),
        static_inputs=(StaticInput(1, Attr("depth", "scalar", REQUIRED)),),
        n_inputs=(2, 2),
        doc="values[1] where the new axis equals the index, values[0] elsewhere",
    ),
]
