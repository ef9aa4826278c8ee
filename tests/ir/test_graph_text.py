"""The graph IR's text form round-trips: print(parse(print(g))) == print(g) for random
graphs of the table's ops (every element type, constants with NaN, infinities and -0.0,
quantized tensors, ONNX names that need quoting), and bad text is refused with a located
message."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiln.base.errors import IRParseError
from kiln.ir.graph import (
    BF16,
    F16,
    Graph,
    Node,
    QuantFormat,
    TensorType,
    TensorValue,
    elem_named,
    np_dtype,
    verify_graph,
)
from kiln.ir.graph_ops import TABLE, ShapeError
from kiln.ir.graph_ops.spec import check_attrs, node_sig
from kiln.ir.graph_text import parse_graph, print_graph
from kiln.ir.types import BOOL, F32, F64, IntType, i, u

ELEMS = [F32, F16, BF16, F64, i(8), i(32), i(64), u(8), BOOL, i(4), u(2)]
ELEMS += [elem_named("f8e4m3fn"), elem_named("f8e5m2fnuz"), elem_named("f4e2m1fn")]
NAMES = st.sampled_from(["x", "h.1", "onnx::Mul_5", "/layer/Add_output_0", 'odd "name"', "a b"])
# Attribute sets worth trying beside the defaults, for ops that need them.
ATTRS = [{}, {"axis": 0}, {"axis": -1}, {"perm": (1, 0)}, {"shape": (-1,)}, {"alpha": 0.25}]


@st.composite
def graphs(draw) -> Graph:
    counter = iter(range(10_000))

    def fresh() -> str:
        return f"{draw(NAMES)}{next(counter)}"

    def shape() -> tuple[int, ...]:
        return tuple(draw(st.lists(st.integers(1, 4), max_size=3)))

    def data(t: TensorType) -> np.ndarray:
        dtype = np_dtype(t.elem)
        n = int(np.prod(t.shape, dtype=np.int64))
        if dtype == np.bool_:
            values = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        elif isinstance(t.elem, IntType):  # int4 and int2 too (ml_dtypes: kind 'V')
            info = ml_dtypes.iinfo(dtype)
            values = draw(
                st.lists(st.integers(int(info.min), int(info.max)), min_size=n, max_size=n)
            )
        else:
            special = st.sampled_from([np.nan, np.inf, -np.inf, -0.0, 1e-40, 65504.0])
            values = draw(st.lists(st.floats(-1e4, 1e4) | special, min_size=n, max_size=n))
        return (
            np.array(values, dtype=None if isinstance(t.elem, IntType) else np.float64)
            .astype(dtype)
            .reshape(t.shape)
        )

    values: list[TensorValue] = []
    g = Graph(f"g{draw(st.integers(0, 99))}", [], [], [], {})
    for _ in range(draw(st.integers(1, 3))):
        v = TensorValue(fresh(), TensorType(draw(st.sampled_from(ELEMS)), shape()))
        g.inputs.append(v)
        values.append(v)
    for _ in range(draw(st.integers(0, 3))):
        t = TensorType(draw(st.sampled_from(ELEMS)), shape())
        v = TensorValue(fresh(), t, data(t))
        g.constants[v.name] = v
        values.append(v)
    ops = sorted(TABLE)
    for _ in range(draw(st.integers(0, 8))):
        spec = TABLE[draw(st.sampled_from(ops))]
        lo, hi = spec.n_inputs
        operands = [
            draw(st.sampled_from(values)) for _ in range(draw(st.integers(lo, min(hi, lo + 2))))
        ]
        attrs = draw(st.sampled_from(ATTRS))
        n = Node(spec.name, operands, [], dict(attrs), draw(NAMES) if draw(st.booleans()) else "")
        if check_attrs(spec, n.attrs):
            continue
        sig = node_sig(spec, n)
        sig.n_outputs = max(spec.n_outputs[0], 1)  # the node's results are not made yet
        try:
            types = spec.infer(sig) if lo or spec.n_outputs[0] else []
        except (ShapeError, ValueError, TypeError, KeyError, IndexError):
            continue
        if not types or len(types) < spec.n_outputs[0]:
            continue
        n.outputs = [TensorValue(fresh(), t) for t in types[: spec.n_outputs[0] or 1]]
        if not n.outputs:
            continue
        g.nodes.append(n)
        values.extend(n.outputs)
    for v in values:
        if isinstance(v.type.elem, type(F32)) and draw(st.integers(0, 4)) == 0:
            v.quant = QuantFormat(
                u(8), (draw(st.floats(1e-6, 10.0)),), (draw(st.integers(0, 255)),)
            )
    g.outputs = draw(
        st.lists(st.sampled_from(values), min_size=1, max_size=3, unique_by=lambda v: v.name)
    )
    return g


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(graphs())
def test_print_parse_print_is_the_identity(g: Graph) -> None:
    verify_graph(g)
    text = print_graph(g)
    again = parse_graph(text)
    assert print_graph(again) == text
    for v in again.constants.values():
        original = g.constants[v.name].data
        assert v.data.dtype == original.dtype
        assert v.data.tobytes() == original.tobytes()  # bit for bit, NaNs and -0.0 included


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("graph @g(%x: tensor<2xf32>) -> (%y: tensor<2xf32>) {\n}\n", "output %y is never defined"),
        ("graph @g(%x: tensor<2xq7>) -> (%x: tensor<2xf32>) {\n}\n", "unknown element type 'q7'"),
        (
            "graph @g() -> (%k: tensor<3xi8>) {\n  const %k: tensor<3xi8> = [1, 2]\n}\n",
            "constant has 2 elements",
        ),
        (
            "graph @g(%x: tensor<2xf32>) -> (%y: tensor<2xf32>) {\n"
            "  %y = Relu(%z) : tensor<2xf32>\n}\n",
            "operand %z is not defined",
        ),
    ],
)
def test_bad_text_is_refused_with_a_location(text: str, message: str) -> None:
    with pytest.raises(IRParseError) as info:
        parse_graph(text, "bad.graph")
    assert message in info.value.message
    assert info.value.loc.file == "bad.graph" and info.value.loc.line is not None
