"""Each region's datapath: its scheduled ops lowered stage by stage, the pipeline registers
that carry values between stages, the variable updates, and the registers that hold the
values later regions read (the region's exports).

Stage s of region k holds `valid_s`; a value made in stage c and used in stage c + k passes
through k pipeline registers, exactly as the schedule counts them (`Signals`). Loads and
stores are lowered in program order by `memory_requests`, which turns them into requests
for the memory-port phase."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from kiln.backend.crossings import Crossings, ValueHomes
from kiln.backend.expressions import all_of
from kiln.backend.interface_plan import InterfacePlan
from kiln.backend.memory_requests import MemoryRequests, PortRequests
from kiln.backend.module_body import ModuleBody
from kiln.backend.verilog_ast import (
    Const,
    Expr,
    If,
    NonBlocking,
    Ref,
    Slice,
    Ternary,
    Unary,
    render_expr,
)
from kiln.base.errors import BackendError
from kiln.ir.demanded import Held
from kiln.ir.kernel import Op, Value, WhileLoop
from kiln.scheduler.kernel_schedule import KernelSchedule, RegionSchedule
from kiln.scheduler.signals import Signals, rewires


@dataclass(frozen=True)
class RegionPipe:
    """One region's pipeline, as the controller needs it."""

    stages: int  # as built (>= the schedule's: a value leaving must be ready in it)
    ii: int  # clocks between iterations
    valids: tuple[str, ...]  # stage s's valid; stage 0's is a wire the issue logic drives
    cond: tuple[str, int] | None  # a while loop: its condition's signal and stage


@dataclass(frozen=True)
class Datapaths:
    """What the region datapaths leave to the controller, memory ports and assembly."""

    pipes: tuple[RegionPipe, ...]
    homes: ValueHomes  # every value read where it was not made
    var_updates: Mapping[int, list[tuple[Expr, Expr]]]  # id(variable) -> (enable, value)
    memory: PortRequests


def build_datapaths(
    ks: KernelSchedule,
    held: Held,
    crossings: Crossings,
    iface: InterfacePlan,
    loop_vars: Mapping[int, str],
    ports: Mapping[tuple[int, str], Mapping[str, int]],
    body: ModuleBody,
) -> Datapaths:
    """The datapath of every region of `ks`, in order (a region reads what earlier ones
    export); `ports` is the schedule's port binding of each access."""
    return _Regions(ks, held, crossings, iface, loop_vars, ports, body).build()


