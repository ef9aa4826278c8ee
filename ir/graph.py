"""Graph IR: tensor ops with static shapes and element types, as imported from ONNX.

A graph's ops are ONNX's (at the versions `kiln.ir.graph_ops` lists), with one change: an
operand ONNX passes as a tensor but that fixes a shape (Reshape's shape, Slice's starts,
TopK's k, the axes of reductions) is an attribute here, so every tensor's shape is known
from its node alone. Constants carry their data. The printer is in `graph_text.py`, the
op table (shape and type rules, semantics) in `graph_ops/`, the interpreter in
`graph_interpreter.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir.types import BOOL, FLOAT_TYPES, FloatType, IntType, ScalarType

Dim = int | str  # a size, or a symbolic name such as "batch" (bound before import ends)


@dataclass(frozen=True)
class TensorType:
    elem: ScalarType
    shape: tuple[Dim, ...]

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def static(self) -> bool:
        return all(isinstance(d, int) for d in self.shape)

    @property
    def size(self) -> int:
        return int(np.prod([d for d in self.shape if isinstance(d, int)], dtype=np.int64))

    def __str__(self) -> str:
        return f"tensor<{'x'.join(map(str, self.shape))}{'x' if self.shape else ''}{self.elem}>"


@dataclass(frozen=True)
class QuantFormat:
    """How a QDQ model quantizes a float tensor: q = saturate(round(x / scale) + zero_point)
    in `elem`, per tensor (`axis` None, one scale) or per slice along `axis`."""

    elem: IntType
    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int | None = None

    def __str__(self) -> str:
        axis = "" if self.axis is None else f", axis={self.axis}"
        scale = ", ".join(_float_text(s) for s in self.scale)
        zero = ", ".join(map(str, self.zero_point))
        return f"quant<{self.elem}, scale=[{scale}], zero=[{zero}]{axis}>"


@dataclass(eq=False)
class TensorValue:
    name: str
    type: TensorType
    data: np.ndarray | None = None  # a constant's value, in the element type's numpy dtype
    quant: QuantFormat | None = None  # the QDQ format this float tensor is quantized to


AttrValue = int | float | str | tuple[int, ...] | tuple[float, ...] | tuple[str, ...]


@dataclass(eq=False)
class Node:
    op_type: str
    inputs: list[TensorValue | None]  # None: an optional operand left out
    outputs: list[TensorValue]
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    name: str = ""
    loc: SourceLoc | None = None  # for ONNX: the model file; `name` is the node's

    @property
    def who(self) -> str:
        """How messages name the node: its ONNX name and op type."""
        return f"node '{self.name or self.op_type}' ({self.op_type})"


@dataclass(eq=False)
class Graph:
    name: str
    inputs: list[TensorValue]
    outputs: list[TensorValue]
    nodes: list[Node]
    constants: dict[str, TensorValue] = field(default_factory=dict)


# ---- element types and numpy ------------------------------------------------------------

F16, BF16 = FloatType(16, False), FloatType(16, False, 8)
_FLOATS = {name: FloatType(w, False, e, v) for name, (w, e, v) in FLOAT_TYPES.items()}
# ml_dtypes' name for each float the graph IR holds beyond numpy's own (their dtype kind is
# 'V', not 'f'); float8 and float4 appear only where ONNX puts them (casts, quantization)
_ML_FLOATS = {
    "bf16": "bfloat16",
    "f8e4m3fn": "float8_e4m3fn",
    "f8e4m3fnuz": "float8_e4m3fnuz",
    "f8e5m2": "float8_e5m2",
    "f8e5m2fnuz": "float8_e5m2fnuz",
    "f8e8m0fnu": "float8_e8m0fnu",
    "f4e2m1fn": "float4_e2m1fn",
}
_ML_FLOAT_ELEMS = {dtype: name for name, dtype in _ML_FLOATS.items()}
_NARROW_INTS = ("int4", "uint4", "int2", "uint2")


def np_dtype(elem: ScalarType) -> np.dtype:
    """The numpy dtype that holds `elem` exactly; fixed point has none (it is lowered)."""
    if isinstance(elem, FloatType):
        if str(elem) in _ML_FLOATS:
            import ml_dtypes

            return np.dtype(getattr(ml_dtypes, _ML_FLOATS[str(elem)]))
        return np.dtype(f"float{elem.width}")
    if isinstance(elem, IntType):
        if elem == BOOL:
            return np.dtype(np.bool_)
        if elem.width in (8, 16, 32, 64):
            return np.dtype(f"{'' if elem.signed else 'u'}int{elem.width}")
        if elem.width in (2, 4):  # ONNX's packed int4/int2, one per byte in ml_dtypes
            import ml_dtypes

            return np.dtype(getattr(ml_dtypes, f"{'' if elem.signed else 'u'}int{elem.width}"))
    raise VerifyError(
        f"element type {elem} has no numpy form",
        hint="the graph interpreter holds IEEE and narrow floats, bool and 2- to 64-bit integers",
    )


def elem_of_dtype(dtype: np.dtype) -> ScalarType:
    """The element type of a numpy dtype, the inverse of `np_dtype`."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return BOOL
    if dtype.name in _ML_FLOAT_ELEMS:
        return _FLOATS[_ML_FLOAT_ELEMS[dtype.name]]
    if dtype.name in _NARROW_INTS:
        return IntType(int(dtype.name[-1]), not dtype.name.startswith("u"))
    if dtype.kind == "f":
        return FloatType(dtype.itemsize * 8, False)
    if dtype.kind in "iu":
        return IntType(dtype.itemsize * 8, dtype.kind == "i")
    raise VerifyError(f"numpy dtype {dtype} is not a graph-IR element type")


