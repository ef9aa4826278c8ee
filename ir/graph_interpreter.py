"""The graph interpreter: evaluates a graph on numpy arrays exactly as ONNX specifies, the
reference every later stage (lowering, fixed point, RTL) is checked against.

`precision="native"` computes every tensor in its own element type (what onnxruntime
does); `precision="float64"` computes every float tensor in float64 (the reference for
error bounds). Each node's results are checked against its declared types, so a shape rule
and the semantics can never drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kiln.base.errors import InterpretError
from kiln.ir.graph import Graph, Node, TensorValue, is_float, np_dtype
from kiln.ir.graph_ops import Eval, ShapeError, spec_of

PRECISIONS = ("native", "float64")


def run_graph(
    g: Graph,
    inputs: Mapping[str, np.ndarray],
    precision: str = "native",
    keep: bool = False,
) -> dict[str, np.ndarray]:
    """The graph's outputs by name for `inputs` (by input name). With `keep`, every
    tensor's value, for tracing."""
    if precision not in PRECISIONS:
        raise InterpretError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision}")
    f64 = precision == "float64"
    env: dict[str, np.ndarray] = {}
    for v in g.inputs:
        if v.name not in inputs:
            raise InterpretError(
                f"graph @{g.name}: no value for input %{v.name}",
                hint=f"inputs: {', '.join(x.name for x in g.inputs)}",
            )
        env[v.name] = _coerce(v, np.asarray(inputs[v.name]), f64)
    for v in g.constants.values():
        env[v.name] = _as_precision(v.data, f64)
    for n in g.nodes:
        for v, x in zip(
            n.outputs,
            evaluate_node(n, [env[v.name] if v else None for v in n.inputs], f64),
            strict=True,
        ):
            env[v.name] = x
    names = env if keep else [v.name for v in g.outputs]
    return {name: env[name] for name in names}


def evaluate_node(
    n: Node, args: list[np.ndarray | None], float64: bool = False
) -> list[np.ndarray]:
    """One node's results; a complaint from the semantics names the node."""
    spec = spec_of(n)
    ev = Eval(args, spec.with_defaults(n.attrs), [v.type for v in n.outputs], float64)
    try:
        results = spec.evaluate(ev)
    except ShapeError as err:
        raise InterpretError(f"{n.who}: {err}", n.loc) from None
    if len(results) != len(n.outputs):
        raise InterpretError(f"{n.who}: semantics gave {len(results)} results for {len(n.outputs)}")
    out = []
    for v, x in zip(n.outputs, results, strict=True):
        x = np.asarray(x)
        want = ev.dtype(v.type.elem)
        if x.shape != v.type.shape or x.dtype != want:
            raise InterpretError(
                f"{n.who}: result %{v.name} came out {x.dtype}{list(x.shape)}, declared {v.type}",
                n.loc,
                "a shape rule and the semantics disagree: this is a bug in kiln's op table",
            )
        out.append(x)
    return out


def _coerce(v: TensorValue, x: np.ndarray, f64: bool) -> np.ndarray:
    want = np_dtype(v.type.elem)
    if x.shape != v.type.shape:
        raise InterpretError(f"input %{v.name} has shape {list(x.shape)}, the graph takes {v.type}")
    if x.dtype != want:
        raise InterpretError(f"input %{v.name} is {x.dtype}, the graph takes {v.type}")
    return _as_precision(x, f64)


def _as_precision(x: np.ndarray, f64: bool) -> np.ndarray:
    return x.astype(np.float64) if f64 and is_float(x.dtype) else x
