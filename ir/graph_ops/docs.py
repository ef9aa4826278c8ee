"""docs/onnx_ops.md, generated from the op table (`python -m kiln.ir.graph_ops.docs`), so
the docs list exactly what the verifier, the interpreter and the importer take."""

from __future__ import annotations

import sys

from kiln.ir.graph_ops import FAMILIES, REQUIRED
from kiln.ir.graph_ops.spec import Attr, OpSpec


def _attr(a: Attr) -> str:
    text = f"`{a.name}`"
    if a.choices is not None:
        text += " in {" + ", ".join(f"`{c!r}`" for c in a.choices) + "}"
    elif a.default is not REQUIRED:
        text += f" = `{a.default!r}`"
    else:
        text += " (required)"
    return text


def _row(spec: OpSpec) -> str:
    attrs = ", ".join(_attr(a) for a in spec.attrs) or "-"
    static = ", ".join(f"operand {s.index} -> {_attr(s.attr)}" for s in spec.static_inputs) or "-"
    versions = ", ".join(map(str, spec.versions))
    doc = spec.doc.replace("|", "\\|")
    return f"| {spec.name} | {versions} | {doc} | {attrs} | {static} |"


def ops_markdown() -> str:
    total = sum(len(ops) for ops in FAMILIES.values())
    lines = [
        "# ONNX ops kiln imports",
        "",
        "Generated from the graph IR's op table (`ir/graph_ops/`) by",
        "`python -m kiln.ir.graph_ops.docs > docs/onnx_ops.md`; a test keeps it current.",
        "",
        f"{total} ops. Models of opsets 13 to 20 are upgraded to opset 21 with onnx's version",
        "converter; opsets 21 to 28 are taken as they are when each node's op version is one",
        "listed here. *Static operands* must be constants (after folding): the importer moves",
        "them into the named attribute, so every shape is known at compile time.",
    ]
    for family, ops in FAMILIES.items():
        lines += [
            "",
            f"## {family[0].upper() + family[1:]}",
            "",
            "| op | ONNX versions | semantics | attributes | static operands |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [_row(s) for s in sorted(ops, key=lambda s: s.name)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(ops_markdown())
