"""kiln as an ONNX backend (`onnx.backend.base.Backend`): `prepare` a model, `run` it.

Device "CPU" runs the graph interpreter. A graph is imported on first run with the shapes
of the arrays it is given, and with the values of any input that fixes a shape (a Reshape
target passed as an input, say) bound as constants, since kiln builds static shapes; each
distinct binding is imported once. [llm-to-rtl] adds an "RTL" device that compiles the same
graph and simulates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep, namedtupledict

from kiln.frontend.onnx import import_onnx, load_model
from kiln.ir.graph import Graph
from kiln.ir.graph_interpreter import run_graph
from kiln.ir.graph_ops import TABLE

DEVICES = ("CPU",)


class KilnRep(BackendRep):
    """A prepared model: imported per input binding, run by the graph interpreter."""

    def __init__(self, model: onnx.ModelProto, device: str, precision: str = "native"):
        self.model = model
        self.device = device
        self.precision = precision
        graph = model.graph
        initialized = {t.name for t in graph.initializer}
        self.input_names = [v.name for v in graph.input if v.name not in initialized]
        self.output_names = [v.name for v in graph.output]
        self.shape_inputs = _shape_fixing_inputs(model, set(self.input_names))
        self._graphs: dict[Any, Graph] = {}

    def graph_for(self, feeds: dict[str, np.ndarray]) -> Graph:
        shapes = {k: v.shape for k, v in feeds.items() if k not in self.shape_inputs}
        values = {k: feeds[k] for k in self.shape_inputs}
        key = (
            tuple(sorted(shapes.items())),
            tuple((k, v.dtype.str, v.tobytes()) for k, v in sorted(values.items())),
        )
        if key not in self._graphs:
            self._graphs[key] = import_onnx(self.model, shapes=shapes, values=values)
        return self._graphs[key]

    def run(self, inputs: Any, **kwargs: Any) -> tuple[Any, ...]:
        if isinstance(inputs, dict):
            feeds = {k: np.asarray(v) for k, v in inputs.items()}
        else:
            arrays = [inputs] if isinstance(inputs, np.ndarray) else list(inputs)
            feeds = {n: np.asarray(a) for n, a in zip(self.input_names, arrays, strict=False)}
        graph = self.graph_for(feeds)
        outputs = run_graph(
            graph,
            {v.name: feeds[v.name] for v in graph.inputs},
            precision=kwargs.get("precision", self.precision),
        )
        return namedtupledict("Outputs", self.output_names)(
            *[outputs[n] for n in self.output_names]
        )


class KilnBackend(Backend):
    @classmethod
    def is_compatible(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        """Every node's op is in kiln's table (attributes and versions are checked when
        the model is imported, with a message saying what is missing)."""
        return cls.supports_device(device) and all(
            n.domain in ("", "ai.onnx") and n.op_type in TABLE for n in model.graph.node
        )

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> KilnRep:
        if not cls.supports_device(device):
            raise ValueError(f"kiln's ONNX backend runs on {', '.join(DEVICES)}, not {device}")
        loaded = load_model(model)  # opset, domain and upgrade checks up front
        return KilnRep(loaded.model, device, kwargs.get("precision", "native"))

    @classmethod
    def run_model(
        cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU", **kwargs: Any
    ) -> tuple[Any, ...]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(
        cls,
        node: onnx.NodeProto,
        inputs: Any,
        device: str = "CPU",
        outputs_info: Sequence[tuple[np.dtype, tuple[int, ...]]] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, ...]:
        raise NotImplementedError("kiln runs whole models: use run_model or prepare")

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device in DEVICES


def _shape_fixing_inputs(model: onnx.ModelProto, inputs: set[str]) -> set[str]:
    """Graph inputs that reach an operand kiln takes as an attribute (directly, or through
    nodes that only compute shapes, such as Cast or Concat of them)."""
    fixing: set[str] = set()
    producers = {out: n for n in model.graph.node for out in n.output}
    stack = []
    for n in model.graph.node:
        spec = TABLE.get(n.op_type)
        if spec is None:
            continue
        for s in spec.static_inputs:
            if s.index < len(n.input) and n.input[s.index]:
                stack.append(n.input[s.index])
    seen: set[str] = set()
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in inputs:
            fixing.add(name)
        elif name in producers and producers[name].op_type not in ("Shape", "Size"):
            stack.extend(x for x in producers[name].input if x)  # Shape needs no values
    return fixing


prepare = KilnBackend.prepare
run_model = KilnBackend.run_model
run_node = KilnBackend.run_node
supports_device = KilnBackend.supports_device
is_compatible = KilnBackend.is_compatible
