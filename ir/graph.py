"""Graph IR: tensor ops with shapes and element types, as imported from ONNX.

Only the structure lives here now: values, nodes, graphs, a printer and a structural
verifier. The ONNX importer (issue [llm-kernels]) fills in op types and registers a
shape rule per op in `SHAPE_RULES`, which the verifier then checks as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir.types import ScalarType

Dim = int | str  # a size, or a symbolic name such as "batch"


@dataclass(frozen=True)
class TensorType:
    elem: ScalarType
    shape: tuple[Dim, ...]

    def __str__(self) -> str:
        return f"tensor<{'x'.join(map(str, self.shape))}{'x' if self.shape else ''}{self.elem}>"


@dataclass(eq=False)
class TensorValue:
    name: str
    type: TensorType


AttrValue = int | float | str | tuple[int, ...] | tuple[float, ...]


@dataclass(eq=False)
class Node:
    op_type: str
    inputs: list[TensorValue]
    outputs: list[TensorValue]
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    name: str = ""
    loc: SourceLoc | None = None  # for ONNX: the model file and the node name


@dataclass(eq=False)
class Graph:
    name: str
    inputs: list[TensorValue]
    outputs: list[TensorValue]
    nodes: list[Node]
    constants: dict[str, TensorValue] = field(
        default_factory=dict
    )  # initializers (data kept by the importer)


# op_type -> rule(node) returning a complaint or None; filled by the ONNX frontend.
SHAPE_RULES: dict[str, Callable[[Node], str | None]] = {}


def _attr(v: AttrValue) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, tuple):
        return "[" + ", ".join(map(str, v)) + "]"
    return str(v)


def print_graph(g: Graph) -> str:
    def vals(vs: list[TensorValue]) -> str:
        return ", ".join(f"%{v.name}: {v.type}" for v in vs)

    out = [f"graph @{g.name}({vals(g.inputs)}) -> ({vals(g.outputs)}) {{"]
    out += [f"  const %{v.name}: {v.type}" for v in g.constants.values()]
    for n in g.nodes:
        attrs = ", ".join(f"{k}={_attr(v)}" for k, v in n.attrs.items())
        ins = ", ".join(f"%{v.name}" for v in n.inputs)
        outs = ", ".join(f"%{v.name}" for v in n.outputs)
        name = f' name="{n.name}"' if n.name else ""
        out.append(
            f"  {outs} = {n.op_type}({ins}){' {' + attrs + '}' if attrs else ''}{name}"
            f" : {', '.join(str(v.type) for v in n.outputs)}"
        )
    out.append("}")
    return "\n".join(out) + "\n"


def verify_graph(g: Graph) -> None:
    """Structure: single definitions, nodes in topological order, known outputs, sane shapes."""
    defined: dict[str, TensorValue] = {}

    def define(v: TensorValue, who: str, loc: SourceLoc | None) -> None:
        if v.name in defined:
            raise VerifyError(f"{who}: tensor %{v.name} is defined twice", loc)
        for d in v.type.shape:
            if isinstance(d, int) and d < 0:
                raise VerifyError(f"{who}: tensor %{v.name} has negative dimension {d}", loc)
        defined[v.name] = v

    for v in g.inputs:
        define(v, f"graph @{g.name} input", None)
    for v in g.constants.values():
        define(v, f"graph @{g.name} constant", None)
    for n in g.nodes:
        who = f"node '{n.name or n.op_type}' ({n.op_type})"
        if not n.outputs:
            raise VerifyError(f"{who}: has no outputs", n.loc)
        for v in n.inputs:
            if defined.get(v.name) is not v:
                raise VerifyError(
                    f"{who}: input %{v.name} is not defined before this node",
                    n.loc,
                    "nodes must be in topological order",
                )
        for v in n.outputs:
            define(v, who, n.loc)
        rule = SHAPE_RULES.get(n.op_type)
        complaint = rule(n) if rule else None
        if complaint:
            raise VerifyError(f"{who}: {complaint}", n.loc)
    for v in g.outputs:
        if defined.get(v.name) is not v:
            raise VerifyError(f"graph @{g.name}: output %{v.name} is never computed")
