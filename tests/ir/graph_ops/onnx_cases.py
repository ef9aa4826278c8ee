"""What the graph-op tests share: one ONNX model imported into kiln and interpreted, held
against onnxruntime's run of the same model, and seeded random inputs."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto

from kiln.frontend.onnx import import_onnx
from kiln.frontend.onnx.run import compare_with_onnxruntime
from kiln.ir.graph_interpreter import run_graph

ONNX_TYPES = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.float16): TensorProto.FLOAT16,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.bool_): TensorProto.BOOL,
}


def assert_matches_onnxruntime(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict:
    """kiln's outputs for `feeds`, once each equals onnxruntime's (1e-6 relative for floats,
    exactly for integers)."""
    outputs = run_graph(import_onnx(model), feeds)
    checks = compare_with_onnxruntime(model, feeds, outputs)
    assert len(checks) == len(model.graph.output)
    bad = [c for c in checks if not c["ok"]]
    assert not bad, f"differs from onnxruntime: {bad}"
    return outputs


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
