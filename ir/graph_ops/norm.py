"""Normalization: LayerNormalization, RMSNormalization (opset 23, and as torch decomposes it
in ops of the other families), BatchNormalization in inference mode, Instance- and
GroupNormalization, LRN, MeanVarianceNormalization and LpNormalization."""

from __future__ import annotations

import numpy as np

from kiln.ir.graph import Dim, TensorType
from kiln.ir.graph_ops.reduce import mean_over
from kiln.ir.graph_ops.spec import (
    FLOATS,
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    axis,
    elem_in,
    same_elem,
    scalar_as,
    shape_text,
    unidirectional,
    wide,
)
from kiln.ir.types import FloatType

F32 = FloatType(32, False)


# ---- normalization -----------------------------------------------------------------------

_STASH = Attr("stash_type", "int", 1, (1,), "statistics in float32, as onnxruntime keeps them")


def _stat_shape(x: TensorType, a: int) -> tuple[Dim, ...]:
    return (*x.shape[:a], *(1,) * (x.rank - a))


def _layernorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem = same_elem(sig, (0, 1, 2))
    elem_in(x, FLOATS, "LayerNormalization")
    a = axis(sig.attrs["axis"], x.rank)
    unidirectional(sig.type(1).shape, x.shape[a:], "Scale")
    if sig.has(2):
        unidirectional(sig.type(2).shape, x.shape[a:], "B")
    stat = TensorType(F32, _stat_shape(x, a))
    return [TensorType(elem, x.shape), stat, stat][: max(1, sig.n_outputs)]


def _stash_dtype(ev: Eval, x: np.ndarray) -> np.dtype:
    """float32 statistics (stash_type 1), or float64 for float64 operands."""
    return np.dtype(np.float64) if x.dtype == np.float64 else ev.dtype(F32)


def _layernorm_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    a = axis(ev.attrs["axis"], x.ndim)
    axes = tuple(range(a, x.ndim))
    xs = x.astype(_stash_dtype(ev, x))
    eps = scalar_as(ev.attrs["epsilon"], xs.dtype)
    mean = mean_over(xs, axes)
    d = xs - mean
    inv = np.reciprocal(np.sqrt(mean_over(d * d, axes) + eps))
    y = (d * inv).astype(x.dtype) * ev.inputs[1]
    if ev.has(2):
        y = y + ev.inputs[2]
    return [ev.out(r, i) for i, r in enumerate((y, mean, inv)) if i < len(ev.out_types)]


def _rmsnorm_infer(sig: Sig) -> list[TensorType]:
    x, scale = sig.type(0), sig.type(1)
    elem_in(x, FLOATS, "RMSNormalization")
    elem_in(scale, FLOATS, "RMSNormalization's scale")
    a = axis(sig.attrs["axis"], x.rank)
    unidirectional(scale.shape, x.shape[a:], "scale")
    return [TensorType(scale.elem, x.shape)]


def _rmsnorm_eval(ev: Eval) -> list[np.ndarray]:
    x, scale = ev.inputs[0], ev.inputs[1]
    a = axis(ev.attrs["axis"], x.ndim)
    xs = x.astype(_stash_dtype(ev, x))
    eps = scalar_as(ev.attrs["epsilon"], xs.dtype)
    inv = np.reciprocal(np.sqrt(mean_over(xs * xs, tuple(range(a, x.ndim))) + eps))
    normalized = (xs * inv).astype(x.dtype).astype(scale.dtype)
    return [ev.out(normalized * scale)]


def _batchnorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS, "BatchNormalization")
    if x.rank < 2:
        raise ShapeError(f"BatchNormalization takes (N, C, ...), got rank {x.rank}")
    same_elem(sig, (1, 2))
    same_elem(sig, (3, 4))
    for i, what in enumerate(("scale", "B", "input_mean", "input_var"), 1):
        t = sig.type(i)
        elem_in(t, FLOATS, f"BatchNormalization's {what}")
        if t.shape != (x.shape[1],):
            raise ShapeError(
                f"{what} {shape_text(t.shape)} must be [{x.shape[1]}], one per channel"
            )
    return [x]


def _batchnorm_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    scale, b, mean, var = (
        v.astype(x.dtype).reshape(-1, *(1,) * (x.ndim - 2)) for v in ev.inputs[1:5]
    )
    eps = scalar_as(ev.attrs["epsilon"], x.dtype)
    return [ev.out((x - mean) / np.sqrt(var + eps) * scale + b)]


