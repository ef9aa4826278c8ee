"""A top level of several kernel modules run one after another, with a RAM between a kernel
that writes an array and the later kernels that read it (plain RAM ports, no streams yet).

The top has the kernel interface (`clk`, `rst`, `start`, `done`, `idle`): `start` starts
the first kernel, each kernel's `done` starts the next, and the last one's `done` is the
top's. Every parameter that is not an end of a feed becomes a port of the top, named
`<kernel>_<parameter>`; its scalar inputs are sampled on `start` for the kernels after the
first. A feed's RAM has one port, which the running kernel drives, with the contract the
kernels assume of every RAM (data the clock after `ce`, the old word on a write); it starts
as zeros and keeps its words between calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln.backend.kernel_rtl import KernelRtl, MemPort
from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Binary,
    Decl,
    Expr,
    If,
    Index,
    Initial,
    Instance,
    LintOff,
    Localparam,
    MemWrite,
    Module,
    NonBlocking,
    Port,
    Ref,
    Ternary,
    design_files,
    render_module,
)
from kiln.base.errors import BackendError
from kiln.ir.calls import Feed
from kiln.ir.kernel import Direction, Kernel, Param
from kiln.ir.types import ArrayType

RAM_SIGNALS = ("addr", "ce", "we", "d")  # driven by a kernel; `q` comes back when it reads


@dataclass(frozen=True)
class Part:
    """One kernel inside the top: its IR (for the interface) and its module."""

    kernel: Kernel
    rtl: KernelRtl


@dataclass(frozen=True)
class Interface:
    """The top's parameters, as a kernel's: what co-simulation loads and checks."""

    name: str
    params: tuple[Param, ...]


@dataclass(frozen=True)
class TopRtl:
    rtl: KernelRtl  # the top module, in the kernel module's terms (ports, memories, ...)
    interface: Interface
    names: dict[tuple[int, str], str]  # (kernel index, parameter) -> the top's parameter
    sources: dict[str, str]  # module name -> its Verilog, one file each: kernels, then the top


def interface_names(parts: list[Part], feeds: list[Feed]) -> dict[tuple[int, str], str]:
    """The top's name of every kernel parameter that no feed joins: `<kernel>_<param>`."""
    ends = {(f.src, f.src_array) for f in feeds} | {(f.dst, f.dst_array) for f in feeds}
    return {
        (k, p.name): f"{part.kernel.name}_{p.name}"
        for k, part in enumerate(parts)
        for p in part.kernel.params
        if (k, p.name) not in ends
    }


def check_feeds(parts: list[Part], feeds: list[Feed]) -> None:
    """Refuse what the top cannot build, naming the feed and the reason."""
    names = [p.kernel.name for p in parts]
    if len(set(names)) != len(names):
        raise BackendError(f"a design holds each kernel once; got {', '.join(names)}")
    fed: set[tuple[int, str]] = set()
    for f in feeds:
        src, dst = parts[f.src], parts[f.dst]
        what = f"feed {src.kernel.name}.{f.src_array} -> {dst.kernel.name}.{f.dst_array}"
        if f.src >= f.dst:
            raise BackendError(f"{what}: kernels run in order; a feed goes to a later one")
        sp, dp = src.kernel.param(f.src_array), dst.kernel.param(f.dst_array)
        if not (isinstance(sp.type, ArrayType) and isinstance(dp.type, ArrayType)):
            raise BackendError(f"{what}: both ends must be array parameters")
        if sp.direction is Direction.IN or dp.direction is Direction.OUT:
            raise BackendError(
                f"{what}: the source must be written (out or inout) and the end read (in or "
                f"inout); got {sp.direction.value} and {dp.direction.value}"
            )
        if sp.type != dp.type:
            raise BackendError(f"{what}: the arrays differ ({sp.type} and {dp.type})")
        if (f.dst, f.dst_array) in fed:
            raise BackendError(f"{what}: {dst.kernel.name}.{f.dst_array} is fed twice")
        fed.add((f.dst, f.dst_array))
        for part, array in ((src, f.src_array), (dst, f.dst_array)):
            if len(_ports_of(part.rtl, array)) != 1:
                raise BackendError(
                    f"{what}: {part.kernel.name}.{array} has "
                    f"{len(_ports_of(part.rtl, array))} RAM ports; a feed joins one to one",
                    hint="leave the array unpartitioned, with one port (the default)",
                )


def _ports_of(rtl: KernelRtl, array: str) -> list[MemPort]:
    return [mp for mp in rtl.mem_ports if mp.array == array]


def _or(terms: list[Expr]) -> Expr:
    out = terms[0]
    for t in terms[1:]:
        out = Binary("|", out, t)
    return out


def _and(a: Expr, b: Expr) -> Expr:
    return Binary("&", a, b)


