"""Resizing: ONNX Resize (nearest, N-linear and N-cubic, with antialiasing, regions of
interest and aspect-ratio policies).

Resize is separable, so each resized axis is done on its own: every output position along
the axis takes a few input positions ("taps") with weights, gathered and summed. The taps
and weights follow onnxruntime's CPU kernel, in the compute dtype, so that float32 results
agree with it to rounding: in particular `align_corners` divides by the integer output
length, as the ONNX text says (onnx's reference uses the fractional one, `scale * length`).
"""

from __future__ import annotations

import math

import numpy as np

from kiln.ir.graph import TensorType
from kiln.ir.graph_ops.spec import (
    FLOATS,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    distinct_axes,
    static,
    wide,
)

_COORDS = (
    "half_pixel",
    "half_pixel_symmetric",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "tf_crop_and_resize",
)
_NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


class _Plan:
    """What one Resize node does per axis: the scale used for coordinates, the output
    length, and the region of interest (start, end), with `axes` spread over the rank."""

    def __init__(self, shape: tuple[int, ...], attrs: dict) -> None:
        rank = len(shape)
        given = distinct_axes(attrs["axes"], rank, "Resize axes") or list(range(rank))
        scales, sizes, roi = attrs["scales"], attrs["sizes"], attrs["roi"]
        if bool(scales) == bool(sizes):
            raise ShapeError("Resize takes exactly one of scales and sizes (non-empty)")
        n = len(given)
        for what, values in (("scales", scales), ("sizes", sizes)):
            if values and len(values) != n:
                raise ShapeError(f"Resize {what} has {len(values)} values, axes need {n}")
        self.scale = [1.0] * rank
        self.out = list(shape)
        if scales:
            if any(not s > 0 for s in scales):
                raise ShapeError(f"Resize scales {list(scales)} must all be > 0")
            for a, s in zip(given, scales, strict=True):
                self.scale[a] = s
                # float32 product, truncated: onnx's shape inference and onnxruntime agree
                self.out[a] = int(np.float32(s) * np.float32(shape[a]))
        else:
            self._sizes(shape, given, sizes, attrs["keep_aspect_ratio_policy"])
        self.roi = [(0.0, 1.0)] * rank
        if attrs["coordinate_transformation_mode"] == "tf_crop_and_resize" and roi:
            if len(roi) != 2 * n:
                raise ShapeError(f"Resize roi has {len(roi)} values, axes need {2 * n}")
            for i, a in enumerate(given):
                self.roi[a] = (roi[i], roi[n + i])

    def _sizes(self, shape: tuple[int, ...], given: list[int], sizes, policy: str) -> None:
        if any(s < 0 for s in sizes):
            raise ShapeError(f"Resize sizes {list(sizes)} must all be >= 0")
        for a, s in zip(given, sizes, strict=True):
            if shape[a] == 0 and s != 0:
                raise ShapeError(f"Resize cannot give axis {a} of length 0 a length {s}")
            self.scale[a] = float(np.float32(s) / np.float32(shape[a])) if shape[a] else 1.0
            self.out[a] = s
        if policy == "stretch":
            return
        pick = min if policy == "not_larger" else max
        common = pick(self.scale[a] for a in given)
        for a in given:
            self.scale[a] = common
            self.out[a] = math.floor(float(np.float32(common) * np.float32(shape[a])) + 0.5)


def _resize_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    shape = static(x.shape, "Resize")
    attrs = sig.attrs
    if attrs["mode"] != "nearest" and str(x.elem) not in FLOATS:
        raise ShapeError(
            f"Resize {attrs['mode']} mode takes {', '.join(FLOATS)} (nearest takes any), "
            f"got {x.elem}"
        )
    if attrs["antialias"] and attrs["mode"] == "nearest":
        raise ShapeError("Resize antialias applies to linear and cubic modes, not nearest")
    return [TensorType(x.elem, tuple(_Plan(shape, attrs).out))]


