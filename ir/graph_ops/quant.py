"""Quantization: QuantizeLinear and DequantizeLinear, per tensor and per axis."""

from __future__ import annotations

from kiln.ir.graph_ops.spec import OpSpec

OPS: list[OpSpec] = []
