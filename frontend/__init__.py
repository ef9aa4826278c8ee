"""Frontends: C kernels (`kiln.frontend.c`) to the kernel IR, ONNX models
(`kiln.frontend.onnx`) to the graph IR."""
