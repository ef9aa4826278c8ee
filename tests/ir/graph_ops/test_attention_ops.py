"""Attention and RotaryEmbedding (opset 23), imported and interpreted, against onnxruntime's
own kernels: grouped heads, causal masks, boolean and additive masks, a key/value cache,
3-D inputs, and partial and interleaved rotations."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_cases import ONNX_TYPES, assert_matches_onnxruntime, rand

from kiln.base.errors import OnnxImportError
from kiln.frontend.onnx import import_onnx

TYPES = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.bool_): TensorProto.BOOL}
ONNX_TYPES[np.dtype(np.int64)] = TensorProto.INT64


def model(op: str, feeds: dict, order: list[str], outputs: int = 1, consts=None, **attrs):
    consts = consts or {}
    names = [f"y{i}" for i in range(outputs)]
    graph = helper.make_graph(
        [helper.make_node(op, order, names, name="node", **attrs)],
        op.lower(),
        [helper.make_tensor_value_info(k, ONNX_TYPES[v.dtype], v.shape) for k, v in feeds.items()],
        [helper.make_tensor_value_info(y, TensorProto.FLOAT, None) for y in names],
        [numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    m.ir_version = 10
    return onnx.shape_inference.infer_shapes(m)


def test_grouped_query_causal_attention_with_its_scores() -> None:
    feeds = {"q": rand(2, 4, 5, 8), "k": rand(2, 2, 5, 8, seed=1), "v": rand(2, 2, 5, 6, seed=2)}
    m = model("Attention", feeds, ["q", "k", "v"], 4, is_causal=1, qk_matmul_output_mode=3)
    out = assert_matches_onnxruntime(m, feeds)
    probs = out["y3"]
    assert probs.shape == (2, 4, 5, 5)
    assert np.allclose(probs.sum(-1), 1) and not np.triu(probs[0, 0], 1).any()


def test_three_d_inputs_with_a_cache_and_a_boolean_mask() -> None:
    feeds = {
        "q": rand(1, 2, 12),
        "k": rand(1, 2, 6, seed=1),
        "v": rand(1, 2, 6, seed=2),
        "mask": np.random.default_rng(3).random((2, 5)) > 0.3,
        "pk": rand(1, 2, 3, 3, seed=4),
        "pv": rand(1, 2, 3, 3, seed=5),
    }
    feeds["mask"][:, 0] = True  # every query sees at least one key
    m = model(
        "Attention",
        feeds,
        ["q", "k", "v", "mask", "pk", "pv"],
        3,
        q_num_heads=4,
        kv_num_heads=2,
        scale=0.3,
    )
    out = assert_matches_onnxruntime(m, feeds)
    assert out["y1"].shape == (1, 2, 5, 3)  # present key: the cache then the new keys
    assert np.array_equal(out["y1"][:, :, :3], feeds["pk"])


def test_additive_mask_and_softcap() -> None:
    feeds = {"q": rand(1, 2, 3, 4), "k": rand(1, 2, 7, 4, seed=1), "v": rand(1, 2, 7, 4, seed=2)}
    feeds["bias"] = rand(3, 7, seed=3)
    m = model("Attention", feeds, ["q", "k", "v", "bias"], softcap=2.0)
    assert_matches_onnxruntime(m, feeds)


@pytest.mark.parametrize("interleaved", [0, 1])
def test_rotary_embedding_with_positions_and_a_partial_rotation(interleaved) -> None:
    feeds = {"x": rand(2, 3, 5, 8), "pos": np.array([[0, 1, 2, 3, 4], [7, 6, 5, 4, 3]], np.int64)}
    angles = np.outer(np.arange(10), 1 / 100 ** (np.arange(3) / 3)).astype(np.float32)
    consts = {"cos": np.cos(angles), "sin": np.sin(angles)}
    m = model(
        "RotaryEmbedding",
        feeds,
        ["x", "cos", "sin", "pos"],
        consts=consts,
        interleaved=interleaved,
        rotary_embedding_dim=6,
    )
    out = assert_matches_onnxruntime(m, feeds)
    assert np.array_equal(out["y0"][..., 6:], feeds["x"][..., 6:])  # the rest passes through


def test_heads_that_do_not_group_are_refused() -> None:
    feeds = {"q": rand(1, 3, 2, 4), "k": rand(1, 2, 2, 4), "v": rand(1, 2, 2, 4)}
    m = model("Attention", feeds, ["q", "k", "v"])
    with pytest.raises(OnnxImportError, match="3 query heads do not group over 2"):
        import_onnx(m)
