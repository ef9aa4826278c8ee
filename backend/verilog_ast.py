"""A small Verilog-2005 object model and its printer; kiln never concatenates Verilog text.

Every expression node knows nothing of widths; the code that builds them (see
`expressions.py`) keeps widths exact so the output lints clean under `verilator -Wall`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ---- expressions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Const:
    width: int
    value: int  # the bit pattern, 0 <= value < 2**width


@dataclass(frozen=True)
class Slice:
    name: str  # Verilog slices identifiers only
    hi: int
    lo: int


@dataclass(frozen=True)
class Concat:
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Repeat:
    count: int
    part: Expr


@dataclass(frozen=True)
class Unary:
    op: str  # ~ - !
    a: Expr


@dataclass(frozen=True)
class Binary:
    op: str
    a: Expr
    b: Expr


@dataclass(frozen=True)
class Ternary:
    cond: Expr
    a: Expr
    b: Expr


@dataclass(frozen=True)
class Call:
    func: str  # $signed, $unsigned
    arg: Expr


@dataclass(frozen=True)
class Index:
    name: str  # a memory
    addr: Expr


Expr = Ref | Const | Slice | Concat | Repeat | Unary | Binary | Ternary | Call | Index


def render_expr(e: Expr) -> str:
    if isinstance(e, Ref):
        return e.name
    if isinstance(e, Const):
        return f"{e.width}'h{e.value:x}"
    if isinstance(e, Slice):
        return f"{e.name}[{e.hi}:{e.lo}]"
    if isinstance(e, Concat):
        return "{" + ", ".join(render_expr(p) for p in e.parts) + "}"
    if isinstance(e, Repeat):
        return "{" + f"{e.count}{{{render_expr(e.part)}}}" + "}"
    if isinstance(e, Unary):
        return f"({e.op}{render_expr(e.a)})"
    if isinstance(e, Binary):
        return f"({render_expr(e.a)} {e.op} {render_expr(e.b)})"
    if isinstance(e, Ternary):
        return f"({render_expr(e.cond)} ? {render_expr(e.a)} : {render_expr(e.b)})"
    if isinstance(e, Index):
        return f"{e.name}[{render_expr(e.addr)}]"
    return f"{e.func}({render_expr(e.arg)})"


# ---- module items ----------------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    direction: str  # input | output
    name: str
    width: int


@dataclass(frozen=True)
class Decl:
    kind: str  # wire | reg
    name: str
    width: int
    comment: str = ""
    depth: int = 0  # > 0: a memory of `depth` words
    attribute: str = ""  # a Verilog attribute, e.g. mem2reg


@dataclass(frozen=True)
class Assign:
    lhs: str
    rhs: Expr


@dataclass(frozen=True)
class NonBlocking:
    lhs: str
    rhs: Expr


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class MemWrite:
    mem: str
    addr: Expr
    data: Expr


Stmt = NonBlocking | If | MemWrite


@dataclass(frozen=True)
class AlwaysFF:
    clock: str
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Comment:
    text: str


@dataclass(frozen=True)
class LintOff:
    """Items for which one Verilator warning is waived, with the reason printed beside it."""

    rule: str
    reason: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Initial:
    """Initial contents of a memory (ROMs and static arrays), word by word."""

    mem: str
    width: int
    words: tuple[int, ...]


@dataclass(frozen=True)
class Localparam:
    name: str
    width: int
    value: int


Item = Decl | Assign | AlwaysFF | Comment | LintOff | Initial | Localparam


@dataclass
class Module:
    name: str
    ports: list[Port] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # comment lines above the module


def _range(width: int) -> str:
    return f"[{width - 1}:0] "


def _stmt(s: Stmt, pad: str, out: list[str]) -> None:
    if isinstance(s, NonBlocking):
        out.append(f"{pad}{s.lhs} <= {render_expr(s.rhs)};")
        return
    if isinstance(s, MemWrite):
        out.append(f"{pad}{s.mem}[{render_expr(s.addr)}] <= {render_expr(s.data)};")
        return
    out.append(f"{pad}if ({render_expr(s.cond)}) begin")
    for t in s.then:
        _stmt(t, pad + "  ", out)
    if s.orelse:
        out.append(f"{pad}end else begin")
        for t in s.orelse:
            _stmt(t, pad + "  ", out)
    out.append(f"{pad}end")


def _item(it: Item, out: list[str]) -> None:
    pad = "  "
    if isinstance(it, Decl):
        tail = f"  // {it.comment}" if it.comment else ""
        words = f" [0:{it.depth - 1}]" if it.depth else ""
        attr = f"(* {it.attribute} *) " if it.attribute else ""
        out.append(f"{pad}{attr}{it.kind} {_range(it.width)}{it.name}{words};{tail}")
    elif isinstance(it, Assign):
        out.append(f"{pad}assign {it.lhs} = {render_expr(it.rhs)};")
    elif isinstance(it, AlwaysFF):
        out.append(f"{pad}always @(posedge {it.clock}) begin")
        for s in it.body:
            _stmt(s, pad + "  ", out)
        out.append(f"{pad}end")
    elif isinstance(it, Comment):
        out.append(f"{pad}// {it.text}")
    elif isinstance(it, Localparam):
        value = render_expr(Const(it.width, it.value))
        out.append(f"{pad}localparam {_range(it.width)}{it.name} = {value};")
    elif isinstance(it, Initial):
        out.append(f"{pad}initial begin")
        for n, w in enumerate(it.words):
            out.append(f"{pad}  {it.mem}[{n}] = {render_expr(Const(it.width, w))};")
        out.append(f"{pad}end")
    else:
        out.append(f"{pad}// {it.reason}")
        out.append(f"{pad}/* verilator lint_off {it.rule} */")
        for sub in it.items:
            _item(sub, out)
        out.append(f"{pad}/* verilator lint_on {it.rule} */")


def render_items(items: list[Item]) -> str:
    """Module items as Verilog text, for hand-written surroundings (the harness)."""
    out: list[str] = []
    for it in items:
        _item(it, out)
    return "\n".join(out)


def render_module(m: Module) -> str:
    out = ["`timescale 1ns/1ps", *(f"// {h}" for h in m.header), f"module {m.name} ("]
    for n, p in enumerate(m.ports):
        comma = "," if n + 1 < len(m.ports) else ""
        rng = _range(p.width) if p.width > 1 else ""
        out.append(f"  {p.direction} wire {rng}{p.name}{comma}")
    out.append(");")
    for it in m.items:
        _item(it, out)
    out.append("endmodule")
    return "\n".join(out) + "\n"
