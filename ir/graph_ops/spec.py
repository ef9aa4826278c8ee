"""What the op table holds for each graph op: its attributes, the ONNX operands that become
attributes, a shape and type rule, and its semantics on numpy arrays.

One `OpSpec` per op, declared in the family modules beside this one and gathered into
`TABLE` by the package: the verifier, the interpreter, the ONNX importer, `kiln onnx info`
and docs/onnx_ops.md all read that one table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kiln.ir.graph import AttrValue, Dim, Node, TensorType, is_float, np_dtype
from kiln.ir.types import IntType, ScalarType

REQUIRED = object()  # an attribute with no default
VARIADIC = 1 << 16  # the most operands (or results) a variadic op takes
I64 = IntType(64, True)  # what index-making ops return

# Attribute kinds: how ONNX writes them and how the graph IR holds them.
#   int, float, str          one value
#   ints, floats, strs       a tuple
#   dtype                    an element type, held as its name ("f32", "i64", "u1" for bool)
#   scalar                   one number of a tensor attribute (ConstantOfShape's value)
ATTR_KINDS = ("int", "float", "str", "ints", "floats", "strs", "dtype", "scalar")


@dataclass(frozen=True)
class Attr:
    name: str
    kind: str
    default: Any = REQUIRED
    choices: tuple[AttrValue, ...] | None = None  # the values kiln implements, when limited
    doc: str = ""


@dataclass(frozen=True)
class StaticInput:
    """An ONNX operand at `index` that must be a constant; the importer moves its value to
    the attribute `attr` (kind ints, int, floats or float) and drops the operand."""

    index: int
    attr: Attr


class ShapeError(Exception):
    """Raised by a shape rule or by semantics: the operands or attributes break the op's
    rule. The verifier turns it into a VerifyError naming the node."""


@dataclass
class Sig:
    """What a shape rule sees: operand types (None for an omitted optional operand),
    attributes with defaults filled in, and how many outputs the node has."""

    inputs: list[TensorType | None]
    attrs: dict[str, Any]
    n_outputs: int

    def type(self, i: int) -> TensorType:
        t = self.inputs[i] if i < len(self.inputs) else None
        if t is None:
            raise ShapeError(f"operand {i} is required")
        return t

    def has(self, i: int) -> bool:
        return i < len(self.inputs) and self.inputs[i] is not None


@dataclass
class Eval:
    """What semantics see: operand arrays (None for omitted ones), attributes with defaults,
    and the node's declared output types. `dtype(elem)` is the numpy dtype to compute an
    element type in: its own, or float64 for every float when the interpreter runs in
    float64 (the reference precision)."""

    inputs: list[np.ndarray | None]
    attrs: dict[str, Any]
    out_types: list[TensorType]
    float64: bool = False

    def dtype(self, elem: ScalarType) -> np.dtype:
        d = np_dtype(elem)
        return np.dtype(np.float64) if self.float64 and is_float(d) else d

    def out_dtype(self, i: int = 0) -> np.dtype:
        return self.dtype(self.out_types[i].elem)

    def out(self, x: Any, i: int = 0) -> np.ndarray:
        """`x` as output `i`: an array in the output's dtype (numpy promotes scalars and
        mixed operands; ONNX does not)."""
        return np.asarray(x).astype(self.out_dtype(i), copy=False)

    def has(self, i: int) -> bool:
        return i < len(self.inputs) and self.inputs[i] is not None


@dataclass(frozen=True)
class OpSpec:
    name: str
    versions: tuple[int, ...]  # the ONNX versions (since_version) whose semantics these are
    infer: Callable[[Sig], list[TensorType]]
    evaluate: Callable[[Eval], list[np.ndarray]]
    attrs: tuple[Attr, ...] = ()
    static_inputs: tuple[StaticInput, ...] = ()
    n_inputs: tuple[int, int] = (1, 1)  # min and max dynamic operands (ONNX positions)
    n_outputs: tuple[int, int] = (1, 1)
    doc: str = ""
    attr_map: dict[str, Attr] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        every = list(self.attrs) + [s.attr for s in self.static_inputs]
        for a in every:
            assert a.kind in ATTR_KINDS, (self.name, a)
        object.__setattr__(self, "attr_map", {a.name: a for a in every})

    def with_defaults(self, attrs: dict[str, AttrValue]) -> dict[str, Any]:
        full = {a.name: a.default for a in self.attr_map.values() if a.default is not REQUIRED}
        full.update(attrs)
        return full


def check_attrs(spec: OpSpec, attrs: dict[str, AttrValue]) -> str | None:
    """A complaint about an unknown, missing or unsupported attribute, or None."""
    for name, value in attrs.items():
        a = spec.attr_map.get(name)
        if a is None:
            known = ", ".join(sorted(spec.attr_map)) or "none"
            return f"attribute '{name}' is not one kiln knows for {spec.name} (known: {known})"
        if a.choices is not None and value not in a.choices:
            allowed = ", ".join(map(repr, a.choices))
            return f"attribute {name}={value!r} is not supported (kiln implements {allowed})"
    for a in spec.attr_map.values():
        if a.default is REQUIRED and a.name not in attrs:
            return f"attribute '{a.name}' is required"
    return None


def node_sig(spec: OpSpec, n: Node) -> Sig:
    return Sig(
        [v.type if v else None for v in n.inputs], spec.with_defaults(n.attrs), len(n.outputs)
    )


# ---- helpers shared by the shape rules ---------------------------------------------------


def axis(a: int, rank: int, what: str = "axis") -> int:
    """`a` in [0, rank), negative counting from the end, as ONNX allows."""
    if not -rank <= a < max(rank, 1):
        raise ShapeError(f"{what} {a} is out of range for rank {rank}")
    return a % rank if rank else 0


def distinct_axes(axes: Sequence[int], rank: int, what: str = "axes") -> list[int]:
    """Each of `axes` in [0, rank); naming one axis twice is an error."""
    out = [axis(a, rank, what) for a in axes]
    if len(set(out)) != len(out):
        raise ShapeError(f"{what} {list(axes)} repeat an axis")
    return out


def broadcast(shapes: Sequence[tuple[Dim, ...]]) -> tuple[Dim, ...]:
    """numpy's multidirectional broadcasting of `shapes` (ONNX's rule); symbolic dims match
    only themselves or 1."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[Dim] = []
    for i in range(rank):
        dims = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ShapeError(
                f"shapes {' and '.join(shape_text(s) for s in shapes)} do not broadcast"
            )
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def same_elem(sig: Sig, indices: Sequence[int]) -> ScalarType:
    """The one element type shared by the operands at `indices`."""
    elems = {sig.type(i).elem for i in indices if sig.has(i)}
    if len(elems) != 1:
        raise ShapeError(f"operands must share one element type, got {', '.join(map(str, elems))}")
    return elems.pop()


