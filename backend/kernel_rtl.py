"""A scheduled kernel as one Verilog module: a controller, one pipeline per region, memories.

Interface: clk, rst (synchronous, active high), start, done, idle; one input per scalar
`in`/`inout` parameter (sampled when start is seen in idle); one output per scalar
`out`/`inout` parameter (valid from done until the next start); and per bank of each
array parameter a single-port synchronous RAM interface: `<a>_addr`, `<a>_ce`, `<a>_we`,
`<a>_d` out, `<a>_q` in (read data the clock after `ce`, the old word on a write).

Every region, loop body or straight code, is a pipeline of its scheduled stages. Stage s
holds `valid_s`; values made in stage c and used in stage c + k pass through k pipeline
registers, exactly as the schedule counts them. The controller issues iterations into
stage 0 every II clocks (II = the stage count for a loop that is not pipelined) while the
loop runs, and moves to what follows once no iteration is left but in the last stage, so
consecutive regions run back to back. Loops that hold loops get a head state that tests
the bound; branches that hold loops get a state that tests the condition. `cycles()` in
`kiln.backend.latency` gives the clock counts that follow from these rules.

The builder is split in three: values and regions here, memories in `memory_logic`, the
controller in `controller`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from kiln.backend.controller import Controller, _walk_control
from kiln.backend.expressions import OpLowering, all_of
from kiln.backend.memories import ArrayLayout, address_width, bank_suffix, is_external, layout_of
from kiln.backend.memory_logic import BUG_HINT, MemoryLogic
from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Binary,
    Comment,
    Concat,
    Const,
    Decl,
    Expr,
    If,
    LintOff,
    Localparam,
    Module,
    NonBlocking,
    Port,
    Ref,
    Repeat,
    Slice,
    Stmt,
    Ternary,
    Unary,
    render_expr,
    render_module,
)
from kiln.errors import BackendError
from kiln.ir.demanded import held_bits
from kiln.ir.kernel import (
    Direction,
    ForLoop,
    Kernel,
    Op,
    Storage,
    StorageKind,
    Value,
    walk_ops,
)
from kiln.ir.semantics import bits
from kiln.ir.types import ArrayType, FloatType
from kiln.scheduler.kernel_schedule import KernelSchedule, RegionSchedule, port_binding
from kiln.scheduler.regions import Branch, OuterFor, OuterWhile
from kiln.scheduler.signals import Signals, registered_variables, rewires

CONTROL_PORTS = ("clk", "rst", "start", "done", "idle")


@dataclass(frozen=True)
class MemPort:
    """One external RAM interface (a bank of an array parameter)."""

    array: str  # the parameter
    bank: tuple[int | None, ...]
    prefix: str  # <prefix>_addr, _ce, _we, _d, _q
    addr_width: int
    width: int
    depth: int
    reads: bool  # has a `_q` input (the kernel loads from the array)


@dataclass
class KernelRtl:
    """The module and what a testbench or report needs to know about it."""

    name: str
    verilog: str
    inputs: dict[str, tuple[str, int]]  # parameter -> (port, width)
    outputs: dict[str, tuple[str, int]]
    memories: dict[str, ArrayLayout]  # array parameter -> layout
    mem_ports: list[MemPort]
    # completely partitioned array parameter -> per element (input port, output port)
    element_ports: dict[str, list[tuple[str | None, str | None]]]
    stages: dict[int, int]  # region -> stages as built (>= the schedule's)
    iis: dict[int, int]  # region -> clocks between iterations
    issue: dict[int, tuple[str, str]]  # region -> (stage-0 valid, first-issue flag) signals
    register_bits: dict[str, int] = field(default_factory=dict)  # by kind


STREAM_MODES = ("axis", "ap_fifo")  # interface modes that ask for ready/valid streams


def check_interfaces(directives) -> None:
    """Refuse interfaces the module cannot have, before anything is built: an array the
    source asks to stream would silently become a RAM port otherwise."""
    for d in directives:
        mode = d.options.get("mode") if d.name == "interface" else None
        if mode in STREAM_MODES:
            raise BackendError(
                f"#pragma HLS interface mode={mode} port={d.options.get('port', '?')}: kiln "
                "builds no ready/valid stream interface yet",
                d.loc,
                "leave the mode out (or write ap_memory): the array becomes a RAM interface "
                "with address, enable, write enable and data ports",
            )


def _check_supported(k: Kernel, ks: KernelSchedule) -> None:
    if ks.options.param_ports != 1:
        raise BackendError(
            f"kernel @{k.name} was scheduled with {ks.options.param_ports} ports per array "
            "parameter bank; the module gives each bank one RAM interface",
            k.loc,
            "schedule with one port per parameter bank (the default)",
        )
    for op in walk_ops(k.body):
        for v in [*op.operands, *([op.result] if op.result is not None else [])]:
            if isinstance(v.type, FloatType):
                raise BackendError(
                    f"kernel @{k.name}: op '{op.opcode}' works on {v.type}; floating-point "
                    "hardware is not generated yet",
                    op.place,
                    "use integers or fixed point (ap_fixed / fixed<W,F>) for RTL",
                )
    for st in k.storages:
        if st.kind is StorageKind.LOCAL and st.init:
            raise BackendError(
                f"local array @{st.name} has initial contents, which a RAM cannot reload on "
                "every call",
                st.place,
                "declare it const (a ROM) or static, or fill it with a loop",
            )


class _Builder(MemoryLogic, Controller):
    """Builds the module in order: interface and storage, each region's datapath, memory
    ports, the per-region issue logic, then the controller that sequences them."""

    def __init__(self, k: Kernel, ks: KernelSchedule):
        self.k, self.ks = k, ks
        self.namer = Namer(CONTROL_PORTS)
        self.lw = OpLowering(self.namer)
        self.m = Module(self.namer.fresh(k.name))
        self.decls: list = []  # declarations, printed first
        self.logic: list = []  # assigns and always blocks
        self.regs: list[tuple[str, int, str]] = []  # (name, bits, kind), for the report
        self.ctrl: list[Stmt] = []  # controller updates (reset-free part)
        self.ctrl_reset: list[Stmt] = []
        self.datapath: list[Stmt] = []  # unconditional and enabled datapath registers
        # values
        self.home: dict[tuple[int, str], tuple[str, int]] = {}  # (region, node) -> (signal, stage)
        self.widths: dict[tuple[int, str], int] = {}
        self.chain: dict[tuple, str] = {}  # (root signal, clocks, bits) -> register
        self.lowered: dict[tuple, str] = {}  # (opcode, attrs, type, operand signals) -> wire
        self.delayed: dict[str, tuple] = {}  # register -> (root, root width, clocks, bits)
        self.rewired: dict[str, tuple[str, int]] = {}  # wire -> (operand, width) it rewires
        self.consts: set[tuple[int, str]] = set()
        self.producer: dict[int, tuple[int, str]] = {}  # id(value) -> (region, node)
        self.outside: set[int] = set()  # values used outside their region
        self.value_home: dict[int, str] = {}  # id(value) -> register holding it
        self.loop_var: dict[int, str] = {}  # id(loop variable) -> signal
        # storage
        self.var_reg: dict[int, str] = {}
        self.var_init: dict[int, Expr] = {}
        self.var_store: dict[int, tuple[str, int, int]] = {}  # id -> (register, bits, width)
        self.var_updates: dict[int, list[tuple[Expr, Expr]]] = defaultdict(list)
        self.layouts: dict[int, ArrayLayout] = {}
        self.requests: dict[tuple[int, tuple], list[dict]] = defaultdict(list)
        self.rf_writes: dict[int, list[Stmt]] = defaultdict(list)
        self.loads: list = []  # (data wire, [(bank key, request)], bank select reg, storage)
        self.ports = port_binding(ks.regions)  # (region, access) -> {port class: port}
        self.signals = Signals(ks.regions, self.ports)  # the registers the schedule counted
        self.port_data: dict[tuple, str] = {}  # (storage, bank, port) -> its output's wire
        self.bank_index: dict[str, str] = {}  # bank index expression -> its wire
        self.rf_reads: dict[tuple, str] = {}  # (register file, index signals) -> read wire
        self.bank_selects: dict[str, str] = {}  # bank index wire -> its register
        # control
        self.stages: dict[int, int] = {}
        self.iis: dict[int, int] = {}
        self.valids: dict[int, list[str]] = {}
        self.states: list[str] = []
        self.exits: dict[str, list[Stmt]] = {}
        self.fin: dict[int, str] = {}
        self.entry: dict[int, list[Stmt]] = {}
        self.counter_width: dict[int, int] = {}
        self.outer: dict[int, tuple[str, str]] = {}  # id(loop) -> (cnt, first)
        self.held = held_bits(k)  # the bits registers hold, as the scheduler counted them
        self.read_vars = registered_variables(ks.regions)
        self.node_value: dict[tuple[int, str], Value] = {}  # (region, "in:" node) -> value
        self.accesses: dict[tuple[str, int], list[Op]] = defaultdict(list)  # reads and loads
        for op in walk_ops(k.body):
            if op.opcode in ("read", "load"):
                self.accesses[(op.opcode, id(op.storage))].append(op)
        self.global_consts: dict[int, str] = {}  # id(value) -> wire, for shared constants
        self.mem_base: dict[int, str] = {}
        self.issue: dict[int, tuple[str, str]] = {}
        self.element_ports: dict[str, list[tuple[str | None, str | None]]] = {}
        self.state_reg = self.namer.fresh("state")
        self.idle_name = self.namer.fresh("is_idle")
        self.idle_state = self.state("idle")
        self.done_state = self.state("done")
        self.leaf_state = {k: self.state(f"r{k}") for k in range(len(ks.regions))}

    # ---- small helpers ---------------------------------------------------------------
    def reg(self, hint: str, width: int, kind: str, comment: str = "") -> str:
        name = self.namer.fresh(hint)
        self.decls.append(Decl("reg", name, width, comment))
        self.regs.append((name, width, kind))
        return name

    def wire(self, hint: str, width: int, rhs: Expr) -> str:
        return self.lw.wire(hint, width, rhs)

    def declared_wire(self, hint: str, width: int) -> str:
        name = self.namer.fresh(hint)
        self.decls.append(Decl("wire", name, width))
        return name

    def state(self, hint: str) -> str:
        name = self.namer.fresh(f"S_{hint}".upper())
        self.states.append(name)
        return name

    def goto(self, st: str) -> NonBlocking:
        return NonBlocking(self.state_reg, Ref(st))

    # ---- analysis --------------------------------------------------------------------
    def analyse(self) -> None:
        """Which values cross from one region to another (they get a home register)."""
        regions = [rs.region for rs in self.ks.regions]
        for k, r in enumerate(regions):
            for node, op in r.ir_ops.items():
                if op.result is not None:
                    self.producer[id(op.result)] = (k, node)
        for k, r in enumerate(regions):
            for node, op in r.ir_ops.items():
                for v in [*op.operands, *(g for g, _ in r.guards[node])]:
                    if id(v) in self.producer and self.producer[id(v)][0] != k:
                        self.outside.add(id(v))
            if isinstance(r.loop, ForLoop):
                self._cross(r.loop.lo, r.loop.hi)
        for node in _walk_control(self.ks.control):
            if isinstance(node, OuterFor):
                self._cross(node.loop.lo, node.loop.hi)
            elif isinstance(node, OuterWhile):
                self._cross(node.loop.cond_value)
            elif isinstance(node, Branch):
                self._cross(node.stmt.cond)

    def _cross(self, *values) -> None:
        for v in values:
            if isinstance(v, Value) and id(v) in self.producer:
                self.outside.add(id(v))

    def constants(self) -> None:
        """Constants used outside their region are module-level wires, not registers."""
        # in program order (region, then node), not the order of `id`s: the text is stable
        for vid in sorted(self.outside, key=lambda v: self.producer[v]):
            k, node = self.producer[vid]
            op = self.ks.regions[k].region.ir_ops[node]
            if op.opcode == "const":
                self.outside.discard(vid)
                expr = self.lw.lower(op, [], f"c_{op.result.name}")
                self.global_consts[vid] = self.wire(
                    f"c_{op.result.name}", op.result.type.width, expr
                )

    # ---- interface and storage -------------------------------------------------------
    def interface(self) -> None:
        m = self.m
        m.ports += [Port("input", n, 1) for n in ("clk", "rst", "start")]
        m.ports += [Port("output", n, 1) for n in ("done", "idle")]
        self.inputs: dict[str, tuple[str, int]] = {}
        self.outputs: dict[str, tuple[str, int]] = {}
        self.samples: list[Stmt] = []
        self.mem_ports: list[MemPort] = []
        self.port_layouts: dict[str, ArrayLayout] = {}
        for p in self.k.params:
            if isinstance(p.type, ArrayType):
                self.array(p.storage)
                continue
            w = p.type.width
            if p.direction is Direction.IN:
                port = self.namer.fresh(p.name)
                m.ports.append(Port("input", port, w))
                self.inputs[p.name] = (port, w)
                r = self.reg(f"in_{p.name}", w, "input", f"input {p.name}, sampled on start")
                self.samples.append(NonBlocking(r, Ref(port)))
                self.value_home[id(p.value)] = r
                continue
            r = self.var(p.storage)
            if p.direction is Direction.INOUT:
                port = self.namer.fresh(f"{p.name}_in")
                m.ports.append(Port("input", port, w))
                self.inputs[p.name] = (port, w)
                self.var_init[id(p.storage)] = Ref(port)
            out = self.namer.fresh(p.name if p.direction is Direction.OUT else f"{p.name}_out")
            m.ports.append(Port("output", out, w))
            self.outputs[p.name] = (out, w)
            self.logic.append(Assign(out, Ref(r)))
        for st in self.k.storages:
            if st.is_array:
                self.array(st)
            else:
                self.var(st)

    def var(self, st: Storage) -> str:
        """A variable's register, of the bits its reads need (all of them for a parameter;
        none for a variable nothing reads). Returns the full-width signal reads see."""
        w = st.elem.width
        kept, signed = self.held.variables.get(id(st), (0, False))
        if st.kind is StorageKind.PARAM:
            kept, signed = w, False
        elif id(st) not in self.read_vars:
            kept = 0
        init = bits((st.init or [0])[0], st.elem)
        if kept == 0:  # no region reads the register: writes reach reads directly
            key = ("const", 0, str(st.elem))
            if key not in self.lowered:
                self.lowered[key] = self.wire(f"{st.name}_unread", w, Const(w, 0))
            self.var_reg[id(st)] = self.lowered[key]
            return self.var_reg[id(st)]
        r = self.reg(st.name, kept, "variable", f"@{st.name}")
        self.var_store[id(st)] = (r, kept, w)
        if st.kind is not StorageKind.STATIC:  # statics keep their value across calls
            self.var_init[id(st)] = Const(kept, init & ((1 << kept) - 1))
        self.var_reg[id(st)] = self.extend(r, kept, w, signed)
        return self.var_reg[id(st)]

    def array(self, st: Storage) -> None:
        lay = layout_of(st)
        self.layouts[id(st)] = lay
        if not is_external(st) or lay.registers:
            self.mem_base[id(st)] = self.namer.fresh(f"m_{st.name}")
        if not is_external(st):
            return
        self.port_layouts[st.name] = lay
        if lay.registers:
            self.element_port_list(st, lay)
            return
        aw = address_width(lay.depth)
        reads = bool(self.accesses.get(("load", id(st))))
        for key in lay.bank_keys:
            prefix = self.namer.fresh(st.name + bank_suffix(key))
            for n in ("addr", "ce", "we", "d", "q"):
                self.namer.taken.add(f"{prefix}_{n}")
            self.mem_ports.append(MemPort(st.name, key, prefix, aw, lay.width, lay.depth, reads))
            self.m.ports += [
                Port("output", f"{prefix}_addr", aw),
                Port("output", f"{prefix}_ce", 1),
                Port("output", f"{prefix}_we", 1),
                Port("output", f"{prefix}_d", lay.width),
            ]
            if reads:
                self.m.ports.append(Port("input", f"{prefix}_q", lay.width))

    def element_port_list(self, st: Storage, lay: ArrayLayout) -> None:
        """A completely partitioned array parameter: one port per element and direction;
        inputs are copied into the register file on start, outputs show it."""
        ports = []
        for flat in range(lay.size):
            pin = pout = None
            if st.direction in (Direction.IN, Direction.INOUT):
                pin = self.namer.fresh(f"{st.name}_{flat}")
                self.m.ports.append(Port("input", pin, lay.width))
            if st.direction in (Direction.OUT, Direction.INOUT):
                pout = self.namer.fresh(f"{st.name}_{flat}_out")
                self.m.ports.append(Port("output", pout, lay.width))
            ports.append((pin, pout))
        self.element_ports[st.name] = ports

    # ---- values ----------------------------------------------------------------------
    def signal(self, k: int, node: str, stage: int) -> str:
        """The signal of `node` in `stage` of region k, adding pipeline registers."""
        name, made = self.home[(k, node)]
        if (k, node) in self.consts:
            return name
        if stage < made:
            raise BackendError(
                f"{self.ks.regions[k].region.problem.name}: {node} is used in stage {stage} "
                f"but made in stage {made}",
                hint="a kiln scheduler bug: please report it",
            )
        if stage == made:
            return name
        full = self.widths[(k, node)]
        kept = self.signals.kept(k, node)
        source, width, base = self.root_of(name, full, kept)
        tag = node.split(":")[-1].split("#")[0]
        profile = self.signals.chain_bits(k, node)
        prev, bits = name, full
        for j in range(1, stage - made + 1):
            # The register `base + j` clocks behind `source`, holding what the uses after it
            # read: one chain per signal, shared by every node and region that reads it.
            narrower = profile[j - 1]
            key = (source, base + j, narrower)
            if key not in self.chain:
                reg = self.reg(f"r{k}_s{made + j}_{tag}", narrower, "pipeline")
                src = Slice(prev, narrower - 1, 0) if narrower < bits else Ref(prev)
                self.datapath.append(NonBlocking(reg, src))
                self.chain[key] = reg
                self.delayed[reg] = (source, width, base + j, narrower)
            prev, bits = self.chain[key], narrower
        if bits == full:
            return prev
        if (prev, "x", full) not in self.chain:
            wide = self.extend(prev, bits, full, self._signed(k, node))
            self.chain[(prev, "x", full)] = wide
            self.rewired[wide] = (prev, bits)
        return self.chain[(prev, "x", full)]

    def root_of(self, name: str, width: int, kept: int) -> tuple[str, int, int]:
        """(signal, its width, clocks) such that `name`'s low `kept` bits are that signal's
        low bits that many clocks ago: through extensions and truncations, which only
        rewire bits, and through pipeline registers. Registers of one root are one chain,
        as logic synthesis would merge them (the scheduler counts them so)."""
        clocks = 0
        while True:
            if name in self.rewired and self.rewired[name][1] >= kept:
                name, width = self.rewired[name]
            elif name in self.delayed and self.delayed[name][3] >= kept:
                name, width, d, _ = self.delayed[name]
                clocks += d
            else:
                return name, width, clocks

    def extend(self, name: str, kept: int, full: int, signed: bool) -> str:
        """`name`'s `kept` low bits widened to `full`: the bits above are zeros (no use
        reads them, or the value's range makes them zero) or copies of the top kept bit."""
        if kept == full:
            return name
        high = (
            Repeat(full - kept, Slice(name, kept - 1, kept - 1))
            if signed
            else Const(full - kept, 0)
        )
        return self.wire(f"{name}_x", full, Concat((high, Ref(name))))

    def _signed(self, k: int, node: str) -> bool:
        """Whether `node`'s held bits sign-extend (see `kiln.ir.demanded.Held`)."""
        if (k, node) in self.node_value:
            return self.held.values.get(id(self.node_value[(k, node)]), (0, False))[1]
        op = self.ks.regions[k].region.ir_ops[node]
        if op.opcode == "write":
            return self.held.variables.get(id(op.storage), (0, False))[1]
        return self.held.values.get(id(op.result), (0, False))[1]

    def external(self, v: Value) -> str:
        """The register or port holding `v` while a region that did not make it runs."""
        if id(v) in self.global_consts:
            return self.global_consts[id(v)]
        if id(v) in self.loop_var:
            return self.loop_var[id(v)]
        if id(v) in self.value_home:
            return self.value_home[id(v)]
        raise BackendError(f"value %{v.name} has no register to read it from", hint=BUG_HINT)

    def operand(self, k: int, v: Value, stage: int, made_here: dict[int, str]) -> str:
        if id(v) in made_here:
            return self.signal(k, made_here[id(v)], stage)
        node = f"in:{v.name}"
        if (k, node) not in self.home:
            self.home[(k, node)] = (self.external(v), 0)
            self.widths[(k, node)] = v.type.width
            self.node_value[(k, node)] = v
            if id(v) in self.global_consts:
                self.consts.add((k, node))
        return self.signal(k, node, stage)

    def valid(self, k: int, stage: int) -> Expr:
        return Ref(self.valids[k][stage])

    def guard(self, k: int, node: str, stage: int, made_here) -> Expr | None:
        terms: list[Expr] = []
        for g, polarity in self.ks.regions[k].region.guards[node]:
            s = Ref(self.operand(k, g, stage, made_here))
            terms.append(s if polarity else Unary("~", s))
        return all_of(terms) if terms else None

    # ---- one region ------------------------------------------------------------------
    def region(self, k: int, rs: RegionSchedule) -> None:
        r, sol, p = rs.region, rs.solution, rs.region.problem
        cycles = sol.cycles
        ready = {n: cycles[n] + p.ops[n].latency for n in r.ir_ops}
        stages = sol.stages
        for n, op in r.ir_ops.items():  # a value leaving the region must be ready in it
            if op.result is not None and id(op.result) in self.outside:
                stages = max(stages, ready[n] + 1)
        self.stages[k] = stages
        self.iis[k] = sol.ii if r.pipelined and sol.ii else stages
        v0 = self.declared_wire(f"r{k}_valid0", 1)
        self.valids[k] = [v0] + [self.reg(f"r{k}_valid{s}", 1, "control") for s in range(1, stages)]
        for s in range(1, stages):
            self.ctrl.append(NonBlocking(self.valids[k][s], Ref(self.valids[k][s - 1])))
            self.ctrl_reset.append(NonBlocking(self.valids[k][s], Const(1, 0)))
        made_here: dict[int, str] = {}
        current: dict[int, str] = {}  # id(variable) -> the write node holding its value
        names = _c_names(r.ir_ops)
        for n, op in r.ir_ops.items():
            c = cycles[n]
            if op.result is not None:
                self.widths[(k, n)] = op.result.type.width
                made_here[id(op.result)] = n
            hint = names.get(n) or _hint(n)
            if op.opcode == "const":
                key = ("const", op.attrs["value"], str(op.result.type))
                if key not in self.lowered:
                    expr = self.lw.lower(op, [], hint)
                    self.lowered[key] = self.wire(hint, op.result.type.width, expr)
                self.home[(k, n)] = (self.lowered[key], 0)
                self.consts.add((k, n))
            elif op.opcode == "read":
                st = op.storage
                src = (
                    self.signal(k, current[id(st)], c)
                    if id(st) in current
                    else self.var_reg[id(st)]
                )
                self.home[(k, n)] = (src, c)
            elif op.opcode == "write":
                self.write(k, n, op, c, made_here, current)
            elif op.opcode in ("load", "store"):
                self.lw.assigns.append(Comment(_where(op, c)))
                self.access(k, n, op, c, made_here, hint)
            else:
                args = [self.operand(k, v, c, made_here) for v in op.operands]
                attrs = tuple(sorted(op.attrs.items()))
                key = (op.opcode, attrs, str(op.result.type), tuple(args))
                if key not in self.lowered:  # one operator per function of its signals
                    self.lw.assigns.append(Comment(_where(op, c)))
                    expr = self.lw.lower(op, args, hint)
                    self.lowered[key] = self.wire(hint, op.result.type.width, expr)
                    if rewires(op):
                        self.rewired[self.lowered[key]] = (args[0], op.operands[0].type.width)
                self.home[(k, n)] = (self.lowered[key], c)
            if op.result is not None and id(op.result) in self.outside:
                self.keep(k, n, op.result, ready[n])

    def keep(self, k: int, n: str, v: Value, stage: int) -> None:
        """A register that holds `v` for the regions that run after region k (the bits
        some use reads)."""
        sig = self.signal(k, n, stage)
        full = v.type.width
        kept, signed = self.held.values.get(id(v), (full, False))
        h = self.reg(f"h_{v.name}", kept, "cross-region", f"%{v.name} for later regions")
        src = Slice(sig, kept - 1, 0) if kept < full else Ref(sig)
        self.datapath.append(If(self.valid(k, stage), (NonBlocking(h, src),)))
        self.value_home[id(v)] = self.extend(h, kept, full, signed)

    def write(self, k: int, n: str, op: Op, c: int, made_here, current) -> None:
        """A variable write: later reads in the region take the value directly (with a
        mux under a guard); the register takes it at the end of the stage."""
        st = op.storage
        self.widths[(k, n)] = st.elem.width
        val = self.operand(k, op.operands[0], c, made_here)
        g = self.guard(k, n, c, made_here)
        if g is not None:
            prev = self.signal(k, current[id(st)], c) if id(st) in current else self.var_reg[id(st)]
            key = ("mux", render_expr(g), val, prev, st.elem.width)
            if key not in self.lowered:
                mux = Ternary(g, Ref(val), Ref(prev))
                self.lowered[key] = self.wire(f"{st.name}_new", st.elem.width, mux)
            val = self.lowered[key]
        self.home[(k, n)] = (val, c)
        current[id(st)] = n
        self.var_updates[id(st)].append((self.valid(k, c), Ref(val)))

    # ---- assembly --------------------------------------------------------------------
    def build(self) -> KernelRtl:
        self.analyse()
        self.constants()
        self.interface()
        self.outer_counters()
        for k, rs in enumerate(self.ks.regions):
            self.region(k, rs)
        for k, rs in enumerate(self.ks.regions):
            self.issue_logic(k, rs)
        self.bind_ports()
        self.register_files()
        entry = self.layout(self.ks.control, lambda: [self.goto(self.done_state)])
        self.exits[self.idle_state] = [If(Ref("start"), tuple(entry))]
        self.exits[self.done_state] = [self.goto(self.idle_state)]
        return self.finish()

    def finish(self) -> KernelRtl:
        m = self.m
        sw = address_width(len(self.states))
        self.decls.insert(0, Decl("reg", self.state_reg, sw, "controller state"))
        self.regs.append((self.state_reg, sw, "control"))
        states = [Localparam(s, sw, n) for n, s in enumerate(self.states)]
        in_state = lambda s: Binary("==", Ref(self.state_reg), Ref(s))  # noqa: E731
        idle = self.idle_name
        self.decls.append(Decl("wire", idle, 1))
        self.logic.append(Assign(idle, in_state(self.idle_state)))
        begin = self.wire("begin_call", 1, Binary("&", Ref(idle), Ref("start")))
        transitions = [
            If(in_state(s), tuple(self.exits[s])) for s in self.states if s in self.exits
        ]
        reset = [NonBlocking(self.state_reg, Ref(self.idle_state)), *self.ctrl_reset]
        control = AlwaysFF("clk", (If(Ref("rst"), tuple(reset), (*self.ctrl, *transitions)),))
        variables: list = []
        for sid, (reg, kept, full) in self.var_store.items():
            body: list[Stmt] = []
            if sid in self.var_init:
                body.append(If(Ref(begin), (NonBlocking(reg, self.var_init[sid]),)))
            else:  # a static: its initial value once, at reset
                st = next(s for s in self.k.storages if id(s) == sid)
                init = bits((st.init or [0])[0], st.elem) & ((1 << kept) - 1)
                body.append(If(Ref("rst"), (NonBlocking(reg, Const(kept, init)),)))
            for en, val in self.var_updates[sid]:
                val = Slice(val.name, kept - 1, 0) if kept < full else val
                body.append(If(en, (NonBlocking(reg, val),)))
            variables.append(AlwaysFF("clk", tuple(body)))
        if self.samples:
            variables.append(AlwaysFF("clk", (If(Ref(begin), tuple(self.samples)),)))
        m.items = [
            *states,
            LintOff("UNUSEDSIGNAL", _UNUSED, tuple(self.decls + self.lw.decls)),
            *self.lw.assigns,
            *self.logic,
            Assign("done", in_state(self.done_state)),
            Assign("idle", Ref(idle)),
            control,
            *variables,
        ]
        if self.datapath:
            m.items.append(AlwaysFF("clk", tuple(self.datapath)))
        counts: dict[str, int] = defaultdict(int)
        for _, w, kind in self.regs:
            counts[kind] += w
        m.header = [
            f"Generated by kiln from kernel @{self.k.name}: {len(self.ks.regions)} region(s), "
            f"clock period {self.ks.clock_period_ps:g} ps.",
        ]
        return KernelRtl(
            m.name,
            render_module(m),
            self.inputs,
            self.outputs,
            self.port_layouts,
            self.mem_ports,
            self.element_ports,
            dict(self.stages),
            dict(self.iis),
            dict(self.issue),
            dict(counts),
        )


