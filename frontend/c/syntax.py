"""Questions asked of the C syntax tree before lowering: which names a body assigns, where
break/continue/return leave it, whether a `for` is a counted loop, whether an expression can
be evaluated early without reading memory, and the values of literals."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from pycparser import c_ast

from kiln.base.errors import CFrontendError
from kiln.frontend.c.parse import loc_of
from kiln.ir.semantics import float_bits, float_value
from kiln.ir.types import F32, F64, FloatType, ScalarType

_LOOPS = (c_ast.For, c_ast.While, c_ast.DoWhile)


def walk(node):
    """Every node under `node`, itself included (pre-order)."""
    if node is None:
        return
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed([c for _, c in n.children()]))


def count(node, cls) -> int:
    return sum(1 for n in walk(node) if isinstance(n, cls))


def pragmas_in(node) -> list[c_ast.Pragma]:
    return [n for n in walk(node) if isinstance(n, c_ast.Pragma)]


def global_decls(ast: c_ast.FileAST) -> dict[str, c_ast.Decl]:
    """File-scope objects (not functions or typedefs); a definition wins over `extern`."""
    out: dict[str, c_ast.Decl] = {}
    for ext in ast.ext:
        if not isinstance(ext, c_ast.Decl) or not ext.name or isinstance(ext.type, c_ast.FuncDecl):
            continue
        if ext.name not in out or ext.init is not None or "extern" not in (ext.storage or []):
            out[ext.name] = ext
    return out


def params_of(fdef: c_ast.FuncDef) -> list[c_ast.Decl]:
    if fdef.param_decls:
        raise CFrontendError(
            "K&R-style parameter declarations are outside the subset",
            loc_of(fdef),
            "declare parameter types in the parentheses",
        )
    args = fdef.decl.type.args
    if args is None:
        return []
    params = list(args.params)
    if len(params) == 1 and isinstance(params[0], c_ast.Typename):
        t = params[0].type
        if isinstance(t, c_ast.TypeDecl) and getattr(t.type, "names", None) == ["void"]:
            return []
    for p in params:
        if isinstance(p, c_ast.EllipsisParam):
            raise CFrontendError(
                f"variadic function '{fdef.decl.name}' is outside the subset", loc_of(p)
            )
        if not isinstance(p, c_ast.Decl) or p.name is None:
            raise CFrontendError(
                f"function '{fdef.decl.name}' has an unnamed parameter",
                loc_of(p),
                "name every parameter",
            )
    return params


def base_name(node) -> str | None:
    """The variable an lvalue expression starts from: a in a[i][j], s in s.x or p->x."""
    while True:
        if isinstance(node, c_ast.ID):
            return node.name
        if isinstance(node, (c_ast.ArrayRef, c_ast.StructRef)):
            node = node.name
        elif isinstance(node, c_ast.UnaryOp) and node.op == "*" or isinstance(node, c_ast.Cast):
            node = node.expr
        else:
            return None


def assigned_names(node, plain_call_args: bool = True) -> set[str]:
    """Names assigned, incremented, or passed by address anywhere under `node`; with
    `plain_call_args`, also every name passed to a call (an array passed on may be written;
    a scalar passed by value may not, which is what a loop counter is)."""
    out: set[str] = set()
    for n in walk(node):
        target = None
        if isinstance(n, c_ast.Assignment):
            target = n.lvalue
        elif isinstance(n, c_ast.UnaryOp) and n.op in ("++", "--", "p++", "p--", "&"):
            target = n.expr
        elif isinstance(n, c_ast.FuncCall) and n.args is not None:
            for a in n.args.exprs:
                name = base_name(a)
                if name is not None and not isinstance(a, c_ast.ID | c_ast.Constant):
                    out.add(name)
                elif isinstance(a, c_ast.ID) and plain_call_args:
                    out.add(a.name)  # an array passed on may be written by the callee
        if target is not None:
            name = base_name(target)
            if name is not None:
                out.add(name)
    return out


def _scan_exits(node, in_loop: bool, in_switch: bool, out: set[str]) -> None:
    """Collect exits of `node` that leave the construct being lowered."""
    if isinstance(node, c_ast.Break):
        if not in_loop and not in_switch:
            out.add("break")
        return
    if isinstance(node, c_ast.Continue):
        if not in_loop:
            out.add("continue")
        return
    if isinstance(node, c_ast.Return):
        out.add("return")
        return
    if isinstance(node, c_ast.FuncDef):
        return
    for _, child in node.children():
        _scan_exits(
            child,
            in_loop or isinstance(node, _LOOPS),
            in_switch or isinstance(node, c_ast.Switch),
            out,
        )


def exits(stmt) -> set[str]:
    """Which of break/continue/return in `stmt` leave it (not caught by a loop inside)."""
    out: set[str] = set()
    if isinstance(stmt, _LOOPS):
        for _, child in stmt.children():
            _scan_exits(child, True, False, out)
    elif isinstance(stmt, c_ast.Switch):
        for _, child in stmt.children():
            _scan_exits(child, False, True, out)
    else:
        _scan_exits(stmt, False, False, out)
    return out


def breaks(body) -> bool:
    """Does `body` (of a loop) break out of that loop?"""
    return "break" in exits(body)


def continues(body) -> bool:
    out: set[str] = set()
    _scan_exits(body, False, False, out)
    # a continue inside a switch still continues the loop
    return "continue" in out


def exits_loop(body) -> bool:
    return breaks(body)


def is_safe(node) -> bool:
    """Can `node` be evaluated even when C would skip it: no memory reads (an index may be
    out of bounds on the skipped path), no calls, no side effects."""
    for n in walk(node):
        if isinstance(n, c_ast.ArrayRef | c_ast.FuncCall | c_ast.Assignment):
            return False
        if isinstance(n, c_ast.UnaryOp) and n.op in ("++", "--", "p++", "p--", "*"):
            return False
    return True


def array_chain(node: c_ast.ArrayRef) -> tuple[object, list]:
    """a[i][j] -> (a, [i, j])."""
    idx = []
    while isinstance(node, c_ast.ArrayRef):
        idx.append(node.subscript)
        node = node.name
    return node, list(reversed(idx))


@dataclass
class CountedLoop:
    """`for (var = lo; var REL hi; var += step)` with REL one of < <= > >=."""

    var: str
    lo: object
    rel: str
    hi: object
    step: int


def _step_of(nxt, var: str, const_lookup) -> int | None:
    from kiln.frontend.c.consteval import const_eval

    if isinstance(nxt, c_ast.UnaryOp) and isinstance(nxt.expr, c_ast.ID) and nxt.expr.name == var:
        return {"++": 1, "p++": 1, "--": -1, "p--": -1}.get(nxt.op)
    if (
        isinstance(nxt, c_ast.Assignment)
        and isinstance(nxt.lvalue, c_ast.ID)
        and (nxt.lvalue.name == var)
    ):
        if nxt.op in ("+=", "-="):
            c = const_eval(nxt.rvalue, const_lookup)
            if c is None or c[0] == 0:
                return None
            return c[0] if nxt.op == "+=" else -c[0]
        if nxt.op == "=" and isinstance(nxt.rvalue, c_ast.BinaryOp) and nxt.rvalue.op in "+-":
            r = nxt.rvalue
            if isinstance(r.left, c_ast.ID) and r.left.name == var:
                c = const_eval(r.right, const_lookup)
                if c is None or c[0] == 0:
                    return None
                return c[0] if r.op == "+" else -c[0]
    return None


def canonical_for(s: c_ast.For, const_lookup) -> CountedLoop | None:
    """The counted-loop shape of `s`, or None (then it is lowered as a while loop)."""
    init = s.init
    if isinstance(init, c_ast.DeclList):
        if len(init.decls) != 1 or init.decls[0].init is None:
            return None
        var, lo = init.decls[0].name, init.decls[0].init
    elif (
        isinstance(init, c_ast.Assignment) and init.op == "=" and isinstance(init.lvalue, c_ast.ID)
    ):
        var, lo = init.lvalue.name, init.rvalue
    else:
        return None
    cond = s.cond
    if not isinstance(cond, c_ast.BinaryOp) or cond.op not in ("<", "<=", ">", ">="):
        return None
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
    if isinstance(cond.left, c_ast.ID) and cond.left.name == var:
        rel, hi = cond.op, cond.right
    elif isinstance(cond.right, c_ast.ID) and cond.right.name == var:
        rel, hi = flip[cond.op], cond.left
    else:
        return None
    step = _step_of(s.next, var, const_lookup)
    if step is None or (step > 0) != (rel in ("<", "<=")):
        return None
    body = s.stmt
    # Scalars passed by value cannot change; an array passed on may (its name is in `changed`).
    scalars_changed = assigned_names(body, plain_call_args=False)
    arrays = {base_name(n) for n in walk(hi) if isinstance(n, c_ast.ArrayRef)}
    changed = scalars_changed | (assigned_names(body) & arrays)
    if var in scalars_changed:
        return None
    for n in walk(hi):
        if isinstance(n, c_ast.FuncCall | c_ast.Assignment):
            return None
        if isinstance(n, c_ast.UnaryOp) and n.op in ("++", "--", "p++", "p--"):
            return None
        if isinstance(n, c_ast.ID) and n.name in changed:
            return None
        if isinstance(n, c_ast.ID) and n.name == var:
            return None
    if count(body, c_ast.FuncCall) and not is_safe(hi):
        return None  # a callee might write what the bound reads
    return CountedLoop(var, lo, rel, hi, step)


def used_outside_counted_loops(fbody, var: str) -> bool:
    """Is `var` referenced anywhere but inside for loops that count with it? If not, its
    value after such a loop is never read."""

    def visit(node) -> bool:
        if isinstance(node, c_ast.For):
            canon = canonical_for(node, lambda name: None)
            if canon is not None and canon.var == var:
                return visit(canon.lo)
        if isinstance(node, c_ast.ID) and node.name == var:
            return True
        return any(visit(c) for _, c in node.children())

    return visit(fbody)


# ---- literals ----------------------------------------------------------------------------


def float_literal_type(text: str) -> FloatType:
    t = text.lower()
    if t.endswith("l"):
        raise CFrontendError(f"long double literal {text} is outside the subset")
    hexa = t.startswith("0x")
    return F32 if t.endswith("f") and (not hexa or "p" in t) else F64


def float_literal(text: str) -> Fraction:
    """The exact rational value a float literal spells."""
    body = text.rstrip("fFlL") if not text.lower().startswith("0x") else text.rstrip("lL")
    if body.lower().startswith("0x"):
        if body[-1] in "fF" and "p" in body.lower():
            body = body[:-1]
        return Fraction(float.fromhex(body))
    return Fraction(body)


def python_to_float_raw(value, t: ScalarType) -> int:
    """The raw bits of the float nearest `value` (an int, float or exact Fraction), rounded
    once to nearest even, as C rounds a literal."""
    if isinstance(value, float):
        return float_bits(value, t)
    exact = Fraction(value)
    try:
        approx = float(exact)
    except OverflowError:
        approx = float("inf") if exact > 0 else float("-inf")
    if t.width == 64:
        return float_bits(approx, t)
    c = np.float32(approx)
    best = None
    for cand in (np.nextafter(c, np.float32(-np.inf)), c, np.nextafter(c, np.float32(np.inf))):
        if not np.isfinite(cand):
            continue
        d = abs(Fraction(float(cand)) - exact)
        raw = float_bits(cand, t)
        key = (d, raw & 1)
        if best is None or key < best[0]:
            best = (key, raw)
    if best is None:
        return float_bits(c, t)
    return best[1]


def raw_to_python(raw: int, t: ScalarType):
    if isinstance(t, FloatType):
        return Fraction(float(float_value(raw, t)))
    return raw


def string_bytes(literal: str) -> bytes:
    body = literal[1:-1]
    return body.encode("latin-1").decode("unicode_escape").encode("latin-1")
