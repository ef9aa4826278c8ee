"""Graph IR (`kiln.ir.graph`): a small MatMul -> Add -> Softmax graph prints as pinned text
and verifies; each structural mistake, and each break of the op table's rules, is rejected
with a pinned message."""

from __future__ import annotations

import numpy as np
import pytest

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir.graph import Graph, Node, TensorType, TensorValue, verify_graph
from kiln.ir.graph_text import print_graph
from kiln.ir.types import F32, fixed

Q = F32


def tensor(name: str, *shape: int | str) -> TensorValue:
    return TensorValue(name, TensorType(Q, shape))


def const(name: str, *shape: int) -> TensorValue:
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) / 4
    return TensorValue(name, TensorType(Q, shape), data)


def mlp() -> Graph:
    """y = softmax(x @ w + bias) over a symbolic batch."""
    x, w = tensor("x", "batch", 64), const("w", 64, 10)
    bias = TensorValue("bias", TensorType(Q, (10,)), np.array([0.5, -1.0, 2.25] + [0.0] * 7, "f4"))
    h, z, y = tensor("h", "batch", 10), tensor("z", "batch", 10), tensor("y", "batch", 10)
    nodes = [
        Node("MatMul", [x, w], [h], name="fc"),
        Node("Add", [h, bias], [z]),
        Node("Softmax", [z], [y], {"axis": -1}, name="probs"),
    ]
    return Graph("mlp", [x], [y], nodes, {"w": w, "bias": bias})


def mlp_text() -> str:
    w = mlp().constants["w"].data.tobytes().hex()
    return f"""\
graph @mlp(%x: tensor<batchx64xf32>) -> (%y: tensor<batchx10xf32>) {{
  const %w: tensor<64x10xf32> = hex"{w}"
  const %bias: tensor<10xf32> = [0.5, -1.0, 2.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
  %h = MatMul(%x, %w) name="fc" : tensor<batchx10xf32>
  %z = Add(%h, %bias) : tensor<batchx10xf32>
  %y = Softmax(%z) {{axis=-1}} name="probs" : tensor<batchx10xf32>
}}
"""


def rejected(g: Graph) -> VerifyError:
    with pytest.raises(VerifyError) as info:
        verify_graph(g)
    return info.value


def node(g: Graph, op_type: str) -> Node:
    return next(n for n in g.nodes if n.op_type == op_type)


# ---- printing and acceptance ------------------------------------------------------------


def test_print_graph() -> None:
    assert print_graph(mlp()) == mlp_text()


def test_verify_accepts_the_graph() -> None:
    verify_graph(mlp())


def test_tensor_type_text() -> None:
    q = fixed(16, 8)
    assert str(TensorType(q, ("batch", 3, 4))) == "tensor<batchx3x4xfixed<16,8>>"
    assert str(TensorType(q, ())) == "tensor<fixed<16,8>>"  # a scalar tensor
    assert str(TensorType(fixed(8, 4, overflow="sat"), (2,))) == "tensor<2xfixed<8,4,sat>>"


def test_attributes_print_in_order_strings_quoted_tuples_as_lists() -> None:
    x, y = tensor("x", 1, 8, 8), tensor("y", 1, 8, 8)
    conv = Node("Conv", [x], [y], {"kernel_shape": (3, 3), "auto_pad": "SAME_UPPER", "alpha": 0.5})
    text = print_graph(Graph("g", [x], [y], [conv]))
    assert text.splitlines()[1] == (
        '  %y = Conv(%x) {kernel_shape=[3, 3], auto_pad="SAME_UPPER", alpha=0.5}'
        " : tensor<1x8x8xf32>"
    )


def test_a_graph_may_return_its_input_and_constants() -> None:
    x, k = tensor("x", 4), const("k", 4)
    verify_graph(Graph("passthrough", [x], [x, k], [], {"k": k}))


def test_zero_and_symbolic_dimensions_are_accepted() -> None:
    x = tensor("x", 0, "seq")
    y = tensor("y", 0, "seq")
    verify_graph(Graph("g", [x], [y], [Node("Relu", [x], [y])]))


# ---- rejections -------------------------------------------------------------------------


def test_use_before_definition_is_not_topological() -> None:
    g = mlp()
    g.nodes = [g.nodes[1], g.nodes[0], g.nodes[2]]  # Add before the MatMul that makes %h
    err = rejected(g)
    assert err.message == "node 'Add' (Add): input %h is not defined before this node"
    assert err.hint == "nodes must be in topological order"
    assert str(err) == (
        "node 'Add' (Add): input %h is not defined before this node\n"
        "  hint: nodes must be in topological order"
    )


