"""PyTorch references for attention, Medusa, SnapKV and SGConv, with their ONNX exports."""
