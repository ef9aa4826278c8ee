"""Every registered kernel exports to ONNX that passes the checker and matches torch in
onnxruntime, at its default and at a second hardware-sized configuration; the docs list each
graph's op set; the `kiln kernels` commands and their errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import onnx
import pytest

from kiln.cli import main
from kiln.llm_kernels import registry
from kiln.llm_kernels.export import OPSET, op_types

DOCS = Path(__file__).resolve().parents[2] / "docs" / "llm_kernels.md"

# A second configuration per kernel, away from the defaults (sizes the hardware flow takes).
OTHER = {
    "mha": {"seq": 32, "n_heads": 4, "n_kv_heads": 2, "head_dim": 8, "causal": False},
    "snapkv": {"prompt": 48, "window": 4, "capacity": 20, "pooling": "avg"},
    "medusa-heads": {"hidden": 16, "vocab": 256, "n_heads": 4},
    "medusa-verify": {"vocab": 12, "seed": 3},
    "sgconv": {"seq": 16, "channels": 4},
}


def tolerance(report: registry.CheckReport) -> None:
    for out in report.outputs:
        if out.dtype.startswith(("int", "bool")):
            assert out.onnx_vs_torch == 0, f"{report.kernel}.{out.name}: integer outputs differ"
        else:
            assert out.onnx_vs_torch < 1e-5, f"{report.kernel}.{out.name}: {out.onnx_vs_torch}"
            assert out.onnx_vs_f64 < 1e-4, f"{report.kernel}.{out.name}: {out.onnx_vs_f64}"


@pytest.mark.parametrize("name", [k.name for k in registry.KERNELS])
@pytest.mark.parametrize("which", ["default", "other"])
def test_export_passes_checker_and_matches_torch(name, which):
    kernel = registry.find(name)
    options = {} if which == "default" else OTHER[name]
    assert set(options) <= set(kernel.options()), "the test's options exist"
    report = registry.check(name, options, device="cpu")
    assert report.opset == OPSET
    assert report.outputs, "every kernel has outputs"
    tolerance(report)


def documented_ops() -> dict[str, list[str]]:
    """The op-set column of the table in docs/llm_kernels.md."""
    rows = re.findall(r"^\| `([a-z-]+)` \|[^|]*\| ([A-Za-z, ]+) \|$", DOCS.read_text(), re.M)
    return {name: sorted(op.strip() for op in ops.split(",")) for name, ops in rows}


def test_docs_list_each_graphs_op_set(tmp_path):
    documented = documented_ops()
    assert sorted(documented) == sorted(k.name for k in registry.KERNELS)
    for kernel in registry.KERNELS:
        _, path = registry.export(kernel.name, {}, tmp_path / f"{kernel.name}.onnx")
        assert documented[kernel.name] == op_types(path), f"docs/llm_kernels.md: {kernel.name}"
        assert "Attention" not in op_types(path), "no fused opset-23 attention"


def test_cli_list_export_and_check(tmp_path, capsys):
    assert main(["kernels", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [k["name"] for k in listed] == [k.name for k in registry.KERNELS]
    assert listed[0]["options"]["seq"] == 16

    out = tmp_path / "mha.onnx"
    assert main(["kernels", "export", "mha", "--config", "seq=8,n_heads=1", "-o", str(out)]) == 0
    model = onnx.load(str(out))
    onnx.checker.check_model(model)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["kiln.seq"] == "8" and meta["kiln.n_heads"] == "1"
    assert model.graph.input[0].type.tensor_type.shape.dim[1].dim_value == 8

    assert main(["kernels", "check", "mha", "--device", "cpu"]) == 0
    table = capsys.readouterr().out
    assert "kernel mha on cpu, ONNX opset 18" in table
    assert "onnxrt vs torch" in table and "fixed-point interpreter" in table


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["kernels", "check", "flash"], "no kernel named 'flash'"),
        (["kernels", "export", "mha", "--config", "heads=2", "-o", "x.onnx"], "no option 'heads'"),
        (["kernels", "check", "mha", "--config", "seq=abc"], "seq='abc' of kernel mha is not"),
        (["kernels", "check", "mha", "--config", "seq"], "is not key=value"),
    ],
)
def test_cli_errors_name_the_problem(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and "hint:" in err
    assert not (tmp_path / "x.onnx").exists(), "nothing is written on bad input"


def test_cuda_device_without_a_gpu_is_a_clear_error(capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: this checks the message when there is none")
    assert main(["kernels", "check", "mha", "--device", "cuda"]) == 1
    assert "torch sees none" in capsys.readouterr().err


def test_every_reference_runs_on_cuda_when_present():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no GPU here: the CUDA reference path runs where torch sees one")
    for kernel in registry.KERNELS:
        report = registry.check(kernel.name, {}, device="cuda")
        assert report.device.startswith("cuda")
        tolerance(report)
