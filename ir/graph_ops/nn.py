"""Linear algebra, reductions, softmax, pooling, convolution and normalization."""

from __future__ import annotations

import numpy as np

from kiln.ir.graph import TensorType
from kiln.ir.graph_ops.spec import Eval, OpSpec, ShapeError, Sig, broadcast, same_elem


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


OPS: list[OpSpec] = [
    OpSpec("MatMul", (13,), _matmul_infer, _matmul_eval, n_inputs=(2, 2), doc="numpy matmul"),
]
