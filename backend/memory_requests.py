"""Array accesses as memory requests: each load and store of a region becomes bank and word
arithmetic and one request (enable, address, data) per bank port it may touch, or a
register-file read or write; loads get the wire their data arrives on.

The region datapath (`region_datapath`) lowers accesses here in program order, so the
index wires sit among the region's other wires; `memory_ports` then builds each port from
its requests."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiln.backend.expressions import extend
from kiln.backend.interface_plan import StoragePlan
from kiln.backend.memories import ArrayLayout, address_width
from kiln.backend.module_body import BUG_HINT, ModuleBody
from kiln.backend.verilog_ast import (
    Binary,
    Const,
    Expr,
    If,
    Index,
    MemWrite,
    NonBlocking,
    Ref,
    Slice,
    Stmt,
    render_expr,
)
from kiln.base.errors import BackendError
from kiln.ir.kernel import Op, Value
from kiln.scheduler.kernel_schedule import KernelSchedule

INDEX_WIDTH = 32  # bank and word arithmetic on array indices

Bank = tuple[int | None, ...]  # per dimension, the bank index (None: not split)


@dataclass(frozen=True)
class Request:
    """One access's use of one bank port in the clock its enable is high."""

    en: Expr
    addr: Expr
    data: Expr | None  # None: a load
    port: int


@dataclass(frozen=True)
class Load:
    """A load's data wire, driven from the output of the port (or, when the bank is known
    only at run time, the ports) it reads; `bank_reg` holds the bank it asked for."""

    wire: str
    picks: tuple[tuple[Bank, Request], ...]
    bank_reg: str | None
    layout: ArrayLayout


@dataclass(frozen=True)
class PortRequests:
    """Every region's memory requests, for the phase that builds the ports."""

    requests: Mapping[tuple[int, Bank], list[Request]]  # (id(array), bank), program order
    rf_writes: Mapping[int, list[Stmt]]  # id(register file) -> its writes
    loads: tuple[Load, ...]


