"""A scheduling region as an XLS IR function, and the kiln problem that mirrors it node for node.

Used by `benchmarks/vs_xls.py` to schedule one graph with both XLS's SDC scheduler and
kiln's. What is compared is the region's dataflow: every value dependence of distance 0
becomes an operand edge, and every region node becomes exactly one XLS node of the same
result width (bit-exact arithmetic is not the aim, only the same graph):

- `in:*` inputs, and variable reads that no write in the region feeds, become params;
- pure ops become their XLS op (add, umul/smul, ult/slt, shrl/shra, sel, sign_ext, ...);
  a `cast` becomes sign_ext, zero_ext, bit_slice or identity; a `const` a literal;
- a load becomes `array_index` of a literal array of zeros, one literal per array: XLS
  never registers a literal, so the array costs no registers, as a RAM costs none in kiln
  (an array *param* would be carried through every stage up to its last load). With
  `arrays_as_params` the arrays are params instead, so that the function's output
  depends on its inputs and synthesis cannot fold it away (for XLS's Verilog);
- a write (a value and its guards) becomes identity(v), gate(g, v), or, with two guards,
  bit_slice_update(v, g1, g2): a stand-in of the right shape, one node of the value's
  width; a read fed by writes becomes identity or an n-ary `or` of them;
- a store becomes a `tuple` of its indices, value and guards (address, data and enables:
  what an XLS function must hand out), as wide as all of them together;
- the function returns one `tuple` of every store, every write and every value no node of
  the region consumes: an XLS function has no side effects, so what the region leaves
  behind must reach its output, in the last stage.

Two kinds of node have no kiln counterpart: the literal arrays and the return tuple. The
mirror problem (`mirror_problem`) adds them to a copy of the kiln problem, so both
schedulers see the same nodes. XLS has no way to say "after" without a value, and a
function is feed-forward: dependences without a value (memory and variable ordering) and
loop-carried ones (distance > 0) are dropped from both. Floats and fixed-point rescaling
have no single-node XLS form and raise `KilnError`.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from dataclasses import dataclass, field

from kiln.base.errors import KilnError
from kiln.ir.kernel import Op
from kiln.ir.types import FixedType, FloatType, Overflow, ScalarType
from kiln.scheduler.problem import Dep, Problem, SchedOp

RETURN = "xls:ret"  # the mirror problem's name for XLS's return tuple
MAX_WRITE_GUARDS = 2  # bit_slice_update takes a value and two more operands

_SIMPLE = {"and": "and", "or": "or", "xor": "xor", "not": "not", "neg": "neg", "shl": "shll"}
_COMPARE = {"lt": "lt", "le": "le", "gt": "gt", "ge": "ge"}


@dataclass
class XlsNode:
    """One XLS node: its name in the text, op, result type and operands (XLS names)."""

    name: str
    op: str
    type: str
    operands: list[str] = field(default_factory=list)
    attrs: str = ""  # e.g. "start=0, width=8" or "cases=[a, b]"

    def line(self) -> str:
        args = ", ".join([*self.operands, *([self.attrs] if self.attrs else [])])
        return f"{self.name}: {self.type} = {self.op}({args})"


@dataclass
class XlsExport:
    """The exported function and how its nodes map back to the region's."""

    text: str
    top: str
    params: list[XlsNode]
    nodes: list[XlsNode]  # in definition order, the return tuple last
    of: dict[str, str]  # region node -> XLS node name
    op_of: dict[str, str]  # region node -> XLS op ("param" for params)
    outputs: list[str]  # region nodes in the returned tuple, in order
    arrays: dict[str, str]  # storage name -> XLS literal array node
    loads_of: dict[str, list[str]]  # XLS literal array node -> region loads indexing it
    dropped: dict[str, int]  # why -> dependences left out of the XLS graph

    @property
    def node_count(self) -> int:
        return len(self.params) + len(self.nodes)


