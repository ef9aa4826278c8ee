"""Pragma bug mutators: each inserts (or edits) exactly the `#pragma HLS` line that its
checker rule flags, leaving the C semantics alone (APT, FND, DID, DFP, IDAP, RAMB, SMA,
AMS, MLP, ILNU)."""

from __future__ import annotations

import re

from kiln.datasets.bugs import ctext
from kiln.datasets.bugs.model import Edit, Mutation
from kiln.datasets.bugs.mutate_facts import Facts, Func, Var
from kiln.datasets.bugs.mutate_query import (
    accesses,
    first_body_line_offset,
    offset_after_stmt,
)


def _insert(f: Facts, offset: int | None, pragma: str) -> Edit | None:
    """A new pragma line before the line starting at `offset`, with that line's indent."""
    if offset is None:
        return None
    return Edit(offset, offset, ctext.indent_of(f.src.text, offset) + pragma + "\n")


def _muts(kind: str, f: Facts, offset: int | None, pragmas: list[str]) -> list[Mutation]:
    out = []
    for p in pragmas:
        e = _insert(f, offset, p)
        if e is not None:
            out.append(Mutation(kind, (e,), f"inserted `{p}`"))
    return out


def _pragma_edit(f: Facts, tok: ctext.Token, old: str, new: str, kind: str) -> Mutation | None:
    """Replace the option `old` (a whole word, e.g. `factor=2`) in a pragma line."""
    m = re.search(r"(?<![\w=])" + re.escape(old) + r"(?![\w=])", tok.text)
    if m is None:
        return None
    start, end = tok.start + m.start(), tok.start + m.end()
    if new == "" and f.src.text[start - 1] == " ":
        start -= 1
    note = f"pragma option `{old}` " + (f"became `{new}`" if new else "removed")
    return Mutation(kind, (Edit(start, end, new),), note)


def _arrays(f: Facts) -> list[Var]:
    """Arrays with known sizes that kernel functions declare (parameters and locals)."""
    return [v for v in f.vars if v.func and v.dims and all(d for d in v.dims)]


def _decl_point(f: Facts, v: Var) -> int | None:
    """Where a pragma on `v` goes: after a local's declaration, else at its function's top."""
    if v.kind == "local":
        return offset_after_stmt(f, v.tok)
    return first_body_line_offset(f, f.funcs[v.func].open) if v.func else None


def _partitions(f: Facts):
    for p in f.pragmas:
        if p.name == "array_partition":
            v = f.var(p.options.get("variable", ""), p.func)
            if v is not None and v.dims and all(v.dims):
                yield p, v


def _non_divisor(n: int) -> int | None:
    return next((k for k in range(2, n) if n % k), None)


def apt(f: Facts) -> list[Mutation]:
    out = []
    for v in _arrays(f):
        at = _decl_point(f, v)
        for d, size in enumerate(v.dims, 1):
            prag = f"#pragma HLS array_partition variable={v.name}"
            ps = [f"{prag} type=cyclic dim={d}", f"{prag} type=block factor=1 dim={d}"]
            if size and size > 64:
                ps.insert(0, f"{prag} type=complete dim={d}")
            out += _muts("APT", f, at, ps)
    for p, _ in _partitions(f):
        if p.options.get("type") in ("cyclic", "block") and "factor" in p.options:
            m = _pragma_edit(f, p.tok, f"factor={p.options['factor']}", "", "APT")
            if m:
                out.append(m)
    return out


def fnd(f: Facts) -> list[Mutation]:
    out = []
    for v in _arrays(f):
        at = _decl_point(f, v)
        for d, size in enumerate(v.dims, 1):
            k = _non_divisor(size or 0)
            if k is None:
                continue
            prag = f"#pragma HLS array_partition variable={v.name}"
            ps = [f"{prag} type=cyclic factor={k} dim={d}", f"{prag} type=block factor={k} dim={d}"]
            out += _muts("FND", f, at, ps)
    for p, v in _partitions(f):
        dim = int(p.options.get("dim", "1") or 1)
        if p.options.get("type") in ("cyclic", "block") and 1 <= dim <= len(v.dims):
            k = _non_divisor(v.dims[dim - 1] or 0)
            if k is not None and "factor" in p.options:
                m = _pragma_edit(f, p.tok, f"factor={p.options['factor']}", f"factor={k}", "FND")
                if m:
                    out.append(m)
    return out