def _source(i: np.ndarray, a: int, plan: _Plan, length: int, mode: str, dt) -> np.ndarray:
    """Output positions `i` along axis `a` as input coordinates, by the transformation
    mode, in dtype `dt`: float32 as onnxruntime computes them, except that it finishes
    half_pixel_symmetric and tf_crop_and_resize in double."""
    s = dt(plan.scale[a])
    n_in, n_out = dt(length), dt(plan.out[a])
    x = i.astype(dt)
    half = dt(0.5)
    if mode == "asymmetric":
        return x / s
    if mode == "half_pixel":
        return (x + half) / s - half
    if mode == "pytorch_half_pixel":
        return (x + half) / s - half if plan.out[a] > 1 else np.zeros_like(x)
    if mode == "align_corners":
        if plan.out[a] == 1:
            return np.zeros_like(x)
        return x * (n_in - 1) / (n_out - 1)
    s64, x64 = float(s), i.astype(np.float64)
    if mode == "half_pixel_symmetric":
        offset = n_in / 2 * (1 - n_out / (s * n_in))
        return (float(offset) + (x64 + 0.5) / s64 - 0.5).astype(dt)
    start, end = (float(dt(v)) for v in plan.roi[a])  # tf_crop_and_resize
    if plan.out[a] == 1:
        return np.full_like(x, 0.5 * (start + end) * (length - 1))
    span = (end - start) * (length - 1) / (plan.out[a] - 1)
    return (start * (length - 1) + x64 * span).astype(dt)


def _nearest_taps(c: np.ndarray, length: int, how: str) -> np.ndarray:
    """The one input index per output coordinate, rounded by `nearest_mode`, clamped."""
    f = np.floor(c)
    d = c - f
    if how == "floor":
        k = f
    elif how == "ceil":
        k = np.ceil(c)
    elif how == "round_prefer_ceil":
        k = f + (d >= 0.5)
    else:
        k = f + (d > 0.5)
    return np.clip(k, 0, length - 1).astype(np.int64)[:, None]


