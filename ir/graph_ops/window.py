"""Sliding windows: max, average and Lp pooling, global pooling, N-d convolution and its
transpose, with ONNX's padding rules (explicit pads, auto_pad, ceil_mode, dilations,
output_padding)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

from kiln.ir.graph import Dim, TensorType
from kiln.ir.graph_ops.reduce import extreme, mean_over
from kiln.ir.graph_ops.spec import (
    FLOATS,
    I64,
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    elem_in,
    same_elem,
    shape_text,
    static,
    wide,
)

# ---- windows: pooling and convolution ----------------------------------------------------

_AUTO_PAD = ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER")


def _window_attrs(ceil: bool) -> tuple[Attr, ...]:
    attrs = (
        Attr("auto_pad", "str", "NOTSET", _AUTO_PAD),
        Attr("dilations", "ints", (), doc="none means 1 per spatial axis"),
        Attr("pads", "ints", (), doc="begins then ends; none means 0"),
        Attr("strides", "ints", (), doc="none means 1 per spatial axis"),
    )
    return attrs + ((Attr("ceil_mode", "int", 0, (0, 1)),) if ceil else ())


class _Window:
    """Where a sliding window goes over the spatial axes: the effective kernel extent
    (with dilation), strides, pads, and the output size, by ONNX's pooling rule."""

    def __init__(self, spatial: tuple[int, ...], kernel: tuple[int, ...], attrs: dict) -> None:
        n = len(spatial)
        self.kernel = kernel
        self.strides = _per_axis(attrs["strides"], n, "strides")
        self.dilations = _per_axis(attrs["dilations"], n, "dilations")
        if any(s < 1 for s in self.strides) or any(d < 1 for d in self.dilations):
            raise ShapeError("strides and dilations must be positive")
        if len(kernel) != n or any(k < 1 for k in kernel):
            raise ShapeError(f"kernel shape {list(kernel)} does not fit {n} spatial axes")
        self.extent = tuple((k - 1) * d + 1 for k, d in zip(kernel, self.dilations, strict=True))
        auto = attrs["auto_pad"]
        ceil = attrs.get("ceil_mode", 0)
        if auto == "NOTSET":
            pads = attrs["pads"] or (0,) * (2 * n)
            if len(pads) != 2 * n or any(p < 0 for p in pads):
                raise ShapeError(f"pads {list(pads)} must be {2 * n} values >= 0")
            self.begin, self.end = tuple(pads[:n]), tuple(pads[n:])
        elif auto == "VALID":
            self.begin = self.end = (0,) * n
        else:
            outs = [-(-size // s) for size, s in zip(spatial, self.strides, strict=True)]
            total = [
                max(0, (o - 1) * s + e - size)
                for o, s, e, size in zip(outs, self.strides, self.extent, spatial, strict=True)
            ]
            small = [t // 2 for t in total]
            big = [t - t // 2 for t in total]
            self.begin, self.end = (
                (tuple(small), tuple(big)) if auto == "SAME_UPPER" else (tuple(big), tuple(small))
            )
        # SAME pads make ceil(size / stride) windows fit exactly: ceil_mode changes nothing
        ceil = ceil and not auto.startswith("SAME")
        self.out = tuple(self._size(size, i, ceil) for i, size in enumerate(spatial))

    def _size(self, size: int, i: int, ceil: bool) -> int:
        span = size + self.begin[i] + self.end[i] - self.extent[i]
        if span < 0:
            raise ShapeError(
                f"the window ({self.extent[i]} wide) is larger than spatial axis {i} "
                f"({size}) with its padding"
            )
        s = self.strides[i]
        if not ceil:
            return span // s + 1
        out = -(-span // s) + 1
        if (out - 1) * s >= size + self.begin[i]:  # the last window would start in the padding
            out -= 1
        return out

    def padded(self, x: np.ndarray, fill: np.ndarray) -> np.ndarray:
        """`x` padded with `fill` on every spatial axis, far enough for every window."""
        widths = [(0, 0), (0, 0)]
        for i, size in enumerate(x.shape[2:]):
            need = (self.out[i] - 1) * self.strides[i] + self.extent[i]
            widths.append((self.begin[i], max(0, need - size - self.begin[i])))
        return np.pad(x, widths, constant_values=fill)

    def offsets(self) -> list[tuple[int, ...]]:
        return _offsets(self.kernel)

    def view(self, xp: np.ndarray, offset: tuple[int, ...]) -> np.ndarray:
        """The elements of padded `xp` under kernel position `offset`, for every output."""
        index = [slice(None), slice(None)]
        for i, o in enumerate(offset):
            start = o * self.dilations[i]
            index.append(
                slice(start, start + (self.out[i] - 1) * self.strides[i] + 1, self.strides[i])
            )
        return xp[tuple(index)]


def _offsets(kernel: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every kernel position, row-major."""
    return list(itertools.product(*(range(k) for k in kernel)))


def _per_axis(values: tuple[int, ...], n: int, what: str) -> tuple[int, ...]:
    if not values:
        return (1,) * n
    if len(values) != n:
        raise ShapeError(f"{what} {list(values)} must have {n} values, one per spatial axis")
    return tuple(values)


def _pool_window(attrs: dict, shape: tuple[Dim, ...]) -> _Window:
    shape = static(shape, "pooling")
    if len(shape) < 3:
        raise ShapeError(f"pooling takes (N, C, spatial...), got rank {len(shape)}")
    return _Window(shape[2:], tuple(attrs["kernel_shape"]), attrs)


def _pool_infer(name: str, allowed: Sequence[str]) -> Callable[[Sig], list[TensorType]]:
    def infer(sig: Sig) -> list[TensorType]:
        x = sig.type(0)
        elem_in(x, allowed, name)
        w = _pool_window(sig.attrs, x.shape)
        out = TensorType(x.elem, (*x.shape[:2], *w.out))
        return [out, TensorType(I64, out.shape)][: max(1, sig.n_outputs)]

    return infer


def _flat_index(w: _Window, shape: tuple[int, ...], offset: tuple[int, ...], column: int):
    """For kernel position `offset`, each output's input position as ONNX's MaxPool
    Indices count it: over the whole tensor, the spatial part row- or column-major."""
    n, c, spatial = shape[0], shape[1], shape[2:]
    grids = np.meshgrid(
        *(
            np.arange(o) * s + k * d - b
            for o, s, k, d, b in zip(w.out, w.strides, offset, w.dilations, w.begin, strict=True)
        ),
        indexing="ij",
    )
    order = range(len(spatial) - 1, -1, -1) if column else range(len(spatial))
    flat = np.zeros(w.out, np.int64)
    for i in order:
        flat = flat * spatial[i] + grids[i]
    plane = math.prod(spatial)
    base = np.arange(n * c, dtype=np.int64).reshape(n, c, *([1] * len(spatial))) * plane
    return base + flat


def _maxpool_eval(ev: Eval) -> list[np.ndarray]:
    x = ev.inputs[0]
    w = _pool_window(ev.attrs, x.shape)
    xp = w.padded(x, extreme(x, True))
    best = idx = None
    for offset in w.offsets():
        v = w.view(xp, offset)
        if best is None:
            best = v.copy()
            take = np.ones(v.shape, bool)
        else:
            take = v > best  # strictly greater: the first of equal maxima wins
            best = np.where(take, v, best)
        if len(ev.out_types) > 1:
            pos = _flat_index(w, x.shape, offset, ev.attrs["storage_order"])
            idx = np.broadcast_to(pos, v.shape) if idx is None else np.where(take, pos, idx)
    out = [ev.out(best)]
    return out + ([ev.out(idx, 1)] if len(ev.out_types) > 1 else [])


def _avgpool_eval(ev: Eval) -> list[np.ndarray]:
    """Sum over each window divided by how many of its positions count: those in the
    input, or with count_include_pad those in the explicit padding too."""
    x = ev.inputs[0]
    w = _pool_window(ev.attrs, x.shape)
    x = wide(ev.inputs[0])
    xp = w.padded(x, np.zeros((), x.dtype))
    inside = np.ones((1, 1, *x.shape[2:]), x.dtype)
    if ev.attrs["count_include_pad"]:
        inside = np.pad(
            inside, [(0, 0), (0, 0), *zip(w.begin, w.end, strict=True)], constant_values=1
        )
        widths = [(0, 0), (0, 0)]
        for i, size in enumerate(inside.shape[2:]):
            need = (w.out[i] - 1) * w.strides[i] + w.extent[i]
            widths.append((0, max(0, need - size)))
        mask = np.pad(inside, widths)
    else:
        mask = w.padded(inside, np.zeros((), x.dtype))
    total = count = None
    for offset in w.offsets():
        v, m = w.view(xp, offset), w.view(mask, offset)
        total = v.copy() if total is None else total + v
        count = m.copy() if count is None else count + m
    return [ev.out(total / count)]


def _lppool_infer(sig: Sig) -> list[TensorType]:
    if sig.attrs["p"] < 1:
        raise ShapeError(f"LpPool's p must be 1 or more, got {sig.attrs['p']}")
    return _pool_infer("LpPool", FLOATS)(sig)


def _lppool_eval(ev: Eval) -> list[np.ndarray]:
    """The p-norm of each window: padding adds zeros, which add nothing to the sum."""
    x = wide(ev.inputs[0])
    w = _pool_window(ev.attrs, x.shape)
    p = ev.attrs["p"]
    a = np.abs(x)
    powered = a if p == 1 else a * a if p == 2 else np.power(a, np.asarray(p, x.dtype))
    xp = w.padded(powered, np.zeros((), x.dtype))
    total = None
    for offset in w.offsets():
        v = w.view(xp, offset)
        total = v.copy() if total is None else total + v
    if p == 2:
        return [ev.out(np.sqrt(total))]
    return [ev.out(total if p == 1 else np.power(total, np.asarray(1 / p, x.dtype)))]


def _global_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem_in(x, FLOATS, "global pooling")
    if x.rank < 2:
        raise ShapeError(f"global pooling takes (N, C, spatial...), got rank {x.rank}")
    return [TensorType(x.elem, (*x.shape[:2], *(1,) * (x.rank - 2)))]


def _global(name: str, fn: Callable, doc: str) -> OpSpec:
    def evaluate(ev: Eval) -> list[np.ndarray]:
        x = ev.inputs[0]
        return [ev.out(fn(x, tuple(range(2, x.ndim))).reshape(ev.out_types[0].shape))]

    return OpSpec(name, (1, 22), _global_infer, evaluate, doc=doc)


def _conv_window(attrs: dict, x: tuple[int, ...], wt: tuple[int, ...]) -> _Window:
    if len(x) < 3 or len(wt) != len(x):
        raise ShapeError(
            f"Conv takes X (N, C, spatial...) and W (M, C/group, kernel...) of one rank, "
            f"got {shape_text(x)} and {shape_text(wt)}"
        )
    group = attrs["group"]
    if group < 1 or x[1] != wt[1] * group or wt[0] % group:
        raise ShapeError(
            f"channels do not fit group {group}: X has {x[1]}, W takes {wt[1]} per group "
            f"and gives {wt[0]}"
        )
    kernel = tuple(attrs["kernel_shape"]) or wt[2:]
    if kernel != wt[2:]:
        raise ShapeError(f"kernel_shape {list(kernel)} differs from W's {list(wt[2:])}")
    return _Window(x[2:], kernel, attrs)


def _conv_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1, 2))
    elem_in(sig.type(0), FLOATS, "Conv")
    x, wt = static(sig.type(0).shape, "Conv"), static(sig.type(1).shape, "Conv")
    w = _conv_window(sig.attrs, x, wt)
    if sig.has(2) and sig.type(2).shape != (wt[0],):
        raise ShapeError(f"bias {shape_text(sig.type(2).shape)} must be [{wt[0]}]")
    return [TensorType(elem, (x[0], wt[0], *w.out))]


def _conv_eval(ev: Eval) -> list[np.ndarray]:
    """One product per kernel position, summed in the input's type: per group, the
    window's channels contracted with that position's weights."""
    x, wt = wide(ev.inputs[0]), wide(ev.inputs[1])
    g = ev.attrs["group"]
    w = _conv_window(ev.attrs, x.shape, wt.shape)
    xp = w.padded(x, np.zeros((), x.dtype))
    n, m = x.shape[0], wt.shape[0]
    weights = wt.reshape(g, m // g, wt.shape[1], *wt.shape[2:])
    y = None
    for offset in w.offsets():
        v = w.view(xp, offset)
        v = v.reshape(n, g, x.shape[1] // g, *v.shape[2:])
        term = np.einsum("ngc...,gmc->ngm...", v, weights[(..., *offset)])
        y = term if y is None else y + term
    y = y.reshape(n, m, *w.out)
    if ev.has(2):
        y = y + wide(ev.inputs[2]).reshape(m, *(1,) * len(w.out))
    return [ev.out(y)]


class _Transposed:
    """Where a transposed convolution puts its outputs, per spatial axis: input position i
    and kernel position k land at i * stride + k * dilation of the full result (of size
    (in - 1) * stride + extent + output_padding), of which the output is the part from
    `begin` on, `out` long (past the full result it is zeros, plus bias)."""

    def __init__(self, spatial: tuple[int, ...], kernel: tuple[int, ...], attrs: dict) -> None:
        n = len(spatial)
        self.kernel, self.spatial = kernel, spatial
        self.strides = _per_axis(attrs["strides"], n, "strides")
        self.dilations = _per_axis(attrs["dilations"], n, "dilations")
        if any(s < 1 for s in self.strides) or any(d < 1 for d in self.dilations):
            raise ShapeError("strides and dilations must be positive")
        extra = attrs["output_padding"] or (0,) * n
        if len(extra) != n or any(e < 0 for e in extra):
            raise ShapeError(f"output_padding {list(extra)} must be {n} values >= 0")
        full = [
            s * (size - 1) + (k - 1) * d + 1 + e
            for s, size, k, d, e in zip(
                self.strides, spatial, kernel, self.dilations, extra, strict=True
            )
        ]
        auto, shape = attrs["auto_pad"], attrs["output_shape"]
        if shape or auto.startswith("SAME"):
            # the output size is given, or in * stride (at most the full size); the padding
            # is what the full result has beyond it, split as auto_pad says
            if shape and len(shape) != n:
                raise ShapeError(f"output_shape {list(shape)} must have {n} values, one per axis")
            if not shape and any(extra):
                raise ShapeError(
                    "auto_pad SAME with output_padding has no agreed output size (onnx's "
                    "shape inference and onnxruntime differ); give pads or output_shape"
                )
            out = tuple(shape) or tuple(
                min(f, size * s) for f, size, s in zip(full, spatial, self.strides, strict=True)
            )
            total = [max(0, f - o) for f, o in zip(full, out, strict=True)]
            upper = auto == "SAME_UPPER"
            self.begin = tuple(t // 2 if upper else t - t // 2 for t in total)
        elif auto == "VALID":
            out, self.begin = tuple(full), (0,) * n
        else:
            pads = attrs["pads"] or (0,) * (2 * n)
            if len(pads) != 2 * n or any(p < 0 for p in pads):
                raise ShapeError(f"pads {list(pads)} must be {2 * n} values >= 0")
            self.begin = tuple(pads[:n])
            out = tuple(f - b - e for f, b, e in zip(full, pads[:n], pads[n:], strict=True))
        if any(o < 1 for o in out):
            raise ShapeError(f"the padding leaves no output: output spatial shape {list(out)}")
        self.out = out
        self.size = tuple(max(f, b + o) for f, b, o in zip(full, self.begin, out, strict=True))

    def offsets(self) -> list[tuple[int, ...]]:
        return _offsets(self.kernel)

    def target(self, offset: tuple[int, ...]) -> tuple[slice, ...]:
        """Where the inputs go, in the full result, for kernel position `offset`."""
        index = [slice(None), slice(None)]
        for o, s, d, size in zip(offset, self.strides, self.dilations, self.spatial, strict=True):
            index.append(slice(o * d, o * d + (size - 1) * s + 1, s))
        return tuple(index)

    def cropped(self, y: np.ndarray) -> np.ndarray:
        index = [slice(None), slice(None)]
        index += [slice(b, b + o) for b, o in zip(self.begin, self.out, strict=True)]
        return y[tuple(index)]


def _convt_window(attrs: dict, x: tuple[int, ...], wt: tuple[int, ...]) -> _Transposed:
    if len(x) < 3 or len(wt) != len(x):
        raise ShapeError(
            f"ConvTranspose takes X (N, C, spatial...) and W (C, M/group, kernel...) of one "
            f"rank, got {shape_text(x)} and {shape_text(wt)}"
        )
    group = attrs["group"]
    if group < 1 or x[1] != wt[0] or wt[0] % group:
        raise ShapeError(
            f"channels do not fit group {group}: X has {x[1]}, W takes {wt[0]} "
            f"(a multiple of group)"
        )
    kernel = tuple(attrs["kernel_shape"]) or wt[2:]
    if kernel != wt[2:]:
        raise ShapeError(f"kernel_shape {list(kernel)} differs from W's {list(wt[2:])}")
    return _Transposed(x[2:], kernel, attrs)


def _convt_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1, 2))
    elem_in(sig.type(0), FLOATS, "ConvTranspose")
    x = static(sig.type(0).shape, "ConvTranspose")
    wt = static(sig.type(1).shape, "ConvTranspose")
    w = _convt_window(sig.attrs, x, wt)
    m = wt[1] * sig.attrs["group"]
    if sig.has(2) and sig.type(2).shape != (m,):
        raise ShapeError(f"bias {shape_text(sig.type(2).shape)} must be [{m}]")
    return [TensorType(elem, (x[0], m, *w.out))]


def _convt_eval(ev: Eval) -> list[np.ndarray]:
    """The transpose of Conv: per kernel position, each group's input channels contracted
    with that position's weights and added, strided, into the full result."""
    x, wt = wide(ev.inputs[0]), wide(ev.inputs[1])
    g = ev.attrs["group"]
    w = _convt_window(ev.attrs, x.shape, wt.shape)
    n, c, mg = x.shape[0], x.shape[1], wt.shape[1]
    xs = x.reshape(n, g, c // g, *x.shape[2:])
    weights = wt.reshape(g, c // g, mg, *wt.shape[2:])
    y = np.zeros((n, g, mg, *w.size), x.dtype)
    for offset in w.offsets():
        term = np.einsum("ngc...,gcm->ngm...", xs, weights[(..., *offset)])
        y[(slice(None), *w.target(offset))] += term
    y = w.cropped(y.reshape(n, g * mg, *w.size))
    if ev.has(2):
        y = y + wide(ev.inputs[2]).reshape(g * mg, *(1,) * len(w.out))
    return [ev.out(y)]


_KERNEL = Attr("kernel_shape", "ints", REQUIRED)


OPS: list[OpSpec] = [
    OpSpec(
        "MaxPool",
        (12, 22),
        _pool_infer("MaxPool", FLOATS + ("i8", "u8")),
        _maxpool_eval,
        attrs=(
            *_window_attrs(ceil=True),
            _KERNEL,
            Attr("storage_order", "int", 0, (0, 1), "Indices row-major (0) or column-major"),
        ),
        n_outputs=(1, 2),
        doc="maximum over each window, and optionally its flat i64 index in the input",
    ),
    OpSpec(
        "AveragePool",
        (11, 19, 22),
        _pool_infer("AveragePool", FLOATS),
        _avgpool_eval,
        attrs=(
            *_window_attrs(ceil=True),
            _KERNEL,
            Attr("count_include_pad", "int", 0, (0, 1)),
        ),
        doc="mean over each window, of the input positions (and pads, with count_include_pad)",
    ),
    _global("GlobalAveragePool", mean_over, "mean over all spatial axes"),
    _global(
        "GlobalMaxPool",
        lambda x, a: np.max(x, axis=a, keepdims=True, initial=extreme(x, True)),
        "maximum over all spatial axes",
    ),
    OpSpec(
        "Conv",
        (11, 22),
        _conv_infer,
        _conv_eval,
        attrs=(
            *_window_attrs(ceil=False),
            Attr("group", "int", 1),
            Attr("kernel_shape", "ints", (), doc="none means W's"),
        ),
        n_inputs=(2, 3),
        doc="N-d cross-correlation of X with W per channel group, plus bias",
    ),
    OpSpec(
        "ConvTranspose",
        (11, 22),
        _convt_infer,
        _convt_eval,
        attrs=(
            *_window_attrs(ceil=False),
            Attr("group", "int", 1),
            Attr("kernel_shape", "ints", (), doc="none means W's"),
            Attr("output_padding", "ints", (), doc="added to the end of each axis; none means 0"),
            Attr("output_shape", "ints", (), doc="spatial output size; sets the pads"),
        ),
        n_inputs=(2, 3),
        doc="N-d transposed convolution (Conv's gradient) of X with W per channel group, plus bias",
    ),
    OpSpec(
        "LpPool",
        (18, 22),
        _lppool_infer,
        _lppool_eval,
        attrs=(*_window_attrs(ceil=True), _KERNEL, Attr("p", "int", 2)),
        doc="p-norm (sum of |x|^p, to the power 1/p) over each window",
    ),
]
