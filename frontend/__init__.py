"""Frontends: C kernels (issue [c-frontend]) and ONNX graphs (issue [llm-kernels]) to IR."""
