"""Static checker for misused `#pragma HLS` directives: one rule per pragma bug code.

The rules are the dataset's definitions of the ten pragma codes (APT, FND, DID, DFP, IDAP,
RAMB, SMA, AMS, MLP, ILNU); each reads the C syntax tree kiln's frontend parses (macros
expanded, original line numbers kept). Pragmas attach as kiln attaches them: a pipeline or
unroll that is a direct item of a loop body's braces belongs to that loop; array and
interface pragmas name their variable or port and belong to the function around them.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pycparser import c_ast, c_generator

from kiln.frontend.c.c_types import INT
from kiln.frontend.c.consteval import const_eval
from kiln.frontend.c.parse import parse_c
from kiln.frontend.c.syntax import array_chain, canonical_for, walk

CODES = ("APT", "FND", "DID", "DFP", "IDAP", "RAMB", "SMA", "AMS", "MLP", "ILNU")
COMPLETE_LIMIT = 64  # the most elements one dimension may have under type=complete
MEMORY_MODES = frozenset(["bram", "ap_memory", "m_axi", "ap_fifo", "axis"])
SCALAR_MODES = frozenset(["ap_none", "ap_vld", "ap_ack", "ap_hs"])
STREAM_MODES = frozenset(["ap_fifo", "axis"])
_ALL_MODES = MEMORY_MODES | SCALAR_MODES | {"s_axilite", "ap_ctrl_hs", "ap_ctrl_none", "ap_ovld"}
# bind_storage memory types with one port: (reads, writes) allowed per cycle, None = shared.
SINGLE_PORT = {"ram_1p": None, "rom_1p": None, "ram_s2p": (1, 1)}
ARRAY_PRAGMAS = ("array_partition", "array_reshape", "bind_storage")
_LOOPS = (c_ast.For, c_ast.While, c_ast.DoWhile)
# Statements that may hold pragmas or loops below them.
_STATEMENTS = (*_LOOPS, c_ast.Compound, c_ast.If, c_ast.Switch, c_ast.Case, c_ast.Default)


@dataclass(frozen=True)
class Finding:
    """One broken rule: its taxonomy code, the pragma's line in the file, and why."""

    code: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}: {self.code}: {self.message}"


@dataclass
class Pragma:
    """An HLS pragma read leniently (no option is rejected: judging them is our job)."""

    name: str
    options: dict[str, str]
    line: int
    node: c_ast.Pragma
    macros: dict[str, int] = field(default_factory=dict)

    def int_option(self, key: str) -> int | None:
        """The option's integer value: a literal, or a `#define NAME literal` name (the
        preprocessor leaves HLS pragmas unexpanded); None when it is neither."""
        text = self.options.get(key, "")
        if text in self.macros:
            return self.macros[text]
        try:
            return int(text, 0)
        except ValueError:
            return None


def read_pragma(node: c_ast.Pragma, macros: dict[str, int] | None = None) -> Pragma | None:
    """The HLS pragma in a `#pragma` node, options keyed in lower case; None if not HLS.
    Bare words are normalized as kiln's `parse_pragma` does (`cyclic` -> type=cyclic)."""
    words = node.string.replace(",", " ").split()
    if len(words) < 2 or words[0].upper() != "HLS":
        return None
    name, options = words[1].lower(), {}
    for word in words[2:]:
        key, eq, value = word.partition("=")
        key = key.lower()
        if not eq and name in ("array_partition", "array_reshape") and key in _PART_TYPES:
            options["type"] = key
        elif not eq and name == "interface" and key in _ALL_MODES:
            options["mode"] = key
        else:
            options[key] = value.lower() if key in ("type", "mode") else value
    return Pragma(name, options, node.coord.line if node.coord else 0, node, macros or {})


_PART_TYPES = ("complete", "block", "cyclic")
_DEFINE = re.compile(
    r"^[ \t]*#[ \t]*define[ \t]+(?P<name>\w+)[ \t]+\(?(?P<value>0[xX][0-9a-fA-F]+|\d+)[uUlL]*\)?"
    r"[ \t]*(?:/[/*].*)?$",
    re.M,
)


