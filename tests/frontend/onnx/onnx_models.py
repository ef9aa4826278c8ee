"""The models the ONNX frontend is proven on, built fresh (nothing is downloaded): the five
reference kernels as `kiln kernels export` writes them, torch's MultiheadAttention from both
exporters, one TinyLM decoder block, and a QDQ MLP from onnxruntime's static quantization.
Each builder writes FILE.onnx and returns (path, feeds: random inputs by name)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

KERNELS = ["mha", "snapkv", "medusa-heads", "medusa-verify", "sgconv"]


def kernel(name: str, folder: Path) -> tuple[Path, dict[str, np.ndarray]]:
    from kiln.llm_kernels import registry

    spec, path = registry.export(
        name, registry.parse_options(registry.find(name), None), folder / f"{name}.onnx"
    )
    feeds = {n: t.detach().numpy() for n, t in zip(spec.input_names, spec.inputs, strict=True)}
    return path, feeds


def _export(module, inputs, names, outputs, path: Path, dynamo: bool, opset: int = 18) -> Path:
    module.eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            inputs,
            str(path),
            dynamo=dynamo,
            opset_version=opset,
            input_names=names,
            output_names=outputs,
            **({"external_data": False} if dynamo else {}),
        )
    return path


class _MHA(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.attn = torch.nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x):
        return self.attn(x, x, x, need_weights=False)[0]


def multihead_attention(folder: Path, dynamo: bool) -> tuple[Path, dict[str, np.ndarray]]:
    x = torch.randn(1, 16, 32, generator=torch.Generator().manual_seed(1))
    path = folder / f"mha_{'dynamo' if dynamo else 'torchscript'}.onnx"
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused kernel has no ONNX export
    try:
        _export(_MHA(), (x,), ["x"], ["y"], path, dynamo)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    return path, {"x": x.numpy()}


class _DecoderBlock(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        from kiln.llm_kernels.model import Block, LMConfig

        torch.manual_seed(0)
        self.block = Block(LMConfig())

    def forward(self, x, positions):
        from kiln.llm_kernels.model import KVCache

        return self.block(x, 0, KVCache(), positions, None, 0)[0]


def decoder_block(
    folder: Path, dynamo: bool = True, opset: int = 18
) -> tuple[Path, dict[str, np.ndarray]]:
    """At opset 23 and later torch exports the attention as one Attention op."""
    from kiln.llm_kernels.model import LMConfig

    c = LMConfig()
    x = torch.randn(1, 16, c.d_model, generator=torch.Generator().manual_seed(2))
    positions = torch.arange(16).unsqueeze(0)
    path = folder / f"decoder_block_opset{opset}.onnx"
    _export(_DecoderBlock(), (x, positions), ["x", "positions"], ["y"], path, dynamo, opset)
    return path, {"x": x.numpy(), "positions": positions.numpy()}


class _MLP(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.fc1, self.fc2 = torch.nn.Linear(32, 64), torch.nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def qdq_mlp(folder: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """An MLP quantized by onnxruntime's quantize_static (QDQ, u8 activations, i8 per-channel
    weights), with every QuantizeLinear result also a graph output so that the integer
    tensors can be compared."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    rng = np.random.default_rng(3)
    float_path = _export(_MLP(), (torch.randn(4, 32),), ["x"], ["y"], folder / "mlp.onnx", False)

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(
                [{"x": rng.standard_normal((4, 32)).astype(np.float32)} for _ in range(8)]
            )

        def get_next(self):
            return next(self.batches, None)

    path = folder / "mlp_qdq.onnx"
    quantize_static(
        str(float_path),
        str(path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    model = onnx.load(str(path))
    for n in model.graph.node:
        if n.op_type == "QuantizeLinear":
            model.graph.output.append(
                onnx.helper.make_tensor_value_info(n.output[0], onnx.TensorProto.UINT8, None)
            )
    onnx.save(model, str(path))
    return path, {"x": rng.standard_normal((4, 32)).astype(np.float32)}
