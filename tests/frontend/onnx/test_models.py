"""The models users bring, imported and run: the five reference kernels, torch's
MultiheadAttention from both exporters, a TinyLM decoder block (at opset 18, and at 23
where torch writes its Attention and RMSNormalization ops) and a QDQ MLP. The graph
interpreter equals onnxruntime within 1e-6 relative in float32 (integer tensors exactly),
and every imported graph's text round-trips."""

from __future__ import annotations

import os
import sys

import numpy as np
import onnx
import pytest

from kiln.frontend.onnx import import_onnx
from kiln.frontend.onnx.run import compare_with_onnxruntime
from kiln.ir.graph_interpreter import run_graph
from kiln.ir.graph_text import parse_graph, print_graph

sys.path.insert(0, os.path.dirname(__file__))
import onnx_models as models  # noqa: E402

BUILDERS = {
    **{name: (lambda f, n=name: models.kernel(n, f)) for name in models.KERNELS},
    "mha-torchscript": lambda f: models.multihead_attention(f, dynamo=False),
    "mha-dynamo": lambda f: models.multihead_attention(f, dynamo=True),
    "decoder-block": models.decoder_block,
    "decoder-block-opset23": lambda f: models.decoder_block(f, opset=23),  # Attention op
    "qdq-mlp": models.qdq_mlp,
}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def built(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    path, feeds = BUILDERS[request.param](folder)
    return request.param, path, feeds


def test_imports_and_matches_onnxruntime(built) -> None:
    name, path, feeds = built
    graph = import_onnx(path)
    outputs = run_graph(graph, {v.name: feeds[v.name] for v in graph.inputs})
    checks = compare_with_onnxruntime(path, feeds, outputs)
    assert [c["name"] for c in checks] == [o.name for o in onnx.load(str(path)).graph.output]
    bad = [c for c in checks if not c["ok"]]
    assert not bad, f"{name}: outputs differ from onnxruntime: {bad}"


def test_text_round_trips(built) -> None:
    _, path, _ = built
    text = print_graph(import_onnx(path))
    assert print_graph(parse_graph(text)) == text


def test_qdq_formats_are_kept_on_the_tensors_they_quantize(tmp_path) -> None:
    path, _ = models.qdq_mlp(tmp_path)
    graph = import_onnx(path)
    model = onnx.load(str(path))
    quantized = {n.input[0] for n in model.graph.node if n.op_type == "QuantizeLinear"}
    dequantized = {n.output[0] for n in model.graph.node if n.op_type == "DequantizeLinear"}
    values = {v.name: v for n in graph.nodes for v in [*n.inputs, *n.outputs] if v is not None}
    values.update({v.name: v for v in graph.inputs})
    for name in quantized | dequantized:
        assert values[name].quant is not None, name
    per_axis = [values[n].quant for n in dequantized if values[n].quant.axis is not None]
    # per-channel i8 weights and i32 biases (at the input scale times the weight scale)
    assert sorted({str(q.elem) for q in per_axis}) == ["i32", "i8"], per_axis
    activations = [values[n].quant for n in quantized]
    assert all(not q.elem.signed and len(q.scale) == 1 for q in activations)
    assert np.isfinite([s for q in activations for s in q.scale]).all()
