"""The graph IR's text form: `print_graph` writes it, `parse_graph` reads it back, and
print(parse(print(g))) == print(g) for every graph.

    graph @mlp(%x: tensor<1x64xf32>) -> (%y: tensor<1x10xf32>) {
      const %w: tensor<64x10xf32> = hex"0000803f..."
      const %shape: tensor<2xi64> = [1, 10]
      %h = MatMul(%x, %w) name="fc" : tensor<1x10xf32>
      %y = Softmax(%h) {axis=-1} : tensor<1x10xf32> quant<u8, scale=[0.0039], zero=[0]>
    }

Small finite constants print as a flat list of values (shortest text that reads back as
the same number), others as their little-endian bytes in hex, so data round-trips exactly.
An omitted optional operand prints as `none`.
"""

from __future__ import annotations

import re

import numpy as np

from kiln.base.errors import IRParseError, SourceLoc
from kiln.ir.graph import (
    AttrValue,
    Graph,
    Node,
    QuantFormat,
    TensorType,
    TensorValue,
    np_dtype,
    verify_graph,
)
from kiln.ir.types import BOOL, FLOAT_TYPES, FixedType, FloatType, IntType, ScalarType, fixed

INLINE_MAX = 16  # constants with more elements (or any non-finite one) print as hex


# ---- printing ---------------------------------------------------------------------------


def _attr(v: AttrValue) -> str:
    if isinstance(v, str):
        return _quote(v)
    if isinstance(v, tuple):
        return "[" + ", ".join(_attr(x) for x in v) + "]"
    if isinstance(v, float):
        return _num(v)
    return str(v)


def _num(x: float) -> str:
    text = repr(float(x))
    return text if any(c in text for c in ".en") or "inf" in text else text + ".0"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ref(name: str) -> str:
    """`%name`, quoted when ONNX gave it characters outside [A-Za-z0-9_.] (onnx::Mul_5)."""
    return "%" + (name if _PLAIN.fullmatch(name) else _quote(name))


_PLAIN = re.compile(r"[A-Za-z0-9_.]+")


def _decl(v: TensorValue) -> str:
    return f"{_ref(v.name)}: {_type(v)}"


def _type(v: TensorValue) -> str:
    return str(v.type) + (f" {v.quant}" if v.quant else "")


def _data(v: TensorValue) -> str:
    data = np.ascontiguousarray(v.data)
    flat = data.reshape(-1)
    integral = isinstance(v.type.elem, IntType)  # bool, and int4/int2 (dtype kind 'V')
    if flat.size <= INLINE_MAX and (integral or np.isfinite(flat).all()):
        if integral:
            return "[" + ", ".join(str(int(x)) for x in flat) + "]"
        return "[" + ", ".join(_num(float(x)) for x in flat) + "]"
    return 'hex"' + data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes().hex() + '"'


def print_graph(g: Graph) -> str:
    def vals(vs: list[TensorValue]) -> str:
        return ", ".join(_decl(v) for v in vs)

    out = [f"graph @{g.name}({vals(g.inputs)}) -> ({vals(g.outputs)}) {{"]
    out += [f"  const {_decl(v)} = {_data(v)}" for v in g.constants.values()]
    for n in g.nodes:
        attrs = ", ".join(f"{k}={_attr(v)}" for k, v in n.attrs.items())
        ins = ", ".join(_ref(v.name) if v else "none" for v in n.inputs)
        outs = ", ".join(_ref(v.name) for v in n.outputs)
        name = f" name={_quote(n.name)}" if n.name else ""
        out.append(
            f"  {outs} = {n.op_type}({ins}){' {' + attrs + '}' if attrs else ''}{name}"
            f" : {', '.join(_type(v) for v in n.outputs)}"
        )
    out.append("}")
    return "\n".join(out) + "\n"


