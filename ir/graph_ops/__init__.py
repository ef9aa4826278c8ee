"""The graph IR's op table: one `OpSpec` per op (attributes, static operands, shape rule,
semantics), declared by family and gathered here into `TABLE`.

The table is fixed when this package loads: the verifier checks exactly what it says,
whatever has or has not been imported.
"""

from __future__ import annotations

from kiln.base.errors import VerifyError
from kiln.ir.graph import Node
from kiln.ir.graph_ops import (
    attention,
    elementwise,
    indexing,
    linalg,
    makers,
    movement,
    norm,
    quant,
    reduce,
    resize,
    window,
)
from kiln.ir.graph_ops.spec import (
    REQUIRED,
    Attr,
    Eval,
    OpSpec,
    ShapeError,
    Sig,
    StaticInput,
    check_attrs,
    node_sig,
)

FAMILIES = {
    "elementwise": elementwise.OPS,
    "data movement": movement.OPS,
    "indexing": indexing.OPS,
    "shape and constant makers": makers.OPS,
    "linear algebra and softmax": linalg.OPS,
    "reductions, top-k and running sums": reduce.OPS,
    "pooling and convolution": window.OPS,
    "resizing": resize.OPS,
    "normalization": norm.OPS,
    "attention": attention.OPS,
    "quantization": quant.OPS,
}

TABLE: dict[str, OpSpec] = {}
for _ops in FAMILIES.values():
    for _spec in _ops:
        assert _spec.name not in TABLE, f"{_spec.name} is declared twice"
        TABLE[_spec.name] = _spec


def supported_ops() -> list[str]:
    return sorted(TABLE)


def spec_of(n: Node) -> OpSpec:
    spec = TABLE.get(n.op_type)
    if spec is None:
        raise VerifyError(
            f"{n.who}: op {n.op_type} is not in kiln's graph op table",
            n.loc,
            f"kiln supports: {', '.join(supported_ops())}",
        )
    return spec


def check_node(n: Node) -> None:
    """The op table's rules for one node: a known op, its attributes, its operand and
    result counts, and declared output types equal to the inferred ones."""
    spec = spec_of(n)
    complaint = check_attrs(spec, n.attrs)
    if complaint:
        raise VerifyError(f"{n.who}: {complaint}", n.loc)
    lo, hi = spec.n_inputs
    if not lo <= len(n.inputs) <= hi:
        raise VerifyError(f"{n.who}: takes {_count(lo, hi)} operands, got {len(n.inputs)}", n.loc)
    lo, hi = spec.n_outputs
    if not lo <= len(n.outputs) <= hi:
        raise VerifyError(f"{n.who}: has {_count(lo, hi)} results, got {len(n.outputs)}", n.loc)
    try:
        inferred = spec.infer(node_sig(spec, n))
    except ShapeError as err:
        raise VerifyError(f"{n.who}: {err}", n.loc) from None
    for i, (v, t) in enumerate(zip(n.outputs, inferred, strict=False)):
        if v.type != t:
            raise VerifyError(
                f"{n.who}: result {i} %{v.name} is declared {v.type}, but the op gives {t}",
                n.loc,
            )


def _count(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo} to {hi}"


__all__ = [
    "FAMILIES",
    "REQUIRED",
    "TABLE",
    "Attr",
    "Eval",
    "OpSpec",
    "ShapeError",
    "Sig",
    "StaticInput",
    "check_node",
    "spec_of",
    "supported_ops",
]