def static(shape: tuple[Dim, ...], what: str) -> tuple[int, ...]:
    if not all(isinstance(d, int) for d in shape):
        raise ShapeError(f"{what} needs a static shape, got {shape_text(shape)}")
    return shape  # type: ignore[return-value]


def shape_text(s: tuple[Dim, ...]) -> str:
    return "[" + ", ".join(map(str, s)) + "]"


# ---- element types and numbers shared by the families ----------------------------------

FLOATS = ("f16", "bf16", "f32", "f64")
INTS32_64 = ("i32", "i64", "u32", "u64")
INTS = ("i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64")


def elem_in(t: TensorType, allowed: Sequence[str], what: str) -> ScalarType:
    """`t`'s element type, when it is one ONNX's type constraint for the op allows."""
    if str(t.elem) not in allowed:
        raise ShapeError(f"{what} takes {', '.join(allowed)}, got {t.elem}")
    return t.elem


def wide(x: np.ndarray) -> np.ndarray:
    """Half floats (f16, bf16) as float32, for ops that accumulate: onnxruntime sums them
    in float32 and rounds once."""
    return x.astype(np.float32) if is_float(x.dtype) and x.dtype.itemsize < 4 else x


def scalar_as(value: float, dtype: np.dtype) -> np.ndarray:
    return np.asarray(value).astype(dtype)


def unidirectional(shape: tuple[Dim, ...], target: tuple[Dim, ...], what: str) -> None:
    """`shape` broadcasts to `target` without changing it (ONNX's unidirectional rule)."""
    if len(shape) > len(target) or any(
        d not in (1, t) for d, t in zip(shape[::-1], target[::-1], strict=False)
    ):
        raise ShapeError(f"{what} {shape_text(shape)} does not broadcast to {shape_text(target)}")


def convert(x: np.ndarray, want: np.dtype, saturate: int = 1, round_mode: str = "up") -> np.ndarray:
    """`x` converted to `want` as ONNX's Cast does: floats to integers truncate toward zero,
    and the narrow floats (float8, float4) round to nearest even and, with `saturate`, clamp
    out-of-range values and infinities to the largest finite value."""
    with np.errstate(all="ignore"):
        if is_float(x.dtype) and want.kind in "iu":
            return np.trunc(x.astype(np.float64)).astype(want)
        if want.kind == "V" and not is_float(x.dtype):  # ints and bools into ml_dtypes
            x = x.astype(np.float64)
        if want.name == "float8_e8m0fnu":
            return _to_e8m0(x, saturate, round_mode)
        y = x.astype(want)
        if saturate and want.name.startswith(("float8", "float4")):
            import ml_dtypes

            top = np.asarray(ml_dtypes.finfo(want).max, np.float32)
            wide_x = x.astype(np.float32)
            over = ~np.isnan(wide_x) & ~np.isfinite(y.astype(np.float32))
            y = np.where(over, np.copysign(top, wide_x).astype(want), y)
        return y


def _to_e8m0(x: np.ndarray, saturate: int, mode: str) -> np.ndarray:
    """Powers of two (the OCP microscaling scale type), rounded on float32's exponent and
    mantissa bits: up (away from zero), down, or nearest with ties up."""
    import ml_dtypes

    bits = np.abs(x.astype(np.float32)).view(np.uint32)
    exp = ((bits >> 23) & 0xFF).astype(np.int64)
    man = bits & 0x7FFFFF
    if mode == "up":
        code = exp + (man != 0)
    elif mode == "down":
        code = exp
    else:
        code = exp + (man >= 0x400000)
    nan = (exp == 0xFF) & (man != 0)
    over = ~nan & (code >= 0xFF)
    under = (exp == 0) & (man == 0)
    if saturate:
        code = np.where(over, 0xFE, np.where(under, 0, code))
    else:
        code = np.where(over | under, 0xFF, code)
    code = np.where(nan, 0xFF, code)
    return code.astype(np.uint8).view(ml_dtypes.float8_e8m0fnu)
