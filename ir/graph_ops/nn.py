"""Linear algebra, reductions, softmax, pooling, convolution and normalization.

Semantics compute in the operands' own element type (float32 sums stay float32), so native
runs round the way onnxruntime does; the float64 reference comes from the interpreter
handing every float operand over as float64."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

from kiln.ir.graph import Dim, TensorType, elem_named
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
    shape_text,
    static,
)
from kiln.ir.types import FloatType, ScalarType

FLOATS = ("f16", "bf16", "f32", "f64")
INTS32_64 = ("i32", "i64", "u32", "u64")
INTS = ("i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64")
I64 = elem_named("i64")
F32 = FloatType(32, False)


def _elem_in(t: TensorType, allowed: Sequence[str], what: str) -> ScalarType:
    """`t`'s element type, when it is one ONNX's type constraint for the op allows."""
    if str(t.elem) not in allowed:
        raise ShapeError(f"{what} takes {', '.join(allowed)}, got {t.elem}")
    return t.elem


def _is_float_array(x: np.ndarray) -> bool:
    return x.dtype.kind == "f" or x.dtype.name == "bfloat16"


def _wide(x: np.ndarray) -> np.ndarray:
    """Half floats (f16, bf16) as float32, for ops that accumulate: onnxruntime sums them
    in float32 and rounds once."""
    return x.astype(np.float32) if _is_float_array(x) and x.dtype.itemsize < 4 else x


def _scalar(value: float, dtype: np.dtype) -> np.ndarray:
    return np.asarray(value).astype(dtype)


# ---- MatMul and Gemm ---------------------------------------------------------------------


def _matmul_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1))
    a, b = sig.type(0).shape, sig.type(1).shape
    if not a or not b:
        raise ShapeError("MatMul operands must have rank >= 1")
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ShapeError(f"inner dimensions differ: {a2[-1]} and {b2[-2]}")
    out = (*broadcast([a2[:-2], b2[:-2]]), a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return [TensorType(elem, out)]


def _matmul_eval(ev: Eval) -> list[np.ndarray]:
    return [ev.out(np.matmul(ev.inputs[0], ev.inputs[1]))]


def _unidirectional(shape: tuple[Dim, ...], target: tuple[Dim, ...], what: str) -> None:
    """`shape` broadcasts to `target` without changing it (ONNX's unidirectional rule)."""
    if len(shape) > len(target) or any(
        d not in (1, t) for d, t in zip(shape[::-1], target[::-1], strict=False)
    ):
        raise ShapeError(f"{what} {shape_text(shape)} does not broadcast to {shape_text(target)}")


def _gemm_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, (0, 1, 2))
    _elem_in(sig.type(0), FLOATS + INTS32_64, "Gemm")
    a, b = sig.type(0).shape, sig.type(1).shape
    if len(a) != 2 or len(b) != 2:
        raise ShapeError(f"Gemm takes matrices, got A {shape_text(a)} and B {shape_text(b)}")
    m, k = a[::-1] if sig.attrs["transA"] else a
    k2, n = b[::-1] if sig.attrs["transB"] else b
    if k != k2:
        raise ShapeError(f"inner dimensions differ: {k} (A) and {k2} (B)")
    if sig.has(2):
        _unidirectional(sig.type(2).shape, (m, n), "C")
    return [TensorType(elem, (m, n))]


def _gemm_eval(ev: Eval) -> list[np.ndarray]:
    a, b = _wide(ev.inputs[0]), _wide(ev.inputs[1])
    a = a.T if ev.attrs["transA"] else a
    b = b.T if ev.attrs["transB"] else b
    alpha, beta = ev.attrs["alpha"], ev.attrs["beta"]
    y = np.matmul(a, b)
    if _is_float_array(y):
        if alpha != 1.0:
            y = y * _scalar(alpha, y.dtype)
        if ev.has(2) and beta != 0.0:
            y = y + _wide(ev.inputs[2]) * _scalar(beta, y.dtype)
    else:  # integers: ONNX multiplies by the float coefficients and truncates
        y = y * alpha if alpha != 1.0 else y
        if ev.has(2) and beta != 0.0:
            y = y + (ev.inputs[2] * beta if beta != 1.0 else ev.inputs[2])
    return [ev.out(y)]


# ---- softmax family ----------------------------------------------------------------------


def _along_axis_infer(name: str) -> Callable[[Sig], list[TensorType]]:
    def infer(sig: Sig) -> list[TensorType]:
        x = sig.type(0)
        _elem_in(x, FLOATS, name)
        axis(sig.attrs["axis"], x.rank)
        return [x]

    return infer


def _softmax(x: np.ndarray, a: int) -> np.ndarray:
    shifted = x - np.max(x, axis=a, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=a, keepdims=True)


def _log_softmax(x: np.ndarray, a: int) -> np.ndarray:
    shifted = x - np.max(x, axis=a, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=a, keepdims=True))


