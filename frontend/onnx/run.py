"""`kiln onnx run`: import a model, run it in the graph interpreter on given or random
inputs, and (with a check) compare every output with onnxruntime."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiln.base.errors import OnnxImportError, SourceLoc
from kiln.frontend.onnx.importer import import_onnx
from kiln.ir.graph import Graph, is_float, np_dtype
from kiln.ir.graph_interpreter import run_graph

RTOL = 1e-6  # float32 outputs against onnxruntime, relative to the output's largest value


def parse_shapes(specs: list[str]) -> dict[str, tuple[int, ...]]:
    """`NAME=1x16x32` (an input's shape) or `NAME=16` (a symbolic dimension) to a dict."""
    shapes = {}
    for spec in specs:
        name, _, dims = spec.partition("=")
        try:
            shapes[name] = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            raise OnnxImportError(
                f"--shape {spec!r} is not NAME=DIMS",
                hint="e.g. --shape x=1x16x32 or --shape batch=1",
            ) from None
        if not name or any(d < 0 for d in shapes[name]):
            raise OnnxImportError(
                f"--shape {spec!r} is not NAME=DIMS", hint="e.g. --shape x=1x16x32"
            )
    return shapes


@dataclass
class RunResult:
    graph: Graph
    outputs: dict[str, np.ndarray]
    checks: list[dict] = field(default_factory=list)  # per output: max error vs onnxruntime

    @property
    def ok(self) -> bool:
        return all(c["ok"] for c in self.checks)

    def table(self) -> str:
        lines = [f"{'output':<24} {'shape':<16} {'dtype':<8} {'max |kiln - ort|':>18}  verdict"]
        for name, y in self.outputs.items():
            c = next((c for c in self.checks if c["name"] == name), None)
            err = f"{c['max_abs_error']:.3g}" if c else "-"
            verdict = ("ok" if c["ok"] else "DIFFERS") if c else ""
            lines.append(
                f"{name:<24} {str(list(y.shape)):<16} {str(y.dtype):<8} {err:>18}  {verdict}"
            )
        return "\n".join(lines)


def random_inputs(graph: Graph, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    feeds = {}
    for v in graph.inputs:
        dtype = np_dtype(v.type.elem)
        if is_float(dtype):
            feeds[v.name] = rng.standard_normal(v.type.shape).astype(dtype)
        elif dtype == np.bool_:
            feeds[v.name] = rng.integers(0, 2, v.type.shape).astype(bool)
        else:
            feeds[v.name] = rng.integers(0, 8, v.type.shape).astype(dtype)
    return feeds


def run_model_file(
    model: str | Path,
    inputs: str | Path | None,
    shapes: dict[str, tuple[int, ...]],
    precision: str = "native",
    check: bool = False,
    seed: int = 0,
) -> RunResult:
    feeds: dict[str, np.ndarray] = {}
    if inputs is not None:
        try:
            with np.load(inputs) as data:
                feeds = {k: data[k] for k in data.files}
        except (OSError, ValueError) as err:
            raise OnnxImportError(
                f"cannot read the inputs: {err}",
                SourceLoc(str(inputs)),
                "give an .npz of arrays by input name",
            ) from None
    graph = import_onnx(model, shapes={**{k: v.shape for k, v in feeds.items()}, **shapes})
    if not feeds:
        feeds = random_inputs(graph, seed)
    missing = [v.name for v in graph.inputs if v.name not in feeds]
    if missing:
        raise OnnxImportError(f"the inputs lack {', '.join(missing)}", SourceLoc(str(inputs)))
    feeds = {v.name: np.asarray(feeds[v.name]).astype(np_dtype(v.type.elem)) for v in graph.inputs}
    outputs = run_graph(graph, feeds, precision)
    result = RunResult(graph, outputs)
    if check:
        result.checks = compare_with_onnxruntime(model, feeds, outputs)
    return result


def compare_with_onnxruntime(
    model, feeds: dict[str, np.ndarray], outputs: dict[str, np.ndarray]
) -> list[dict]:
    """Each output's largest difference from onnxruntime's; floats pass within RTOL of the
    output's largest finite magnitude (NaN matching NaN, infinities matching themselves),
    float8 and float4, integers and booleans only when equal.

    onnxruntime runs with its graph rewrites off, so that each op runs as ONNX specifies it:
    its fused kernels (a DequantizeLinear-Gemm-QuantizeLinear chain becomes an integer QGemm,
    LayerNormalization and Gelu are fused) round differently from the ops they replace."""
    import onnxruntime

    source = model.SerializeToString() if hasattr(model, "SerializeToString") else str(model)
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    theirs = dict(zip(names, session.run(names, feeds), strict=True))
    checks = []
    for name, ours in outputs.items():
        ref = np.asarray(theirs[name])
        if ours.dtype.kind == "V" and ref.dtype == np.uint8 and ref.shape == ours.shape:
            ref = ref.view(ours.dtype)  # onnxruntime hands float8 results over as their bytes
        if is_float(ours.dtype):
            a, b = ours.astype(np.float64), ref.astype(np.float64)
            with np.errstate(invalid="ignore"):
                same = (a == b) | (np.isnan(a) & np.isnan(b))  # equal infinities, both NaN
                diff = np.where(same, 0.0, np.abs(a - b))
            err = float(np.max(np.where(np.isnan(diff), np.inf, diff), initial=0.0))
            scale = float(np.max(np.abs(np.where(np.isfinite(b), b, 0.0)), initial=0.0))
            # float8 and float4 results are one rounding of the same value: equal or wrong
            tol = 0.0 if ours.dtype.itemsize == 1 else RTOL * max(scale, 1e-30) + 1e-30
            ok = ours.shape == ref.shape and err <= tol
        else:
            err = float(
                np.max(np.abs(ours.astype(np.float64) - ref.astype(np.float64)), initial=0.0)
            )
            ok = ours.shape == ref.shape and np.array_equal(ours, ref)
        checks.append({"name": name, "max_abs_error": err, "ok": bool(ok)})
    return checks