class _Regions:
    def __init__(self, ks, held, crossings, iface, loop_vars, ports, body: ModuleBody):
        self.ks, self.held, self.x, self.body = ks, held, crossings, body
        self.signals = Signals(ks.regions, ports)  # the registers the schedule counted
        self.var_reg = iface.storage.var_reg
        self.value_home: dict[int, str] = dict(iface.input_regs)  # grows region by region
        self.homes = ValueHomes(crossings.constants, loop_vars, self.value_home)
        self.memory = MemoryRequests(ks, iface.storage, ports, body)
        self.home: dict[tuple[int, str], tuple[str, int]] = {}  # (region, node) -> (signal, stage)
        self.widths: dict[tuple[int, str], int] = {}
        self.chain: dict[tuple, str] = {}  # (root signal, clocks, bits) -> register
        self.lowered: dict[tuple, str] = dict(iface.storage.wires)  # one wire per function
        self.delayed: dict[str, tuple] = {}  # register -> (root, root width, clocks, bits)
        self.rewired: dict[str, tuple[str, int]] = {}  # wire -> (operand, width) it rewires
        self.consts: set[tuple[int, str]] = set()
        self.node_value: dict[tuple[int, str], Value] = {}  # (region, "in:" node) -> value
        self.var_updates: dict[int, list[tuple[Expr, Expr]]] = defaultdict(list)
        self.valids: dict[int, list[str]] = {}

    def build(self) -> Datapaths:
        pipes = tuple(self.region(k, rs) for k, rs in enumerate(self.ks.regions))
        homes = ValueHomes(self.x.constants, self.homes.loop_vars, dict(self.value_home))
        return Datapaths(pipes, homes, dict(self.var_updates), self.memory.requests())

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
                reg = self.body.reg(f"r{k}_s{made + j}_{tag}", narrower, "pipeline")
                src = Slice(prev, narrower - 1, 0) if narrower < bits else Ref(prev)
                self.body.datapath.append(NonBlocking(reg, src))
                self.chain[key] = reg
                self.delayed[reg] = (source, width, base + j, narrower)
            prev, bits = self.chain[key], narrower
        if bits == full:
            return prev
        if (prev, "x", full) not in self.chain:
            wide = self.body.widened(prev, bits, full, self._signed(k, node))
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

    def _signed(self, k: int, node: str) -> bool:
        """Whether `node`'s held bits sign-extend (see `kiln.ir.demanded.Held`)."""
        if (k, node) in self.node_value:
            return self.held.values.get(id(self.node_value[(k, node)]), (0, False))[1]
        op = self.ks.regions[k].region.ir_ops[node]
        if op.opcode == "write":
            return self.held.variables.get(id(op.storage), (0, False))[1]
        return self.held.values.get(id(op.result), (0, False))[1]

    def operand(self, k: int, v: Value, stage: int, made_here: dict[int, str]) -> str:
        if id(v) in made_here:
            return self.signal(k, made_here[id(v)], stage)
        node = f"in:{v.name}"
        if (k, node) not in self.home:
            self.home[(k, node)] = (self.homes.of(v), 0)
            self.widths[(k, node)] = v.type.width
            self.node_value[(k, node)] = v
            if id(v) in self.x.constants:
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
    def region(self, k: int, rs: RegionSchedule) -> RegionPipe:
        body = self.body
        r, sol, p = rs.region, rs.solution, rs.region.problem
        cycles = sol.cycles
        ready = {n: cycles[n] + p.ops[n].latency for n in r.ir_ops}
        stages = sol.stages
        for n, op in r.ir_ops.items():  # a value leaving the region must be ready in it
            if op.result is not None and id(op.result) in self.x.outside:
                stages = max(stages, ready[n] + 1)
        v0 = body.declared_wire(f"r{k}_valid0", 1)
        self.valids[k] = [v0] + [body.reg(f"r{k}_valid{s}", 1, "control") for s in range(1, stages)]
        for s in range(1, stages):
            body.ctrl.append(NonBlocking(self.valids[k][s], Ref(self.valids[k][s - 1])))
            body.ctrl_reset.append(NonBlocking(self.valids[k][s], Const(1, 0)))
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
                    expr = body.lowering.lower(op, [], hint)
                    self.lowered[key] = body.wire(hint, op.result.type.width, expr)
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
                body.comment(_where(op, c))
                operand = partial(self.operand, k, stage=c, made_here=made_here)
                guard = partial(self.guard, k, n, c, made_here)
                home = self.memory.lower(k, n, op, c, operand, guard, self.valid(k, c), hint)
                if home is not None:
                    self.home[(k, n)] = home
            else:
                args = [self.operand(k, v, c, made_here) for v in op.operands]
                attrs = tuple(sorted(op.attrs.items()))
                key = (op.opcode, attrs, str(op.result.type), tuple(args))
                if key not in self.lowered:  # one operator per function of its signals
                    body.comment(_where(op, c))
                    expr = body.lowering.lower(op, args, hint)
                    self.lowered[key] = body.wire(hint, op.result.type.width, expr)
                    if rewires(op):
                        self.rewired[self.lowered[key]] = (args[0], op.operands[0].type.width)
                self.home[(k, n)] = (self.lowered[key], c)
            if op.result is not None and id(op.result) in self.x.outside:
                self.keep(k, n, op.result, ready[n])
        cond = None
        if isinstance(r.loop, WhileLoop):
            node = self.x.producer[id(r.loop.cond_value)][1]
            cond = (self.signal(k, node, cycles[node]), cycles[node])
        ii = sol.ii if r.pipelined and sol.ii else stages
        return RegionPipe(stages, ii, tuple(self.valids[k]), cond)

    def keep(self, k: int, n: str, v: Value, stage: int) -> None:
        """A register that holds `v` for the regions that run after region k (the bits
        some use reads)."""
        sig = self.signal(k, n, stage)
        full = v.type.width
        kept, signed = self.held.values.get(id(v), (full, False))
        h = self.body.reg(f"h_{v.name}", kept, "cross-region", f"%{v.name} for later regions")
        src = Slice(sig, kept - 1, 0) if kept < full else Ref(sig)
        self.body.datapath.append(If(self.valid(k, stage), (NonBlocking(h, src),)))
        self.value_home[id(v)] = self.body.widened(h, kept, full, signed)

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
                self.lowered[key] = self.body.wire(f"{st.name}_new", st.elem.width, mux)
            val = self.lowered[key]
        self.home[(k, n)] = (val, c)
        current[id(st)] = n
        self.var_updates[id(st)].append((self.valid(k, c), Ref(val)))


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
