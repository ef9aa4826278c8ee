"""Resize (ir/graph_ops/resize.py) on configurations onnx's own node tests leave out:
one-node models imported by kiln and run by the graph interpreter equal onnxruntime
within 1e-6 relative in float32 (integer results exactly), and bad operands are refused
with a message naming the rule."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx_cases import ONNX_TYPES, assert_matches_onnxruntime, rand

from kiln.base.errors import OnnxImportError
from kiln.frontend.onnx import import_onnx
from kiln.ir.graph_interpreter import run_graph


def resize(x: np.ndarray, scales=None, sizes=None, roi=None, **attrs) -> onnx.ModelProto:
    """A model of one Resize of graph input `x`, its roi, scales and sizes constants."""
    consts, names = [], ["x", "", "", ""]
    for k, (name, values, dtype) in enumerate(
        [("roi", roi, np.float32), ("scales", scales, np.float32), ("sizes", sizes, np.int64)],
        start=1,
    ):
        if values is not None:
            consts.append(numpy_helper.from_array(np.array(values, dtype), name))
            names[k] = name
    while names[-1] == "":
        names.pop()
    graph = helper.make_graph(
        [helper.make_node("Resize", names, ["y0"], **attrs)],
        "resize",
        [helper.make_tensor_value_info("x", ONNX_TYPES[x.dtype], x.shape)],
        [helper.make_tensor_value_info("y0", TensorProto.UNDEFINED, None)],
        consts,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    return onnx.shape_inference.infer_shapes(model)  # onnxruntime wants typed outputs


# ---- matching onnxruntime ---------------------------------------------------------------


@pytest.mark.parametrize(
    "coords",
    ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"],
)
@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_interpolation_by_non_integer_scales_each_way(mode, coords) -> None:
    x = rand(2, 3, 5, 7)
    model = resize(x, scales=[1, 1, 2.3, 0.45], mode=mode, coordinate_transformation_mode=coords)
    assert assert_matches_onnxruntime(model, {"x": x})["y0"].shape == (2, 3, 11, 3)


@pytest.mark.parametrize(
    "nearest_mode", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]
)
def test_nearest_of_integers_to_sizes_with_a_length_one_axis(nearest_mode) -> None:
    x = np.arange(2 * 5 * 7, dtype=np.int32).reshape(2, 5, 7)
    model = resize(
        x,
        sizes=[2, 1, 12],
        mode="nearest",
        nearest_mode=nearest_mode,
        coordinate_transformation_mode="pytorch_half_pixel",
    )
    assert assert_matches_onnxruntime(model, {"x": x})["y0"].shape == (2, 1, 12)


@pytest.mark.parametrize("mode", ["linear", "cubic"])
def test_antialias_shrinking_with_exclude_outside(mode) -> None:
    x = rand(1, 2, 9, 13)
    model = resize(
        x, scales=[1, 1, 0.4, 0.3], mode=mode, antialias=1, exclude_outside=1, cubic_coeff_a=-0.5
    )
    assert assert_matches_onnxruntime(model, {"x": x})["y0"].shape == (1, 2, 3, 3)


def test_trilinear_of_a_volume() -> None:
    x = rand(1, 2, 4, 5, 6)
    model = resize(x, sizes=[7, 3, 9], axes=[2, 3, 4], mode="linear")
    assert assert_matches_onnxruntime(model, {"x": x})["y0"].shape == (1, 2, 7, 3, 9)


@pytest.mark.parametrize("mode", ["nearest", "linear", "cubic"])
def test_crop_and_resize_outside_the_input_extrapolates(mode) -> None:
    x = rand(1, 1, 6, 8)
    model = resize(
        x,
        roi=[-0.2, 0.1, 1.1, 0.9],
        sizes=[7, 5],
        axes=[2, 3],
        mode=mode,
        coordinate_transformation_mode="tf_crop_and_resize",
        extrapolation_value=-3.0,
    )
    y = assert_matches_onnxruntime(model, {"x": x})["y0"]
    assert (y[0, 0, 0] == -3.0).all() and (y[0, 0, -1] == -3.0).all()


@pytest.mark.parametrize(
    "policy,shape", [("not_larger", (1, 3, 5, 6)), ("not_smaller", (1, 3, 9, 12))]
)
def test_keep_aspect_ratio_with_axes_in_reverse(policy, shape) -> None:
    x = rand(1, 3, 7, 9)
    model = resize(x, sizes=[12, 5], axes=[3, 2], keep_aspect_ratio_policy=policy, mode="linear")
    assert assert_matches_onnxruntime(model, {"x": x})["y0"].shape == shape


def test_float64_precision_cubic_stays_near_float32() -> None:
    """The reference precision (onnxruntime has no float64 Resize) agrees with float32."""
    x = rand(1, 1, 4, 6)
    graph = import_onnx(resize(x, scales=[1, 1, 1.5, 0.5], mode="cubic"))
    wide = run_graph(graph, {"x": x}, precision="float64")["y0"]
    native = run_graph(graph, {"x": x})["y0"]
    assert wide.dtype == np.float64
    assert wide.shape == native.shape == (1, 1, 6, 3)
    np.testing.assert_allclose(wide, native, rtol=0, atol=1e-5 * np.abs(native).max())


# ---- refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x,operands,attrs,message",
    [
        (rand(1, 1, 4, 4), {"scales": [1, 1, 2, 2], "sizes": [1, 1, 8, 8]}, {}, "exactly one"),
        (rand(1, 1, 4, 4), {"scales": [2.0, 2.0]}, {}, "scales has 2 values, axes need 4"),
        (rand(1, 1, 4, 4), {"scales": [1, 1, 0, 2]}, {}, "must all be > 0"),
        (rand(1, 1, 4, 4), {"sizes": [3, 3]}, {"axes": [2, 2]}, "repeat an axis"),
        (
            np.zeros((1, 4), np.int32),
            {"sizes": [1, 8]},
            {"mode": "linear"},
            "linear mode takes f16, bf16, f32, f64",
        ),
        (
            rand(1, 1, 4, 4),
            {"sizes": [1, 1, 2, 2]},
            {"antialias": 1},
            "antialias applies to linear and cubic",
        ),
        (
            rand(1, 1, 4, 4),
            {"sizes": [1, 1, 2, 2]},
            {"mode": "area"},
            "mode='area' is not supported",
        ),
    ],
)
def test_bad_operands_are_refused_with_the_rule(x, operands, attrs, message) -> None:
    with pytest.raises(OnnxImportError) as info:
        import_onnx(resize(x, **operands, **attrs))
    assert message in info.value.message


def test_resize_needs_constant_sizes() -> None:
    graph = helper.make_graph(
        [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"])],
        "g",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 2]),
            helper.make_tensor_value_info("sizes", TensorProto.INT64, [4]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    with pytest.raises(OnnxImportError, match="must be a constant"):
        import_onnx(model)
