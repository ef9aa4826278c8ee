"""A small Verilog-2005 object model and its printer; kiln never concatenates Verilog text.

Every expression node knows nothing of widths; the code that builds them (see
`expressions.py`) keeps widths exact so the output lints clean under `verilator -Wall`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kiln.base.errors import BackendError

TIMESCALE = "`timescale 1ns/1ps"
_ONE_FILE = "the modules of a design share this file, so not every file name is a module name"

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


@dataclass(frozen=True)
class Instance:
    """An instance of another module: `module #(params) name (.port(expr), ...)`; a port
    connected to None is left open."""

    module: str
    name: str
    ports: tuple[tuple[str, Expr | None], ...]
    params: tuple[tuple[str, Expr], ...] = ()


Item = Decl | Assign | AlwaysFF | Comment | LintOff | Initial | Localparam | Instance


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
    elif isinstance(it, Instance):
        params = ", ".join(f".{n}({render_expr(e)})" for n, e in it.params)
        head = f"{it.module} #({params}) {it.name}" if it.params else f"{it.module} {it.name}"
        out.append(f"{pad}{head} (")
        for n, (port, e) in enumerate(it.ports):
            comma = "," if n + 1 < len(it.ports) else ""
            out.append(f"{pad}  .{port}({'' if e is None else render_expr(e)}){comma}")
        out.append(f"{pad});")
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
    """One module as a Verilog file."""
    return "\n".join([TIMESCALE, *_module_lines(m)]) + "\n"


def render_design(modules: Iterable[Module], external: Iterable[str] = ()) -> str:
    """Several modules as one Verilog file: the timescale once, then each module once, a
    module before the modules that instance it (see `design_order`). One module prints
    as `render_module` prints it."""
    ordered = design_order(modules, external)
    head = [TIMESCALE]
    if len(ordered) > 1:  # Verilator -Wall wants each module in a file of its name
        head += [f"// {_ONE_FILE}", "/* verilator lint_off DECLFILENAME */"]
    parts = ["\n".join(_module_lines(m)) for m in ordered]
    return "\n".join(head) + "\n" + "\n\n".join(parts) + "\n"


def design_files(modules: Iterable[Module], external: Iterable[str] = ()) -> dict[str, str]:
    """Module name -> the text of its own file (`<name>.v`), in `design_order`: what tools
    that want one module per file (Verilator's -Wall) read."""
    return {m.name: render_module(m) for m in design_order(modules, external)}


def design_order(modules: Iterable[Module], external: Iterable[str] = ()) -> list[Module]:
    """`modules` with every module before the modules that instance it, otherwise in the
    order given. An instance must name one of `modules` or of `external` (modules that come
    from elsewhere, such as a vendor's RAM); a name given twice, an instance of an unknown
    module and a module that instances itself, directly or not, are errors."""
    by_name: dict[str, Module] = {}
    for m in modules:
        if m.name in by_name:
            raise BackendError(f"module {m.name} is given twice; a design holds each once")
        by_name[m.name] = m
    outside = set(external)
    order: list[Module] = []
    state: dict[str, str] = {}  # name -> "open" while its instances are visited, then "done"

    def visit(m: Module, path: tuple[str, ...]) -> None:
        if state.get(m.name) == "done":
            return
        if state.get(m.name) == "open":
            loop = " -> ".join((*path[path.index(m.name) :], m.name))
            raise BackendError(f"module {m.name} instances itself: {loop}")
        state[m.name] = "open"
        for inst in instances(m.items):
            if inst.module in by_name:
                visit(by_name[inst.module], (*path, m.name))
            elif inst.module not in outside:
                raise BackendError(
                    f"module {m.name}: instance {inst.name} is of module {inst.module}, which "
                    "the design does not hold",
                    hint="pass that module too, or name it in `external`",
                )
        state[m.name] = "done"
        order.append(m)

    for m in by_name.values():
        visit(m, ())
    return order


def instances(items: Iterable[Item]) -> list[Instance]:
    """The instances among `items`, in order, those under a lint waiver included."""
    out: list[Instance] = []
    for it in items:
        if isinstance(it, Instance):
            out.append(it)
        elif isinstance(it, LintOff):
            out += instances(it.items)
    return out


def _module_lines(m: Module) -> list[str]:
    out = [*(f"// {h}" for h in m.header), f"module {m.name} ("]
    for n, p in enumerate(m.ports):
        comma = "," if n + 1 < len(m.ports) else ""
        rng = _range(p.width) if p.width > 1 else ""
        out.append(f"  {p.direction} wire {rng}{p.name}{comma}")
    out.append(");")
    for it in m.items:
        _item(it, out)
    out.append("endmodule")
    return out
