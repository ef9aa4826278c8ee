"""Elementwise ops: arithmetic with ONNX (numpy) broadcasting, unary math, comparisons,
logic, casts, and the ops inference leaves as they are (Identity, Dropout)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kiln.ir.graph import TensorType
from kiln.ir.graph_ops.spec import Eval, OpSpec, Sig, broadcast, same_elem


def _binary_infer(sig: Sig) -> list[TensorType]:
    elem = same_elem(sig, range(len(sig.inputs)))
    return [TensorType(elem, broadcast([sig.type(i).shape for i in range(len(sig.inputs))]))]


def _binary(name: str, fn: Callable, versions: tuple[int, ...], doc: str) -> OpSpec:
    def evaluate(ev: Eval) -> list[np.ndarray]:
        a, b = ev.inputs
        with np.errstate(all="ignore"):
            return [ev.out(fn(a, b))]

    return OpSpec(name, versions, _binary_infer, evaluate, n_inputs=(2, 2), doc=doc)


def _unary_infer(sig: Sig) -> list[TensorType]:
    return [sig.type(0)]


def _unary(name: str, fn: Callable, versions: tuple[int, ...], doc: str) -> OpSpec:
    def evaluate(ev: Eval) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            return [ev.out(fn(ev.inputs[0]))]

    return OpSpec(name, versions, _unary_infer, evaluate, doc=doc)


OPS: list[OpSpec] = [
    _binary("Add", np.add, (14,), "a + b"),
    _unary("Relu", lambda x: np.maximum(x, np.zeros((), x.dtype)), (14,), "max(x, 0)"),
]