@dataclass
class Loop:
    """A loop with the directives attached to it and its trip count when constant."""

    node: c_ast.Node
    line: int
    counter: str | None
    start: int | None
    step: int | None
    trip: int | None
    pipelined: Pragma | None = None
    unroll: Pragma | None = None


@dataclass
class Place:
    """Where a pragma sits: its function, enclosing loops (outer first), the braces that
    directly hold it, and the variables in scope (innermost scope last)."""

    func: c_ast.FuncDef
    loops: list[Loop]
    block: c_ast.Compound | None
    scopes: list[dict[str, list[int | None]]]
    attached: Loop | None  # the loop whose body's braces hold the pragma directly


@dataclass
class Access:
    """One syntactic use of an array: kind r, w, rw (read-modify-write) or use (passed
    somewhere we cannot follow, or its address taken); loops are outer first."""

    kind: str
    indices: list[c_ast.Node | None]
    loops: tuple[c_ast.Node, ...]
    key: str = ""


@dataclass
class _File:
    ast: c_ast.FileAST
    funcs: dict[str, c_ast.FuncDef]
    globals: dict[str, list[int | None]]
    consts: dict[str, int]
    typedefs: dict[str, c_ast.Node]
    loops: dict[int, Loop] = field(default_factory=dict)
    macros: dict[str, int] = field(default_factory=dict)  # object-like integer #defines

    def lookup(self, name: str):
        return (self.consts[name], INT) if name in self.consts else None


def check_pragmas(text: str, path: str = "<kernel>", top: str | None = None) -> list[Finding]:
    """Every pragma rule broken in the C file `text`, in line order. With `top`, only
    the top function and the functions it calls are checked; else every function but main.
    `path` only names the file (it is never read)."""
    name = Path(path).name if path.endswith(".c") else "kernel.c"
    with tempfile.TemporaryDirectory(prefix="kiln-pragma-") as scratch:
        file = Path(scratch) / name
        file.write_text(text)
        ast = parse_c(file).ast
    f = _index(ast)
    f.macros = {m["name"]: int(m["value"], 0) for m in _DEFINE.finditer(text)}
    names = _reachable(f, top) if top else [n for n in f.funcs if n != "main"]
    findings: list[Finding] = []
    for fname in names:
        _Walker(f, f.funcs[fname], findings).run()
    return sorted(set(findings), key=lambda x: (x.line, x.code, x.message))


# ---- the file's names, sizes and loops --------------------------------------------------


def _index(ast: c_ast.FileAST) -> _File:
    f = _File(ast, {}, {}, {}, {})
    for ext in ast.ext:
        if isinstance(ext, c_ast.FuncDef):
            f.funcs[ext.decl.name] = ext
        elif isinstance(ext, c_ast.Typedef):
            f.typedefs[ext.name] = ext.type
        elif isinstance(ext, c_ast.Decl):
            _enums(ext.type, f)
            if ext.name and not isinstance(ext.type, c_ast.FuncDecl):
                f.globals[ext.name] = _dims(ext.type, f, ext.init)
                if "const" in (getattr(ext.type, "quals", None) or []) and ext.init is not None:
                    v = const_eval(ext.init, f.lookup)
                    if v is not None:
                        f.consts[ext.name] = v[0]
    return f


def _enums(t, f: _File) -> None:
    if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Enum) and t.type.values:
        value = -1
        for e in t.type.values.enumerators:
            v = const_eval(e.value, f.lookup) if e.value is not None else None
            value = v[0] if v is not None else value + 1
            f.consts[e.name] = value


def _dims(t, f: _File, init=None) -> list[int | None]:
    """Sizes of an array or pointer type, outer first (None: unknown); [] for a scalar."""
    if isinstance(t, c_ast.ArrayDecl):
        size = const_eval(t.dim, f.lookup) if t.dim is not None else None
        n = size[0] if size else None
        if n is None and isinstance(init, c_ast.InitList):
            n = len(init.exprs)
        return [n, *_dims(t.type, f)]
    if isinstance(t, c_ast.PtrDecl):
        return [None, *_dims(t.type, f)]
    if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType):
        names = t.type.names
        if len(names) == 1 and names[0] in f.typedefs:
            return _dims(f.typedefs[names[0]], f)
    return []


