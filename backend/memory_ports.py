"""Memory ports from memory requests: each bank port's enable, address and data muxes (an
external RAM interface, or a RAM inside the module), the RAMs with their contents, the
register files, and the muxes that bring each load its data."""

from __future__ import annotations

from collections import defaultdict

from kiln.backend.interface_plan import InterfacePlan
from kiln.backend.memories import address_width, bank_suffix, is_external
from kiln.backend.memory_requests import Bank, PortRequests, Request, bank_linear, is_zero
from kiln.backend.module_body import BUG_HINT, ModuleBody
from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Binary,
    Const,
    Decl,
    Expr,
    If,
    Index,
    Initial,
    MemWrite,
    NonBlocking,
    Ref,
    Stmt,
    Ternary,
)
from kiln.base.errors import BackendError
from kiln.ir.kernel import StorageKind
from kiln.ir.semantics import bits
from kiln.scheduler.kernel_schedule import KernelSchedule

SIGNALS = ("addr", "ce", "we", "d", "q")


def build_memory_ports(
    ks: KernelSchedule,
    iface: InterfacePlan,
    reqs: PortRequests,
    idle_wire: str,
    body: ModuleBody,
) -> None:
    """Connect each access to the port `port_binding` gave it (accesses that may meet in
    one clock take different ports), then build each port's muxes, each RAM, each register
    file (loaded from its element ports while `idle_wire` and start are high) and each
    load's data."""
    storage = iface.storage
    ram_ports: dict[tuple[int, Bank], list[dict[str, str]]] = defaultdict(list)
    q_of: dict[tuple[int, Bank, int], str] = {}  # (array, bank, port) -> its read data
    for (sid, key), requests in reqs.requests.items():
        lay = storage.layouts[sid]
        st = lay.storage
        opts = ks.options  # the port counts the schedule kept to
        nports = opts.param_ports if is_external(st) else opts.local_ports
        per_port: list[list[Request]] = [[] for _ in range(nports)]
        for req in requests:
            if req.port >= nports:
                raise BackendError(
                    f"array @{st.name}: {req.port + 1} accesses in one clock on a "
                    f"{nports}-port bank",
                    st.place,
                    BUG_HINT,
                )
            per_port[req.port].append(req)
        aw, w = address_width(lay.depth), lay.width
        for p, preqs in enumerate(per_port):
            if is_external(st):
                mp = next(x for x in iface.mem_ports if x.array == st.name and x.bank == key)
                names = {n: f"{mp.prefix}_{n}" for n in SIGNALS}
            elif not preqs:
                continue
            else:
                base = body.namer.fresh(f"{storage.mem_base[sid]}{bank_suffix(key)}_p{p}")
                names = {}
                for n, width in (("addr", aw), ("ce", 1), ("we", 1), ("d", w)):
                    names[n] = body.declared_wire(f"{base}_{n}", width)
                names["q"] = body.reg(f"{base}_q", w, "memory read")
                ram_ports[(sid, key)].append(names)
            q_of[(sid, key, p)] = names["q"]
            _port_logic(names, preqs, aw, w, body)
    for sid, lay in storage.layouts.items():
        if lay.registers or is_external(lay.storage):
            continue
        for key in lay.bank_keys:
            if ram_ports[(sid, key)]:
                _ram(iface, sid, key, ram_ports[(sid, key)], body)
    for load in reqs.loads:
        sid, lay = id(load.layout.storage), load.layout
        last_key, last = load.picks[-1]
        out: Expr = Ref(q_of[(sid, last_key, last.port)])
        bw = address_width(len(lay.bank_keys))
        for key, req in reversed(load.picks[:-1]):
            hit = Binary("==", Ref(load.bank_reg), Const(bw, bank_linear(key, lay)))
            out = Ternary(hit, Ref(q_of[(sid, key, req.port)]), out)
        body.logic.append(Assign(load.wire, out))
    _register_files(iface, reqs, idle_wire, body)


def _port_logic(
    names: dict[str, str], reqs: list[Request], aw: int, w: int, body: ModuleBody
) -> None:
    ce: Expr = Const(1, 0)
    we: Expr = Const(1, 0)
    addr: Expr = Const(aw, 0)
    d: Expr = Const(w, 0)
    for req in reversed(reqs):
        ce = req.en if is_zero(ce) else Binary("|", req.en, ce)
        addr = Ternary(req.en, req.addr, addr) if len(reqs) > 1 else req.addr
        if req.data is not None:
            we = req.en if is_zero(we) else Binary("|", req.en, we)
            d = Ternary(req.en, req.data, d)
    body.logic += [
        Assign(names["addr"], addr),
        Assign(names["ce"], ce),
        Assign(names["we"], we),
        Assign(names["d"], d),
    ]


def _ram(iface: InterfacePlan, sid: int, key: Bank, ports: list[dict], body: ModuleBody) -> None:
    """One bank of a local, static or const array: a RAM with read-first ports."""
    lay = iface.storage.layouts[sid]
    st = lay.storage
    mem = iface.storage.mem_base[sid] + bank_suffix(key)
    body.namer.taken.add(mem)
    body.decls.append(Decl("reg", mem, lay.width, f"@{st.name}", depth=lay.depth))
    if st.init:
        words = [0] * lay.depth
        for flat, raw in enumerate(st.init):
            bk, word = lay.locate(flat)
            if bk == key:
                words[word] = bits(raw, st.elem)
        body.logic.append(Initial(mem, lay.width, tuple(words)))
    stmts: list[Stmt] = []
    for names in ports:
        inner: list[Stmt] = []
        if st.kind is not StorageKind.CONST:
            write = MemWrite(mem, Ref(names["addr"]), Ref(names["d"]))
            inner.append(If(Ref(names["we"]), (write,)))
        inner.append(NonBlocking(names["q"], Index(mem, Ref(names["addr"]))))
        stmts.append(If(Ref(names["ce"]), tuple(inner)))
    body.logic.append(AlwaysFF("clk", tuple(stmts)))


def _register_files(
    iface: InterfacePlan, reqs: PortRequests, idle_wire: str, body: ModuleBody
) -> None:
    for sid, lay in iface.storage.layouts.items():
        if not lay.registers:
            continue
        st = lay.storage
        mem = iface.storage.mem_base[sid]
        # mem2reg: synthesis keeps every element a register, as the partition asks,
        # rather than inferring a memory from the array it is written as
        comment = f"@{st.name}, completely partitioned"
        body.decls.append(Decl("reg", mem, lay.width, comment, lay.size, "mem2reg"))
        body.regs.append((mem, lay.width * lay.size, "register file"))
        if st.init:
            body.logic.append(Initial(mem, lay.width, tuple(bits(x, st.elem) for x in st.init)))
        writes = list(reqs.rf_writes.get(sid, []))
        if st.name in iface.element_ports:
            loads: list[Stmt] = []
            for flat, (pin, pout) in enumerate(iface.element_ports[st.name]):
                addr = Const(address_width(lay.size), flat)
                value = Ref(pin) if pin else Const(lay.width, 0)
                loads.append(MemWrite(mem, addr, value))
                if pout:
                    body.logic.append(Assign(pout, Index(mem, addr)))
            writes.insert(0, If(Binary("&", Ref(idle_wire), Ref("start")), tuple(loads)))
        if writes:
            body.logic.append(AlwaysFF("clk", tuple(writes)))
