"""kiln: compile C kernels and ONNX graphs to scheduled Verilog, verified bit for bit."""

__version__ = "0.1.0"
