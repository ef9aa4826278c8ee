"""Frontends: C kernels and ONNX graphs into kiln IR (C in the c-frontend issue, ONNX in llm-kernels)."""