def did(f: Facts) -> list[Mutation]:
    out = []
    for v in _arrays(f):
        r = len(v.dims) + 1
        prag = f"#pragma HLS array_partition variable={v.name}"
        ps = [f"{prag} type=complete dim={r}", f"{prag} type=cyclic factor=2 dim={r}"]
        out += _muts("DID", f, _decl_point(f, v), ps)
    for p, v in _partitions(f):
        if "dim" in p.options:
            m = _pragma_edit(f, p.tok, f"dim={p.options['dim']}", f"dim={len(v.dims) + 1}", "DID")
            if m:
                out.append(m)
    return out


def _block_statements(f: Facts, open_: int) -> list[tuple[int, int]]:
    code, out, i = f.code, [], open_ + 1
    close = ctext.match(code, open_)
    while i < close:
        end = ctext.stmt_end(code, i)
        out.append((i, end))
        i = end + 1
    return out


def _is_dataflow_ok(f: Facts, a: int, b: int) -> bool:
    """Whether a statement may sit in a dataflow region: a loop, a call or a declaration."""
    t = f.code[a]
    if t.text in ("for", "while", "do"):
        return True
    if t.text in ctext.KEYWORDS - {"if", "return", "switch", "break", "continue", "goto"}:
        return True  # a declaration (type keyword or qualifier)
    if t.text in f.typedefs:
        return True
    return t.kind == "id" and f.code[a + 1].text == "(" and f.code[b].text == ";"


def dfp(f: Facts) -> list[Mutation]:
    out = []
    blocks = [(fn.open, first_body_line_offset(f, fn.open)) for fn in f.funcs.values()]
    for lp in f.loops:
        if lp.braced:
            blocks.append((lp.body[0], first_body_line_offset(f, lp.body[0])))
    for open_, at in blocks:
        stmts = _block_statements(f, open_)
        inside_pipeline = any(lp.pipelined and lp.body[0] <= open_ <= lp.body[1] for lp in f.loops)
        if inside_pipeline or any(not _is_dataflow_ok(f, a, b) for a, b in stmts):
            out += _muts("DFP", f, at, ["#pragma HLS dataflow"])
    return out


def sequential(f: Facts, func: str, name: str) -> bool:
    """Whether array `name` is accessed strictly in order in `func`: one access site, one
    subscript that is the counter of a loop from 0 stepping by 1 not nested in another
    loop, and only read or only written. The IDAP checker rule is the negation."""
    sites = [a for a in accesses(f) if a.name == name and a.func == func]
    if len(sites) != 1 or len(sites[0].groups) != 1:
        return False
    a = sites[0]
    g = a.groups[0]
    if g[1] != g[0] + 2:
        return False
    ctr = f.code[g[0] + 1].text
    around = [f.loops[k] for k in f.loops_around(a.tok)]
    own = [lp for lp in around if lp.counter == ctr]
    return len(around) == 1 and len(own) == 1 and own[0].start == 0 and own[0].step == 1


def _top(f: Facts) -> Func:
    return f.funcs[f.src.top]


def idap(f: Facts) -> list[Mutation]:
    top = _top(f)
    at = first_body_line_offset(f, top.open)
    out = []
    for name in top.params:
        v = f.var(name, top.name)
        if v is None or not v.is_array or sequential(f, top.name, name):
            continue
        out += _muts(
            "IDAP",
            f,
            at,
            [
                f"#pragma HLS interface mode=ap_fifo port={name}",
                f"#pragma HLS interface mode=axis port={name}",
            ],
        )
    return out


def ramb(f: Facts) -> list[Mutation]:
    out = []
    partitioned = {(p.func, p.options.get("variable")) for p in f.pragmas}
    acc = accesses(f)
    for lp in f.loops:
        if not lp.pipelined:
            continue
        per_iter: dict[str, int] = {}
        for a in acc:
            if lp.body[0] <= a.tok <= lp.body[1]:
                per_iter[a.name] = per_iter.get(a.name, 0) + _copies(f, a.tok, lp)
        for name, n in sorted(per_iter.items()):
            v = f.var(name, lp.func)
            if v is None or n < 2 or (lp.func, name) in partitioned:
                continue
            if v.func is None:
                at = first_body_line_offset(f, f.funcs[lp.func].open)
            else:
                at = _decl_point(f, v)
            written = any(a.write for a in acc if a.name == name and a.func == lp.func)
            # Every single-port binding the tools offer is the same bug: one port, two uses.
            kinds = ["ram_1p bram", "ram_1p lutram", "ram_1p uram"]
            if not written:
                kinds += ["rom_1p bram", "rom_1p lutram"]
            texts = [
                f"#pragma HLS bind_storage variable={name} type={k.split()[0]} impl={k.split()[1]}"
                for k in kinds
            ]
            out += _muts("RAMB", f, at, texts)
    return out


