"""Normalization: LayerNormalization, RMSNormalization (opset 23, and as torch decomposes it
in ops of the other families), BatchNormalization in inference mode."""

from __future__ import annotations

import numpy as np

from kiln.ir.graph import Dim, TensorType
from kiln.ir.graph_ops.reduce import mean_over
from kiln.ir.graph_ops.spec import (
    FLOATS,
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
]