def elem_named(name: str) -> ScalarType:
    """The element type a `dtype` attribute names: f16, bf16, f32, f64, the narrow floats,
    u1 (bool), i2 ... u64."""
    if name in _FLOATS:
        return _FLOATS[name]
    if len(name) > 1 and name[0] in "iu" and name[1:].isdigit():
        return IntType(int(name[1:]), name[0] == "i")
    raise VerifyError(
        f"unknown element type '{name}'", hint=f"{', '.join(_FLOATS)}, u1, i2 ... u64"
    )


def is_float(dtype: np.dtype) -> bool:
    """numpy's floats and ml_dtypes' (whose dtype kind is 'V', not 'f')."""
    return dtype.kind == "f" or dtype.name in _ML_FLOAT_ELEMS


def _float_text(x: float) -> str:
    """Shortest text that reads back as the same float (repr), with inf and nan spelled out."""
    return repr(float(x))


# ---- the verifier -------------------------------------------------------------------------


def verify_graph(g: Graph) -> None:
    """Structure (single definitions, topological order, computed outputs) and, for every
    node, the op table's rules: known op, known attributes, and output types equal to what
    the op's shape rule infers from its inputs."""
    from kiln.ir.graph_ops import check_node

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
        who = f"graph @{g.name} constant %{v.name}"
        if v.data is None:
            raise VerifyError(f"{who} has no data")
        if v.data.shape != v.type.shape or v.data.dtype != np_dtype(v.type.elem):
            raise VerifyError(
                f"{who}: data is {v.data.dtype}{list(v.data.shape)}, type says {v.type}"
            )
        define(v, f"graph @{g.name} constant", None)
    for n in g.nodes:
        if not n.outputs:
            raise VerifyError(f"{n.who}: has no outputs", n.loc)
        for v in n.inputs:
            if v is not None and defined.get(v.name) is not v:
                raise VerifyError(
                    f"{n.who}: input %{v.name} is not defined before this node",
                    n.loc,
                    "nodes must be in topological order",
                )
        for v in n.outputs:
            define(v, n.who, n.loc)
        check_node(n)
    for v in g.outputs:
        if defined.get(v.name) is not v:
            raise VerifyError(f"graph @{g.name}: output %{v.name} is never computed")
