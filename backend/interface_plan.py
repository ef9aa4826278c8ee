"""The kernel module's interface and storage, planned before any datapath: its ports, the
register of every variable, and each array's layout (RAM interfaces per bank of an array
parameter, element ports of a completely partitioned one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiln.backend.memories import ArrayLayout, address_width, bank_suffix, is_external, layout_of
from kiln.backend.module_body import ModuleBody
from kiln.backend.verilog_ast import Assign, Const, Expr, NonBlocking, Port, Ref, Stmt
from kiln.ir.demanded import Held
from kiln.ir.kernel import Direction, Kernel, Storage, StorageKind, walk_ops
from kiln.ir.semantics import bits
from kiln.ir.types import ArrayType


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


@dataclass(frozen=True)
class StoragePlan:
    """Where variables and arrays live inside the module."""

    var_reg: Mapping[int, str]  # id(variable) -> the full-width signal its reads see
    var_store: Mapping[int, tuple[str, int, int]]  # id -> (register, bits kept, width)
    var_init: Mapping[int, Expr]  # id -> the value loaded on start (statics: none)
    layouts: Mapping[int, ArrayLayout]  # id(array) -> its banks
    mem_base: Mapping[int, str]  # id(array) -> name its RAMs or register file start with
    wires: Mapping[tuple, str]  # (opcode, ...) -> a wire made here (zeros of unread vars)


@dataclass(frozen=True)
class InterfacePlan:
    """The module's ports, what each parameter became, and the storage plan."""

    ports: tuple[Port, ...]
    inputs: Mapping[str, tuple[str, int]]  # parameter -> (port, width)
    outputs: Mapping[str, tuple[str, int]]
    memories: Mapping[str, ArrayLayout]  # array parameter -> layout
    mem_ports: tuple[MemPort, ...]
    element_ports: Mapping[str, list[tuple[str | None, str | None]]]
    samples: tuple[Stmt, ...]  # input registers taking their ports on start
    input_regs: Mapping[int, str]  # id(input parameter's value) -> its register
    storage: StoragePlan


def plan_interface(k: Kernel, held: Held, read_vars: set[int], body: ModuleBody) -> InterfacePlan:
    """Ports and storage of kernel `k`; `held` and `read_vars` say which bits of each
    variable some read needs (see `kiln.ir.demanded`, `kiln.scheduler.signals`)."""
    return _Planner(k, held, read_vars, body).plan()


class _Planner:
    def __init__(self, k: Kernel, held: Held, read_vars: set[int], body: ModuleBody):
        self.k, self.held, self.read_vars, self.body = k, held, read_vars, body
        self.loaded = {id(op.storage) for op in walk_ops(k.body) if op.opcode == "load"}
        self.ports = [Port("input", n, 1) for n in ("clk", "rst", "start")]
        self.ports += [Port("output", n, 1) for n in ("done", "idle")]
        self.inputs: dict[str, tuple[str, int]] = {}
        self.outputs: dict[str, tuple[str, int]] = {}
        self.samples: list[Stmt] = []
        self.input_regs: dict[int, str] = {}
        self.mem_ports: list[MemPort] = []
        self.memories: dict[str, ArrayLayout] = {}
        self.element_ports: dict[str, list[tuple[str | None, str | None]]] = {}
        self.var_reg: dict[int, str] = {}
        self.var_store: dict[int, tuple[str, int, int]] = {}
        self.var_init: dict[int, Expr] = {}
        self.layouts: dict[int, ArrayLayout] = {}
        self.mem_base: dict[int, str] = {}
        self.wires: dict[tuple, str] = {}

    def plan(self) -> InterfacePlan:
        body = self.body
        for p in self.k.params:
            if isinstance(p.type, ArrayType):
                self.array(p.storage)
                continue
            w = p.type.width
            if p.direction is Direction.IN:
                port = body.namer.fresh(p.name)
                self.ports.append(Port("input", port, w))
                self.inputs[p.name] = (port, w)
                r = body.reg(f"in_{p.name}", w, "input", f"input {p.name}, sampled on start")
                self.samples.append(NonBlocking(r, Ref(port)))
                self.input_regs[id(p.value)] = r
                continue
            r = self.var(p.storage)
            if p.direction is Direction.INOUT:
                port = body.namer.fresh(f"{p.name}_in")
                self.ports.append(Port("input", port, w))
                self.inputs[p.name] = (port, w)
                self.var_init[id(p.storage)] = Ref(port)
            out = body.namer.fresh(p.name if p.direction is Direction.OUT else f"{p.name}_out")
            self.ports.append(Port("output", out, w))
            self.outputs[p.name] = (out, w)
            body.logic.append(Assign(out, Ref(r)))
        for st in self.k.storages:
            if st.is_array:
                self.array(st)
            else:
                self.var(st)
        storage = StoragePlan(
            self.var_reg, self.var_store, self.var_init, self.layouts, self.mem_base, self.wires
        )
        return InterfacePlan(
            tuple(self.ports),
            self.inputs,
            self.outputs,
            self.memories,
            tuple(self.mem_ports),
            self.element_ports,
            tuple(self.samples),
            self.input_regs,
            storage,
        )

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
            if key not in self.wires:
                self.wires[key] = self.body.wire(f"{st.name}_unread", w, Const(w, 0))
            self.var_reg[id(st)] = self.wires[key]
            return self.var_reg[id(st)]
        r = self.body.reg(st.name, kept, "variable", f"@{st.name}")
        self.var_store[id(st)] = (r, kept, w)
        if st.kind is not StorageKind.STATIC:  # statics keep their value across calls
            self.var_init[id(st)] = Const(kept, init & ((1 << kept) - 1))
        self.var_reg[id(st)] = self.body.widened(r, kept, w, signed)
        return self.var_reg[id(st)]

    def array(self, st: Storage) -> None:
        namer = self.body.namer
        lay = layout_of(st)
        self.layouts[id(st)] = lay
        if not is_external(st) or lay.registers:
            self.mem_base[id(st)] = namer.fresh(f"m_{st.name}")
        if not is_external(st):
            return
        self.memories[st.name] = lay
        if lay.registers:
            self.element_port_list(st, lay)
            return
        aw = address_width(lay.depth)
        reads = id(st) in self.loaded
        for key in lay.bank_keys:
            prefix = namer.fresh(st.name + bank_suffix(key))
            for n in ("addr", "ce", "we", "d", "q"):
                namer.taken.add(f"{prefix}_{n}")
            self.mem_ports.append(MemPort(st.name, key, prefix, aw, lay.width, lay.depth, reads))
            self.ports += [
                Port("output", f"{prefix}_addr", aw),
                Port("output", f"{prefix}_ce", 1),
                Port("output", f"{prefix}_we", 1),
                Port("output", f"{prefix}_d", lay.width),
            ]
            if reads:
                self.ports.append(Port("input", f"{prefix}_q", lay.width))

    def element_port_list(self, st: Storage, lay: ArrayLayout) -> None:
        """A completely partitioned array parameter: one port per element and direction;
        inputs are copied into the register file on start, outputs show it."""
        ports = []
        for flat in range(lay.size):
            pin = pout = None
            if st.direction in (Direction.IN, Direction.INOUT):
                pin = self.body.namer.fresh(f"{st.name}_{flat}")
                self.ports.append(Port("input", pin, lay.width))
            if st.direction in (Direction.OUT, Direction.INOUT):
                pout = self.body.namer.fresh(f"{st.name}_{flat}_out")
                self.ports.append(Port("output", pout, lay.width))
            ports.append((pin, pout))
        self.element_ports[st.name] = ports
