"""ONNX graph to graph IR: bind dynamic shapes, type every value by the op table's shape
rules (checked against onnx's own shape inference), move shape-fixing operands into
attributes, fold constant subgraphs, and keep QDQ formats on the tensors they quantize."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

from kiln.base.errors import InterpretError, OnnxImportError, SourceLoc
from kiln.frontend.onnx.load import LoadedModel, load_model
from kiln.frontend.onnx.qdq import annotate_qdq
from kiln.ir.graph import (
    Graph,
    Node,
    TensorType,
    TensorValue,
    elem_named,
    np_dtype,
    verify_graph,
)
from kiln.ir.graph_interpreter import evaluate_node
from kiln.ir.graph_ops import TABLE, OpSpec, ShapeError, Sig, supported_ops
from kiln.ir.graph_ops.spec import check_attrs
from kiln.ir.types import BOOL, FloatType, IntType, ScalarType

T = onnx.TensorProto
_NARROW_FLOAT_CODES = {
    "FLOAT8E4M3FN": "f8e4m3fn",
    "FLOAT8E4M3FNUZ": "f8e4m3fnuz",
    "FLOAT8E5M2": "f8e5m2",
    "FLOAT8E5M2FNUZ": "f8e5m2fnuz",
    "FLOAT8E8M0": "f8e8m0fnu",
    "FLOAT4E2M1": "f4e2m1fn",
}
ELEMS: dict[int, ScalarType] = {
    T.FLOAT: FloatType(32, False),
    T.DOUBLE: FloatType(64, False),
    T.FLOAT16: FloatType(16, False),
    T.BFLOAT16: FloatType(16, False, 8),
    **{getattr(T, code): elem_named(name) for code, name in _NARROW_FLOAT_CODES.items()},
    T.BOOL: BOOL,
    **{
        getattr(T, f"{'U' if not s else ''}INT{w}"): IntType(w, s)
        for w in (2, 4, 8, 16, 32, 64)
        for s in (True, False)
    },
}
NO_FOLD = {"QuantizeLinear", "DequantizeLinear"}  # kept, so QDQ formats stay visible
SHAPE_ONLY = {"Shape", "Size"}  # ops that read only their operand's (static) type
FOLD_MAX_ELEMENTS = 1 << 22  # a constant result larger than this stays a node


def import_onnx(
    source,
    shapes: Mapping[str, Sequence[int]] | None = None,
    values: Mapping[str, np.ndarray] | None = None,
    fold: bool = True,
) -> Graph:
    """The graph IR of the model `source` (a path or ModelProto). `shapes` binds dynamic
    shapes, by graph input name (the whole shape) or by symbolic dimension name;
    `values` turns graph inputs into constants of those values (for inputs that fix
    shapes)."""
    return _Importer(load_model(source), dict(shapes or {}), dict(values or {}), fold).run()


def elem_of(code: int, what: str, loc: SourceLoc) -> ScalarType:
    elem = ELEMS.get(code)
    if elem is None:
        name = onnx.TensorProto.DataType.Name(code) if code in T.DataType.values() else code
        raise OnnxImportError(
            f"{what} has element type {name}, which kiln does not hold",
            loc,
            "kiln's tensors are float16, bfloat16, float, double, float8 and float4, bool and "
            "2- to 64-bit integers (no strings or complex numbers)",
        )
    return elem


class _Importer:
    def __init__(self, lm: LoadedModel, shapes: dict, values: dict, fold: bool):
        self.lm, self.shapes, self.values, self.fold = lm, shapes, values, fold
        self.loc = lm.loc()
        self.env: dict[str, TensorValue] = {}
        self.onnx_types: dict[str, TensorType] = {}
        self.nodes: list[Node] = []
        self.constants: dict[str, TensorValue] = {}

    def run(self) -> Graph:
        model = self.lm.model
        g = model.graph
        for init in g.initializer:
            self._constant(init.name, self._array(init, f"initializer '{init.name}'"))
        inputs = [self._input(v) for v in g.input if v.name not in self.env]
        unknown = sorted(set(self.shapes) - {v.name for v in g.input} - self._dim_names(g))
        if unknown:
            raise OnnxImportError(
                f"--shape names {', '.join(unknown)}, which is neither an input nor a "
                "symbolic dimension of the model",
                self.loc,
                f"inputs: {', '.join(v.name for v in g.input)}",
            )
        self._onnx_inference(model, inputs)
        for i, node in enumerate(g.node):
            self._node(node, i)
        outputs = []
        for v in g.output:
            if v.name not in self.env:
                raise OnnxImportError(f"graph output '{v.name}' is never computed", self.loc)
            outputs.append(self.env[v.name])
        graph = Graph(
            _graph_name(g.name),
            [v for v in inputs if v is not None],
            outputs,
            self.nodes,
            self.constants,
        )
        _prune(graph)
        annotate_qdq(graph)
        verify_graph(graph)
        return graph

    # ---- values ---------------------------------------------------------------------

    def _array(self, t: onnx.TensorProto, what: str) -> np.ndarray:
        elem = elem_of(t.data_type, what, self.loc)
        return np.asarray(numpy_helper.to_array(t)).astype(np_dtype(elem), copy=False)

    def _constant(self, name: str, data: np.ndarray) -> TensorValue:
        from kiln.ir.graph import elem_of_dtype

        v = TensorValue(name, TensorType(elem_of_dtype(data.dtype), tuple(data.shape)), data)
        self.env[name] = self.constants[name] = v
        return v

    def _dim_names(self, g: onnx.GraphProto) -> set[str]:
        return {d.dim_param for v in g.input for d in v.type.tensor_type.shape.dim if d.dim_param}

    def _input(self, v: onnx.ValueInfoProto) -> TensorValue | None:
        what = f"input '{v.name}'"
        if not v.type.HasField("tensor_type"):
            raise OnnxImportError(f"{what} is not a tensor", self.loc, "kiln takes tensor inputs")
        tt = v.type.tensor_type
        elem = elem_of(tt.elem_type, what, self.loc)
        if v.name in self.values:
            return self._constant(v.name, np.asarray(self.values[v.name]).astype(np_dtype(elem)))
        given = self.shapes.get(v.name)
        dims = list(tt.shape.dim) if tt.HasField("shape") else None
        if given is not None:
            given = tuple(int(d) for d in given)
            if dims is not None and len(dims) != len(given):
                raise OnnxImportError(
                    f"--shape gives {what} rank {len(given)}, the model says {len(dims)}",
                    self.loc,
                    f"give {len(dims)} dimensions, e.g. {'x'.join(['1'] * len(dims))}",
                )
            for d, n in zip(dims or [], given, strict=False):
                if d.HasField("dim_value") and d.dim_value != n:
                    raise OnnxImportError(
                        f"--shape gives {what} shape {_dims(given)}, but the model fixes a "
                        f"dimension at {d.dim_value}",
                        self.loc,
                    )
            shape = given
        else:
            if dims is None:
                raise self._unbound(what, "has no shape at all", v.name, None)
            shape = []
            for k, d in enumerate(dims):
                if d.HasField("dim_value"):
                    shape.append(d.dim_value)
                elif d.dim_param and d.dim_param in self.shapes:
                    bound = self.shapes[d.dim_param]
                    shape.append(int(bound[0] if isinstance(bound, Sequence) else bound))
                else:
                    name = f"'{d.dim_param}'" if d.dim_param else "unnamed"
                    raise self._unbound(what, f"has a dynamic dimension {k} ({name})", v.name, dims)
            shape = tuple(shape)
        value = TensorValue(v.name, TensorType(elem, shape))
        self.env[v.name] = value
        return value

    def _unbound(self, what: str, why: str, name: str, dims) -> OnnxImportError:
        example = (
            "x".join(str(d.dim_value) if d.HasField("dim_value") else "1" for d in (dims or []))
            or "1x16"
        )
        return OnnxImportError(
            f"{what} {why}: kiln builds static shapes",
            self.loc,
            f"bind it: --shape {name}={example} "
            f"(Python: shapes={{'{name}': ({example.replace('x', ', ')})}})",
        )

    def _onnx_inference(self, model: onnx.ModelProto, inputs: list[TensorValue | None]) -> None:
        """onnx's own shape inference, with the bound shapes, for a second opinion on every
        value kiln's rules type (a difference is a bug in one of the two)."""
        if model.ByteSize() > (1 << 30):
            return  # inference needs the model in one protobuf; the rules still check
        bound = onnx.ModelProto()
        bound.CopyFrom(model)
        by_name = {v.name: v for v in inputs if v is not None}
        for vi in bound.graph.input:
            v = by_name.get(vi.name)
            if v is not None:
                vi.type.tensor_type.ClearField("shape")
                for d in v.type.shape:
                    vi.type.tensor_type.shape.dim.add().dim_value = d
        try:
            inferred = onnx.shape_inference.infer_shapes(bound, data_prop=True)
        except Exception:
            return  # onnx cannot infer this model; kiln's rules still type every value
        for vi in [*inferred.graph.value_info, *inferred.graph.output]:
            tt = vi.type.tensor_type
            if tt.elem_type in ELEMS and tt.HasField("shape"):
                dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
                if None not in dims:
                    self.onnx_types[vi.name] = TensorType(ELEMS[tt.elem_type], tuple(dims))

    # ---- nodes ----------------------------------------------------------------------

    def _node(self, node: onnx.NodeProto, index: int) -> None:
        who = f"node '{node.name or f'#{index}'}' ({node.op_type})"
        spec = TABLE.get(node.op_type)
        if spec is None:
            raise OnnxImportError(
                f"{who}: op {node.op_type} is not supported by kiln ({self.lm.opset_text()})",
                self.loc,
                f"kiln supports: {', '.join(supported_ops())}",
            )
        version = onnx.defs.get_schema(node.op_type, self.lm.opset, "").since_version
        if version not in spec.versions:
            raise OnnxImportError(
                f"{who}: {node.op_type} version {version} ({self.lm.opset_text()}) is not one kiln "
                f"implements ({', '.join(map(str, spec.versions))})",
                self.loc,
                f"export at an opset where {node.op_type} is one of those versions",
            )
        if node.op_type == "Constant" and any(a.name == "value" for a in node.attribute):
            (out,) = node.output
            self._constant(out, self._array(node.attribute[0].t, f"{who} value"))
            return
        attrs = self._attrs(node, spec, who)
        inputs: list[TensorValue | None] = []
        static = {s.index: s for s in spec.static_inputs}
        for k, name in enumerate(node.input):
            if k in static:
                if name:
                    attr = static[k].attr
                    attrs[attr.name] = self._static(name, attr.kind, who, k)
                    if attr.kind == "scalar" and "dtype" in spec.attr_map:
                        # a scalar operand names the element type (Range's start, limit, delta)
                        attrs.setdefault("dtype", str(self.env[name].type.elem))
                continue
            if not name:
                inputs.append(None)
                continue
            if name not in self.env:
                raise OnnxImportError(
                    f"{who}: operand '{name}' is not defined before this node",
                    self.loc,
                    "ONNX graphs list nodes in topological order; run onnx.checker on the model",
                )
            inputs.append(self.env[name])
        while inputs and inputs[-1] is None:
            inputs.pop()
        complaint = check_attrs(spec, attrs)
        if complaint:
            raise OnnxImportError(
                f"{who}: {complaint}", self.loc, _attr_hint(spec, self.lm.opset_text())
            )
        sig = Sig(
            [v.type if v else None for v in inputs], spec.with_defaults(attrs), len(node.output)
        )
        try:
            types = spec.infer(sig)
        except ShapeError as err:
            raise OnnxImportError(f"{who}: {err}", self.loc) from None
        outputs = []
        for k, (name, t) in enumerate(zip(node.output, types, strict=False)):
            name = name or f"{node.name or node.op_type}.unused{k}"
            theirs = None if _inference_differs(node.op_type, attrs) else self.onnx_types.get(name)
            if theirs is not None and theirs != t:
                raise OnnxImportError(
                    f"{who}: kiln's shape rule gives result '{name}' {t}, onnx's shape "
                    f"inference gives {theirs}",
                    self.loc,
                    "this is a bug in kiln's op table; please report it with the model",
                )
            outputs.append(TensorValue(name, t))
        n = Node(node.op_type, inputs, outputs, attrs, node.name, self.loc)
        if self._foldable(n):
            try:
                results = evaluate_node(n, [_folding_operand(n, v) for v in inputs])
            except InterpretError as err:
                raise OnnxImportError(err.message, self.loc, err.hint) from None
            for v, data in zip(outputs, results, strict=True):
                v.data = data
                self.env[v.name] = self.constants[v.name] = v
            return
        for v in outputs:
            self.env[v.name] = v
        self.nodes.append(n)

    def _foldable(self, n: Node) -> bool:
        return (
            self.fold
            and n.op_type not in NO_FOLD
            and all(v is None or v.data is not None or n.op_type in SHAPE_ONLY for v in n.inputs)
            and sum(v.type.size for v in n.outputs) <= FOLD_MAX_ELEMENTS
        )

    def _attrs(self, node: onnx.NodeProto, spec: OpSpec, who: str) -> dict:
        attrs: dict = {}
        for a in node.attribute:
            kind = spec.attr_map[a.name].kind if a.name in spec.attr_map else None
            if kind is None:
                known = ", ".join(sorted(spec.attr_map)) or "none"
                raise OnnxImportError(
                    f"{who}: attribute '{a.name}' is not supported by kiln (known: {known})",
                    self.loc,
                    _attr_hint(spec, self.lm.opset_text()),
                )
            value = helper.get_attribute_value(a)
            try:
                attrs[a.name] = self._attr_value(value, kind, f"{who}: attribute '{a.name}'")
            except (TypeError, ValueError):
                raise OnnxImportError(
                    f"{who}: attribute '{a.name}' is "
                    f"{onnx.AttributeProto.AttributeType.Name(a.type)}, "
                    f"kiln expects {kind}",
                    self.loc,
                ) from None
            if kind == "scalar" and "dtype" in spec.attr_map:
                attrs["dtype"] = str(
                    elem_of(a.t.data_type, f"{who}: attribute '{a.name}'", self.loc)
                )
        return attrs

    def _attr_value(self, value, kind: str, what: str):
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "str":
            return value.decode() if isinstance(value, bytes) else str(value)
        if kind == "ints":
            return tuple(int(x) for x in value)
        if kind == "floats":
            return tuple(float(x) for x in value)
        if kind == "strs":
            return tuple(x.decode() if isinstance(x, bytes) else str(x) for x in value)
        if kind == "dtype":
            return "" if int(value) == 0 else str(elem_of(int(value), what, self.loc))
        if kind == "scalar":
            data = self._array(value, what).reshape(-1)
            if data.size != 1:
                raise ValueError(what)
            return _python_scalar(data[0])
        raise ValueError(kind)

    def _static(self, name: str, kind: str, who: str, k: int):
        v = self.env.get(name)
        if v is None or v.data is None:
            graph_input = name in {i.name for i in self.lm.model.graph.input}
            raise OnnxImportError(
                f"{who}: operand {k} ('{name}') fixes a shape, so it must be a constant, "
                f"but it is {'a graph input' if graph_input else 'computed at run time'}",
                self.loc,
                "kiln builds static shapes: bind the input's value (Python: values={...}), "
                "or export with this operand constant"
                if graph_input
                else "kiln builds static shapes: export with static sizes (the value must not "
                "depend on the input data)",
            )
        flat = v.data.reshape(-1)
        if kind == "ints":
            return tuple(int(x) for x in flat)
        if kind == "floats":
            return tuple(float(x) for x in flat)
        if flat.size != 1:
            raise OnnxImportError(f"{who}: operand {k} ('{name}') must hold one value", self.loc)
        if kind == "int":
            return int(flat[0])
        if kind == "float":
            return float(flat[0])
        return _python_scalar(flat[0])


