"""Array accesses in a kernel module: bank and word arithmetic, port binding, RAMs and
register files. A mixin of the kernel builder in `kernel_rtl` (it shares its state)."""

from __future__ import annotations

import math
from collections import defaultdict

from kiln.backend.expressions import extend
from kiln.backend.memories import ArrayLayout, address_width, bank_suffix, is_external
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
    Slice,
    Stmt,
    Ternary,
    render_expr,
)
from kiln.errors import BackendError
from kiln.ir.kernel import Op, StorageKind
from kiln.ir.semantics import bits

INDEX_WIDTH = 32  # bank and word arithmetic on array indices
BUG_HINT = "a kiln backend bug: please report it with the kernel"


class MemoryLogic:
    """Loads and stores become port requests; `bind_ports` gives each a port and builds
    the port muxes, the RAMs and the register files."""

    def access(self, k: int, n: str, op: Op, c: int, made_here, hint: str) -> None:
        st = op.storage
        lay = self.layouts[id(st)]
        rank = len(st.type.shape)
        idx, where = [], []
        for d, v in enumerate(op.operands[:rank]):
            s = self.operand(k, v, c, made_here)
            where.append(s)
            idx.append(self.wire(f"{hint}_i{d}", INDEX_WIDTH, _fit(s, v.type.width, v.type.signed)))
        is_store = op.opcode == "store"
        en: Expr = self.valid(k, c)
        data = None
        if is_store:
            g = self.guard(k, n, c, made_here)
            en = en if g is None else Binary("&", en, g)
            data = Ref(self.operand(k, op.operands[-1], c, made_here))
        if lay.registers:
            aw = address_width(lay.size)
            flat = self.wire(
                f"{hint}_flat",
                INDEX_WIDTH,
                _flat_of([Ref(i) for i in idx], [d.size for d in lay.dims]),
            )
            addr = Slice(flat, aw - 1, 0)
            mem = self.mem_base[id(st)]
            if is_store:
                self.rf_writes[id(st)].append(If(en, (MemWrite(mem, addr, data),)))
            else:  # read in the same clock; loads by the same index signals share the wire
                key = (mem, tuple(where))
                if key not in self.rf_reads:
                    self.rf_reads[key] = self.wire(f"{hint}_q", lay.width, Index(mem, addr))
                self.home[(k, n)] = (self.rf_reads[key], c)
            return
        banks, rows = [], []
        for d, split in enumerate(lay.dims):
            if split.kind == "none":
                banks.append(None)
                rows.append(Ref(idx[d]))
            else:
                b, row = _split_expr(idx[d], split)
                banks.append(b)
                rows.append(row)
        word = self.wire(f"{hint}_word", INDEX_WIDTH, _flat_of(rows, [d.sub for d in lay.dims]))
        aw = address_width(lay.depth)
        addr = Slice(word, aw - 1, 0)
        classes = self._banks_of(self.ks.regions[k].region.problem.ops[n].resources, lay)
        sel = None
        if len(classes) > 1:
            cut = [d for d, s in enumerate(lay.dims) if s.kind != "none"]
            lin = _flat_of([banks[d] for d in cut], [lay.dims[d].banks for d in cut])
            text = render_expr(lin)  # one wire per bank index: its loads share a register
            if text not in self.bank_index:
                self.bank_index[text] = self.wire(f"{hint}_bank", INDEX_WIDTH, lin)
            sel = self.bank_index[text]
        picks = []
        for cls, key in classes:
            ken = en
            if sel is not None:
                hit = Binary("==", Ref(sel), Const(INDEX_WIDTH, _bank_linear(key, lay)))
                ken = Binary("&", en, hit)
            port = self.ports[(k, n)][cls]
            req = {"en": ken, "addr": addr, "data": data, "port": port}
            self.requests[(id(st), key)].append(req)
            picks.append((key, req))
        if is_store:
            return
        if sel is None:  # one port's output: loads through it share their registers
            shared = (id(st), picks[0][0], picks[0][1]["port"])
            if shared not in self.port_data:
                self.port_data[shared] = self.declared_wire(f"{hint}_data", lay.width)
                self.loads.append((self.port_data[shared], picks, None, lay))
            self.home[(k, n)] = (self.port_data[shared], c + 1)
            return
        data_wire = self.declared_wire(f"{hint}_data", lay.width)
        if sel not in self.bank_selects:
            bw = address_width(len(lay.bank_keys))
            held = self.reg(f"{hint}_bank_q", bw, "memory read")
            self.datapath.append(NonBlocking(held, Slice(sel, bw - 1, 0)))
            self.bank_selects[sel] = held
        self.loads.append((data_wire, picks, self.bank_selects[sel], lay))
        self.home[(k, n)] = (data_wire, c + 1)

    def _banks_of(self, classes, lay: ArrayLayout) -> list[tuple[str, tuple[int | None, ...]]]:
        """The (port class, bank) pairs an access may touch, as the scheduler counted them."""
        keys = lay.bank_keys
        out = []
        for cls in classes:
            key = _parse_class(cls)
            if key is None:  # the whole array: one bank
                return [(cls, k) for k in keys]
            if key in keys and all(key != k for _, k in out):
                out.append((cls, key))
        if not out:
            raise BackendError(f"no bank of @{lay.storage.name} matches {classes}", hint=BUG_HINT)
        return out

    def bind_ports(self) -> None:
        """Connect each access to the port `port_binding` gave it (accesses that may meet
        in one clock take different ports), then build each port's muxes and each RAM."""
        ram_ports: dict[tuple[int, tuple], list[dict]] = defaultdict(list)
        for (sid, key), reqs in self.requests.items():
            st = self.layouts[sid].storage
            lay = self.layouts[sid]
            opts = self.ks.options  # the port counts the schedule kept to
            nports = opts.param_ports if is_external(st) else opts.local_ports
            per_port: list[list[dict]] = [[] for _ in range(nports)]
            for req in reqs:
                if req["port"] >= nports:
                    raise BackendError(
                        f"array @{st.name}: {req['port'] + 1} accesses in one clock on a "
                        f"{nports}-port bank",
                        st.place,
                        BUG_HINT,
                    )
                per_port[req["port"]].append(req)
            aw, w = address_width(lay.depth), lay.width
            for p, preqs in enumerate(per_port):
                if is_external(st):
                    mp = next(x for x in self.mem_ports if x.array == st.name and x.bank == key)
                    names = {n: f"{mp.prefix}_{n}" for n in ("addr", "ce", "we", "d", "q")}
                elif not preqs:
                    continue
                else:
                    base = self.namer.fresh(f"{self.mem_base[sid]}{bank_suffix(key)}_p{p}")
                    names = {}
                    for n, width in (("addr", aw), ("ce", 1), ("we", 1), ("d", w)):
                        names[n] = self.declared_wire(f"{base}_{n}", width)
                    names["q"] = self.reg(f"{base}_q", w, "memory read")
                    ram_ports[(sid, key)].append(names)
                self._port_logic(names, preqs, aw, w)
        for sid, lay in self.layouts.items():
            if lay.registers or is_external(lay.storage):
                continue
            for key in lay.bank_keys:
                if ram_ports[(sid, key)]:
                    self.ram(sid, key, ram_ports[(sid, key)])
        for data_wire, picks, held, lay in self.loads:
            out: Expr = Ref(picks[-1][1]["q"])
            bw = address_width(len(lay.bank_keys))
            for key, req in reversed(picks[:-1]):
                hit = Binary("==", Ref(held), Const(bw, _bank_linear(key, lay)))
                out = Ternary(hit, Ref(req["q"]), out)
            self.logic.append(Assign(data_wire, out))

    def _port_logic(self, names: dict, reqs: list[dict], aw: int, w: int) -> None:
        ce: Expr = Const(1, 0)
        we: Expr = Const(1, 0)
        addr: Expr = Const(aw, 0)
        d: Expr = Const(w, 0)
        for req in reversed(reqs):
            ce = req["en"] if _is_zero(ce) else Binary("|", req["en"], ce)
            addr = Ternary(req["en"], req["addr"], addr) if len(reqs) > 1 else req["addr"]
            if req["data"] is not None:
                we = req["en"] if _is_zero(we) else Binary("|", req["en"], we)
                d = Ternary(req["en"], req["data"], d)
            req["q"] = names["q"]
        self.logic += [
            Assign(names["addr"], addr),
            Assign(names["ce"], ce),
            Assign(names["we"], we),
            Assign(names["d"], d),
        ]

    def ram(self, sid: int, key, ports: list[dict]) -> None:
        """One bank of a local, static or const array: a RAM with read-first ports."""
        lay = self.layouts[sid]
        st = lay.storage
        mem = self.mem_base[sid] + bank_suffix(key)
        self.namer.taken.add(mem)
        self.decls.append(Decl("reg", mem, lay.width, f"@{st.name}", depth=lay.depth))
        if st.init:
            words = [0] * lay.depth
            for flat, raw in enumerate(st.init):
                bk, word = lay.locate(flat)
                if bk == key:
                    words[word] = bits(raw, st.elem)
            self.logic.append(Initial(mem, lay.width, tuple(words)))
        body: list[Stmt] = []
        for names in ports:
            inner: list[Stmt] = []
            if st.kind is not StorageKind.CONST:
                write = MemWrite(mem, Ref(names["addr"]), Ref(names["d"]))
                inner.append(If(Ref(names["we"]), (write,)))
            inner.append(NonBlocking(names["q"], Index(mem, Ref(names["addr"]))))
            body.append(If(Ref(names["ce"]), tuple(inner)))
        self.logic.append(AlwaysFF("clk", tuple(body)))

    def register_files(self) -> None:
        for sid, lay in self.layouts.items():
            if not lay.registers:
                continue
            st = lay.storage
            mem = self.mem_base[sid]
            # mem2reg: synthesis keeps every element a register, as the partition asks,
            # rather than inferring a memory from the array it is written as
            comment = f"@{st.name}, completely partitioned"
            self.decls.append(Decl("reg", mem, lay.width, comment, lay.size, "mem2reg"))
            self.regs.append((mem, lay.width * lay.size, "register file"))
            if st.init:
                self.logic.append(Initial(mem, lay.width, tuple(bits(x, st.elem) for x in st.init)))
            writes = list(self.rf_writes[sid])
            if st.name in self.element_ports:
                loads: list[Stmt] = []
                for flat, (pin, pout) in enumerate(self.element_ports[st.name]):
                    addr = Const(address_width(lay.size), flat)
                    value = Ref(pin) if pin else Const(lay.width, 0)
                    loads.append(MemWrite(mem, addr, value))
                    if pout:
                        self.logic.append(Assign(pout, Index(mem, addr)))
                writes.insert(0, If(Binary("&", Ref(self.idle_name), Ref("start")), tuple(loads)))
            if writes:
                self.logic.append(AlwaysFF("clk", tuple(writes)))