def _hardmax(x: np.ndarray, a: int) -> np.ndarray:
    """1 at the first largest element along `a`, 0 elsewhere."""
    out = np.zeros_like(x)
    if x.size:
        first = np.expand_dims(np.argmax(x, axis=a), a)
        np.put_along_axis(out, first, np.ones((), x.dtype), axis=a)
    return out


def _along_axis(name: str, fn: Callable[[np.ndarray, int], np.ndarray], doc: str) -> OpSpec:
    def evaluate(ev: Eval) -> list[np.ndarray]:
        x = ev.inputs[0]
        if x.size == 0:
            return [ev.out(x)]
        with np.errstate(all="ignore"):
            return [ev.out(fn(x, axis(ev.attrs["axis"], x.ndim)))]

    return OpSpec(
        name,
        (13,),
        _along_axis_infer(name),
        evaluate,
        attrs=(Attr("axis", "int", -1, doc="the axis normalized over"),),
        doc=doc,
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
        _elem_in(x, allowed, name)
        axes = _reduced_axes(sig.attrs["axes"], x.rank, sig.attrs["noop_with_empty_axes"])
        if axes is None:
            return [x]
        return [TensorType(x.elem, _reduced_shape(x.shape, axes, sig.attrs["keepdims"]))]

    return infer


def _extreme(x: np.ndarray, largest: bool) -> np.ndarray:
    """The identity of max (largest) or min over x's type: what an empty reduction gives."""
    if x.dtype == np.bool_:
        return np.asarray(not largest)
    if _is_float_array(x):
        return _scalar(-np.inf if largest else np.inf, x.dtype)
    info = np.iinfo(x.dtype)
    return np.asarray(info.min if largest else info.max, x.dtype)


def _sum(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    x = _wide(x)
    return np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)


def _mean(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    count = math.prod(x.shape[a] for a in axes)
    s = _sum(x, axes)
    if _is_float_array(x):
        return s / _scalar(count, s.dtype)
    if count == 0:
        return np.zeros_like(s)
    return np.sign(s) * (np.abs(s) // count)  # integer mean truncates toward zero


def _log_sum_exp(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """log(sum(exp(x))), with the largest element taken out first so it cannot overflow."""
    if not _is_float_array(x):
        return _log_sum_exp(x.astype(np.float64), axes)
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    top = np.where(np.isfinite(top), top, np.zeros((), x.dtype))
    return np.log(_sum(np.exp(x - top), axes)) + top


_REDUCERS: dict[str, Callable[[np.ndarray, tuple[int, ...]], np.ndarray]] = {
    "ReduceSum": _sum,
    "ReduceMean": _mean,
    "ReduceProd": lambda x, a: np.prod(x, axis=a, keepdims=True, dtype=x.dtype),
    "ReduceMax": lambda x, a: np.max(x, axis=a, keepdims=True, initial=_extreme(x, True)),
    "ReduceMin": lambda x, a: np.min(x, axis=a, keepdims=True, initial=_extreme(x, False)),
    "ReduceSumSquare": lambda x, a: _sum(x * x, a),
    "ReduceL1": lambda x, a: _sum(np.abs(x), a),
    "ReduceL2": lambda x, a: np.sqrt(_sum(x * x, a)),
    "ReduceLogSumExp": _log_sum_exp,
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
}
_REDUCE_VERSIONS = {
    "ReduceSum": (13,),
    "ReduceMax": (13, 18, 20),
    "ReduceMin": (13, 18, 20),
    "ReduceLogSumExp": (13, 18, 28),
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
    _elem_in(x, FLOATS + INTS, "ArgMax and ArgMin")
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
    _elem_in(x, FLOATS + INTS, "TopK")
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
    _elem_in(x, FLOATS + INTS32_64, "CumSum")
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
        return list(itertools.product(*(range(k) for k in self.kernel)))

    def view(self, xp: np.ndarray, offset: tuple[int, ...]) -> np.ndarray:
        """The elements of padded `xp` under kernel position `offset`, for every output."""
        index = [slice(None), slice(None)]
        for i, o in enumerate(offset):
            start = o * self.dilations[i]
            index.append(
                slice(start, start + (self.out[i] - 1) * self.strides[i] + 1, self.strides[i])
            )
        return xp[tuple(index)]


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
        _elem_in(x, allowed, name)
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
    xp = w.padded(x, _extreme(x, True))
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
    x = _wide(ev.inputs[0])
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


def _global_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    _elem_in(x, FLOATS, "global pooling")
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
    _elem_in(sig.type(0), FLOATS, "Conv")
    x, wt = static(sig.type(0).shape, "Conv"), static(sig.type(1).shape, "Conv")
    w = _conv_window(sig.attrs, x, wt)
    if sig.has(2) and sig.type(2).shape != (wt[0],):
        raise ShapeError(f"bias {shape_text(sig.type(2).shape)} must be [{wt[0]}]")
    return [TensorType(elem, (x[0], wt[0], *w.out))]


def _conv_eval(ev: Eval) -> list[np.ndarray]:
    """One product per kernel position, summed in the input's type: per group, the
    window's channels contracted with that position's weights."""
    x, wt = _wide(ev.inputs[0]), _wide(ev.inputs[1])
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
        y = y + _wide(ev.inputs[2]).reshape(m, *(1,) * len(w.out))
    return [ev.out(y)]


# ---- normalization -----------------------------------------------------------------------

_STASH = Attr("stash_type", "int", 1, (1,), "statistics in float32, as onnxruntime keeps them")


def _stat_shape(x: TensorType, a: int) -> tuple[Dim, ...]:
    return (*x.shape[:a], *(1,) * (x.rank - a))


def _layernorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    elem = same_elem(sig, (0, 1, 2))
    _elem_in(x, FLOATS, "LayerNormalization")
    a = axis(sig.attrs["axis"], x.rank)
    _unidirectional(sig.type(1).shape, x.shape[a:], "Scale")
    if sig.has(2):
        _unidirectional(sig.type(2).shape, x.shape[a:], "B")
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
    eps = _scalar(ev.attrs["epsilon"], xs.dtype)
    mean = _mean(xs, axes)
    d = xs - mean
    inv = np.reciprocal(np.sqrt(_mean(d * d, axes) + eps))
    y = (d * inv).astype(x.dtype) * ev.inputs[1]
    if ev.has(2):
        y = y + ev.inputs[2]
    return [ev.out(r, i) for i, r in enumerate((y, mean, inv)) if i < len(ev.out_types)]


def _rmsnorm_infer(sig: Sig) -> list[TensorType]:
    x, scale = sig.type(0), sig.type(1)
    _elem_in(x, FLOATS, "RMSNormalization")
    _elem_in(scale, FLOATS, "RMSNormalization's scale")
    a = axis(sig.attrs["axis"], x.rank)
    _unidirectional(scale.shape, x.shape[a:], "scale")
    return [TensorType(scale.elem, x.shape)]


def _rmsnorm_eval(ev: Eval) -> list[np.ndarray]:
    x, scale = ev.inputs[0], ev.inputs[1]
    a = axis(ev.attrs["axis"], x.ndim)
    xs = x.astype(_stash_dtype(ev, x))
    eps = _scalar(ev.attrs["epsilon"], xs.dtype)
    inv = np.reciprocal(np.sqrt(_mean(xs * xs, tuple(range(a, x.ndim))) + eps))
    normalized = (xs * inv).astype(x.dtype).astype(scale.dtype)
    return [ev.out(normalized * scale)]


def _batchnorm_infer(sig: Sig) -> list[TensorType]:
    x = sig.type(0)
    _elem_in(x, FLOATS, "BatchNormalization")
    if x.rank < 2:
        raise ShapeError(f"BatchNormalization takes (N, C, ...), got rank {x.rank}")
    same_elem(sig, (1, 2))
    same_elem(sig, (3, 4))
    for i, what in enumerate(("scale", "B", "input_mean", "input_var"), 1):
        t = sig.type(i)
        _elem_in(t, FLOATS, f"BatchNormalization's {what}")
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
    eps = _scalar(ev.attrs["epsilon"], x.dtype)
    return [ev.out((x - mean) / np.sqrt(var + eps) * scale + b)]


_KERNEL = Attr("kernel_shape", "ints", REQUIRED)
_EPS = Attr("epsilon", "float", 1e-5)

OPS: list[OpSpec] = [
    OpSpec("MatMul", (13,), _matmul_infer, _matmul_eval, n_inputs=(2, 2), doc="numpy matmul"),
    OpSpec(
        "Gemm",
        (13,),
        _gemm_infer,
        _gemm_eval,
        attrs=(
            Attr("alpha", "float", 1.0),
            Attr("beta", "float", 1.0),
            Attr("transA", "int", 0, (0, 1)),
            Attr("transB", "int", 0, (0, 1)),
        ),
        n_inputs=(2, 3),
        doc="alpha * A' @ B' + beta * C, C broadcast to the product",
    ),
    _along_axis("Softmax", _softmax, "exp(x - max) / sum(exp(x - max)) along axis"),
    _along_axis("LogSoftmax", _log_softmax, "x - max - log(sum(exp(x - max))) along axis"),
    _along_axis("Hardmax", _hardmax, "1 at the first largest element along axis, else 0"),
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
    _global("GlobalAveragePool", _mean, "mean over all spatial axes"),
    _global(
        "GlobalMaxPool",
        lambda x, a: np.max(x, axis=a, keepdims=True, initial=_extreme(x, True)),
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