def _linear_taps(c: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Two taps around the coordinate clamped into the axis; at the last index both are
    that index with weight 1/2 each."""
    c = np.clip(c, 0, length - 1)
    lo = np.minimum(np.trunc(c), length - 1).astype(np.int64)
    hi = np.minimum(lo + 1, length - 1)
    w_lo, w_hi = np.abs(c - hi.astype(c.dtype)), np.abs(c - lo.astype(c.dtype))
    same = lo == hi
    half = c.dtype.type(0.5)
    w_lo, w_hi = np.where(same, half, w_lo), np.where(same, half, w_hi)
    return np.stack([lo, hi], 1), np.stack([w_lo, w_hi], 1)


def _cubic_taps(c: np.ndarray, length: int, a: float, exclude: bool):
    """Four taps, floor - 1 to floor + 2, with Keys' cubic weights; taps outside the axis
    repeat the edge, or with exclude_outside drop out and the rest are renormalized."""
    f = np.floor(c)
    t = c - f
    a = c.dtype.type(a)
    one, two = c.dtype.type(1), c.dtype.type(2)

    def far(u):  # 1 < |u| < 2
        return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a

    def near(u):  # |u| <= 1
        return ((a + 2) * u - (a + 3)) * u * u + 1

    w = np.stack([far(t + one), near(t), near(one - t), far(two - t)], 1)
    idx = f.astype(np.int64)[:, None] + np.arange(-1, 3)
    if exclude:
        w = np.where((idx >= 0) & (idx < length), w, 0)
        w = w / w.sum(1, keepdims=True)
    return np.clip(idx, 0, length - 1), w


def _antialias_taps(c: np.ndarray, length: int, scale: float, attrs: dict):
    """The filter stretched by 1 / scale when shrinking (onnxruntime's, after Pillow): every
    input position within its support, weights normalized to sum 1."""
    dt = c.dtype.type
    cubic = attrs["mode"] == "cubic"
    inv = dt(1) / dt(scale)
    support = dt(2 if cubic else 1) * (inv if inv >= 1 else dt(1))
    shrink = dt(1) / inv if inv >= 1 else dt(1)
    center = c + dt(0.5)
    lo = np.floor(center.astype(np.float64) - float(support) + 0.5).astype(np.int64)
    hi = np.floor(center.astype(np.float64) + float(support) + 0.5).astype(np.int64)
    if attrs["exclude_outside"]:
        lo, hi = np.maximum(lo, 0), np.minimum(hi, length)
    idx = lo[:, None] + np.arange(max(int((hi - lo).max(initial=1)), 1))
    u = np.abs((idx.astype(c.dtype) - center[:, None] + dt(0.5)) * shrink)
    if cubic:
        a = dt(attrs["cubic_coeff_a"])
        w = np.where(
            u < 1,
            ((a + 2) * u - (a + 3)) * u * u + 1,
            np.where(u < 2, (((u - 5) * u + 8) * u - 4) * a, 0),
        )
    else:
        w = np.where(u < 1, 1 - u, 0)
    w = np.where(idx < hi[:, None], w, 0).astype(c.dtype)
    total = w.sum(1, keepdims=True)
    w = np.where((total != 0) & (total != 1), w / np.where(total == 0, 1, total), w)
    return np.clip(idx, 0, length - 1), w


def _along(x: np.ndarray, a: int, idx: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """`x` resampled along axis `a`: output j is sum_k w[j, k] * x[idx[j, k]]."""
    taken = np.take(x, idx, axis=a)  # the tap axis lands right after axis a
    if w is None:
        return taken.squeeze(a + 1)
    shape = [1] * taken.ndim
    shape[a], shape[a + 1] = w.shape
    return (taken * w.reshape(shape)).sum(axis=a + 1)


def _resize_eval(ev: Eval) -> list[np.ndarray]:
    attrs = ev.attrs
    x = ev.inputs[0]
    plan = _Plan(x.shape, attrs)
    mode, coords = attrs["mode"], attrs["coordinate_transformation_mode"]
    near = mode == "nearest"
    y = x if near else wide(x)
    dt = (np.float64 if ev.float64 else np.float32) if near else y.dtype.type
    outside = np.zeros((), bool)
    for a, length in enumerate(x.shape):
        if plan.scale[a] == 1 and plan.out[a] == length:
            continue  # onnxruntime leaves an axis of scale 1 as it is
        c = _source(np.arange(plan.out[a]), a, plan, length, coords, dt)
        if near:
            idx, w = _nearest_taps(c, length, attrs["nearest_mode"]), None
        elif attrs["antialias"]:
            idx, w = _antialias_taps(c, length, plan.scale[a], attrs)
        elif mode == "linear":
            idx, w = _linear_taps(c, length)
        else:
            idx, w = _cubic_taps(c, length, attrs["cubic_coeff_a"], attrs["exclude_outside"])
        y = _along(y, a, idx, w)
        if coords == "tf_crop_and_resize":
            shape = [1] * x.ndim
            shape[a] = plan.out[a]
            outside = outside | ((c < 0) | (c > length - 1)).reshape(shape)
    if outside.any():
        y = np.where(outside, np.asarray(attrs["extrapolation_value"]).astype(y.dtype), y)
    return [ev.out(y)]


def _choice(name: str, default: str, choices: tuple[str, ...]) -> Attr:
    return Attr(name, "str", default, choices)


OPS: list[OpSpec] = [
    OpSpec(
        "Resize",
        (19,),
        _resize_infer,
        _resize_eval,
        attrs=(
            Attr("antialias", "int", 0, (0, 1), "widen linear and cubic filters when shrinking"),
            Attr("axes", "ints", (), doc="the axes roi, scales and sizes give; none means all"),
            _choice("coordinate_transformation_mode", "half_pixel", _COORDS),
            Attr("cubic_coeff_a", "float", -0.75),
            Attr("exclude_outside", "int", 0, (0, 1)),
            Attr("extrapolation_value", "float", 0.0),
            _choice(
                "keep_aspect_ratio_policy", "stretch", ("stretch", "not_larger", "not_smaller")
            ),
            _choice("mode", "nearest", ("nearest", "linear", "cubic")),
            _choice("nearest_mode", "round_prefer_floor", _NEAREST),
        ),
        static_inputs=(
            StaticInput(
                1, Attr("roi", "floats", (), doc="starts then ends, for tf_crop_and_resize")
            ),
            StaticInput(2, Attr("scales", "floats", ())),
            StaticInput(3, Attr("sizes", "ints", ())),
        ),
        doc="nearest, N-linear or N-cubic resampling to sizes or by scales, axis by axis",
    ),
]