def _ident(text: str) -> str:
    """`text` as an XLS identifier: letters, digits and underscores, not led by a digit."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return out if out[:1].isalpha() or out[:1] == "_" else f"k{out}"


def _bits(t: ScalarType) -> str:
    return f"bits[{t.width}]"


def _reject(op: Op, why: str) -> KilnError:
    return KilnError(
        f"op '{op.opcode}' cannot be exported to XLS IR: {why}",
        op.place,
        "the XLS comparison covers integer regions only; skip this region",
    )


def _check_types(op: Op) -> None:
    types = [v.type for v in op.operands] + ([op.result.type] if op.result is not None else [])
    if op.storage is not None:
        types.append(op.storage.elem)
    for t in types:
        if isinstance(t, FloatType):
            raise _reject(op, f"XLS IR has no floating point ({t})")
        if t.overflow is Overflow.SAT:
            raise _reject(op, f"saturation ({t}) needs logic beyond one XLS node")
    fixed = [t for t in types if isinstance(t, FixedType)]
    if not fixed or op.opcode in ("and", "or", "xor", "not", "shl", "shr", "select", "slice"):
        return
    if op.opcode in ("concat", "zext", "sext", "trunc", "bitcast", "const", "load", "store"):
        return
    if op.opcode in ("read", "write"):
        return
    ins = [v.type for v in op.operands]
    want = sum(t.frac for t in ins) if op.opcode == "mul" else max((t.frac for t in ins), default=0)
    out = op.result.type.frac if op.result is not None else want
    if op.opcode in ("eq", "ne", "lt", "le", "gt", "ge"):
        out = want
    if any(t.frac != want for t in ins if op.opcode != "mul") or out != want:
        raise _reject(op, "fixed-point rescaling (shifts and rounding) is more than one XLS node")


class _Exporter:
    def __init__(self, region, name: str, arrays_as_params: bool = False):
        self.region, self.problem = region, region.problem
        self.arrays_as_params = arrays_as_params
        self.top = _ident(name)
        self.params: list[XlsNode] = []
        self.nodes: list[XlsNode] = []
        self.of: dict[str, str] = {}
        self.op_of: dict[str, str] = {}
        self.arrays: dict[str, str] = {}
        self.loads_of: dict[str, list[str]] = defaultdict(list)
        self.dropped: dict[str, int] = defaultdict(int)
        self.sources: dict[str, list[str]] = defaultdict(list)
        self.consumed: set[str] = set()
        self.types: dict[str, str] = {}  # XLS node -> its type
        for d in self.problem.deps:
            if d.distance:
                self.dropped["loop-carried (distance > 0)"] += 1
            elif not d.value or _keeps(self.region, d):
                self.dropped["ordering without a value"] += 1
            else:
                self.sources[d.dst].append(d.src)
                self.consumed.add(d.src)

    def name(self, node: str) -> str:
        return f"n{len(self.of)}_{_ident(node)}"

    def export(self) -> XlsExport:
        for node in _topological(self.problem.ops, self.sources):
            op = self.region.ir_ops.get(node)
            xname = self.name(node)
            self.of[node] = xname
            if op is None or (op.opcode == "read" and not self.sources[node]):
                t = self.problem.ops[node].width if op is None else op.result.type.width
                if op is not None:
                    _check_types(op)
                self.params.append(XlsNode(xname, "param", f"bits[{t}]"))
                self.types[xname] = f"bits[{t}]"
                self.op_of[node] = "param"
                continue
            _check_types(op)
            x = self.node(node, op, xname, [self.of[s] for s in self.sources[node]])
            self.nodes.append(x)
            self.types[xname] = x.type
            self.op_of[node] = x.op
        outputs = [
            n
            for n in self.of
            if n not in self.consumed
            or (n in self.region.ir_ops and self.region.ir_ops[n].opcode in ("store", "write"))
        ]
        types = [self.type_of(n) for n in outputs]
        ret = XlsNode("result", "tuple", f"({', '.join(types)})", [self.of[n] for n in outputs])
        self.nodes.append(ret)
        return XlsExport(
            self.text(ret),
            self.top,
            self.params,
            self.nodes,
            dict(self.of),
            dict(self.op_of),
            outputs,
            dict(self.arrays),
            dict(self.loads_of),
            dict(self.dropped),
        )

    def type_of(self, node: str) -> str:
        return self.types[self.of[node]]

    def text(self, ret: XlsNode) -> str:
        params = ", ".join(f"{p.name}: {p.type}" for p in self.params)
        body = [f"  {x.line()}" for x in self.nodes[:-1]]
        body.append(f"  ret {ret.line()}")
        return "\n".join(
            [f"package {self.top}_pkg", "", f"top fn {self.top}({params}) -> {ret.type} {{"]
            + body
            + ["}", ""]
        )

    # --- one node -------------------------------------------------------------------
    def node(self, node: str, op: Op, name: str, args: list[str]) -> XlsNode:
        code = op.opcode
        if code in ("load", "store", "read", "write"):
            return self.state(node, op, name, args)
        if len(args) != len(op.operands):
            raise _reject(op, f"{len(args)} value edges for {len(op.operands)} operands")
        ins = [v.type for v in op.operands]
        rt = op.result.type
        out = _bits(rt)
        if code == "const":
            return XlsNode(name, "literal", out, [], f"value={op.attrs['value'] % (1 << rt.width)}")
        same_width = ("add", "sub", "and", "or", "xor", "not", "neg", "div", "rem")
        if code in same_width and any(t.width != rt.width for t in ins):
            raise _reject(op, f"XLS '{code}' needs operands as wide as its {rt.width}-bit result")
        if code in ("div", "rem"):
            signed = any(t.signed for t in ins)
            xop = ("s" if signed else "u") + ("div" if code == "div" else "mod")
            return XlsNode(name, xop, out, args)
        if code in ("add", "sub"):
            return XlsNode(name, code, out, args)
        if code in _SIMPLE:
            if code == "shl" and ins[0].width != rt.width:
                raise _reject(op, "shifted operand and result widths differ")
            return XlsNode(name, _SIMPLE[code], out, args)
        if code == "shr":
            if ins[0].width != rt.width:
                raise _reject(op, "shifted operand and result widths differ")
            return XlsNode(name, "shra" if ins[0].signed else "shrl", out, args)
        if code == "mul":
            return XlsNode(name, "smul" if all(t.signed for t in ins) else "umul", out, args)
        if code in ("eq", "ne", "lt", "le", "gt", "ge"):
            if ins[0].width != ins[1].width:
                raise _reject(op, f"compares {ins[0].width} with {ins[1].width} bits")
            if code in _COMPARE:
                code = ("s" if ins[0].signed and ins[1].signed else "u") + _COMPARE[code]
            return XlsNode(name, code, out, args)
        if code == "select":  # select(c, a, b) is a when c; XLS sel's case 0 is c == 0
            return XlsNode(name, "sel", out, [args[0]], f"cases=[{args[2]}, {args[1]}]")
        if code == "slice":
            lo, hi = op.attrs["lo"], op.attrs["hi"]
            return XlsNode(name, "bit_slice", out, args, f"start={lo}, width={hi - lo + 1}")
        if code == "concat":
            return XlsNode(name, "concat", out, args)
        if code in ("cast", "zext", "sext", "trunc", "bitcast"):
            return self.resize(op, name, args[0], ins[0], rt)
        raise _reject(op, "no XLS counterpart is known")

    def resize(self, op: Op, name: str, arg: str, t: ScalarType, rt: ScalarType) -> XlsNode:
        """One node changing `t`'s width into `rt`'s: extension, truncation or identity."""
        out = _bits(rt)
        if rt.width == t.width:
            return XlsNode(name, "identity", out, [arg])
        if rt.width < t.width:
            return XlsNode(name, "bit_slice", out, [arg], f"start=0, width={rt.width}")
        signed = t.signed if op.opcode == "cast" else op.opcode == "sext"
        xop = "sign_ext" if signed else "zero_ext"
        return XlsNode(name, xop, out, [arg], f"new_bit_count={rt.width}")

    def state(self, node: str, op: Op, name: str, args: list[str]) -> XlsNode:
        st = op.storage
        elem = _bits(st.elem)
        if op.opcode == "load":
            array = self.array(op)
            self.loads_of[array].append(node)
            return XlsNode(name, "array_index", elem, [array], f"indices=[{', '.join(args)}]")
        if op.opcode == "store":
            types = [self.type_of(s) for s in self.sources[node]]
            return XlsNode(name, "tuple", f"({', '.join(types)})", args)
        if op.opcode == "write":
            value, guards = args[0], args[1:]
            if len(guards) == 0:
                return XlsNode(name, "identity", elem, [value])
            if len(guards) == 1:
                return XlsNode(name, "gate", elem, [guards[0], value])
            if len(guards) == MAX_WRITE_GUARDS:
                return XlsNode(name, "bit_slice_update", elem, [value, *guards])
            raise _reject(op, f"a write under {len(guards)} guards has no one-node XLS form")
        # a read fed by the latest write in the region
        if len(args) == 1:
            return XlsNode(name, "identity", elem, args)
        return XlsNode(name, "or", elem, args)

    def array(self, op: Op) -> str:
        st = op.storage
        if st.name not in self.arrays:
            name = f"a{len(self.arrays)}_{_ident(st.name)}"
            shape = st.type.shape
            value = "0"
            for d in reversed(shape):
                value = "[" + ", ".join([value] * d) + "]"
            t = _bits(st.elem) + "".join(f"[{d}]" for d in reversed(shape))
            if self.arrays_as_params:
                self.params.append(XlsNode(name, "param", t))
            else:
                self.nodes.append(XlsNode(name, "literal", t, [], f"value={value}"))
            self.arrays[st.name] = name
        return self.arrays[st.name]


def _topological(ops: dict, sources: dict[str, list[str]]) -> list[str]:
    """Region nodes with every value source before its consumers, else program order."""
    order, seen, busy = [], set(), set()

    def visit(n: str) -> None:
        if n in seen:
            return
        if n in busy:
            raise KilnError(f"value dependences form a cycle through '{n}'")
        busy.add(n)
        for s in sources.get(n, []):
            visit(s)
        busy.discard(n)
        seen.add(n)
        order.append(n)

    for n in ops:
        visit(n)
    return order


def export_region(region, name: str, arrays_as_params: bool = False) -> XlsExport:
    """The region as an XLS IR package with one top function, and the node mapping."""
    return _Exporter(region, name, arrays_as_params).export()


def region_to_xls_ir(region, name: str) -> str:
    """XLS IR text of one region (see the module docstring for the mapping)."""
    return export_region(region, name).text


def mirror_problem(region, exp: XlsExport, delay_of: dict[str, float]) -> Problem:
    """A copy of the region's problem that is the exported XLS graph, node for node.

    Delays come from `delay_of` (XLS op -> ps, e.g. probed from XLS's unit model), widths
    are the XLS result widths (a store's tuple is as wide as its operands), unfed reads
    are pinned to the first cycle like XLS params, the literal arrays and the return tuple
    are added, and dependences XLS cannot express are left out (`exp.dropped`).
    """
    src = region.problem
    p = Problem(
        clock_period_ps=src.clock_period_ps,
        register_overhead_ps=src.register_overhead_ps,
        name=src.name,
        stages=src.stages,
    )
    widths = {x.name: _type_width(x.type) for x in (*exp.params, *exp.nodes)}
    for node, xname in exp.of.items():
        op = copy.copy(src.ops[node])
        op.delay_ps = delay_of[exp.op_of[node]]
        op.latency = 0
        op.resources = ()
        ir = region.ir_ops.get(node)
        const = ir is not None and ir.opcode == "const"
        op.width = 0 if const else widths[xname]  # XLS never registers a literal
        p.add_op(op)
        if exp.op_of[node] == "param":
            p.pins[node] = "first"
    for array, loads in exp.loads_of.items():
        p.add_op(SchedOp(f"xls:{array}", delay_of["literal"], label=f"literal array {array}"))
        for load in loads:
            p.add_dep(Dep(f"xls:{array}", load))
    for d in src.deps:
        if d.value and not d.distance and not _keeps(region, d):
            p.add_dep(Dep(d.src, d.dst, 0, 0, True, d.why))
    p.add_op(SchedOp(RETURN, delay_of["tuple"], label="XLS return tuple"))
    p.pins[RETURN] = "last"
    for n in exp.outputs:
        p.add_dep(Dep(n, RETURN, 0, 0, True, "is returned"))
    return p


def _type_width(t: str) -> int:
    """Flattened bits of an XLS type: bits[w], bits[w][n]..., or a tuple of those."""
    total = 0
    for m in re.finditer(r"bits\[(\d+)\]((?:\[\d+\])*)", t):
        n = int(m.group(1))
        for d in re.findall(r"\[(\d+)\]", m.group(2)):
            n *= int(d)
        total += n
    return total


__all__ = ["RETURN", "XlsExport", "XlsNode", "export_region", "mirror_problem", "region_to_xls_ir"]


def _keeps(region, d) -> bool:
    """A guarded write's edge from the write before it (the value it keeps when its guard
    is off): XLS's gate has no such operand, so the export leaves it out."""
    ops = region.ir_ops
    return d.src in ops and d.dst in ops and ops[d.src].opcode == ops[d.dst].opcode == "write"
