"""The nn op family (ir/graph_ops/nn.py) on configurations onnx's own node tests leave
out: one-node models imported by kiln and run by the graph interpreter equal onnxruntime
within 1e-6 relative in float32 (integer results exactly), and bad attributes or shapes
are refused with a message naming the rule."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_cases import ONNX_TYPES, assert_matches_onnxruntime, rand

from kiln.base.errors import OnnxImportError, VerifyError
from kiln.frontend.onnx import import_onnx
from kiln.ir.graph import Graph, Node, TensorType, TensorValue, verify_graph
from kiln.ir.graph_interpreter import run_graph
from kiln.ir.types import F32


def one_node(
    op: str,
    feeds: dict[str, np.ndarray],
    n_outputs: int = 1,
    consts: dict[str, np.ndarray] | None = None,
    order: list[str] | None = None,
    opset: int = 21,
    **attrs,
) -> onnx.ModelProto:
    """A model of one `op` node over graph inputs `feeds` and initializers `consts`, its
    operands in `order` ("" for an omitted one)."""
    consts = consts or {}
    names = order if order is not None else [*feeds, *consts]
    outputs = [f"y{i}" for i in range(n_outputs)]
    graph = helper.make_graph(
        [helper.make_node(op, names, outputs, **attrs)],
        op.lower(),
        [helper.make_tensor_value_info(k, ONNX_TYPES[v.dtype], v.shape) for k, v in feeds.items()],
        [helper.make_tensor_value_info(y, TensorProto.UNDEFINED, None) for y in outputs],
        [numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return onnx.shape_inference.infer_shapes(model)  # onnxruntime wants typed outputs


# ---- matching onnxruntime ---------------------------------------------------------------


def test_gemm_with_trans_b_alpha_beta_and_row_broadcast_c() -> None:
    feeds = {"a": rand(5, 7)}
    consts = {"b": rand(3, 7, seed=1), "c": rand(1, 3, seed=2)}
    model = one_node("Gemm", feeds, consts=consts, transB=1, alpha=0.5, beta=-2.0)
    assert assert_matches_onnxruntime(model, feeds)["y0"].shape == (5, 3)


def test_gemm_trans_a_with_a_column_c() -> None:
    feeds = {"a": rand(7, 4), "b": rand(7, 6, seed=1), "c": rand(4, 1, seed=2)}
    assert_matches_onnxruntime(one_node("Gemm", feeds, transA=1), feeds)


@pytest.mark.parametrize(
    "attrs",
    [
        {"group": 2, "pads": [2, 1], "strides": [2]},
        {"group": 4, "dilations": [2], "pads": [0, 3]},
        {"group": 2, "auto_pad": "SAME_LOWER", "strides": [2]},
        {"group": 1, "auto_pad": "SAME_UPPER", "strides": [3]},
    ],
)
def test_conv_1d_with_groups_and_padding(attrs) -> None:
    feeds = {"x": rand(2, 8, 11)}
    consts = {"w": rand(6 if attrs["group"] != 4 else 8, 8 // attrs["group"], 3, seed=1)}
    consts["b"] = rand(consts["w"].shape[0], seed=2)
    assert_matches_onnxruntime(one_node("Conv", feeds, consts=consts, **attrs), feeds)


def test_conv_2d_and_3d_without_bias() -> None:
    feeds = {"x": rand(1, 4, 9, 7)}
    consts = {"w": rand(6, 2, 3, 2, seed=1)}
    model = one_node("Conv", feeds, consts=consts, group=2, strides=[2, 1], pads=[1, 0, 2, 1])
    assert_matches_onnxruntime(model, feeds)
    feeds = {"x": rand(1, 2, 5, 4, 6)}
    consts = {"w": rand(3, 2, 2, 3, 3, seed=1)}
    model = one_node("Conv", feeds, consts=consts, dilations=[2, 1, 1], pads=[0, 1, 1] * 2)
    assert_matches_onnxruntime(model, feeds)


@pytest.mark.parametrize("storage_order", [0, 1])
def test_maxpool_same_upper_with_ceil_mode_and_indices(storage_order) -> None:
    feeds = {"x": rand(2, 3, 7, 6)}
    model = one_node(
        "MaxPool",
        feeds,
        n_outputs=2,
        kernel_shape=[3, 2],
        strides=[2, 2],
        auto_pad="SAME_UPPER",
        ceil_mode=1,
        storage_order=storage_order,
    )
    out = assert_matches_onnxruntime(model, feeds)
    assert out["y0"].shape == (2, 3, 4, 3) and out["y1"].dtype == np.int64


def test_maxpool_ceil_mode_drops_a_window_that_starts_in_the_padding() -> None:
    feeds = {"x": rand(1, 1, 5)}
    model = one_node("MaxPool", feeds, kernel_shape=[2], strides=[3], pads=[0, 1], ceil_mode=1)
    assert assert_matches_onnxruntime(model, feeds)["y0"].shape == (1, 1, 2)


@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_averagepool_with_pads_ceil_mode_and_dilations(count_include_pad) -> None:
    feeds = {"x": rand(1, 2, 8, 7)}
    model = one_node(
        "AveragePool",
        feeds,
        kernel_shape=[3, 3],
        strides=[2, 3],
        pads=[1, 2, 1, 0],
        dilations=[1, 2],
        ceil_mode=1,
        count_include_pad=count_include_pad,
    )
    assert_matches_onnxruntime(model, feeds)


def test_topk_ties_keep_the_lower_index_first() -> None:
    x = np.array([[3, 1, 3, 2, 3, 1], [0, 0, 0, 0, 0, 0]], np.int64)
    feeds = {"x": x}
    for largest in (1, 0):
        model = one_node("TopK", feeds, 2, consts={"k": np.array([4], np.int64)}, largest=largest)
        out = assert_matches_onnxruntime(model, feeds)
    assert out["y1"].tolist() == [[1, 5, 3, 0], [0, 1, 2, 3]]  # smallest
    model = one_node("TopK", feeds, 2, consts={"k": np.array([3], np.int64)}, axis=1)
    out = run_graph(import_onnx(model), feeds)
    assert out["y1"].tolist() == [[0, 2, 4], [0, 1, 2]]


def test_topk_of_floats_along_a_middle_axis() -> None:
    feeds = {"x": np.round(rand(3, 6, 2) * 2) / 2}  # many equal values
    model = one_node("TopK", feeds, 2, consts={"k": np.array([4], np.int64)}, axis=1)
    assert_matches_onnxruntime(model, feeds)


@pytest.mark.parametrize("axes", [[1], [-1, 0], []])
def test_reduce_mean_without_keepdims(axes) -> None:
    feeds = {"x": rand(3, 4, 5)}
    model = one_node("ReduceMean", feeds, consts={"axes": np.array(axes, np.int64)}, keepdims=0)
    want = np.mean(feeds["x"], axis=tuple(axes) or None)
    assert assert_matches_onnxruntime(model, feeds)["y0"].shape == want.shape


@pytest.mark.parametrize(
    "op", ["ReduceLogSumExp", "ReduceL2", "ReduceSumSquare", "ReduceMax", "ReduceProd"]
)
def test_reductions_over_two_axes(op) -> None:
    feeds = {"x": rand(2, 3, 4) * 3}
    model = one_node(op, feeds, consts={"axes": np.array([0, 2], np.int64)})
    assert_matches_onnxruntime(model, feeds)


def test_reduce_sum_of_integers_and_noop_with_empty_axes() -> None:
    feeds = {"x": np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 7}
    model = one_node("ReduceSum", feeds, consts={"axes": np.array([1], np.int64)}, keepdims=0)
    assert_matches_onnxruntime(model, feeds)
    model = one_node("ReduceSum", feeds, order=["x"], noop_with_empty_axes=1)
    assert run_graph(import_onnx(model), feeds)["y0"].tolist() == feeds["x"].tolist()


def test_reduce_mean_of_integers_truncates_toward_zero() -> None:
    feeds = {"x": np.array([[-7, 0], [5, 0]], np.int64)}
    model = one_node("ReduceMean", feeds, consts={"axes": np.array([1], np.int64)}, keepdims=0)
    assert run_graph(import_onnx(model), feeds)["y0"].tolist() == [-3, 2]


@pytest.mark.parametrize("exclusive,reverse", [(1, 0), (0, 1), (1, 1)])
def test_cumsum_exclusive_and_reverse(exclusive, reverse) -> None:
    feeds = {"x": rand(3, 5)}
    axis = {"axis": np.array(1, np.int64)}
    model = one_node("CumSum", feeds, consts=axis, exclusive=exclusive, reverse=reverse)
    assert_matches_onnxruntime(model, feeds)


@pytest.mark.parametrize("axis", [1, -1])
def test_layer_normalization_with_statistics(axis) -> None:
    feeds = {"x": rand(2, 3, 8) * 4 + 1}
    consts = {"scale": rand(8, seed=1), "b": rand(8, seed=2)}
    if axis == 1:
        consts = {"scale": rand(3, 8, seed=1), "b": rand(1, 8, seed=2)}
    model = one_node("LayerNormalization", feeds, 3, consts=consts, axis=axis, epsilon=1e-3)
    out = assert_matches_onnxruntime(model, feeds)
    assert out["y1"].shape == ((2, 1, 1) if axis == 1 else (2, 3, 1))


def test_layer_normalization_with_only_its_result() -> None:
    """What torch exports: no Mean or InvStdDev outputs."""
    feeds = {"x": rand(2, 3, 8)}
    model = one_node("LayerNormalization", feeds, 1, consts={"scale": rand(8, seed=1)})
    assert list(assert_matches_onnxruntime(model, feeds)) == ["y0"]


def test_rms_and_batch_normalization() -> None:
    feeds = {"x": rand(2, 3, 4, 5)}
    model = one_node("RMSNormalization", feeds, consts={"s": rand(5, seed=1)}, opset=23)
    assert_matches_onnxruntime(model, feeds)
    stats = {n: rand(3, seed=i) for i, n in enumerate(("scale", "b", "mean"), 1)}
    stats["var"] = np.abs(rand(3, seed=4)) + 0.1
    assert_matches_onnxruntime(one_node("BatchNormalization", feeds, consts=stats), feeds)


@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax", "Hardmax"])
def test_softmax_family_along_the_first_axis(op) -> None:
    feeds = {"x": rand(4, 3, 2) * 10}
    assert_matches_onnxruntime(one_node(op, feeds, axis=0), feeds)


def test_argmax_last_index_and_global_pools() -> None:
    feeds = {"x": np.round(rand(2, 3, 4, 5))}
    for op, attrs in [("ArgMax", {"axis": 2, "select_last_index": 1}), ("ArgMin", {"axis": -1})]:
        assert_matches_onnxruntime(one_node(op, feeds, keepdims=0, **attrs), feeds)
    for op in ("GlobalAveragePool", "GlobalMaxPool"):
        assert_matches_onnxruntime(one_node(op, feeds), feeds)


def test_float64_precision_gives_float64_results_near_native() -> None:
    feeds = {"x": rand(1, 2, 6, 6)}
    model = one_node("Conv", feeds, consts={"w": rand(3, 2, 3, 3, seed=1)}, pads=[1] * 4)
    graph = import_onnx(model)
    native = run_graph(graph, feeds)["y0"]
    exact = run_graph(graph, feeds, precision="float64")["y0"]
    assert exact.dtype == np.float64 and native.dtype == np.float32
    np.testing.assert_allclose(native, exact, rtol=1e-5, atol=1e-5)


# ---- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op,feeds,consts,attrs,message",
    [
        (
            "Gemm",
            {"a": rand(2, 3)},
            {"b": rand(4, 5)},
            {},
            "inner dimensions differ: 3 (A) and 4 (B)",
        ),
        (
            "Gemm",
            {"a": rand(2, 3)},
            {"b": rand(3, 4), "c": rand(2, 2)},
            {},
            "C [2, 2] does not broadcast to [2, 4]",
        ),
        ("Conv", {"x": rand(1, 4, 5)}, {"w": rand(2, 3, 2)}, {"group": 2}, "do not fit group 2"),
        ("MaxPool", {"x": rand(1, 1, 5, 5)}, {}, {"kernel_shape": [3]}, "does not fit 2 spatial"),
        ("AveragePool", {"x": rand(1, 1, 2)}, {}, {"kernel_shape": [4]}, "larger than spatial"),
        ("TopK", {"x": rand(2, 3)}, {"k": np.array([4], np.int64)}, {}, "K = 4 is outside 0 to 3"),
        ("ReduceSum", {"x": rand(2, 3)}, {"axes": np.array([1, -1], np.int64)}, {}, "twice"),
        ("Softmax", {"x": np.zeros((2, 3), np.int32)}, {}, {}, "Softmax takes f16"),
        ("ArgMax", {"x": rand(2, 3)}, {}, {"axis": 2}, "axis 2 is out of range for rank 2"),
    ],
)
def test_bad_operands_are_refused_with_the_rule(op, feeds, consts, attrs, message) -> None:
    with pytest.raises(OnnxImportError) as info:
        import_onnx(one_node(op, feeds, 2 if op == "TopK" else 1, consts=consts, **attrs))
    assert message in info.value.message


@pytest.mark.parametrize(
    "op,attrs,message",
    [
        ("BatchNormalization", {"training_mode": 1}, "training_mode=1 is not supported"),
        ("MaxPool", {"kernel_shape": [2], "auto_pad": "SAME"}, "auto_pad='SAME' is not supported"),
        ("LayerNormalization", {"stash_type": 16}, "stash_type=16 is not supported"),
        ("Softmax", {"axes": [1]}, "attribute 'axes' is not supported"),
    ],
)
def test_unsupported_attributes_are_refused(op, attrs, message) -> None:
    feeds = {"x": rand(2, 3, 4)}
    consts = {
        "BatchNormalization": {n: rand(3) for n in ("s", "b", "m", "v")},
        "LayerNormalization": {"s": rand(4)},
    }.get(op, {})
    with pytest.raises(OnnxImportError) as info:
        import_onnx(one_node(op, feeds, consts=consts, **attrs))
    assert message in info.value.message


def test_topk_needs_a_constant_k() -> None:
    feeds = {"x": rand(2, 5), "k": np.array([2], np.int64)}
    with pytest.raises(OnnxImportError, match="must be a constant"):
        import_onnx(one_node("TopK", feeds, 2))


def test_verifier_checks_declared_result_types() -> None:
    x = TensorValue("x", TensorType(F32, (2, 6)))
    y = TensorValue("y", TensorType(F32, (2, 6)))  # keepdims=0 over axis 1 gives [2]
    graph = Graph("g", [x], [y], [Node("ReduceMax", [x], [y], {"axes": (1,), "keepdims": 0})], {})
    with pytest.raises(VerifyError, match="is declared tensor<2x6xf32>, but the op gives"):
        verify_graph(graph)


@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),  # attention scores
        ("ij,jk", [(3, 4), (4, 2)]),  # implicit output: the indices used once, sorted
        ("...ij,...jk->...ik", [(2, 3, 3, 4), (2, 3, 4, 2)]),  # batch dimensions
        ("ii->i", [(4, 4)]),  # the diagonal
    ],
)
def test_einsum_assert_matches_onnxruntime(equation, shapes) -> None:
    feeds = {f"x{i}": rand(*s, seed=i) for i, s in enumerate(shapes)}
    assert_matches_onnxruntime(one_node("Einsum", feeds, equation=equation), feeds)


def test_einsum_with_a_term_that_does_not_fit_is_refused() -> None:
    feeds = {"a": rand(3, 4), "b": rand(5, 2)}
    with pytest.raises(OnnxImportError, match="index 'j' is 4 in one term and 5 in another"):
        import_onnx(one_node("Einsum", feeds, equation="ij,jk->ik"))
