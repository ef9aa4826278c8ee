"""Reading an ONNX model for import: the file (external data included), the checks that
say early and exactly why a model cannot be taken (not ONNX, too big, opset, custom
domain), and the upgrade to kiln's canonical opset with onnx's version converter."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import onnx

from kiln.base.errors import OnnxImportError, SourceLoc

CANONICAL_OPSET = 21  # models below it are upgraded to it
MIN_OPSET = 13
# Newer opsets are taken as they are when every node's op version is one the op table
# implements (from 22 on, ONNX mostly added element types to existing ops).
MAX_OPSET = 28
MAX_MODEL_BYTES = int(os.environ.get("KILN_ONNX_MAX_BYTES", 2 << 30))  # 2 GiB: protobuf's limit
DEFAULT_DOMAINS = ("", "ai.onnx")

TYPE_NAMES = {v: k for k, v in onnx.TensorProto.DataType.items()}


@dataclass
class LoadedModel:
    model: onnx.ModelProto
    file: str  # how messages name the model: its path, or "<model>" for a ModelProto
    opset: int  # the default domain's opset after any upgrade
    original_opset: int

    def loc(self) -> SourceLoc:
        return SourceLoc(self.file)

    def opset_text(self) -> str:
        """How messages name the opset: the model's own, and what kiln upgraded it to."""
        if self.original_opset == self.opset:
            return f"opset {self.opset}"
        return f"model opset {self.original_opset}, upgraded to {self.opset}"


def load_model(source: str | os.PathLike | onnx.ModelProto, domains: bool = True) -> LoadedModel:
    """The model at `source` (a path or a ModelProto), checked and at opset >= 21; with
    `domains` False, nodes of custom domains are let through (for `kiln onnx info`)."""
    if isinstance(source, onnx.ModelProto):
        model, file = source, "<model>"
        if model.ByteSize() > MAX_MODEL_BYTES:
            raise _too_big(file, model.ByteSize())
    else:
        model, file = _read(Path(source)), str(source)
    opset = _default_opset(model, file)
    if domains:
        _check_domains(model, file)
    upgraded = model
    if opset < CANONICAL_OPSET and domains:
        upgraded = _upgrade(model, file, opset)
    return LoadedModel(upgraded, file, max(opset, CANONICAL_OPSET), opset)


def _read(path: Path) -> onnx.ModelProto:
    where = SourceLoc(str(path))
    if not path.is_file():
        raise OnnxImportError("no such model file", where, "check the path")
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise _too_big(str(path), size)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as err:  # protobuf's DecodeError and friends
        raise OnnxImportError(
            f"not a readable ONNX model ({type(err).__name__}: {str(err) or 'cannot parse'})",
            where,
            "the file may be truncated or not ONNX; re-export it, and check it with "
            "python -c 'import onnx; onnx.checker.check_model(\"FILE\")'",
        ) from None
    if not model.graph.node and not model.graph.output:
        raise OnnxImportError(
            "the file parses but holds no graph", where, "is this an ONNX model file?"
        )
    external = [
        t.name for t in model.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL
    ]
    if external:
        try:
            onnx.load_external_data_for_model(model, str(path.parent))
        except (OSError, ValueError) as err:
            raise OnnxImportError(
                f"cannot read the external data of initializer '{external[0]}': {err}",
                where,
                "keep the model's .data files beside it, at the paths it was saved with",
            ) from None
    return model


def _too_big(file: str, size: int) -> OnnxImportError:
    return OnnxImportError(
        f"model is {size / 2**20:.0f} MiB, over kiln's limit of {MAX_MODEL_BYTES / 2**20:.0f} MiB",
        SourceLoc(file),
        "set KILN_ONNX_MAX_BYTES to raise the limit, or save the weights as external data",
    )


def _default_opset(model: onnx.ModelProto, file: str) -> int:
    versions = [o.version for o in model.opset_import if o.domain in DEFAULT_DOMAINS]
    if not versions:
        raise OnnxImportError(
            "the model imports no opset of the default ONNX domain",
            SourceLoc(file),
            f"kiln takes opsets {MIN_OPSET} to {MAX_OPSET} of the default domain",
        )
    opset = versions[0]
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise OnnxImportError(
            f"opset {opset} is outside the {MIN_OPSET} to {MAX_OPSET} that kiln takes",
            SourceLoc(file),
            f"re-export with opset_version between {MIN_OPSET} and {MAX_OPSET} (e.g. "
            f"torch.onnx.export(..., opset_version={CANONICAL_OPSET}))"
            if opset > MAX_OPSET
            else "upgrade it: onnx.version_converter.convert_version(model, 21)",
        )
    return opset


def _check_domains(model: onnx.ModelProto, file: str) -> None:
    for i, node in enumerate(model.graph.node):
        if node.domain not in DEFAULT_DOMAINS:
            raise OnnxImportError(
                f"node '{node.name or f'#{i}'}' ({node.op_type}) is in the custom domain "
                f"'{node.domain}'",
                SourceLoc(file),
                "kiln takes only the default ONNX domain; export without custom ops (for "
                "onnxruntime's contrib ops, export from the framework instead of optimizing "
                "with onnxruntime first)",
            )


def _upgrade(model: onnx.ModelProto, file: str, opset: int) -> onnx.ModelProto:
    from onnx import version_converter

    try:
        return version_converter.convert_version(model, CANONICAL_OPSET)
    except Exception as err:
        raise OnnxImportError(
            f"onnx's version converter cannot upgrade the model from opset {opset} to "
            f"{CANONICAL_OPSET}: {str(err).splitlines()[0] if str(err) else type(err).__name__}",
            SourceLoc(file),
            f"re-export the model at opset {CANONICAL_OPSET}",
        ) from None
