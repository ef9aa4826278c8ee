"""ONNX export of the reference kernels at hardware-sized configurations.

Each kernel module offers builders that return an `ExportSpec` (a module in eval mode, example
inputs, names); this module owns the registry, the export call (pinned opset, the TorchScript
exporter, which needs no onnxscript and takes a fraction of a second) and the check that the
graph loads, passes `onnx.checker` and matches torch in onnxruntime. The opset is pinned
below 23 because from opset 23 attention becomes one fused op the frontend would have to know.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

OPSET = 18


@dataclass
class ExportSpec:
    """What to export: `module(*inputs)` returns the tensor or tuple of tensors named
    `output_names`. `config` records the values the builder used (shown by `kiln kernels
    list`, stored in the ONNX metadata)."""

    name: str
    module: torch.nn.Module
    inputs: tuple[torch.Tensor, ...]
    input_names: list[str]
    output_names: list[str]
    config: dict = field(default_factory=dict)
    summary: str = ""


Builder = Callable[..., ExportSpec]  # keyword options with defaults (the config)


def export_onnx(spec: ExportSpec, path: str | Path) -> Path:
    """Write `spec` to `path` as ONNX (opset `OPSET`) and check the model; returns the path."""
    import onnx

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec.module.eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation notice
        torch.onnx.export(
            spec.module,
            spec.inputs,
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=spec.input_names,
            output_names=spec.output_names,
        )
    model = onnx.load(str(path))
    for key, value in sorted(spec.config.items()):
        entry = model.metadata_props.add()
        entry.key, entry.value = f"kiln.{key}", str(value)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def op_types(path: str | Path) -> list[str]:
    """The sorted set of ONNX op types in the graph at `path`."""
    import onnx

    return sorted({node.op_type for node in onnx.load(str(path)).graph.node})


def run_onnxruntime(path: str | Path, spec: ExportSpec) -> list:
    """Run the exported graph on the spec's example inputs; numpy arrays, one per output."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    pairs = zip(spec.input_names, spec.inputs, strict=True)
    feeds = {n: t.detach().cpu().numpy() for n, t in pairs}
    return session.run(None, feeds)


def torch_outputs(spec: ExportSpec) -> list[torch.Tensor]:
    with torch.no_grad():
        out = spec.module(*spec.inputs)
    return list(out) if isinstance(out, tuple | list) else [out]


__all__ = [
    "OPSET",
    "ExportSpec",
    "Builder",
    "export_onnx",
    "op_types",
    "run_onnxruntime",
    "torch_outputs",
]