def _reachable(f: _File, top: str) -> list[str]:
    seen, todo = [], [top]
    while todo:
        name = todo.pop()
        if name in seen or name not in f.funcs:
            continue
        seen.append(name)
        for n in walk(f.funcs[name].body):
            if isinstance(n, c_ast.FuncCall) and isinstance(n.name, c_ast.ID):
                todo.append(n.name.name)
    return seen


def _loop(node, f: _File) -> Loop:
    """The Loop record of a loop node, made once per node."""
    got = f.loops.get(id(node))
    if got is not None:
        return got
    counter = start = step = trip = None
    if isinstance(node, c_ast.For):
        canon = canonical_for(node, f.lookup)
        if canon is not None:
            counter, step = canon.var, canon.step
            lo = const_eval(canon.lo, f.lookup)
            start = lo[0] if lo else None
            trip = _trip(canon, f)
    loop = Loop(node, node.coord.line if node.coord else 0, counter, start, step, trip)
    body = node.stmt
    for item in body.block_items or [] if isinstance(body, c_ast.Compound) else []:
        p = read_pragma(item, f.macros) if isinstance(item, c_ast.Pragma) else None
        if p is None or "off" in p.options:
            continue
        if p.name == "pipeline":
            loop.pipelined = p
        elif p.name == "unroll":
            loop.unroll = p
    f.loops[id(node)] = loop
    return loop


