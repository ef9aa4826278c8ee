"""QuantizeLinear and DequantizeLinear beyond onnx's own cases, against onnxruntime: int4
weights in blocks (what weight-only quantizers write), and saturating float8 quantization."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_cases import assert_matches_onnxruntime

from kiln.base.errors import OnnxImportError
from kiln.frontend.onnx import import_onnx


def build(nodes, inputs, outputs, consts) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "q",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, s) for k, s in inputs.items()],
        [helper.make_tensor_value_info(k, t, None) for k, t in outputs.items()],
        [numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    return onnx.shape_inference.infer_shapes(m)


def test_blocked_int4_weights_dequantized_into_a_matmul() -> None:
    rng = np.random.default_rng(0)
    w = rng.integers(-8, 8, (40, 6)).astype(ml_dtypes.int4)  # 40 rows: the last block is short
    scale = (rng.random((3, 6)) * 0.1 + 0.01).astype(np.float32)  # blocks of 16 along axis 0
    zero = rng.integers(-2, 3, (3, 6)).astype(ml_dtypes.int4)
    m = build(
        [
            helper.make_node("DequantizeLinear", ["w", "s", "z"], ["wf"], axis=0, block_size=16),
            helper.make_node("MatMul", ["x", "wf"], ["y"]),
        ],
        {"x": [2, 40]},
        {"y": TensorProto.FLOAT},
        {"w": w, "s": scale, "z": zero},
    )
    feeds = {"x": rng.standard_normal((2, 40)).astype(np.float32)}
    assert_matches_onnxruntime(m, feeds)


def test_float8_quantization_saturates() -> None:
    m = build(
        [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"])],
        {"x": [6]},
        {"q": TensorProto.FLOAT8E4M3FN},
        {"s": np.array(0.5, np.float32), "z": np.array(0, ml_dtypes.float8_e4m3fn)},
    )
    feeds = {"x": np.array([1.0, -3.3, 300.0, -1e6, np.inf, 0.01], np.float32)}
    q = assert_matches_onnxruntime(m, feeds)["q"].astype(np.float32)
    assert q[2] == q[4] == 448.0 and q[3] == -448.0  # the largest finite e4m3fn, not NaN


def test_a_blocked_scale_of_the_wrong_shape_is_refused() -> None:
    m = build(
        [helper.make_node("DequantizeLinear", ["w", "s"], ["y"], axis=0, block_size=16)],
        {},
        {"y": TensorProto.FLOAT},
        {"w": np.zeros((40, 6), np.int8), "s": np.ones((2, 6), np.float32)},
    )
    with pytest.raises(OnnxImportError, match=r"must be \[3, 6\]: one per block of 16"):
        import_onnx(m)
