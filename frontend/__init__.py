"""Frontends: C kernels (`kiln.frontend.c`) to kernel IR, ONNX models (`kiln.frontend.onnx`) to graph IR."""
