"""Quantization: QuantizeLinear and DequantizeLinear, per tensor and per axis, as the QDQ
models of onnxruntime's quantize_static and brevitas use them, into integers of 2 to 32 bits
or the float8 and float4 formats, per tensor, per axis or in blocks along one axis."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from kiln.ir.graph import TensorType, elem_named, is_float
from kiln.ir.graph_ops.spec import Attr, Eval, OpSpec, ShapeError, Sig, axis, convert
from kiln.ir.types import FloatType, IntType, ScalarType

# what a quantized tensor may be held in
QUANT_INTS = ("i2", "u2", "i4", "u4", "i8", "u8", "i16", "u16", "i32")
QUANT_FLOATS = ("f8e4m3fn", "f8e4m3fnuz", "f8e5m2", "f8e5m2fnuz", "f4e2m1fn")
QUANT_ELEMS = QUANT_INTS + QUANT_FLOATS
_VERSIONS = (21, 23, 24, 25, 28)


def _scale_shape(sig: Sig, x: TensorType, what: str) -> None:
    """A scale of one value (per tensor), one per entry of `axis` (per axis), or, with
    block_size, one per block of block_size entries along `axis` (blocked)."""
    scale = sig.type(1)
    if not is_float_elem(scale.elem):
        raise ShapeError(f"{what} is {scale.elem}, must be a float")
    block = sig.attrs["block_size"]
    if block < 0:
        raise ShapeError(f"block_size is {block}; it must be 0 or more")
    if block:
        a = axis(sig.attrs["axis"], x.rank)
        want = tuple(-(-d // block) if i == a else d for i, d in enumerate(x.shape))
        if scale.shape != want:
            raise ShapeError(
                f"{what} {list(scale.shape)} must be {list(want)}: one per block of {block} "
                f"along axis {a} of the input {list(x.shape)}"
            )
    elif scale.rank > 1:
        raise ShapeError(f"{what} has rank {scale.rank}, which needs block_size")
    elif scale.rank == 1 and scale.shape[0] != 1:
        a = axis(sig.attrs["axis"], x.rank)
        if scale.shape[0] != x.shape[a]:
            raise ShapeError(
                f"{what} has {scale.shape[0]} elements, axis {a} of the input has {x.shape[a]}"
            )
    if sig.has(2) and sig.type(2).size != scale.size:
        raise ShapeError(f"zero point shape {list(sig.type(2).shape)} differs from the scale's")


def is_float_elem(elem: ScalarType) -> bool:
    return isinstance(elem, FloatType)


def _quant_elem(sig: Sig) -> ScalarType:
    if sig.has(2):
        elem = sig.type(2).elem
    elif sig.attrs["output_dtype"]:
        elem = elem_named(sig.attrs["output_dtype"])
    else:
        elem = IntType(8, False)
    if str(elem) not in QUANT_ELEMS:
        raise ShapeError(f"quantized type {elem} is not one kiln takes ({', '.join(QUANT_ELEMS)})")
    return elem


def _per_axis(param: np.ndarray, x: np.ndarray, a: int, block: int = 0) -> np.ndarray:
    """A scale or zero point shaped to broadcast against `x`: per tensor, per entry of axis
    `a`, or (with `block`) repeated over each block of `block` entries along `a`."""
    if block and param.ndim:  # (a default zero point is a scalar)
        a = axis(a, x.ndim)
        return np.repeat(param, block, axis=a)[(slice(None),) * a + (slice(0, x.shape[a]),)]
    if param.ndim == 0 or param.size == 1:
        return param.reshape(())
    shape = [1] * x.ndim
    shape[axis(a, x.ndim)] = param.size
    return param.reshape(shape)


def _quantize_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    if not is_float_elem(x.elem):
        raise ShapeError(f"QuantizeLinear takes a float input, got {x.elem}")
    _scale_shape(sig, x, "y_scale")
    return [TensorType(_quant_elem(sig), x.shape)]


def _quantize_eval(ev: Eval) -> list[np.ndarray]:
    x, scale = ev.inputs[0], ev.inputs[1]
    a, block = ev.attrs["axis"], ev.attrs["block_size"]
    want = ev.out_dtype()
    zero = ev.inputs[2] if ev.has(2) else np.zeros((), want)
    with np.errstate(all="ignore"):
        scaled = x / _per_axis(scale, x, a, block).astype(x.dtype)
        if str(ev.out_types[0].elem) in QUANT_FLOATS:  # round to nearest even in the cast
            q = scaled.astype(np.float32) + _per_axis(zero, x, a, block).astype(np.float32)
            return [convert(q, want, ev.attrs["saturate"])]
        zero64 = _per_axis(zero, x, a, block).astype(np.float64)
        q = np.rint(scaled).astype(np.float64) + zero64
    info = ml_dtypes.iinfo(want)  # numpy's iinfo knows no int4
    return [ev.out(np.clip(q, info.min, info.max))]


def _dequantize_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    if str(x.elem) not in QUANT_ELEMS:
        raise ShapeError(f"DequantizeLinear takes {', '.join(QUANT_ELEMS)}, got {x.elem}")
    if sig.has(2) and sig.type(2).elem != x.elem:
        raise ShapeError(f"zero point is {sig.type(2).elem}, the input is {x.elem}")
    _scale_shape(sig, x, "x_scale")
    out = sig.type(1).elem
    if sig.attrs["output_dtype"] and elem_named(sig.attrs["output_dtype"]) != out:
        raise ShapeError(f"output_dtype {sig.attrs['output_dtype']} differs from the scale's {out}")
    return [TensorType(out, x.shape)]


def _dequantize_eval(ev: Eval) -> list[np.ndarray]:
    x, scale = ev.inputs[0], ev.inputs[1]
    a, block = ev.attrs["axis"], ev.attrs["block_size"]
    zero = ev.inputs[2] if ev.has(2) else np.zeros((), x.dtype)
    exact = np.float32 if is_float(x.dtype) else np.int64  # float8 codes, or integers
    diff = x.astype(exact) - _per_axis(zero, x, a, block).astype(exact)
    out = ev.out_dtype()
    return [ev.out(diff.astype(out) * _per_axis(scale, x, a, block).astype(out))]


_AXIS = Attr("axis", "int", 1, doc="the axis of a per-axis or blocked scale")
_BLOCK = Attr("block_size", "int", 0, doc="entries per scale along axis; 0: not blocked")

OPS: list[OpSpec] = [
    OpSpec(
        "QuantizeLinear",
        _VERSIONS,
        _quantize_infer,
        _quantize_eval,
        attrs=(
            _AXIS,
            _BLOCK,
            Attr("saturate", "int", 1, (0, 1), "for float8 outputs: clamp to the largest finite"),
            Attr("output_dtype", "dtype", ""),
            Attr("precision", "dtype", "", ("",), "computing in the input's own precision"),
        ),
        n_inputs=(2, 3),
        doc="saturate(round_half_even(x / scale) + zero_point), per tensor or per axis",
    ),
    OpSpec(
        "DequantizeLinear",
        _VERSIONS,
        _dequantize_infer,
        _dequantize_eval,
        attrs=(_AXIS, _BLOCK, Attr("output_dtype", "dtype", "")),
        n_inputs=(2, 3),
        doc="(x - zero_point) * scale, per tensor or per axis",
    ),
]