class _Top:
    """Builds the top module; each method adds one concern's ports, signals and logic."""

    def __init__(self, name: str, parts: list[Part], feeds: list[Feed]):
        self.parts, self.feeds = parts, feeds
        self.names = interface_names(parts, feeds)
        self.namer = Namer(("clk", "rst", "start", "done", "idle"))
        self.namer.taken.update(p.rtl.name for p in parts)
        self.m = Module(self.namer.fresh(name))
        self.conns: list[list[tuple[str, Expr]]] = [[] for _ in parts]
        self.unused: list[Decl] = []
        self.rtl = KernelRtl(self.m.name, "", {}, {}, {}, [], {}, {}, {}, {}, self.m)

    def wire(self, hint: str, width: int, unused: bool = False) -> str:
        name = self.namer.fresh(hint)
        decl = Decl("wire", name, width)
        (self.unused if unused else self.m.items).append(decl)
        return name

    def build(self) -> TopRtl:
        n = len(self.parts)
        self.m.ports += [Port("input", p, 1) for p in ("clk", "rst", "start")]
        self.m.ports += [Port("output", p, 1) for p in ("done", "idle")]
        self.control(n)
        self.scalars()
        self.arrays()
        self.feed_rams()
        for k, part in enumerate(self.parts):
            conns = [("clk", Ref("clk")), ("rst", Ref("rst")), *self.handshake[k], *self.conns[k]]
            self.m.items.append(Instance(part.rtl.name, f"u_{part.kernel.name}", tuple(conns)))
        if self.unused:
            why = "each kernel's own idle, and ports a kernel drives that nothing here reads"
            self.m.items.insert(0, LintOff("UNUSEDSIGNAL", why, tuple(self.unused)))
        kernels = ", ".join(p.kernel.name for p in self.parts)
        self.m.header.append(f"Generated by kiln: top level running {kernels} in order.")
        self.rtl.verilog = render_module(self.m)
        params = []
        for (k, pname), name in self.names.items():
            p = self.parts[k].kernel.param(pname)
            params.append(Param(name, p.type, p.direction, loc=p.loc))
        sources = design_files([*(p.rtl.module for p in self.parts), self.m])
        return TopRtl(self.rtl, Interface(self.m.name, tuple(params)), self.names, sources)

    def control(self, n: int) -> None:
        """States IDLE, RUN_0 .. RUN_{n-1}; kernel k starts as kernel k-1 is done."""
        width = max(1, n.bit_length())
        states = [self.namer.fresh("S_IDLE")] + [self.namer.fresh(f"S_RUN{k}") for k in range(n)]
        for v, s in enumerate(states):
            self.m.items.append(Localparam(s, width, v))
        state = self.namer.fresh("state")
        self.m.items.append(Decl("reg", state, width, "which kernel runs"))
        self.running = [self.wire(f"run{k}", 1) for k in range(n)]
        self.starts = [self.wire(f"go_{p.kernel.name}", 1) for p in self.parts]
        dones = [self.wire(f"done_{p.kernel.name}", 1) for p in self.parts]
        idles = [self.wire(f"idle_{p.kernel.name}", 1, unused=True) for p in self.parts]
        self.begin = self.wire("begin_call", 1)
        self.m.items.append(Assign("idle", Binary("==", Ref(state), Ref(states[0]))))
        self.m.items.append(Assign(self.begin, _and(Ref("idle"), Ref("start"))))
        moves: list = [If(Ref(self.begin), (NonBlocking(state, Ref(states[1])),))]
        for k in range(n):
            self.m.items.append(
                Assign(self.running[k], Binary("==", Ref(state), Ref(states[k + 1])))
            )
            go = Ref(self.begin) if k == 0 else _and(Ref(self.running[k - 1]), Ref(dones[k - 1]))
            self.m.items.append(Assign(self.starts[k], go))
            after = states[k + 2] if k + 1 < n else states[0]
            moves.append(
                If(_and(Ref(self.running[k]), Ref(dones[k])), (NonBlocking(state, Ref(after)),))
            )
        self.m.items.append(Assign("done", _and(Ref(self.running[-1]), Ref(dones[-1]))))
        reset = NonBlocking(state, Ref(states[0]))
        self.m.items.append(AlwaysFF("clk", (If(Ref("rst"), (reset,), tuple(moves)),)))
        self.handshake = [
            [("start", Ref(self.starts[k])), ("done", Ref(dones[k])), ("idle", Ref(idles[k]))]
            for k in range(n)
        ]

    def scalars(self) -> None:
        """Scalar inputs: ports of the top (sampled on start for all but the first kernel);
        scalar outputs: the kernel's output ports, straight through."""
        for (k, pname), name in self.names.items():
            rtl = self.parts[k].rtl
            if pname in rtl.inputs:
                kport, width = rtl.inputs[pname]
                port = self.namer.fresh(name)
                self.m.ports.append(Port("input", port, width))
                self.rtl.inputs[name] = (port, width)
                value = port
                if k > 0:
                    value = self.namer.fresh(f"in_{name}")
                    self.m.items.append(Decl("reg", value, width, f"{name}, sampled on start"))
                    load = If(Ref(self.begin), (NonBlocking(value, Ref(port)),))
                    self.m.items.append(AlwaysFF("clk", (load,)))
                self.conns[k].append((kport, Ref(value)))
            if pname in rtl.outputs:
                kport, width = rtl.outputs[pname]
                port = self.namer.fresh(name)
                self.m.ports.append(Port("output", port, width))
                self.rtl.outputs[name] = (port, width)
                self.conns[k].append((kport, Ref(port)))

    def arrays(self) -> None:
        """Array parameters no feed joins: each RAM port, and each element port of a
        completely partitioned one, becomes a port of the top."""
        for (k, pname), name in self.names.items():
            rtl = self.parts[k].rtl
            if pname not in rtl.memories:
                continue
            self.rtl.memories[name] = rtl.memories[pname]
            for mp in _ports_of(rtl, pname):
                prefix = self.namer.fresh(f"{self.parts[k].kernel.name}_{mp.prefix}")
                self.rtl.mem_ports.append(
                    MemPort(name, mp.bank, prefix, mp.addr_width, mp.width, mp.depth, mp.reads)
                )
                for sig in (*RAM_SIGNALS, "q") if mp.reads else RAM_SIGNALS:
                    width = {"addr": mp.addr_width, "ce": 1, "we": 1}.get(sig, mp.width)
                    self.namer.taken.add(f"{prefix}_{sig}")
                    way = "input" if sig == "q" else "output"
                    self.m.ports.append(Port(way, f"{prefix}_{sig}", width))
                    self.conns[k].append((f"{mp.prefix}_{sig}", Ref(f"{prefix}_{sig}")))
            pairs = []
            for pin, pout in rtl.element_ports.get(pname, []):
                pair = []
                for kport, way in ((pin, "input"), (pout, "output")):
                    if kport is None:
                        pair.append(None)
                        continue
                    port = self.namer.fresh(f"{self.parts[k].kernel.name}_{kport}")
                    self.m.ports.append(Port(way, port, rtl.memories[pname].width))
                    self.conns[k].append((kport, Ref(port)))
                    pair.append(port)
                pairs.append(tuple(pair))
            if pairs:
                self.rtl.element_ports[name] = pairs

    def feed_rams(self) -> None:
        """One RAM per fed array, its port driven by whichever of its kernels runs."""
        users: dict[tuple[int, str], list[tuple[int, str]]] = {}
        for f in self.feeds:
            users.setdefault((f.src, f.src_array), [(f.src, f.src_array)])
            users[(f.src, f.src_array)].append((f.dst, f.dst_array))
        for (k, array), ends in users.items():
            mp = _ports_of(self.parts[k].rtl, array)[0]
            base = f"{self.parts[k].kernel.name}_{array}"
            mem = self.namer.fresh(f"ram_{base}")
            self.m.items.append(
                Decl("reg", mem, mp.width, f"between {len(ends)} kernels", mp.depth)
            )
            self.m.items.append(Initial(mem, mp.width, (0,) * mp.depth))
            q = self.namer.fresh(f"{mem}_q")
            self.m.items.append(Decl("reg", q, mp.width))
            driven: dict[str, list[tuple[int, str]]] = {sig: [] for sig in RAM_SIGNALS}
            for j, a in ends:
                port = _ports_of(self.parts[j].rtl, a)[0]
                who = self.parts[j].kernel.name
                for sig in RAM_SIGNALS:
                    width = {"addr": mp.addr_width, "ce": 1, "we": 1}.get(sig, mp.width)
                    w = self.wire(f"{who}_{port.prefix}_{sig}", width)
                    driven[sig].append((j, w))
                    self.conns[j].append((f"{port.prefix}_{sig}", Ref(w)))
                if port.reads:
                    self.conns[j].append((f"{port.prefix}_q", Ref(q)))
            sel = {}
            for sig in ("ce", "we"):
                terms = [_and(Ref(self.running[j]), Ref(w)) for j, w in driven[sig]]
                sel[sig] = self.wire(f"{mem}_{sig}", 1)
                self.m.items.append(Assign(sel[sig], _or(terms)))
            for sig in ("addr", "d"):
                (_, last), *rest = reversed(driven[sig])
                expr: Expr = Ref(last)
                for j, w in rest:
                    expr = Ternary(Ref(self.running[j]), Ref(w), expr)
                width = mp.addr_width if sig == "addr" else mp.width
                sel[sig] = self.wire(f"{mem}_{sig}", width)
                self.m.items.append(Assign(sel[sig], expr))
            write = MemWrite(mem, Ref(sel["addr"]), Ref(sel["d"]))
            read = NonBlocking(q, Index(mem, Ref(sel["addr"])))
            body = (If(Ref(sel["ce"]), (If(Ref(sel["we"]), (write,)), read)),)
            self.m.items.append(AlwaysFF("clk", body))


def emit_top(name: str, parts: list[Part], feeds: list[Feed]) -> TopRtl:
    """The top module over `parts` (kernel modules) joined by `feeds`."""
    if not parts:
        raise BackendError("a design needs at least one kernel")
    check_feeds(parts, feeds)
    return _Top(name, parts, feeds).build()
