"""What `kiln onnx info` shows of a model: inputs, outputs, opset, the op histogram and the
ops (with node names) that kiln's table lacks, as a dict a program can read and as text."""

from __future__ import annotations

from collections import Counter

import onnx

from kiln.frontend.onnx.load import DEFAULT_DOMAINS, TYPE_NAMES, load_model
from kiln.ir.graph_ops import TABLE


def _value(v: onnx.ValueInfoProto) -> dict:
    tt = v.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tt.shape.dim]
    return {"name": v.name, "type": TYPE_NAMES.get(tt.elem_type, str(tt.elem_type)), "shape": dims}


def model_info(source) -> dict:
    """The summary of the model at `source`; raises OnnxImportError when it cannot load."""
    lm = load_model(source, domains=False)
    g = lm.model.graph
    initialized = {t.name for t in g.initializer}
    ops = Counter(
        n.op_type if n.domain in DEFAULT_DOMAINS else f"{n.domain}.{n.op_type}" for n in g.node
    )
    missing: dict[str, list[str]] = {}
    for i, n in enumerate(g.node):
        if n.domain not in DEFAULT_DOMAINS or n.op_type not in TABLE:
            missing.setdefault(n.op_type, []).append(n.name or f"#{i}")
    return {
        "file": lm.file,
        "opset": lm.original_opset,
        "imported_at_opset": lm.opset,
        "producer": f"{lm.model.producer_name} {lm.model.producer_version}".strip(),
        "inputs": [_value(v) for v in g.input if v.name not in initialized],
        "outputs": [_value(v) for v in g.output],
        "initializers": len(g.initializer),
        "parameters": int(sum(_numel(t) for t in g.initializer)),
        "nodes": len(g.node),
        "ops": dict(sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))),
        "unsupported": missing,
    }


def _numel(t: onnx.TensorProto) -> int:
    n = 1
    for d in t.dims:
        n *= d
    return n


def format_info(info: dict) -> str:
    def shape(v: dict) -> str:
        return f"{v['name']}: {v['type']}[{', '.join(map(str, v['shape']))}]"

    lines = [
        f"{info['file']}: opset {info['opset']}"
        + (
            f" (imported at {info['imported_at_opset']})"
            if info["imported_at_opset"] != info["opset"]
            else ""
        )
        + (f", from {info['producer']}" if info["producer"] else ""),
        f"inputs:  {'; '.join(shape(v) for v in info['inputs']) or 'none'}",
        f"outputs: {'; '.join(shape(v) for v in info['outputs'])}",
        f"{info['nodes']} nodes, {info['initializers']} initializers "
        f"({info['parameters']:,} values)",
        "ops:",
    ]
    lines += [
        f"  {op:<24} {n:>5}" + ("   (not supported)" if op in info["unsupported"] else "")
        for op, n in info["ops"].items()
    ]
    if info["unsupported"]:
        lines.append("kiln lacks:")
        for op, names in info["unsupported"].items():
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            lines.append(f"  {op}: {shown}")
    else:
        lines.append("every op is supported")
    return "\n".join(lines)
