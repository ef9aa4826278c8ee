"""What the mutators know about a kernel: its functions, variables, loops and pragmas, read
from pycparser's AST (macros expanded, so sizes are numbers) and tied to the exact tokens of
the original text by line and token search."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pycparser import c_ast

from kiln.datasets.bugs import ctext
from kiln.datasets.bugs.ctext import Token
from kiln.datasets.bugs.model import KernelSource
from kiln.frontend.c.consteval import const_eval
from kiln.frontend.c.parse import parse_c

# (bits, signed) of the integer types by their resolved pycparser names.
_INT_TYPES = {
    ("char",): (8, True),
    ("signed", "char"): (8, True),
    ("unsigned", "char"): (8, False),
    ("short",): (16, True),
    ("unsigned", "short"): (16, False),
    ("int",): (32, True),
    ("signed",): (32, True),
    ("unsigned",): (32, False),
    ("unsigned", "int"): (32, False),
    ("long",): (64, True),
    ("unsigned", "long"): (64, False),
    ("long", "long"): (64, True),
    ("unsigned", "long", "long"): (64, False),
}
TYPE_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "const volatile static register unsigned signed int short long char float double void "
        "_Bool struct union enum inline restrict extern"
    ).split()
)


@dataclass
class Var:
    """A variable a kernel function declares (parameter or local) or a global it uses."""

    name: str
    func: str | None  # None for a global
    kind: str  # param | local | global
    line: int
    tok: int  # index in Facts.code of the declarator's name
    type_span: tuple[int, int]  # code-token indices of the type specifier words (inclusive)
    int_type: tuple[int, bool] | None  # (bits, signed) of the (element) integer type
    is_float: bool
    dims: tuple[int | None, ...] = ()  # array dimensions, outermost first
    pointer: bool = False
    init: bool = False

    @property
    def is_array(self) -> bool:
        return bool(self.dims) or self.pointer


@dataclass
class Loop:
    """A for/while/do loop in a kernel function; indices are into Facts.code."""

    kind: str
    func: str
    tok: int  # the `for` / `while` / `do` keyword
    header: tuple[int, int]  # `(` and `)` of the for/while header
    body: tuple[int, int]  # first and last token of the body (braces included)
    semis: tuple[int, int] | None = None  # the two `;` of a for header
    counter: str | None = None
    start: int | None = None
    step: int | None = None  # +1 for i++, -1 for i--, k for i += k
    trips: int | None = None
    parent: int | None = None
    pipelined: bool = False
    unroll: Token | None = None  # its unroll pragma
    braced: bool = False  # the body is a `{ ... }` block


@dataclass
class Func:
    name: str
    first: int  # first code token (return type)
    open: int  # `{` of the body
    close: int  # `}` of the body
    params: list[str] = field(default_factory=list)


@dataclass
class Pragma:
    """An HLS pragma line inside a kernel function, with its options and owner."""

    tok: Token
    name: str
    options: dict[str, str]
    func: str
    loop: int | None  # index into Facts.loops of the innermost loop holding it


@dataclass
class Facts:
    src: KernelSource
    tokens: list[Token]  # every token
    code: list[Token]  # code tokens only
    funcs: dict[str, Func]
    vars: list[Var]
    loops: list[Loop]
    pragmas: list[Pragma]
    typedefs: frozenset[str]

    def func_at(self, i: int) -> Func | None:
        for f in self.funcs.values():
            if f.first <= i <= f.close:
                return f
        return None

    def var(self, name: str, func: str | None) -> Var | None:
        """The variable `name` as seen from `func` (its locals and params, then globals)."""
        best = None
        for v in self.vars:
            if v.name == name and v.func == func:
                return v
            if v.name == name and v.func is None:
                best = v
        return best

    def loops_around(self, i: int) -> list[int]:
        """Loops whose header or body holds code token i, outermost first."""
        return [k for k, lp in enumerate(self.loops) if lp.tok <= i <= lp.body[1]]

    def in_body(self, i: int) -> bool:
        """Whether code token i is inside a kernel function body."""
        return any(f.open < i < f.close for f in self.funcs.values())

    def pragmas_of(self, func: str) -> list[Pragma]:
        return [p for p in self.pragmas if p.func == func]


def _eval(node) -> int | None:
    if node is None:
        return None
    try:
        r = const_eval(node, lambda name: None)
    except Exception:  # noqa: BLE001 - a non-constant expression is simply not constant
        return None
    return None if r is None else r[0]


def _type_names(node, typedefs: dict[str, list[str]]) -> list[str] | None:
    while isinstance(node, (c_ast.TypeDecl, c_ast.ArrayDecl, c_ast.PtrDecl)):
        node = node.type
    if not isinstance(node, c_ast.IdentifierType):
        return None
    names = list(node.names)
    for _ in range(8):
        if len(names) == 1 and names[0] in typedefs:
            names = typedefs[names[0]]
        else:
            break
    return names


@lru_cache(maxsize=256)
def _parse(text: str):
    with tempfile.TemporaryDirectory(prefix="kiln-mut-") as d:
        p = Path(d) / "kernel.c"
        p.write_text(text)
        return parse_c(p).ast, str(p)


def parse_text(text: str):
    """(FileAST, file name in its coords) of C text; cached by the text."""
    return _parse(text)


def kernel_funcs(ast, fname: str, top: str) -> list[c_ast.FuncDef]:
    """The top function and every file function it calls, transitively, in file order."""
    defs = {
        n.decl.name: n for n in ast.ext if isinstance(n, c_ast.FuncDef) and n.coord.file == fname
    }
    if top not in defs:
        raise ValueError(f"no function {top!r} defined in the kernel file")
    seen, todo = {top}, [top]
    while todo:
        f = defs[todo.pop()]
        for call in _walk(f.body):
            if not (isinstance(call, c_ast.FuncCall) and isinstance(call.name, c_ast.ID)):
                continue
            if call.name.name in defs and call.name.name not in seen:
                seen.add(call.name.name)
                todo.append(call.name.name)
    return [d for d in defs.values() if d.decl.name in seen]


def _walk(node):
    if node is None:
        return
    yield node
    for _, child in node.children():
        yield from _walk(child)


def used_globals(ast, fname: str, funcs: list[c_ast.FuncDef]) -> list[c_ast.Decl]:
    """File-scope variable declarations the kernel functions read or write."""
    names = {n.name for f in funcs for n in _walk(f.body) if isinstance(n, c_ast.ID)}
    return [
        n
        for n in ast.ext
        if isinstance(n, c_ast.Decl)
        and n.coord.file == fname
        and n.name in names
        and not isinstance(n.type, c_ast.FuncDecl)
    ]


def _find_tok(code: list[Token], line: int, name: str, after: int = 0) -> int | None:
    for i in range(after, len(code)):
        t = code[i]
        if t.line == line and t.text == name and t.kind == "id":
            return i
        if t.line > line:
            break
    return None


def _type_span(code: list[Token], i: int, typedefs: frozenset[str]) -> tuple[int, int]:
    """The type words before the declarator at code[i] (skipping `*`, past `,` lists)."""
    j = i - 1
    while j >= 0 and code[j].text == "*":
        j -= 1
    if code[j].text == ",":  # a later declarator of `T a = .., b`: find the list's type
        depth = 0
        while j >= 0:
            t = code[j].text
            if t in (")", "]"):
                depth += 1
            elif t in ("(", "["):
                if depth == 0:
                    break
                depth -= 1
            elif t in (";", "{", "}") and depth == 0:
                break
            j -= 1
        j += 1
        while code[j].text in TYPE_WORDS or code[j].text in typedefs:
            j += 1
        j -= 1
    end = j
    while j >= 0 and (
        code[j].text in TYPE_WORDS
        or code[j].text in typedefs
        or (j > 0 and code[j - 1].text in ("struct", "union", "enum"))
    ):
        j -= 1
    start = j + 1
    while start < end and code[start].text in ("const", "volatile", "static", "register"):
        start += 1
    return start, end


def build(src: KernelSource) -> Facts:
    ast, fname = parse_text(src.text)
    typedef_map: dict[str, list[str]] = {}
    for n in ast.ext:
        if isinstance(n, c_ast.Typedef):
            names = _type_names(n.type, typedef_map)
            if names is not None:
                typedef_map[n.name] = names
    typedefs = frozenset(typedef_map)
    tokens = ctext.tokenize(src.text)
    code = ctext.code_tokens(tokens)
    defs = kernel_funcs(ast, fname, src.top)
    funcs: dict[str, Func] = {}
    for d in defs:
        name_tok = _find_tok(code, d.decl.coord.line, d.decl.name)
        assert name_tok is not None, d.decl.name
        first, _ = _type_span(code, name_tok, typedefs)
        lpar = name_tok + 1
        open_ = ctext.match(code, lpar) + 1
        funcs[d.decl.name] = Func(d.decl.name, first, open_, ctext.match(code, open_))
    variables: list[Var] = []

    def add_var(decl: c_ast.Decl, func: str | None, kind: str) -> None:
        if not decl.name or isinstance(decl.type, c_ast.FuncDecl):
            return
        lo = funcs[func].first if func else 0
        i = _find_tok(code, decl.coord.line, decl.name, lo)
        if i is None:
            return
        dims, t, pointer = [], decl.type, False
        while isinstance(t, (c_ast.ArrayDecl, c_ast.PtrDecl)):
            if isinstance(t, c_ast.ArrayDecl):
                dims.append(_eval(t.dim))
            else:
                pointer = True
            t = t.type
        names = _type_names(decl.type, typedef_map) or []
        int_type = _INT_TYPES.get(tuple(n for n in names if n != "int" or len(names) == 1))
        variables.append(
            Var(
                decl.name,
                func,
                kind,
                decl.coord.line,
                i,
                _type_span(code, i, typedefs),
                int_type,
                any(n in ("float", "double") for n in names),
                tuple(dims),
                pointer,
                decl.init is not None,
            )
        )

    for d in defs:
        fn = d.decl.name
        for p in d.decl.type.args.params if d.decl.type.args else []:
            if isinstance(p, c_ast.Decl):
                add_var(p, fn, "param")
                funcs[fn].params.append(p.name)
        for n in _walk(d.body):
            if isinstance(n, c_ast.Decl):
                add_var(n, fn, "local")
    for g in used_globals(ast, fname, defs):
        add_var(g, None, "global")
    loops = _loops(code, defs, funcs)
    pragmas = _pragmas(tokens, code, funcs, loops)
    for p in pragmas:
        if p.loop is not None and p.name == "pipeline" and "off" not in p.options:
            loops[p.loop].pipelined = True
        if p.loop is not None and p.name == "unroll":
            loops[p.loop].unroll = p.tok
    return Facts(src, tokens, code, funcs, variables, loops, pragmas, typedefs)


def _loops(code: list[Token], defs, funcs: dict[str, Func]) -> list[Loop]:
    out: list[Loop] = []
    for d in defs:
        f = funcs[d.decl.name]
        by_line: dict[int, list[c_ast.Node]] = {}
        for n in _walk(d.body):
            if isinstance(n, c_ast.For):
                by_line.setdefault(n.coord.line, []).append(n)
        for i in range(f.open, f.close):
            t = code[i]
            if t.kind != "id" or t.text not in ("for", "while", "do"):
                continue
            if t.text == "while" and any(lp.kind == "do" and lp.body[1] == i - 1 for lp in out):
                continue  # the tail of a do-while: owned by its `do`
            if t.text == "do":
                end = ctext.stmt_end(code, i + 1)
                lp = Loop("do", f.name, i, (end + 2, ctext.match(code, end + 2)), (i + 1, end))
                lp.braced = code[i + 1].text == "{"
                out.append(lp)
                continue
            rpar = ctext.match(code, i + 1)
            end = ctext.stmt_end(code, rpar + 1)
            lp = Loop(t.text, f.name, i, (i + 1, rpar), (rpar + 1, end))
            lp.braced = code[rpar + 1].text == "{"
            if t.text == "for":
                semis = [j for j in range(i + 2, rpar) if code[j].text == ";"]
                depth_ok = [
                    j
                    for j in semis
                    if sum(c.text == "(" for c in code[i + 2 : j])
                    == sum(c.text == ")" for c in code[i + 2 : j])
                ]
                lp.semis = (depth_ok[0], depth_ok[1])
                nodes = by_line.get(t.line, [])
                k = sum(1 for o in out if o.kind == "for" and code[o.tok].line == t.line)
                if k < len(nodes):
                    _for_facts(lp, nodes[k])
            out.append(lp)
    for k, lp in enumerate(out):
        enclosing = [
            j
            for j, o in enumerate(out)
            if j != k and o.body[0] <= lp.tok and lp.body[1] <= o.body[1]
        ]
        if enclosing:
            lp.parent = max(enclosing, key=lambda j: out[j].tok)
    return out


def _for_facts(lp: Loop, node: c_ast.For) -> None:
    init, cond, nxt = node.init, node.cond, node.next
    if isinstance(init, c_ast.DeclList) and len(init.decls) == 1:
        lp.counter, lp.start = init.decls[0].name, _eval(init.decls[0].init)
    elif (
        isinstance(init, c_ast.Assignment) and isinstance(init.lvalue, c_ast.ID) and init.op == "="
    ):
        lp.counter, lp.start = init.lvalue.name, _eval(init.rvalue)
    if lp.counter is None:
        return
    if isinstance(nxt, c_ast.UnaryOp) and isinstance(nxt.expr, c_ast.ID):
        if nxt.expr.name == lp.counter:
            lp.step = 1 if "++" in nxt.op else -1 if "--" in nxt.op else None
    elif isinstance(nxt, c_ast.Assignment) and isinstance(nxt.lvalue, c_ast.ID):
        k = _eval(nxt.rvalue)
        if nxt.lvalue.name == lp.counter and k is not None:
            lp.step = k if nxt.op == "+=" else -k if nxt.op == "-=" else None
    if not (isinstance(cond, c_ast.BinaryOp) and isinstance(cond.left, c_ast.ID)):
        return
    bound = _eval(cond.right)
    if cond.left.name != lp.counter or None in (bound, lp.start, lp.step) or lp.step == 0:
        return
    s, b, st = lp.start, bound, lp.step
    assert s is not None and b is not None and st is not None
    if st > 0 and cond.op in ("<", "<=", "!="):
        last = b - 1 if cond.op in ("<", "!=") else b
        lp.trips = max(0, (last - s) // st + 1)
    elif st < 0 and cond.op in (">", ">="):
        last = b + 1 if cond.op == ">" else b
        lp.trips = max(0, (s - last) // -st + 1)


def _pragmas(tokens, code, funcs: dict[str, Func], loops: list[Loop]) -> list[Pragma]:
    out = []
    for t in tokens:
        words = t.text[1:].replace(",", " ").split()
        if t.kind != "pp" or len(words) < 3 or words[0] != "pragma" or words[1].upper() != "HLS":
            continue
        owner = None
        for f in funcs.values():
            if code[f.open].start < t.start < code[f.close].start:
                owner = f.name
        if owner is None:
            continue
        opts = {}
        for w in words[3:]:
            k, _, v = w.partition("=")
            opts[k.lower()] = v
        inner = [
            k
            for k, lp in enumerate(loops)
            if code[lp.body[0]].start <= t.start <= code[lp.body[1]].start
        ]
        loop = max(inner, key=lambda k: loops[k].tok) if inner else None
        out.append(Pragma(t, words[2].lower(), opts, owner, loop))
    return out