def _parse_class(cls: str) -> tuple[int | None, ...] | None:
    """'@a' -> None (whole array); '@a[1,*]' -> (1, None)."""
    if "[" not in cls:
        return None
    inner = cls[cls.index("[") + 1 : -1]
    return tuple(None if p == "*" else int(p) for p in inner.split(","))


def _fit(sig: str, width: int, signed: bool) -> Expr:
    if width >= INDEX_WIDTH:
        return Slice(sig, INDEX_WIDTH - 1, 0)
    return extend(sig, width, INDEX_WIDTH, signed)


def _is_zero(e: Expr) -> bool:
    return isinstance(e, Const) and e.value == 0


def _split_expr(idx: str, split) -> tuple[Expr, Expr]:
    """(bank, row) of a 32-bit index for one split dimension."""
    f = split.factor
    if split.kind == "complete":
        return Ref(idx), Const(INDEX_WIDTH, 0)
    pow2 = f & (f - 1) == 0
    if split.kind == "cyclic":
        if pow2:
            return Binary("&", Ref(idx), Const(INDEX_WIDTH, f - 1)), Binary(
                ">>", Ref(idx), Const(INDEX_WIDTH, int(math.log2(f)))
            )
        return Binary("%", Ref(idx), Const(INDEX_WIDTH, f)), Binary(
            "/", Ref(idx), Const(INDEX_WIDTH, f)
        )
    if pow2:
        return Binary(">>", Ref(idx), Const(INDEX_WIDTH, int(math.log2(f)))), Binary(
            "&", Ref(idx), Const(INDEX_WIDTH, f - 1)
        )
    return Binary("/", Ref(idx), Const(INDEX_WIDTH, f)), Binary(
        "%", Ref(idx), Const(INDEX_WIDTH, f)
    )


def _flat_of(parts: list[Expr], sizes: list[int]) -> Expr:
    out: Expr = Const(INDEX_WIDTH, 0)
    stride = 1
    for part, size in zip(reversed(parts), reversed(sizes), strict=True):
        term = part if stride == 1 else Binary("*", part, Const(INDEX_WIDTH, stride))
        out = term if _is_zero(out) else Binary("+", out, term)
        stride *= size
    return out


def _bank_linear(key: tuple[int | None, ...], lay: ArrayLayout) -> int:
    lin = 0
    for b, d in zip(key, lay.dims, strict=True):
        if d.kind != "none":
            lin = lin * d.banks + (b or 0)
    return lin
