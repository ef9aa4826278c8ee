"""Data movement: reshapes, transposes, concatenation and splitting, broadcasting copies,
padding and triangles.

Operands that fix a shape (Reshape's shape, Squeeze's axes, Pad's pads ...) are attributes
here: kiln builds static shapes, so the importer requires them constant.
"""

from __future__ import annotations

import math

import numpy as np

from kiln.ir.graph import TensorType
from kiln.ir.graph_ops.spec import (
    REQUIRED,
    VARIADIC,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    axis,
    broadcast,
    distinct_axes,
    same_elem,
    static,
)

_V13 = (13,)
_V21 = (21, 23, 24, 25)  # ops whose later versions only add element types


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
        drop = distinct_axes(sig.attrs["axes"], x.rank)
        bad = [a for a in drop if x.shape[a] != 1]
        if bad:
            raise ShapeError(f"cannot squeeze axis {bad[0]} of size {x.shape[bad[0]]}")
    else:
        drop = [i for i, d in enumerate(x.shape) if d == 1]
    return [TensorType(x.elem, tuple(d for i, d in enumerate(x.shape) if i not in drop))]


def _unsqueeze_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    rank = x.rank + len(sig.attrs["axes"])
    add = set(distinct_axes(sig.attrs["axes"], rank))
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


# ---- broadcasting copies and padding ---------------------------------------------------


def _expand_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    if min(sig.attrs["shape"], default=0) < 0:
        raise ShapeError(f"Expand's shape {list(sig.attrs['shape'])} has a negative dimension")
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
    axes = distinct_axes(attrs["axes"] or range(rank), rank)
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


_BLOCKS = (Attr("blocksize", "int"), Attr("mode", "str", "DCR", ("DCR", "CRD")))

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
        (Attr("axis", "int", 1),),
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
        (Attr("axis", "int", REQUIRED),),
        n_inputs=(1, VARIADIC),
        doc="join operands along axis",
    ),
    OpSpec(
        "Split",
        (18,),
        _split_infer,
        _split_eval,
        (Attr("axis", "int", 0), Attr("num_outputs", "int", 0)),
        static_inputs=(StaticInput(1, Attr("split", "ints", ())),),
        n_outputs=(1, VARIADIC),
        doc="cut along axis into the given sizes, or equal parts (the last smaller)",
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
]
