"""The ONNX frontend: models (files or ModelProtos, opsets 13 to 28) to the graph IR."""

from kiln.frontend.onnx.importer import import_onnx
from kiln.frontend.onnx.load import CANONICAL_OPSET, MAX_OPSET, MIN_OPSET, LoadedModel, load_model

__all__ = ["CANONICAL_OPSET", "MAX_OPSET", "MIN_OPSET", "LoadedModel", "import_onnx", "load_model"]