def test_rejection_carries_the_node_location() -> None:
    g = mlp()
    node(g, "Add").loc = SourceLoc("model.onnx")
    g.nodes = [g.nodes[1], g.nodes[0], g.nodes[2]]
    err = rejected(g)
    assert err.loc == SourceLoc("model.onnx")
    assert str(err).splitlines()[0] == (
        "model.onnx: node 'Add' (Add): input %h is not defined before this node"
    )


def test_input_of_an_unknown_tensor() -> None:
    g = mlp()
    node(g, "Add").inputs[1] = tensor("stray", 10)
    message = rejected(g).message
    assert message == "node 'Add' (Add): input %stray is not defined before this node"


def test_tensor_defined_twice_by_a_node() -> None:
    g = mlp()
    fc = node(g, "MatMul")
    fc.outputs = [tensor("x", "batch", 10)]  # %x is the graph's input
    assert rejected(g).message == "node 'fc' (MatMul): tensor %x is defined twice"


def test_tensor_defined_twice_as_input_and_constant() -> None:
    g = mlp()
    g.constants["x"] = const("x", 1, 64)
    assert rejected(g).message == "graph @mlp constant: tensor %x is defined twice"


def test_output_never_computed() -> None:
    g = mlp()
    g.outputs.append(tensor("logits", "batch", 10))
    err = rejected(g)
    assert err.message == "graph @mlp: output %logits is never computed"
    assert err.loc is None


def test_output_computed_by_a_removed_node() -> None:
    g = mlp()
    g.nodes.pop()  # the Softmax that computes %y
    assert rejected(g).message == "graph @mlp: output %y is never computed"


def test_negative_dimension_on_an_input() -> None:
    g = mlp()
    g.inputs[0].type = TensorType(Q, ("batch", -64))
    assert rejected(g).message == "graph @mlp input: tensor %x has negative dimension -64"


def test_negative_dimension_on_a_node_output() -> None:
    g = mlp()
    node(g, "Add").outputs[0].type = TensorType(Q, (-1, 10))
    assert rejected(g).message == "node 'Add' (Add): tensor %z has negative dimension -1"


def test_node_without_outputs() -> None:
    g = mlp()
    g.nodes.insert(1, Node("Identity", [g.inputs[0]], [], name="dangling"))
    assert rejected(g).message == "node 'dangling' (Identity): has no outputs"


def test_the_op_tables_shape_rule_rejects_a_node() -> None:
    g = mlp()
    node(g, "Softmax").attrs["axis"] = 2
    assert rejected(g).message == "node 'probs' (Softmax): axis 2 is out of range for rank 2"


def test_declared_types_must_equal_the_inferred_ones() -> None:
    g = mlp()
    node(g, "Add").outputs[0].type = TensorType(Q, ("batch", 11))
    assert rejected(g).message == (
        "node 'Add' (Add): result 0 %z is declared tensor<batchx11xf32>, "
        "but the op gives tensor<batchx10xf32>"
    )


def test_unknown_op_and_attribute_are_rejected_by_the_table() -> None:
    g = mlp()
    node(g, "Softmax").op_type = "NonZero"
    err = rejected(g)
    assert err.message == "node 'probs' (NonZero): op NonZero is not in kiln's graph op table"
    assert "MatMul" in err.hint
    g = mlp()
    node(g, "Softmax").attrs["temperature"] = 2.0
    assert "attribute 'temperature' is not one kiln knows for Softmax" in rejected(g).message


def test_a_constant_must_carry_data_of_its_type() -> None:
    g = mlp()
    g.constants["w"].data = None
    assert rejected(g).message == "graph @mlp constant %w has no data"
    g = mlp()
    g.constants["w"].data = np.zeros((64, 10), np.float64)
    assert "data is float64[64, 10]" in rejected(g).message


def test_what_the_verifier_checks_does_not_depend_on_imports() -> None:
    """The table is complete when kiln.ir loads: importing the ONNX frontend adds nothing."""
    import subprocess
    import sys

    code = (
        "import kiln.ir.graph_ops as t; before = sorted(t.TABLE); "
        "import kiln.frontend.onnx, kiln.onnx_backend; assert sorted(t.TABLE) == before; "
        "print(len(before))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) >= 60


def test_expand_to_a_negative_dimension_is_refused() -> None:
    x, y = TensorValue("x", TensorType(F32, (3,))), TensorValue("y", TensorType(F32, (3,)))
    g = Graph("g", [x], [y], [Node("Expand", [x], [y], {"shape": (-1,)}, "grow")], {})
    with pytest.raises(VerifyError, match="Expand's shape \\[-1\\] has a negative dimension"):
        verify_graph(g)