def emit_kernel_rtl(k: Kernel, ks: KernelSchedule) -> KernelRtl:
    """Verilog for kernel `k` under its schedule `ks` (see the module docstring)."""
    _check_supported(k, ks)
    return _Builder(k, ks).build()


_UNUSED = (
    "datapath values may be used in part (slices, bits that rounding drops), and index "
    "arithmetic is 32 bits wide"
)


def _hint(node: str) -> str:
    base = node.split("#")[0]
    return f"v{base}" if base[:1].isdigit() else base


def _c_names(ir_ops: dict[str, Op]) -> dict[str, str]:
    """Readable names for numbered values: what the C code calls them (the variable a
    value is written to, the array a value is loaded from), with the value's number."""
    out: dict[str, str] = {}
    by_value = {id(op.result): n for n, op in ir_ops.items() if op.result is not None}
    for n, op in ir_ops.items():
        if op.opcode == "write" and id(op.operands[0]) in by_value:
            src = by_value[id(op.operands[0])]
            out.setdefault(src, f"{op.storage.name}_{_hint(src)}")
        elif op.opcode in ("load", "read"):
            out[n] = f"{op.storage.name}_{_hint(n)}"
    return out


def _where(op: Op, stage: int) -> str:
    text = f"%{op.result.name} = {op.opcode}" if op.result is not None else op.opcode
    if op.storage is not None:
        text += f" @{op.storage.name}"
    return f"{text}, stage {stage}" + (f", {op.place}" if op.place else "")