def _per_channel(sig: Sig, indices: tuple[int, ...], what: tuple[str, ...], op: str) -> None:
    """The operands at `indices` hold one value per channel (axis 1) of operand 0."""
    x = sig.type(0)
    for i, name in zip(indices, what, strict=True):
        if sig.type(i).shape != (x.shape[1],):
            raise ShapeError(
                f"{op}'s {name} {shape_text(sig.type(i).shape)} must be [{x.shape[1]}], "
                "one per channel"
            )


def _channel_shaped(v: np.ndarray, rank: int) -> np.ndarray:
    return v.reshape(-1, *(1,) * (rank - 2))


def _instancenorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    same_elem(sig, (0, 1, 2))
    elem_in(x, FLOATS, "InstanceNormalization")
    if x.rank < 3:
        raise ShapeError(f"InstanceNormalization takes (N, C, D1, ...), got rank {x.rank}")
    _per_channel(sig, (1, 2), ("scale", "B"), "InstanceNormalization")
    return [x]


def _normalized(xs: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    """(x - mean) / sqrt(var + eps) over `axes`, the variance from the centred values."""
    mean = mean_over(xs, axes)
    d = xs - mean
    return d / np.sqrt(mean_over(d * d, axes) + scalar_as(eps, xs.dtype))


def _instancenorm_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    xs = wide(x)
    y = _normalized(xs, tuple(range(2, x.ndim)), ev.attrs["epsilon"])
    scale, b = (_channel_shaped(wide(v), x.ndim) for v in ev.inputs[1:3])
    return [ev.out(y * scale + b)]


def _groupnorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    same_elem(sig, (0, 1, 2))
    elem_in(x, FLOATS, "GroupNormalization")
    if x.rank < 2:
        raise ShapeError(f"GroupNormalization takes (N, C, ...), got rank {x.rank}")
    g, c = sig.attrs["num_groups"], x.shape[1]
    if g < 1 or not isinstance(c, int) or c % g:
        raise ShapeError(f"num_groups {g} must divide the {c} channels of X")
    _per_channel(sig, (1, 2), ("scale", "bias"), "GroupNormalization")
    return [x]


def _groupnorm_eval(ev: Eval) -> list[np.ndarray]:
    """Statistics per instance and group of channels in float32 (stash_type 1), the
    normalized values back in X's type, then scale and bias per channel."""
    x = ev.inputs[0]
    grouped = x.reshape(x.shape[0], ev.attrs["num_groups"], -1).astype(_stash_dtype(ev, x))
    y = _normalized(grouped, (2,), ev.attrs["epsilon"]).astype(x.dtype).reshape(x.shape)
    scale, b = (_channel_shaped(v, x.ndim) for v in ev.inputs[1:3])
    return [ev.out(y * scale + b)]


def _lrn_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS, "LRN")
    if x.rank < 3:
        raise ShapeError(f"LRN takes (N, C, D1, ...), got rank {x.rank}")
    if sig.attrs["size"] < 1:
        raise ShapeError(f"LRN's size must be 1 or more, got {sig.attrs['size']}")
    return [x]


def _lrn_eval(ev: Eval) -> list[np.ndarray]:
    """x / (bias + alpha / size * sum of squares)^beta, the sum over the `size` channels
    around each one (floor((size - 1) / 2) before it), clipped at the edges."""
    x = wide(ev.inputs[0])
    size, c = ev.attrs["size"], x.shape[1]
    before = (size - 1) // 2
    sq = np.pad(x * x, [(0, 0), (before, size - 1 - before)] + [(0, 0)] * (x.ndim - 2))
    total = sq[:, 0:c].copy()
    for k in range(1, size):
        total += sq[:, k : k + c]
    alpha, beta, bias = (scalar_as(ev.attrs[a], x.dtype) for a in ("alpha", "beta", "bias"))
    return [ev.out(x / np.power(bias + alpha / scalar_as(size, x.dtype) * total, beta))]


def _mvn_axes(axes: tuple[int, ...], rank: int) -> tuple[int, ...]:
    out = tuple(sorted({axis(a, rank, "axes entry") for a in axes}))
    if len(out) != len(axes):
        raise ShapeError(f"axes {list(axes)} name an axis twice")
    return out


def _mvn_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS, "MeanVarianceNormalization")
    _mvn_axes(sig.attrs["axes"], x.rank)
    return [x]


