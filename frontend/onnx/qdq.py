"""QDQ models: the format of every QuantizeLinear/DequantizeLinear pair (or a lone
DequantizeLinear of an integer weight) is kept on the float tensor it quantizes, so that
lowering honours the model's formats instead of choosing its own."""

from __future__ import annotations

from kiln.ir.graph import Graph, Node, QuantFormat, TensorValue
from kiln.ir.graph_ops.spec import axis
from kiln.ir.types import IntType


def annotate_qdq(g: Graph) -> None:
    """Set `quant` on the input of each QuantizeLinear and the output of each
    DequantizeLinear whose scale and zero point are constants."""
    for n in g.nodes:
        if n.op_type == "QuantizeLinear":
            fmt = _format(n, n.outputs[0])
            if fmt is not None:
                n.inputs[0].quant = fmt
        elif n.op_type == "DequantizeLinear":
            fmt = _format(n, n.inputs[0])
            if fmt is not None:
                n.outputs[0].quant = fmt


def _format(n: Node, quantized: TensorValue) -> QuantFormat | None:
    scale = n.inputs[1]
    zero = n.inputs[2] if len(n.inputs) > 2 else None
    if scale is None or scale.data is None or (zero is not None and zero.data is None):
        return None  # computed scales: nothing static to keep
    if scale.type.rank > 1 or not isinstance(quantized.type.elem, IntType):
        return None  # blocked and float8 formats stay as their Q/DQ nodes, not yet a format
    scales = tuple(float(s) for s in scale.data.reshape(-1))
    zeros = tuple(int(z) for z in zero.data.reshape(-1)) if zero is not None else (0,) * len(scales)
    per_axis = scale.type.rank == 1 and scale.type.shape[0] != 1
    a = axis(int(n.attrs.get("axis", 1)), quantized.type.rank) if per_axis else None
    return QuantFormat(quantized.type.elem, scales, zeros, a)  # type: ignore[arg-type]
