"""Data movement: reshapes, transposes, slicing, gathering and scattering, concatenation
and splitting, and the ops that make index tensors (Shape, Range, ConstantOfShape)."""

from __future__ import annotations

import numpy as np

from kiln.ir.graph import TensorType
from kiln.ir.graph_ops.spec import (
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    static,
)


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


def _reshape_eval(ev: Eval) -> list[np.ndarray]:
    return [ev.inputs[0].reshape(ev.out_types[0].shape)]


OPS: list[OpSpec] = [
    OpSpec(
        "Reshape",
        (21, 23, 24, 25),
        _reshape_infer,
        _reshape_eval,
        attrs=(Attr("allowzero", "int", 0, (0, 1)),),
        static_inputs=(StaticInput(1, Attr("shape", "ints", REQUIRED)),),
        doc="the same elements in a new shape (0 copies a dimension, -1 infers one)",
    ),
]