def _copies(f: Facts, i: int, pipelined) -> int:
    """How many times code token i runs per iteration of a pipelined loop around it: loops
    nested inside a pipelined loop are unrolled (an unknown trip count counts as 2)."""
    n = 1
    for k in f.loops_around(i):
        lp = f.loops[k]
        if lp.tok > pipelined.tok and lp.body[0] <= i:
            n *= lp.trips if lp.trips else 2
    return n


def access_count(f: Facts, loop_index: int, name: str) -> int:
    """Accesses to array `name` per iteration of loop `loop_index` (the RAMB rule: a
    single-port memory is wrong when this is 2 or more in a pipelined loop)."""
    lp = f.loops[loop_index]
    return sum(
        _copies(f, a.tok, lp)
        for a in accesses(f)
        if a.name == name and lp.body[0] <= a.tok <= lp.body[1]
    )


def sma(f: Facts) -> list[Mutation]:
    top = _top(f)
    at = first_body_line_offset(f, top.open)
    out = []
    for name in top.params:
        v = f.var(name, top.name)
        if v is None:
            continue
        modes = ["ap_none", "ap_vld", "ap_hs"] if v.is_array else ["m_axi", "ap_fifo", "bram"]
        out += _muts("SMA", f, at, [f"#pragma HLS interface mode={m} port={name}" for m in modes])
    return out


def ams(f: Facts) -> list[Mutation]:
    out = []
    names = {t.text for t in f.code if t.kind == "id"}
    for v in f.vars:
        if v.func is None or v.is_array:
            continue
        loop = next((lp for lp in f.loops if lp.header[0] < v.tok < lp.header[1]), None)
        if loop is not None:
            at = first_body_line_offset(f, loop.body[0]) if loop.braced else None
        else:
            at = _decl_point(f, v)
        out += _muts(
            "AMS",
            f,
            at,
            [
                f"#pragma HLS array_partition variable={v.name} type=complete dim=1",
                f"#pragma HLS bind_storage variable={v.name} type=ram_1p impl=bram",
            ],
        )
    for fn in f.funcs.values():
        ghost = next(n for k in range(100) if (n := f"{fn.name}_buf{k or ''}") not in names)
        out += _muts(
            "AMS",
            f,
            first_body_line_offset(f, fn.open),
            [f"#pragma HLS array_partition variable={ghost} type=complete dim=1"],
        )
    return out


def mlp(f: Facts) -> list[Mutation]:
    out = []
    for k, lp in enumerate(f.loops):
        if lp.pipelined or not lp.braced:
            continue
        inner_of_pipelined = any(o.pipelined and _inside(f, k, j) for j, o in enumerate(f.loops))
        outer_of_pipelined = any(o.pipelined and _inside(f, j, k) for j, o in enumerate(f.loops))
        if inner_of_pipelined or outer_of_pipelined:
            where = "inside" if inner_of_pipelined else "around"
            at = first_body_line_offset(f, lp.body[0])
            texts = [
                "#pragma HLS pipeline II=1",
                "#pragma HLS pipeline",
                "#pragma HLS pipeline II=2",
            ]
            for m in _muts("MLP", f, at, texts):
                out.append(Mutation("MLP", m.edits, f"pipeline on a loop {where} a pipelined loop"))
    return out


def _inside(f: Facts, inner: int, outer: int) -> bool:
    """Whether loop `inner` is nested (at any depth) in loop `outer`."""
    k = f.loops[inner].parent
    while k is not None:
        if k == outer:
            return True
        k = f.loops[k].parent
    return False


def ilnu(f: Facts) -> list[Mutation]:
    out = []
    for lp in f.loops:
        if lp.unroll is not None:
            m = re.search(r"factor=(\d+)", lp.unroll.text)
            k = _non_divisor(lp.trips) if lp.trips else None
            if m and k:
                e = _pragma_edit(f, lp.unroll, m.group(0), f"factor={k}", "ILNU")
                if e:
                    out.append(e)
            continue
        if not lp.braced:
            continue
        at = first_body_line_offset(f, lp.body[0])
        if lp.trips is None:
            out += _muts("ILNU", f, at, ["#pragma HLS unroll", "#pragma HLS unroll factor=2"])
            continue
        ps = []
        k = _non_divisor(lp.trips)
        if k is not None:
            ps.append(f"#pragma HLS unroll factor={k}")
        ps.append(f"#pragma HLS unroll factor={lp.trips + 1 if lp.trips > 1 else 2}")
        out += _muts("ILNU", f, at, ps)
    return out


MUTATORS = {
    "APT": apt,
    "FND": fnd,
    "DID": did,
    "DFP": dfp,
    "IDAP": idap,
    "RAMB": ramb,
    "SMA": sma,
    "AMS": ams,
    "MLP": mlp,
    "ILNU": ilnu,
}