def _inference_differs(op: str, attrs: dict) -> bool:
    """Where onnx's C++ shape inference is known to depart from the spec (and from
    onnxruntime), so its opinion is no check: pools with ceil_mode, whose last window
    onnx keeps even when it would start in the end padding."""
    return op in ("MaxPool", "AveragePool", "LpPool") and bool(attrs.get("ceil_mode"))


def _folding_operand(n: Node, v: TensorValue | None) -> np.ndarray | None:
    """A constant operand's data; for an op that reads only the type, a stand-in array."""
    if v is None or v.data is not None:
        return v.data if v else None
    return np.broadcast_to(np.zeros((), np_dtype(v.type.elem)), v.type.shape)


def _python_scalar(x) -> int | float | bool:
    if isinstance(x, np.bool_ | bool):
        return int(x)
    if isinstance(x, np.integer):
        return int(x)
    return float(x)


def _attr_hint(spec: OpSpec, opset: str) -> str:
    parts = []
    for a in spec.attrs:
        if a.choices is not None:
            parts.append(f"{a.name} in {{{', '.join(map(repr, a.choices))}}}")
        else:
            parts.append(a.name)
    return f"kiln's {spec.name} takes: {', '.join(parts) or 'no attributes'} ({opset})"


def _dims(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


def _graph_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", name) or "model"


def _prune(g: Graph) -> None:
    """Drop nodes and constants no output depends on."""
    live = {v.name for v in g.outputs}
    kept: list[Node] = []
    for n in reversed(g.nodes):
        if any(v.name in live for v in n.outputs):
            kept.append(n)
            live.update(v.name for v in n.inputs if v is not None)
    g.nodes = kept[::-1]
    g.constants = {k: v for k, v in g.constants.items() if k in live}