def _trip(canon, f: _File) -> int | None:
    lo, hi = const_eval(canon.lo, f.lookup), const_eval(canon.hi, f.lookup)
    if lo is None or hi is None:
        return None
    lo, hi, step = lo[0], hi[0], canon.step
    span = {"<": hi - lo, "<=": hi - lo + 1, ">": lo - hi, ">=": lo - hi + 1}[canon.rel]
    return max(0, -(-span // abs(step)))


# ---- array accesses ---------------------------------------------------------------------


def accesses(f: _File, body, name: str, loops=(), depth: int = 0) -> list[Access]:
    """Every access of array `name` under `body`, following calls into functions of the
    file (an argument `name` becomes the callee's parameter; a global stays itself)."""
    out: list[Access] = []
    _visit(f, body, name, tuple(loops), "r", out, depth)
    return out


def _visit(f: _File, n, name: str, loops, ctx: str, out: list[Access], depth: int) -> None:
    if n is None:
        return
    if isinstance(n, c_ast.Assignment):
        _visit(f, n.lvalue, name, loops, "w" if n.op == "=" else "rw", out, depth)
        _visit(f, n.rvalue, name, loops, "r", out, depth)
    elif isinstance(n, c_ast.UnaryOp) and n.op in ("++", "--", "p++", "p--"):
        _visit(f, n.expr, name, loops, "rw", out, depth)
    elif isinstance(n, c_ast.UnaryOp) and n.op == "&":
        _visit(f, n.expr, name, loops, "use", out, depth)
    elif isinstance(n, c_ast.UnaryOp) and n.op == "*" and _pointer_base(n.expr) == name:
        out.append(Access(ctx, [_pointer_offset(n.expr)], loops, _key(n)))
        _visit(f, _pointer_offset(n.expr), name, loops, "r", out, depth)
    elif isinstance(n, c_ast.ArrayRef):
        base, idx = array_chain(n)
        if isinstance(base, c_ast.ID) and base.name == name:
            out.append(Access(ctx, idx, loops, _key(n)))
        else:
            _visit(f, base, name, loops, ctx, out, depth)
        for i in idx:
            _visit(f, i, name, loops, "r", out, depth)
    elif isinstance(n, c_ast.StructRef | c_ast.Cast):
        _visit(
            f, n.name if isinstance(n, c_ast.StructRef) else n.expr, name, loops, ctx, out, depth
        )
    elif isinstance(n, c_ast.ID):
        if n.name == name:
            out.append(Access("use", [], loops, name))
    elif isinstance(n, c_ast.FuncCall):
        _call(f, n, name, loops, out, depth)
    elif isinstance(n, _LOOPS):
        inner = (*loops, n)
        if isinstance(n, c_ast.For):
            _visit(f, n.init, name, loops, "r", out, depth)
            for part in (n.cond, n.next, n.stmt):
                _visit(f, part, name, inner, "r", out, depth)
        else:
            _visit(f, n.cond, name, inner, "r", out, depth)
            _visit(f, n.stmt, name, inner, "r", out, depth)
    elif isinstance(n, c_ast.Decl):
        _visit(f, n.init, name, loops, "r", out, depth)
    else:
        for _, child in n.children():
            _visit(f, child, name, loops, "r", out, depth)


def _call(f: _File, call: c_ast.FuncCall, name: str, loops, out: list[Access], depth) -> None:
    callee = f.funcs.get(call.name.name) if isinstance(call.name, c_ast.ID) else None
    args = call.args.exprs if call.args else []
    params = _param_names(callee) if callee is not None else []
    for k, a in enumerate(args):
        if isinstance(a, c_ast.ID) and a.name == name:
            if callee is None or k >= len(params) or depth > 8:
                out.append(Access("use", [], loops, name))
            else:
                out.extend(accesses(f, callee.body, params[k], loops, depth + 1))
        else:
            _visit(f, a, name, loops, "r", out, depth)
    global_seen = callee is not None and name in f.globals and name not in params
    shadowed = global_seen and any(
        isinstance(d, c_ast.Decl) and d.name == name for d in walk(callee.body)
    )
    if global_seen and not shadowed and depth <= 8:
        out.extend(accesses(f, callee.body, name, loops, depth + 1))


def _param_names(fdef: c_ast.FuncDef) -> list[str]:
    args = fdef.decl.type.args
    return [p.name for p in (args.params if args else []) if isinstance(p, c_ast.Decl)]


def _pointer_base(e) -> str | None:
    if isinstance(e, c_ast.ID):
        return e.name
    if isinstance(e, c_ast.BinaryOp) and e.op == "+":
        return _pointer_base(e.left) or _pointer_base(e.right)
    return None


def _pointer_offset(e):
    """`*(p + i)` -> i; `*p` -> the constant 0."""
    if isinstance(e, c_ast.BinaryOp) and e.op == "+":
        return e.right if isinstance(e.left, c_ast.ID) else e.left
    return c_ast.Constant("int", "0")


def _key(n) -> str:
    return _GEN.visit(n)


_GEN = c_generator.CGenerator()


# ---- the walk over one function, and the rules ------------------------------------------


class _Walker:
    """Visits one function's statements with the loop stack and scopes, checking each
    HLS pragma against the rules for its directive."""

    def __init__(self, f: _File, func: c_ast.FuncDef, findings: list[Finding]):
        self.f, self.func, self.findings = f, func, findings
        params = func.decl.type.args.params if func.decl.type.args else []
        self.params = {p.name: _dims(p.type, f) for p in params if isinstance(p, c_ast.Decl)}
        self.all_decls = {
            d.name: _dims(d.type, f, d.init)
            for d in walk(func.body)
            if isinstance(d, c_ast.Decl) and d.name
        }

    def run(self) -> None:
        self._stmt(self.func.body, [], [self.f.globals, self.params], None)

    def _stmt(self, n, loops: list[Loop], scopes, attached: Loop | None) -> None:
        if isinstance(n, c_ast.Compound):
            items = n.block_items or []
            scope = {}
            for item in items:
                decls = item.decls if isinstance(item, c_ast.DeclList) else [item]
                for d in decls:
                    if isinstance(d, c_ast.Decl) and d.name:
                        scope[d.name] = _dims(d.type, self.f, d.init)
            inner = [*scopes, scope]
            for item in items:
                if isinstance(item, c_ast.Pragma):
                    p = read_pragma(item, self.f.macros)
                    if p is not None:
                        self._check(p, Place(self.func, loops, n, inner, attached))
                else:
                    self._stmt(item, loops, inner, None)
        elif isinstance(n, _LOOPS):
            loop = _loop(n, self.f)
            scope = {}
            if isinstance(n, c_ast.For) and isinstance(n.init, c_ast.DeclList):
                scope = {d.name: _dims(d.type, self.f) for d in n.init.decls}
            self._stmt(n.stmt, [*loops, loop], [*scopes, scope], loop)
        else:
            for _, child in n.children():
                if isinstance(child, _STATEMENTS):
                    self._stmt(child, loops, scopes, None)

    def _emit(self, code: str, p: Pragma, message: str) -> None:
        self.findings.append(Finding(code, p.line, message))

    def _check(self, p: Pragma, place: Place) -> None:
        if p.name in ARRAY_PRAGMAS:
            self._array_pragma(p, place)
        elif p.name == "interface":
            self._interface(p)
        elif p.name == "dataflow":
            self._dataflow(p, place)
        elif p.name == "pipeline" and place.attached is not None and "off" not in p.options:
            self._nested_pipeline(p, place)
        elif p.name == "unroll" and place.attached is not None and "off" not in p.options:
            self._unroll(p, place.attached)

    # AMS, APT, FND, DID, RAMB
    def _array_pragma(self, p: Pragma, place: Place) -> None:
        var = p.options.get("variable", "")
        dims = next((s[var] for s in reversed(place.scopes) if var in s), None)
        if dims is None:
            dims = self.all_decls.get(var)
        where = f"in function '{self.func.decl.name}'"
        if dims is None:
            self._emit("AMS", p, f"{p.name} variable={var}: no variable '{var}' {where}")
            return
        if not dims:
            self._emit("AMS", p, f"{p.name} variable={var}: '{var}' is a scalar, not an array")
            return
        if p.name == "array_partition":
            self._partition(p, var, dims)
        elif p.name == "bind_storage":
            self._bind_storage(p, var, place)

    def _partition(self, p: Pragma, var: str, dims: list[int | None]) -> None:
        kind = p.options.get("type", "complete") or "complete"
        dim = p.int_option("dim") if "dim" in p.options else 1
        if dim is None or dim < 0:
            return
        if dim > len(dims):
            self._emit("DID", p, f"dim={dim} but '{var}' has {len(dims)} dimension(s)")
            return
        chosen = list(enumerate(dims, 1)) if dim == 0 else [(dim, dims[dim - 1])]
        if kind == "complete":
            for d, size in chosen:
                if size is not None and size > COMPLETE_LIMIT:
                    self._emit(
                        "APT",
                        p,
                        f"type=complete on dimension {d} of '{var}', which has {size} elements "
                        f"(more than {COMPLETE_LIMIT}); use block or cyclic with a factor",
                    )
            return
        factor = p.int_option("factor")
        if factor is None or factor < 2:
            given = p.options.get("factor")
            what = "has no factor" if given is None else f"has factor={given}"
            self._emit("APT", p, f"type={kind} on '{var}' {what}; it needs factor=N, N >= 2")
            return
        for d, size in chosen:
            if size is not None and size % factor:
                self._emit(
                    "FND",
                    p,
                    f"factor={factor} does not divide dimension {d} of '{var}' ({size} elements)",
                )

    def _bind_storage(self, p: Pragma, var: str, place: Place) -> None:
        kind = p.options.get("type", "")
        if kind not in SINGLE_PORT:
            return
        ports = SINGLE_PORT[kind]
        for n in walk(place.func.body):
            if not isinstance(n, _LOOPS) or _loop(n, self.f).pipelined is None:
                continue
            reads, writes = _per_iteration(self.f, n, var)
            too_many = reads + writes > 1 if ports is None else reads > 1 or writes > 1
            if too_many:
                self._emit(
                    "RAMB",
                    p,
                    f"bind_storage type={kind} gives '{var}' a single-port memory, but the "
                    f"pipelined loop at line {n.coord.line} makes {reads} read(s) and "
                    f"{writes} write(s) of it per iteration",
                )

    # SMA, IDAP
    def _interface(self, p: Pragma) -> None:
        port, mode = p.options.get("port", ""), p.options.get("mode", "")
        if port == "return":
            dims: list[int | None] | None = []
        else:
            dims = self.params.get(port)
        if dims is None:
            return
        kind = "an array/pointer" if dims else "a scalar"
        if (mode in MEMORY_MODES and not dims) or (mode in SCALAR_MODES and dims):
            self._emit("SMA", p, f"interface mode={mode} does not fit '{port}', {kind} argument")
            return
        if mode in STREAM_MODES and dims:
            why = self._not_sequential(port)
            if why:
                self._emit("IDAP", p, f"interface mode={mode} on '{port}', but {why}")

    def _not_sequential(self, port: str) -> str | None:
        """Why `port` is not read or written strictly in order, None when it is: in order
        means one access, in one loop (nested in no other), indexed by that loop's
        counter, which starts at 0 and steps by one, and only reads or only writes."""
        acc = accesses(self.f, self.func.body, port)
        if any(a.kind == "use" for a in acc):
            return f"'{port}' is passed on or its address taken (its order is unknown)"
        kinds = {a.kind for a in acc}
        if "rw" in kinds or {"r", "w"} <= kinds:
            return f"'{port}' is both read and written"
        if len(acc) != 1:
            return f"'{port}' is accessed {len(acc)} times (a stream is accessed once per loop)"
        a = acc[0]
        if len(a.loops) != 1 or len(a.indices) != 1:
            return (
                f"'{port}' is accessed with {len(a.indices)} index(es) inside "
                f"{len(a.loops)} loop(s), not with the counter of one loop"
            )
        (idx,), loop = a.indices, _loop(a.loops[0], self.f)
        counter = isinstance(idx, c_ast.ID) and idx.name == loop.counter
        if not (counter and loop.step == 1 and loop.start == 0):
            return (
                f"index '{_key(idx)}' is not the counter of a loop from 0 stepping by one "
                f"(loop at line {loop.line})"
            )
        return None

    # DFP
    def _dataflow(self, p: Pragma, place: Place) -> None:
        pipelined = next((lp for lp in place.loops if lp.pipelined is not None), None)
        if pipelined is not None:
            self._emit("DFP", p, f"dataflow inside the pipelined loop at line {pipelined.line}")
            return
        for item in place.block.block_items or []:
            ok = isinstance(item, (*_LOOPS, c_ast.FuncCall, c_ast.Decl, c_ast.DeclList))
            if not ok and not isinstance(item, c_ast.Pragma | c_ast.EmptyStatement):
                line = item.coord.line if item.coord else "?"
                what = type(item).__name__
                self._emit(
                    "DFP",
                    p,
                    f"the dataflow region holds a statement other than loops, calls and "
                    f"declarations ({what} at line {line})",
                )
                return

    # MLP
    def _nested_pipeline(self, p: Pragma, place: Place) -> None:
        outer = next((lp for lp in place.loops[:-1] if lp.pipelined is not None), None)
        if outer is not None:
            self._emit(
                "MLP", p, f"pipeline on a loop inside the pipelined loop at line {outer.line}"
            )
        own = place.attached.node
        for n in walk(own.stmt):
            if isinstance(n, _LOOPS) and _loop(n, self.f).pipelined is not None:
                line = n.coord.line
                self._emit(
                    "MLP", p, f"pipeline on a loop that holds the pipelined loop at line {line}"
                )
                return

    # ILNU
    def _unroll(self, p: Pragma, loop: Loop) -> None:
        if loop.trip is None:
            self._emit(
                "ILNU",
                p,
                f"unroll on the loop at line {loop.line}, whose trip count is not a "
                "compile-time constant",
            )
            return
        factor = p.int_option("factor")
        if factor is None:
            return
        if factor > loop.trip or loop.trip % factor:
            self._emit(
                "ILNU",
                p,
                f"unroll factor={factor} does not divide the trip count {loop.trip} of the "
                f"loop at line {loop.line}",
            )


def _per_iteration(f: _File, loop_node, var: str) -> tuple[int, int]:
    """Reads and writes of `var` in one iteration of a pipelined loop, counted as written
    (two `a[i]` are two accesses, as are writes on exclusive branches); loops nested in a
    pipelined loop are fully unrolled, so their accesses count once per inner iteration
    (an unknown trip count as 2)."""
    reads = writes = 0
    for a in accesses(f, loop_node.stmt, var, (loop_node,)):
        times = 1
        for n in a.loops[a.loops.index(loop_node) + 1 :]:
            trip = _loop(n, f).trip
            times *= 2 if trip is None else trip
        if a.kind in ("r", "rw", "use"):
            reads += times
        if a.kind in ("w", "rw"):
            writes += times
    return reads, writes
