"""Frontends: C kernels (`kiln.frontend.c`) to kernel IR; ONNX graphs come next."""