# ---- parsing ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r]+|//[^\n]*)
  | (?P<nl>\n)
  | (?P<value>%(?:[A-Za-z0-9_.]+|"(?:[^"\\\n]|\\.)*"))
  | (?P<symbol>@[A-Za-z0-9_.\-]+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?(?:(?:inf|nan)(?![A-Za-z0-9_])|[0-9]+\.?[0-9]*(?:[eE][-+]?[0-9]+)?))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>->|[(){}\[\],:=<>])
    """,
    re.VERBOSE,
)
_DIM = re.compile(r"([A-Za-z_][A-Za-z0-9_]*?|[0-9]+)x")


class _Parser:
    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.toks: list[tuple[str, str, int, int]] = []
        line, start, pos = 1, 0, 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise IRParseError(
                    f"unexpected character {text[pos]!r}",
                    SourceLoc(filename, line, pos - start + 1),
                )
            if m.lastgroup == "nl":
                line, start = line + 1, m.end()
            elif m.lastgroup != "ws":
                self.toks.append((m.lastgroup, m.group(), line, pos - start + 1))
            pos = m.end()
        self.toks.append(("eof", "", line, pos - start + 1))
        self.i = 0
        self.values: dict[str, TensorValue] = {}

    # tokens
    def tok(self) -> tuple[str, str, int, int]:
        return self.toks[self.i]

    def loc(self) -> SourceLoc:
        _, _, line, col = self.tok()
        return SourceLoc(self.filename, line, col)

    def error(self, message: str, hint: str | None = None) -> IRParseError:
        return IRParseError(message, self.loc(), hint)

    def next(self) -> str:
        text = self.tok()[1]
        self.i += 1
        return text

    def at(self, text: str) -> bool:
        return self.tok()[1] == text and self.tok()[0] != "string"

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            raise self.error(f"expected '{text}', got {self.describe()}")

    def kind(self, kind: str, what: str) -> str:
        if self.tok()[0] != kind:
            raise self.error(f"expected {what}, got {self.describe()}")
        return self.next()

    def describe(self) -> str:
        kind, text, _, _ = self.tok()
        return "end of input" if kind == "eof" else f"'{text}'"

    # pieces
    def string(self) -> str:
        return _unquote(self.kind("string", "a string"))

    def value(self, what: str) -> str:
        text = self.kind("value", what)[1:]
        return _unquote(text) if text.startswith('"') else text

    def number(self) -> int | float:
        text = self.kind("number", "a number")
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text)
        return float(text)

    def scalar_type(self, text: str) -> ScalarType:
        m = re.fullmatch(r"([iu])([0-9]+)", text)
        if m:
            return IntType(int(m.group(2)), m.group(1) == "i")
        if text in FLOAT_TYPES:
            width, exponent, variant = FLOAT_TYPES[text]
            return FloatType(width, False, exponent, variant)
        if text in ("fixed", "ufixed"):
            self.expect("<")
            parts = [str(self.number()), ",", str(self.number())]
            width, frac = int(parts[0]), int(parts[2])
            modes = []
            while self.accept(","):
                modes.append(self.kind("ident", "a rounding or overflow mode"))
            self.expect(">")
            rounding = next((m for m in modes if m in ("rnd", "rnd_conv")), "trn")
            overflow = "sat" if "sat" in modes else "wrap"
            return fixed(width, frac, text == "fixed", rounding, overflow)
        raise self.error(
            f"unknown element type '{text}'",
            "types: f16, bf16, f32, f64, i8 ... i64, u1 (bool), u8 ... u64, fixed<16,8>",
        )

    def tensor_type(self) -> TensorType:
        word = self.kind("ident", "'tensor'")
        if word != "tensor":
            raise self.error(f"expected 'tensor<...>', got '{word}'")
        self.expect("<")
        # `2x3xf32` lexes as a number then an identifier (or one identifier when a
        # dimension is symbolic): glue the tokens up to the element type back together.
        text = ""
        while self.tok()[0] in ("number", "ident"):
            text += self.next()
        shape: list[int | str] = []
        pos = 0
        while m := _DIM.match(text, pos):
            shape.append(int(m.group(1)) if m.group(1).isdigit() else m.group(1))
            pos = m.end()
        elem = self.scalar_type(text[pos:])
        self.expect(">")
        return TensorType(elem, tuple(shape))

    def quant(self) -> QuantFormat | None:
        if not self.at("quant"):
            return None
        self.next()
        self.expect("<")
        elem = self.scalar_type(self.kind("ident", "an integer type"))
        if not isinstance(elem, IntType):
            raise self.error(f"a quantized tensor's type is an integer, got {elem}")
        self.expect(",")
        fields: dict[str, AttrValue] = {}
        while True:
            key = self.kind("ident", "scale, zero or axis")
            self.expect("=")
            fields[key] = self.attr_value()
            if not self.accept(","):
                break
        self.expect(">")
        axis = fields.get("axis")
        return QuantFormat(
            elem,
            tuple(float(s) for s in fields["scale"]),  # type: ignore[union-attr]
            tuple(int(z) for z in fields["zero"]),  # type: ignore[union-attr]
            None if axis is None else int(axis),  # type: ignore[arg-type]
        )

    def attr_value(self) -> AttrValue:
        if self.accept("["):
            items: list = []
            while not self.at("]"):
                items.append(self.attr_value())
                if not self.accept(","):
                    break
            self.expect("]")
            return tuple(items)
        if self.tok()[0] == "string":
            return self.string()
        return self.number()

    def decl(self, defining: bool) -> TensorValue:
        name = self.value("a tensor name (%name)")
        self.expect(":")
        t = self.tensor_type()
        q = self.quant()
        if not defining:
            v = self.values.get(name)
            if v is None:
                raise self.error(f"output %{name} is never defined")
            if v.type != t or v.quant != q:
                raise self.error(f"output %{name} is declared {t}, but defined as {v.type}")
            return v
        return self.define(name, t, q)

    def define(self, name: str, t: TensorType, q: QuantFormat | None) -> TensorValue:
        if name in self.values:
            raise self.error(f"tensor %{name} is defined twice")
        v = TensorValue(name, t, quant=q)
        self.values[name] = v
        return v

    def data(self, t: TensorType) -> np.ndarray:
        dtype = np_dtype(t.elem)
        if self.tok()[0] == "ident" and self.tok()[1] == "hex":
            self.next()
            raw = bytes.fromhex(self.string())
            data = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype)
        else:
            items = self.attr_value()
            if not isinstance(items, tuple):
                raise self.error('a constant\'s data is a [list] or hex"..."')
            data = np.array(items, dtype=np.float64 if dtype.kind == "f" else None).astype(dtype)
        if data.size != t.size:
            raise self.error(f"constant has {data.size} elements, its type {t} holds {t.size}")
        return data.reshape(t.shape)

    def graph(self) -> Graph:
        self.expect("graph")
        name = self.kind("symbol", "a graph name (@name)")[1:]
        self.expect("(")
        inputs = self.decls(defining=True)
        self.expect("->")
        self.expect("(")
        out_start = self.i
        self.skip_to(")")
        g = Graph(name, inputs, [], [], {})
        self.expect("{")
        while not self.at("}"):
            if self.accept("const"):
                v = self.decl(defining=True)
                self.expect("=")
                v.data = self.data(v.type)
                g.constants[v.name] = v
            else:
                g.nodes.append(self.node())
        self.expect("}")
        if self.tok()[0] != "eof":
            raise self.error(f"expected end of input after the graph, got {self.describe()}")
        end = self.i
        self.i = out_start
        g.outputs = self.decls(defining=False)
        self.i = end
        return g

    def decls(self, defining: bool) -> list[TensorValue]:
        vs = []
        while not self.at(")"):
            vs.append(self.decl(defining))
            if not self.accept(","):
                break
        self.expect(")")
        return vs

    def skip_to(self, text: str) -> None:
        while not self.at(text):
            if self.tok()[0] == "eof":
                raise self.error(f"expected '{text}'")
            self.next()
        self.next()

    def node(self) -> Node:
        loc = self.loc()
        names = [self.value("a result name (%name) or 'const'")]
        while self.accept(","):
            names.append(self.value("a result name"))
        self.expect("=")
        op = self.kind("ident", "an op name")
        self.expect("(")
        inputs: list[TensorValue | None] = []
        while not self.at(")"):
            if self.accept("none"):
                inputs.append(None)
            else:
                ref = self.value("an operand (%name or none)")
                if ref not in self.values:
                    raise IRParseError(f"operand %{ref} is not defined", self.loc())
                inputs.append(self.values[ref])
            if not self.accept(","):
                break
        self.expect(")")
        attrs: dict[str, AttrValue] = {}
        if self.accept("{"):
            while not self.at("}"):
                key = self.kind("ident", "an attribute name")
                self.expect("=")
                attrs[key] = self.attr_value()
                if not self.accept(","):
                    break
            self.expect("}")
        node_name = ""
        if self.accept("name"):
            self.expect("=")
            node_name = self.string()
        self.expect(":")
        outputs = []
        for i, name in enumerate(names):
            if i:
                self.expect(",")
            t = self.tensor_type()
            outputs.append(self.define(name, t, self.quant()))
        return Node(op, inputs, outputs, attrs, node_name, loc)


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def parse_graph(text: str, filename: str = "<graph>", verify: bool = True) -> Graph:
    """The graph that `text` prints; verified unless `verify` is False."""
    g = _Parser(text, filename).graph()
    if verify:
        verify_graph(g)
    return g


__all__ = ["BOOL", "FixedType", "parse_graph", "print_graph"]
