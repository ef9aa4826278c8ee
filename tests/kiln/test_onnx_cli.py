"""`kiln onnx info` and `kiln onnx run` on a real export, and `kiln.onnx_backend` as the
onnx.backend API promises it: prepare once, run with any batch, CPU only for now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from kiln import onnx_backend


def kiln(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiln", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def mha(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mha") / "mha.onnx"
    r = kiln("kernels", "export", "mha", "-o", str(path))
    assert r.returncode == 0, r.stderr
    return path


def test_info_lists_inputs_ops_and_nothing_lacking(mha: Path) -> None:
    r = kiln("onnx", "info", str(mha), "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["opset"] == 18 and info["imported_at_opset"] == 21
    assert info["ops"]["MatMul"] >= 2 and info["unsupported"] == {}
    assert [v["name"] for v in info["inputs"]] == [i.name for i in onnx.load(str(mha)).graph.input]
    text = kiln("onnx", "info", str(mha)).stdout
    assert "every op is supported" in text and "MatMul" in text


def test_run_checks_against_onnxruntime_and_writes_outputs(mha: Path, tmp_path: Path) -> None:
    out = tmp_path / "y.npz"
    r = kiln("onnx", "run", str(mha), "--check", "-o", str(out), "--print-ir")
    assert r.returncode == 0, r.stderr
    assert "graph @" in r.stdout and " ok" in r.stdout and "DIFFERS" not in r.stdout
    names = [o.name for o in onnx.load(str(mha)).graph.output]
    with np.load(out) as saved:
        assert sorted(saved.files) == sorted(names)


def dynamic_relu() -> onnx.ModelProto:
    node = helper.make_node("Relu", ["x"], ["y"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])


def test_backend_prepares_once_and_runs_any_batch() -> None:
    rep = onnx_backend.prepare(dynamic_relu(), "CPU")
    for batch in (1, 3):
        x = np.linspace(-1, 1, batch * 4, dtype=np.float32).reshape(batch, 4)
        (y,) = rep.run([x])
        np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert len(rep._graphs) == 2  # one import per binding of the dynamic dimension


def test_backend_devices() -> None:
    assert onnx_backend.supports_device("CPU")
    assert not onnx_backend.supports_device("CUDA")
    assert onnx_backend.is_compatible(dynamic_relu())
    with pytest.raises(ValueError, match="runs on CPU"):
        onnx_backend.prepare(dynamic_relu(), "RTL")
