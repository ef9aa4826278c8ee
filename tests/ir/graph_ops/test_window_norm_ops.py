"""ConvTranspose, LpPool, the normalizations of ir/graph_ops/norm.py and ReduceLogSum on
configurations onnx's own node tests leave out: one-node models imported by kiln and run
by the graph interpreter equal onnxruntime within 1e-6 relative in float32, and bad
attributes or shapes are refused with a message naming the rule."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_cases import ONNX_TYPES, assert_matches_onnxruntime, rand

from kiln.base.errors import OnnxImportError
from kiln.frontend.onnx import import_onnx
from kiln.ir.graph_interpreter import run_graph


def one_node(
    op: str,
    feeds: dict[str, np.ndarray],
    consts: dict[str, np.ndarray] | None = None,
    opset: int = 22,
    **attrs,
) -> onnx.ModelProto:
    """A model of one `op` node over graph inputs `feeds`, then initializers `consts`. Its
    result passes through an Identity, so that the importer checks kiln's shape rule
    against onnx's shape inference (which it does for inner values)."""
    consts = consts or {}
    elem = ONNX_TYPES[next(iter(feeds.values())).dtype]
    graph = helper.make_graph(
        [
            helper.make_node(op, [*feeds, *consts], ["t"], **attrs),
            helper.make_node("Identity", ["t"], ["y0"]),
        ],
        op.lower(),
        [helper.make_tensor_value_info(k, ONNX_TYPES[v.dtype], v.shape) for k, v in feeds.items()],
        [helper.make_tensor_value_info("y0", elem, None)],  # onnxruntime wants typed outputs
        [numpy_helper.from_array(v, k) for k, v in consts.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


# ---- ConvTranspose ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "attrs, out",
    [
        ({"group": 2, "strides": [2], "pads": [1, 2]}, 16),
        ({"group": 3, "strides": [3], "dilations": [2], "output_padding": [1]}, 30),
        ({"group": 1, "strides": [2], "auto_pad": "SAME_LOWER"}, 18),
        ({"group": 1, "strides": [2], "auto_pad": "SAME_UPPER"}, 18),
        ({"group": 1, "strides": [4], "auto_pad": "SAME_UPPER"}, 35),  # in * stride > full size
        ({"group": 2, "strides": [2], "output_shape": [17]}, 17),  # pads from the shape
        ({"group": 2, "strides": [2], "auto_pad": "SAME_UPPER", "output_shape": [18]}, 18),
        ({"group": 2, "strides": [2], "output_shape": [20]}, 20),  # zeros past the full 19
        ({"group": 1, "auto_pad": "VALID", "strides": [2]}, 19),
    ],
)
def test_convtranspose_1d_padding_rules(attrs, out) -> None:
    g = attrs["group"]
    feeds = {"x": rand(2, 6, 9)}
    consts = {"w": rand(6, 4 // g if g != 3 else 2, 3, seed=1)}
    consts["b"] = rand(consts["w"].shape[1] * g, seed=2)
    y = assert_matches_onnxruntime(one_node("ConvTranspose", feeds, consts, **attrs), feeds)
    assert y["y0"].shape[2] == out


def test_convtranspose_2d_and_3d_without_bias() -> None:
    feeds = {"x": rand(2, 4, 5, 3)}
    consts = {"w": rand(4, 3, 3, 2, seed=1)}
    model = one_node(
        "ConvTranspose",
        feeds,
        consts,
        group=2,
        strides=[2, 3],
        pads=[1, 0, 2, 1],
        dilations=[1, 2],
        output_padding=[1, 2],
    )
    assert_matches_onnxruntime(model, feeds)
    feeds = {"x": rand(1, 2, 3, 4, 2)}
    consts = {"w": rand(2, 3, 2, 3, 2, seed=1)}
    model = one_node("ConvTranspose", feeds, consts, strides=[1, 2, 2], pads=[0, 1, 0] * 2)
    assert_matches_onnxruntime(model, feeds)


# ---- LpPool -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attrs",
    [
        {"p": 1, "kernel_shape": [3, 2], "strides": [2, 1]},
        {"p": 3, "kernel_shape": [2, 2], "pads": [1, 0, 1, 1]},
        {"p": 2, "kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1},
        {"p": 2, "kernel_shape": [2, 3], "auto_pad": "SAME_LOWER", "strides": [2, 2]},
    ],
)
def test_lppool_orders_and_padding(attrs) -> None:
    feeds = {"x": rand(2, 3, 7, 6)}
    assert_matches_onnxruntime(one_node("LpPool", feeds, **attrs), feeds)


# ---- normalization ----------------------------------------------------------------------


def test_instancenorm_1d_and_3d_with_an_offset_mean() -> None:
    for shape in [(2, 3, 11), (1, 2, 3, 4, 5)]:
        feeds = {"x": rand(*shape) * 3 + 5}
        c = shape[1]
        consts = {"s": rand(c, seed=1), "b": rand(c, seed=2)}
        model = one_node("InstanceNormalization", feeds, consts, epsilon=1e-3)
        assert_matches_onnxruntime(model, feeds)


def test_groupnorm_3d_with_several_channels_per_group() -> None:
    feeds = {"x": rand(2, 6, 4, 5) * 2 - 1}
    consts = {"s": rand(6, seed=1), "b": rand(6, seed=2)}
    model = one_node("GroupNormalization", feeds, consts, opset=21, num_groups=3, epsilon=1e-2)
    assert_matches_onnxruntime(model, feeds)


@pytest.mark.parametrize("size", [1, 3, 5, 9])
def test_lrn_odd_sizes(size) -> None:
    feeds = {"x": rand(2, 7, 3, 4)}
    model = one_node("LRN", feeds, size=size, alpha=0.3, beta=0.6, bias=2.0)
    assert_matches_onnxruntime(model, feeds)


@pytest.mark.parametrize("size", [2, 4])
def test_lrn_even_sizes_reach_further_after_each_channel(size) -> None:
    """onnxruntime takes odd sizes only: the spec's window is floor((size - 1) / 2)
    channels before and ceil((size - 1) / 2) after."""
    x = rand(2, 6, 3, 2).astype(np.float64)
    # attributes exact in float32, as ONNX holds them
    graph = import_onnx(one_node("LRN", {"x": x}, size=size, alpha=0.25, beta=0.75, bias=2.0))
    y = run_graph(graph, {"x": x})["y0"]
    want = np.empty_like(x)
    for c in range(6):
        lo, hi = max(0, c - (size - 1) // 2), min(5, c + size // 2)
        total = np.sum(x[:, lo : hi + 1] ** 2, axis=1)
        want[:, c] = x[:, c] / (2.0 + 0.25 / size * total) ** 0.75
    np.testing.assert_allclose(y, want, rtol=1e-12)


@pytest.mark.parametrize("axes", [[0, 2, 3], [1], [-1, -2]])
def test_mvn_over_axes(axes) -> None:
    feeds = {"x": rand(2, 3, 4, 5)}
    assert_matches_onnxruntime(one_node("MeanVarianceNormalization", feeds, axes=axes), feeds)


@pytest.mark.parametrize("p, axis", [(1, 0), (1, -1), (2, 1)])
def test_lpnormalization_orders_axes_and_a_zero_row(p, axis) -> None:
    x = rand(4, 5, 3)
    x[1, :, :] = 0
    x[:, 2, :] = 0
    x[:, :, 0] = 0
    feeds = {"x": x}
    y = assert_matches_onnxruntime(one_node("LpNormalization", feeds, p=p, axis=axis), feeds)
    assert np.all(np.isfinite(y["y0"]))


def test_reduce_log_sum_keepdims_0_at_version_18() -> None:
    feeds = {"x": np.abs(rand(3, 4, 5)) + 0.1}
    for opset in (18, 21):
        graph = helper.make_graph(
            [helper.make_node("ReduceLogSum", ["x", "axes"], ["y0"], keepdims=0)],
            "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, (3, 4, 5))],
            [helper.make_tensor_value_info("y0", TensorProto.UNDEFINED, None)],
            [numpy_helper.from_array(np.array([-1, 0], np.int64), "axes")],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 10
        y = assert_matches_onnxruntime(onnx.shape_inference.infer_shapes(model), feeds)
        assert y["y0"].shape == (4,)


# ---- refused --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op, feeds, consts, attrs, message",
    [
        (
            "ConvTranspose",
            {"x": rand(1, 4, 5)},
            {"w": rand(3, 2, 3)},
            {},
            "channels do not fit group 1: X has 4, W takes 3",
        ),
        (
            "ConvTranspose",
            {"x": rand(1, 4, 5)},
            {"w": rand(4, 2, 3)},
            {"pads": [4, 4]},
            "the padding leaves no output",
        ),
        (
            "ConvTranspose",
            {"x": rand(1, 4, 5)},
            {"w": rand(4, 2, 3)},
            {"strides": [2], "output_padding": [1], "auto_pad": "SAME_UPPER"},
            "auto_pad SAME with output_padding has no agreed output size",
        ),
        ("LpPool", {"x": rand(1, 2, 5, 5)}, {}, {"kernel_shape": [2, 2], "p": 0}, "p must be 1"),
        (
            "GroupNormalization",
            {"x": rand(1, 6, 4)},
            {"s": rand(6), "b": rand(6)},
            {"num_groups": 4},
            "num_groups 4 must divide the 6 channels of X",
        ),
        (
            "InstanceNormalization",
            {"x": rand(1, 3, 4)},
            {"s": rand(2), "b": rand(3)},
            {},
            "InstanceNormalization's scale [2] must be [3], one per channel",
        ),
        ("LpNormalization", {"x": rand(2, 3)}, {}, {"p": 3}, "p=3 is not supported"),
        ("MeanVarianceNormalization", {"x": rand(2, 3)}, {}, {}, "axes entry 2 is out of range"),
    ],
)
def test_bad_operands_are_refused_with_the_rule(op, feeds, consts, attrs, message) -> None:
    opset = 21 if op == "GroupNormalization" else 22
    with pytest.raises(OnnxImportError) as info:
        import_onnx(one_node(op, feeds, consts, opset=opset, **attrs))
    assert message in info.value.message