def _mvn_eval(ev: Eval) -> list[np.ndarray]:
    """(x - mean) / (sqrt(var) + 1e-9) over axes, as ONNX's function body says."""
    x = ev.inputs[0]
    xs = wide(x)
    axes = _mvn_axes(ev.attrs["axes"], x.ndim)
    mean = mean_over(xs, axes)
    d = xs - mean
    std = np.sqrt(mean_over(d * d, axes))
    return [ev.out(d / (std + scalar_as(1e-9, xs.dtype)))]


def _lpnorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS, "LpNormalization")
    axis(sig.attrs["axis"], x.rank)
    return [x]


def _lpnorm_eval(ev: Eval) -> list[np.ndarray]:
    """x over its L1 or L2 norm along axis; where the norm is 0 (all zeros) the result is
    0, as the spec defines it."""
    x = wide(ev.inputs[0])
    a = axis(ev.attrs["axis"], x.ndim)
    if ev.attrs["p"] == 1:
        norm = np.sum(np.abs(x), axis=a, keepdims=True, dtype=x.dtype)
    else:
        norm = np.sqrt(np.sum(x * x, axis=a, keepdims=True, dtype=x.dtype))
    zero = norm == 0
    y = x / np.where(zero, np.ones((), x.dtype), norm)
    return [ev.out(np.where(zero, np.zeros((), x.dtype), y))]


_EPS = Attr("epsilon", "float", 1e-5)


OPS: list[OpSpec] = [
    OpSpec(
        "LayerNormalization",
        (17,),
        _layernorm_infer,
        _layernorm_eval,
        attrs=(Attr("axis", "int", -1), _EPS, _STASH),
        n_inputs=(2, 3),
        n_outputs=(1, 3),
        doc="(x - mean) / sqrt(var + epsilon) * Scale + B over the axes from axis on; "
        "optional f32 Mean and InvStdDev",
    ),
    OpSpec(
        "RMSNormalization",
        (23,),
        _rmsnorm_infer,
        _rmsnorm_eval,
        attrs=(Attr("axis", "int", -1), _EPS, _STASH),
        n_inputs=(2, 2),
        doc="x / sqrt(mean(x^2) + epsilon) * scale over the axes from axis on",
    ),
    OpSpec(
        "BatchNormalization",
        (15,),
        _batchnorm_infer,
        _batchnorm_eval,
        attrs=(
            _EPS,
            Attr("momentum", "float", 0.9, doc="only used in training"),
            Attr("training_mode", "int", 0, (0,), "inference only"),
        ),
        n_inputs=(5, 5),
        doc="(x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1), inference",
    ),
    OpSpec(
        "InstanceNormalization",
        (6, 22),
        _instancenorm_infer,
        _instancenorm_eval,
        attrs=(_EPS,),
        n_inputs=(3, 3),
        doc="(x - mean) / sqrt(var + epsilon) * scale + B over the spatial axes, per "
        "instance and channel",
    ),
    OpSpec(
        "GroupNormalization",
        (21,),
        _groupnorm_infer,
        _groupnorm_eval,
        attrs=(_EPS, Attr("num_groups", "int", REQUIRED), _STASH),
        n_inputs=(3, 3),
        doc="(x - mean) / sqrt(var + epsilon) per instance and group of channels, then "
        "scale and bias per channel",
    ),
    OpSpec(
        "LRN",
        (13,),
        _lrn_infer,
        _lrn_eval,
        attrs=(
            Attr("alpha", "float", 1e-4),
            Attr("beta", "float", 0.75),
            Attr("bias", "float", 1.0),
            Attr("size", "int", REQUIRED, doc="how many channels each sum covers"),
        ),
        doc="x / (bias + alpha / size * sum of x^2 over nearby channels)^beta",
    ),
    OpSpec(
        "MeanVarianceNormalization",
        (13,),
        _mvn_infer,
        _mvn_eval,
        attrs=(Attr("axes", "ints", (0, 2, 3)),),
        doc="(x - mean) / (sqrt(var) + 1e-9) over axes",
    ),
    OpSpec(
        "LpNormalization",
        (1, 22),
        _lpnorm_infer,
        _lpnorm_eval,
        attrs=(Attr("axis", "int", -1), Attr("p", "int", 2, (1, 2))),
        doc="x over its L1 or L2 norm along axis (0 where the norm is 0)",
    ),
]