class MemoryRequests:
    """Lowers accesses one at a time (`lower`); `requests()` gives what they asked for."""

    def __init__(
        self,
        ks: KernelSchedule,
        storage: StoragePlan,
        ports: Mapping[tuple[int, str], Mapping[str, int]],
        body: ModuleBody,
    ):
        self.ks, self.storage, self.ports, self.body = ks, storage, ports, body
        self._requests: dict[tuple[int, Bank], list[Request]] = defaultdict(list)
        self._rf_writes: dict[int, list[Stmt]] = defaultdict(list)
        self._loads: list[Load] = []
        self.port_data: dict[tuple, str] = {}  # (storage, bank, port) -> its output's wire
        self.bank_index: dict[str, str] = {}  # bank index expression -> its wire
        self.rf_reads: dict[tuple, str] = {}  # (register file, index signals) -> read wire
        self.bank_selects: dict[str, str] = {}  # bank index wire -> its register

    def requests(self) -> PortRequests:
        return PortRequests(dict(self._requests), dict(self._rf_writes), tuple(self._loads))

    def lower(
        self,
        k: int,
        n: str,
        op: Op,
        c: int,
        operand: Callable[[Value], str],
        guard: Callable[[], Expr | None],
        valid: Expr,
        hint: str,
    ) -> tuple[str, int] | None:
        """Node `n` of region k, a load or store in stage c whose operands `operand` gives
        (and whose guard `guard` gives); a load's (data signal, stage it is valid in)."""
        body = self.body
        st = op.storage
        lay = self.storage.layouts[id(st)]
        rank = len(st.type.shape)
        idx, where = [], []
        for d, v in enumerate(op.operands[:rank]):
            s = operand(v)
            where.append(s)
            idx.append(body.wire(f"{hint}_i{d}", INDEX_WIDTH, _fit(s, v.type.width, v.type.signed)))
        is_store = op.opcode == "store"
        en: Expr = valid
        data = None
        if is_store:
            g = guard()
            en = en if g is None else Binary("&", en, g)
            data = Ref(operand(op.operands[-1]))
        if lay.registers:
            aw = address_width(lay.size)
            flat = body.wire(
                f"{hint}_flat",
                INDEX_WIDTH,
                _flat_of([Ref(i) for i in idx], [d.size for d in lay.dims]),
            )
            addr = Slice(flat, aw - 1, 0)
            mem = self.storage.mem_base[id(st)]
            if is_store:
                self._rf_writes[id(st)].append(If(en, (MemWrite(mem, addr, data),)))
                return None
            # read in the same clock; loads by the same index signals share the wire
            key = (mem, tuple(where))
            if key not in self.rf_reads:
                self.rf_reads[key] = body.wire(f"{hint}_q", lay.width, Index(mem, addr))
            return self.rf_reads[key], c
        banks, rows = [], []
        for d, split in enumerate(lay.dims):
            if split.kind == "none":
                banks.append(None)
                rows.append(Ref(idx[d]))
            else:
                b, row = _split_expr(idx[d], split)
                banks.append(b)
                rows.append(row)
        word = body.wire(f"{hint}_word", INDEX_WIDTH, _flat_of(rows, [d.sub for d in lay.dims]))
        aw = address_width(lay.depth)
        addr = Slice(word, aw - 1, 0)
        classes = _banks_of(self.ks.regions[k].region.problem.ops[n].resources, lay)
        sel = None
        if len(classes) > 1:
            cut = [d for d, s in enumerate(lay.dims) if s.kind != "none"]
            lin = _flat_of([banks[d] for d in cut], [lay.dims[d].banks for d in cut])
            text = render_expr(lin)  # one wire per bank index: its loads share a register
            if text not in self.bank_index:
                self.bank_index[text] = body.wire(f"{hint}_bank", INDEX_WIDTH, lin)
            sel = self.bank_index[text]
        picks = []
        for cls, key in classes:
            ken = en
            if sel is not None:
                hit = Binary("==", Ref(sel), Const(INDEX_WIDTH, bank_linear(key, lay)))
                ken = Binary("&", en, hit)
            req = Request(ken, addr, data, self.ports[(k, n)][cls])
            self._requests[(id(st), key)].append(req)
            picks.append((key, req))
        if is_store:
            return None
        if sel is None:  # one port's output: loads through it share their registers
            shared = (id(st), picks[0][0], picks[0][1].port)
            if shared not in self.port_data:
                self.port_data[shared] = body.declared_wire(f"{hint}_data", lay.width)
                self._loads.append(Load(self.port_data[shared], tuple(picks), None, lay))
            return self.port_data[shared], c + 1
        data_wire = body.declared_wire(f"{hint}_data", lay.width)
        if sel not in self.bank_selects:
            bw = address_width(len(lay.bank_keys))
            held = body.reg(f"{hint}_bank_q", bw, "memory read")
            body.datapath.append(NonBlocking(held, Slice(sel, bw - 1, 0)))
            self.bank_selects[sel] = held
        self._loads.append(Load(data_wire, tuple(picks), self.bank_selects[sel], lay))
        return data_wire, c + 1


def bank_linear(key: Bank, lay: ArrayLayout) -> int:
    """The bank's number among the array's banks (row-major over the split dimensions)."""
    lin = 0
    for b, d in zip(key, lay.dims, strict=True):
        if d.kind != "none":
            lin = lin * d.banks + (b or 0)
    return lin


def _banks_of(classes, lay: ArrayLayout) -> list[tuple[str, Bank]]:
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


def _parse_class(cls: str) -> Bank | None:
    """'@a' -> None (whole array); '@a[1,*]' -> (1, None)."""
    if "[" not in cls:
        return None
    inner = cls[cls.index("[") + 1 : -1]
    return tuple(None if p == "*" else int(p) for p in inner.split(","))


def _fit(sig: str, width: int, signed: bool) -> Expr:
    if width >= INDEX_WIDTH:
        return Slice(sig, INDEX_WIDTH - 1, 0)
    return extend(sig, width, INDEX_WIDTH, signed)


def is_zero(e: Expr) -> bool:
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
        out = term if is_zero(out) else Binary("+", out, term)
        stride *= size
    return out
