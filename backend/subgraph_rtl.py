"""A subgraph of a scheduled region as a standalone module: its inputs and every result
flopped (the result registers feed one parity output, so that synthesis keeps them and no
output port aliases a net, which OpenSTA's netlist reader rejects), the ops between
lowered as the kernel's own module lowers them.

Synthesis then times the subgraph as one circuit (ops optimized across their boundaries),
and each input-register to output-register path gives one input-to-node delay. Names are
positional (`rin<i>_q` for the i-th input, `rout<j>_q` for the j-th node with a result),
and ops come in a fixed topological order, so two subgraphs of the same structure give the
same text: a cache keyed by the text then serves every copy of an unrolled body.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kiln.backend.expressions import OpLowering
from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Concat,
    Decl,
    Module,
    NonBlocking,
    Port,
    Ref,
    Unary,
    render_module,
)
from kiln.base.errors import BackendError
from kiln.ir.kernel import Op, Value
from kiln.ir.ops import OPS

# Ops whose logic a subgraph can hold: pure functions of their operands. Memory and
# variable accesses, and units with a latency, are inputs to a subgraph instead.
PURE_KINDS = frozenset(
    {"arith", "mul", "div", "compare", "logic", "shift", "select", "bits", "const"}
)


@dataclass(frozen=True)
class SubgraphRtl:
    verilog: str
    top: str
    inputs: tuple[str, ...]  # problem node behind rin<i>
    outputs: tuple[str, ...]  # problem node behind rout<j>


def can_hold(op: Op | None) -> bool:
    """Whether `op` may be inside a subgraph (a pure op of a supported kind)."""
    return op is not None and OPS[op.opcode].kind in PURE_KINDS


def subgraph_module(
    ir_ops: Mapping[str, Op],
    order: Iterable[str],
    nodes: Iterable[str],
    constants: Mapping[int, Op],
    top: str = "subgraph",
    *,
    clock_per_register: bool = False,
) -> SubgraphRtl:
    """The module for `nodes` (problem node names of one region, `ir_ops` their ops),
    written in the order of `order` (a topological order of the region). `constants`
    maps id(value) to the const op that makes it, for constants made outside the region:
    they stay literals, as in the kernel's module, rather than becoming inputs.

    With `clock_per_register`, register rin<i> is clocked by port ck_rin<i> and rout<j>
    by ck_rout<j>, for tools that report the worst path per pair of clocks (nextpnr)."""
    inside = set(nodes)
    ordered = [n for n in order if n in inside]
    bad = next((n for n in ordered if not can_hold(ir_ops.get(n))), None)
    if bad is not None:
        raise BackendError(f"subgraph node {bad} is not a pure op and cannot be timed alone")
    maker = {id(op.result): n for n, op in ir_ops.items() if op.result is not None}
    namer = Namer(("clk",))
    module = Module(top, header=["kiln subgraph timing module"])
    if not clock_per_register:
        module.ports.append(Port("input", "clk", 1))
    lowering = OpLowering(namer)
    body: list[NonBlocking] = []
    clocked: list[AlwaysFF] = []  # with clock_per_register

    def flop(reg: str, d: str) -> None:
        if clock_per_register:
            clock = namer.fresh(f"ck_{reg.removesuffix('_q')}")
            module.ports.append(Port("input", clock, 1))
            clocked.append(AlwaysFF(clock, (NonBlocking(reg, Ref(d)),)))
        else:
            body.append(NonBlocking(reg, Ref(d)))

    signal: dict[int, str] = {}  # id(value) -> the wire or register that carries it
    inputs: list[str] = []
    outputs: list[str] = []
    held: list[Ref] = []

    def operand(v: Value) -> str:
        if id(v) in signal:
            return signal[id(v)]
        const = constants.get(id(v))
        node = maker.get(id(v))
        if node is not None and ir_ops[node].opcode == "const":
            const = ir_ops[node]
        if const is not None:
            name = lowering.wire(f"k{len(signal)}", v.type.width, lowering.lower(const, [], "k"))
        else:
            i = len(inputs)
            inputs.append(node if node is not None else f"in:{v.name}")
            port, name = namer.fresh(f"rin{i}"), namer.fresh(f"rin{i}_q")
            module.ports.append(Port("input", port, v.type.width))
            module.items.append(Decl("reg", name, v.type.width))
            flop(name, port)
        signal[id(v)] = name
        return name

    for n in ordered:
        op = ir_ops[n]
        if op.opcode == "const":
            continue  # a literal where it is used
        args = [operand(v) for v in op.operands]
        width = op.result.type.width
        out = lowering.wire(f"n{len(outputs)}", width, lowering.lower(op, args, "t"))
        signal[id(op.result)] = out
        j = len(outputs)
        outputs.append(n)
        reg = namer.fresh(f"rout{j}_q")
        module.items.append(Decl("reg", reg, width))
        flop(reg, out)
        held.append(Ref(reg))
    module.items[:0] = lowering.decls
    module.items += lowering.assigns
    module.items += clocked if clock_per_register else [AlwaysFF("clk", tuple(body))]
    if held:
        check = namer.fresh("check")
        module.ports.append(Port("output", check, 1))
        module.items.append(Assign(check, Unary("^", Concat(tuple(held)))))
    return SubgraphRtl(render_module(module), top, tuple(inputs), tuple(outputs))
