"""Graph IR (`kiln.ir.graph`): a small MatMul -> Add -> Softmax graph prints as pinned text
and verifies; each structural mistake is rejected with a pinned message."""

from __future__ import annotations

import pytest

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir.graph import (
    SHAPE_RULES,
    Graph,
    Node,
    TensorType,
    TensorValue,
    print_graph,
    verify_graph,
)
from kiln.ir.types import fixed

Q = fixed(16, 8)


def tensor(name: str, *shape: int | str) -> TensorValue:
    return TensorValue(name, TensorType(Q, shape))


def mlp() -> Graph:
    """y = softmax(x @ w + bias) over a symbolic batch."""
    x, w, bias = tensor("x", "batch", 64), tensor("w", 64, 10), tensor("bias", 10)
    h, z, y = tensor("h", "batch", 10), tensor("z", "batch", 10), tensor("y", "batch", 10)
    nodes = [
        Node("MatMul", [x, w], [h], name="fc"),
        Node("Add", [h, bias], [z]),
        Node("Softmax", [z], [y], {"axis": -1}, name="probs"),
    ]
    return Graph("mlp", [x], [y], nodes, {"w": w, "bias": bias})


MLP_TEXT = """\
graph @mlp(%x: tensor<batchx64xfixed<16,8>>) -> (%y: tensor<batchx10xfixed<16,8>>) {
  const %w: tensor<64x10xfixed<16,8>>
  const %bias: tensor<10xfixed<16,8>>
  %h = MatMul(%x, %w) name="fc" : tensor<batchx10xfixed<16,8>>
  %z = Add(%h, %bias) : tensor<batchx10xfixed<16,8>>
  %y = Softmax(%z) {axis=-1} name="probs" : tensor<batchx10xfixed<16,8>>
}
"""


def rejected(g: Graph) -> VerifyError:
    with pytest.raises(VerifyError) as info:
        verify_graph(g)
    return info.value


def node(g: Graph, op_type: str) -> Node:
    return next(n for n in g.nodes if n.op_type == op_type)


# ---- printing and acceptance ------------------------------------------------------------


def test_print_graph() -> None:
    assert print_graph(mlp()) == MLP_TEXT


def test_verify_accepts_the_graph() -> None:
    verify_graph(mlp())


def test_tensor_type_text() -> None:
    assert str(TensorType(Q, ("batch", 3, 4))) == "tensor<batchx3x4xfixed<16,8>>"
    assert str(TensorType(Q, ())) == "tensor<fixed<16,8>>"  # a scalar tensor
    assert str(TensorType(fixed(8, 4, overflow="sat"), (2,))) == "tensor<2xfixed<8,4,sat>>"


def test_attributes_print_in_order_strings_quoted_tuples_as_lists() -> None:
    x, y = tensor("x", 1, 8, 8), tensor("y", 1, 8, 8)
    conv = Node("Conv", [x], [y], {"kernel_shape": (3, 3), "auto_pad": "SAME_UPPER", "alpha": 0.5})
    text = print_graph(Graph("g", [x], [y], [conv]))
    assert text.splitlines()[1] == (
        '  %y = Conv(%x) {kernel_shape=[3, 3], auto_pad="SAME_UPPER", alpha=0.5}'
        " : tensor<1x8x8xfixed<16,8>>"
    )


def test_a_graph_may_return_its_input_and_constants() -> None:
    x, k = tensor("x", 4), tensor("k", 4)
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
    g.constants["x"] = tensor("x", "batch", 64)
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


def test_registered_shape_rule_rejects_a_node(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Node] = []

    def softmax_rule(n: Node) -> str | None:
        seen.append(n)
        axis = n.attrs["axis"]
        rank = len(n.inputs[0].type.shape)
        return None if -rank <= axis < rank else f"axis {axis} is out of range for rank {rank}"

    monkeypatch.setitem(SHAPE_RULES, "Softmax", softmax_rule)
    verify_graph(mlp())  # axis -1 of rank 2 is fine
    assert [n.name for n in seen] == ["probs"]

    g = mlp()
    node(g, "Softmax").attrs["axis"] = 2
    assert rejected(g).message == "node 'probs' (Softmax): axis 2 is out of range for rank 2"


def test_shape_rules_are_restored_after_the_test() -> None:
    # The registry holds only what frontends register at import time; the previous
    # test's rule is gone again (monkeypatch.setitem undid it).
    assert all(rule.__name__ != "softmax_rule" for rule in SHAPE_RULES.values())
