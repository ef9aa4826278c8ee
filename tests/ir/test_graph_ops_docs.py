"""docs/onnx_ops.md is the op table's own listing, regenerated: a change to the table that
does not regenerate the docs fails here."""

from __future__ import annotations

from pathlib import Path

from kiln.ir.graph_ops import TABLE
from kiln.ir.graph_ops.docs import ops_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "onnx_ops.md"


def test_docs_list_exactly_the_table() -> None:
    assert DOC.read_text() == ops_markdown(), (
        "regenerate: .venv/bin/python -m kiln.ir.graph_ops.docs > docs/onnx_ops.md"
    )
    for name in TABLE:
        assert f"| {name} |" in DOC.read_text()


def test_every_op_says_what_it_computes() -> None:
    assert all(spec.doc for spec in TABLE.values()), [s.name for s in TABLE.values() if not s.doc]
