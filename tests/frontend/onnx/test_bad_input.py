"""Bad ONNX input, one case each, through the CLI as a user meets it: exit code 1, a message
naming the model file, the node (name and op type) or input, the opset where it matters,
and a hint; never a traceback, and no output file written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from kiln.frontend.onnx.load import MAX_OPSET, MIN_OPSET

ERROR_CASES = {}


def model(nodes, inputs, outputs, opset=21, domains=(), initializers=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    imports = [helper.make_opsetid("", opset), *(helper.make_opsetid(d, 1) for d in domains)]
    return helper.make_model(graph, opset_imports=imports, ir_version=8)


def vi(name: str, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def relu(opset: int = 21) -> onnx.ModelProto:
    return model(
        [helper.make_node("Relu", ["x"], ["y"], name="act")],
        [vi("x", [2, 3])],
        [vi("y", [2, 3])],
        opset,
    )


def kiln(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiln", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def fails(path: Path, *expected: str, info: bool = True, env: dict | None = None) -> str:
    """`kiln onnx run -o` (and `info`, for a model that cannot even load) on `path` exit 1
    with every `expected` piece in the message, a hint, no traceback, and no output file."""
    out = path.with_suffix(".npz")
    commands = [["onnx", "run", str(path), "-o", str(out)]]
    if info:
        commands.append(["onnx", "info", str(path)])
    for command in commands:
        r = kiln(*command, env=env)
        assert r.returncode == 1, (command, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr, r.stderr
        assert r.stderr.startswith(f"error: {path}"), r.stderr
        assert "hint:" in r.stderr, r.stderr
        for piece in expected:
            assert piece in r.stderr, (piece, r.stderr)
        assert not out.exists()
    return r.stderr


def save(tmp_path: Path, m: onnx.ModelProto, name: str = "model.onnx") -> Path:
    path = tmp_path / name
    onnx.save(m, str(path))
    return path


def test_truncated_file(tmp_path: Path) -> None:
    full = relu().SerializeToString()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(full[: len(full) // 2])
    fails(path, "not a readable ONNX model", "truncated")


def test_not_an_onnx_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.onnx"
    path.write_text("int main(void) { return 0; }\n" * 20)
    fails(path, "ONNX")


def test_missing_file(tmp_path: Path) -> None:
    fails(tmp_path / "absent.onnx", "no such model file")


def test_op_outside_the_table_lists_the_supported_ones(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("NonZero", ["x"], ["y"], name="pick")],
        [vi("x", [2, 3])],
        [vi("y", [2, 3])],
    )
    path = save(tmp_path, m)
    err = fails(path, "node 'pick' (NonZero)", "opset 21", "kiln supports: ", info=False)
    assert "MatMul" in err and "Softmax" in err
    info = kiln("onnx", "info", str(path))
    assert info.returncode == 0 and "NonZero: pick" in info.stdout  # info lists what is lacking


def test_an_upgraded_model_names_its_own_opset_and_the_upgrade(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("NonZero", ["x"], ["y"], name="pick")],
        [vi("x", [2, 3])],
        [vi("y", [2, 3])],
        opset=17,
    )
    fails(save(tmp_path, m), "node 'pick' (NonZero)", "model opset 17, upgraded to 21", info=False)


def test_unsupported_attribute_value_is_named(tmp_path: Path) -> None:
    """Training-mode batch normalization is valid ONNX, but not an inference graph."""
    stats = [helper.make_tensor(n, TensorProto.FLOAT, [3], [1.0] * 3) for n in "sbmv"]
    m = model(
        [helper.make_node("BatchNormalization", ["x", *"sbmv"], ["y"], name="bn", training_mode=1)],
        [vi("x", [2, 3, 4])],
        [vi("y", [2, 3, 4])],
        initializers=stats,
    )
    path = save(tmp_path, m)
    fails(
        path,
        "node 'bn' (BatchNormalization)",
        "training_mode=1 is not supported (kiln implements 0)",
        "opset 21",
        info=False,
    )


def test_unknown_attribute_is_named(tmp_path: Path) -> None:
    m = relu()
    m.graph.node[0].attribute.append(helper.make_attribute("flavour", 3))
    fails(
        save(tmp_path, m), "node 'act' (Relu)", "attribute 'flavour' is not supported", info=False
    )


def test_dynamic_shape_left_unbound_names_the_input(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("Relu", ["tokens"], ["y"], name="act")],
        [vi("tokens", ["batch", 16])],
        [vi("y", ["batch", 16])],
    )
    path = save(tmp_path, m)
    err = fails(path, "input 'tokens'", "'batch'", "--shape tokens=1x16", info=False)
    assert "static shapes" in err
    ok = kiln("onnx", "run", str(path), "--shape", "tokens=2x16")
    assert ok.returncode == 0, ok.stderr
    by_dim = kiln("onnx", "run", str(path), "--shape", "batch=3")
    assert by_dim.returncode == 0 and "[3, 16]" in by_dim.stdout, by_dim.stderr


@pytest.mark.parametrize("opset", [MIN_OPSET - 1, MAX_OPSET + 1])
def test_opset_outside_the_range(tmp_path: Path, opset: int) -> None:
    m = relu(opset)
    fails(save(tmp_path, m), f"opset {opset} is outside the {MIN_OPSET} to {MAX_OPSET}")


def test_custom_domain(tmp_path: Path) -> None:
    node = helper.make_node("FusedGelu", ["x"], ["y"], name="fused", domain="com.microsoft")
    m = model([node], [vi("x", [2, 3])], [vi("y", [2, 3])], domains=["com.microsoft"])
    path = save(tmp_path, m)
    fails(path, "node 'fused' (FusedGelu)", "custom domain 'com.microsoft'", info=False)
    info = kiln("onnx", "info", str(path))
    assert info.returncode == 0 and "FusedGelu: fused" in info.stdout, info.stderr


def test_model_over_the_size_limit_states_the_limit(tmp_path: Path) -> None:
    weight = helper.make_tensor("w", TensorProto.FLOAT, [64, 64], np.zeros(64 * 64).tolist())
    m = model(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        [vi("x", [1, 64])],
        [vi("y", [1, 64])],
        initializers=[weight],
    )
    path = save(tmp_path, m)
    fails(
        path,
        "over kiln's limit of 0 MiB",
        "KILN_ONNX_MAX_BYTES",
        env={"KILN_ONNX_MAX_BYTES": "1000"},
    )


def test_shape_operand_computed_at_run_time(tmp_path: Path) -> None:
    m = model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="view")],
        [vi("x", [2, 3]), vi("shape", [2], TensorProto.INT64)],
        [vi("y", [3, 2])],
    )
    fails(
        save(tmp_path, m), "node 'view' (Reshape)", "operand 1 ('shape') fixes a shape", info=False
    )
