"""Functional bug mutators: each finds every place a kernel admits one bug type and returns it
as exact edits (OOB, INIT, SHFT, INF, USE, MLU, ZERO, BUF, OPS, IDX, OBO, TRUNC)."""

from __future__ import annotations

from kiln.datasets.bugs.ctext import match
from kiln.datasets.bugs.model import Edit, Mutation
from kiln.datasets.bugs.mutate_facts import Facts, Loop
from kiln.datasets.bugs.mutate_query import (
    accesses,
    body_tokens,
    cond_parts,
    decl_tokens,
    header_tokens,
    incr_span,
    init_value_tok,
    is_operand_end,
    operand_after,
    span_text,
)

_SIGNED = {8: "int8_t", 16: "int16_t", 32: "int32_t", 64: "int64_t"}
_UNSIGNED = {8: "uint8_t", 16: "uint16_t", 32: "uint32_t", 64: "uint64_t"}


def _rep(f: Facts, a: int, b: int, text: str) -> Edit:
    """Replace code tokens a..b (inclusive) with `text`."""
    return Edit(f.code[a].start, f.code[b].end, text)


def _mut(kind: str, note: str, *edits: Edit) -> Mutation:
    return Mutation(kind, tuple(edits), note)


def _paren(text: str) -> str:
    return text if text.replace("_", "").isalnum() else f"({text})"


def _counted_loops(f: Facts):
    """For-loops with a counter, a simple `i OP bound` condition and a known step."""
    for lp in f.loops:
        parts = cond_parts(f, lp)
        if lp.kind == "for" and parts is not None and lp.step is not None:
            yield lp, parts


def _indexed_by(f: Facts, lp: Loop) -> list:
    """Accesses in the loop's body whose subscripts use the loop's counter alone."""
    return [
        a
        for a in accesses(f)
        if lp.body[0] <= a.tok <= lp.body[1]
        and any(g[1] == g[0] + 2 and f.code[g[0] + 1].text == lp.counter for g in a.groups)
    ]


def oob(f: Facts) -> list[Mutation]:
    out = []
    for lp, (_, op, _) in _counted_loops(f):
        uses = _indexed_by(f, lp)
        if not uses or lp.step is None or lp.step <= 0:
            continue
        if f.code[op].text == "<":
            out.append(
                _mut("OOB", f"loop bound on `{lp.counter}` became `<=`", _rep(f, op, op, "<="))
            )
        for a in uses:
            for g in a.groups:
                if g[1] == g[0] + 2 and f.code[g[0] + 1].text == lp.counter:
                    tok = g[0] + 1
                    where = span_text(f, a.tok, a.groups[-1][1])
                    out.append(
                        _mut(
                            "OOB",
                            f"index `{lp.counter}` of `{where}` became `{lp.counter} + 1`",
                            _rep(f, tok, tok, f"{lp.counter} + 1"),
                        )
                    )
                    if lp.start == 0:
                        out.append(
                            _mut(
                                "OOB",
                                f"index `{lp.counter}` of `{where}` became `{lp.counter} - 1`",
                                _rep(f, tok, tok, f"{lp.counter} - 1"),
                            )
                        )
    return out


def _counters(f: Facts) -> set[int]:
    return {v.tok for v in f.vars if any(lp.header[0] < v.tok < lp.header[1] for lp in f.loops)}


def _init_end(f: Facts, eq: int) -> int:
    """Last token of the initializer after the `=` at code[eq]."""
    j, code = eq + 1, f.code
    while code[j].text not in (",", ";"):
        if code[j].text in ("(", "[", "{"):
            j = match(code, j)
        j += 1
    return j - 1


def init(f: Facts) -> list[Mutation]:
    out, code, counters = [], f.code, _counters(f)
    for v in f.vars:
        if v.kind != "local" or not v.init or v.tok in counters:
            continue
        eq = v.tok + 1
        while code[eq].text == "[":
            eq = match(code, eq) + 1
        if code[eq].text != "=":
            continue
        end = _init_end(f, eq)
        out.append(
            _mut(
                "INIT",
                f"initializer of `{v.name}` dropped",
                Edit(code[v.tok].end if not v.dims else code[eq - 1].end, code[end].end, ""),
            )
        )
        if end == eq + 1 and code[end].kind == "num":
            new = "1" if code[end].text in ("0", "0u", "0U") else "0"
            out.append(_mut("INIT", f"`{v.name}` initialized to {new}", _rep(f, end, end, new)))
    heads = header_tokens(f)
    for i in body_tokens(f):  # resets: `x = literal;`
        if (
            i not in heads
            and code[i].kind == "id"
            and code[i - 1].text in (";", "{", "}", ")")
            and code[i + 1].text == "="
            and code[i + 2].kind == "num"
            and code[i + 3].text == ";"
        ):
            new = "1" if code[i + 2].text in ("0", "0u", "0U") else "0"
            out.append(
                _mut("INIT", f"reset of `{code[i].text}` writes {new}", _rep(f, i + 2, i + 2, new))
            )
    return out


def shft(f: Facts) -> list[Mutation]:
    out, code, heads = [], f.code, header_tokens(f)
    swap = {"<<": ">>", ">>": "<<", "<<=": ">>=", ">>=": "<<="}
    for i in body_tokens(f):
        t = code[i].text
        if t not in swap or i in heads:
            continue
        out.append(_mut("SHFT", f"shift `{t}` became `{swap[t]}`", _rep(f, i, i, swap[t])))
        amt = operand_after(f, i + 1)
        if amt is None:
            continue
        if amt == i + 1 and code[amt].kind == "num" and code[amt].text.isdigit():
            n = int(code[amt].text)
            out.append(
                _mut("SHFT", f"shift amount {n} became {n + 1}", _rep(f, amt, amt, str(n + 1)))
            )
            if n > 1:
                out.append(
                    _mut("SHFT", f"shift amount {n} became {n - 1}", _rep(f, amt, amt, str(n - 1)))
                )
        elif code[amt + 1].text in (";", ")", ",", "]", "&", "|", "^", "+", "-"):
            text = span_text(f, i + 1, amt)
            out.append(
                _mut(
                    "SHFT",
                    f"shift amount `{text}` became `{text} + 1`",
                    _rep(f, i + 1, amt, f"({text} + 1)"),
                )
            )
    return out


def inf(f: Facts) -> list[Mutation]:
    out = []
    for lp, (_, _op, _last) in _counted_loops(f):
        inc = incr_span(f, lp)
        if inc is None or lp.step is None:
            continue
        a, b = inc
        out.append(
            _mut(
                "INF",
                f"increment of `{lp.counter}` dropped",
                Edit(f.code[a].start, f.code[b].end, ""),
            )
        )
        rev = f"{lp.counter}--" if lp.step > 0 else f"{lp.counter}++"
        out.append(_mut("INF", f"increment of `{lp.counter}` reversed", _rep(f, a, b, rev)))
    return out


def use(f: Facts) -> list[Mutation]:
    out, code = [], f.code
    for v in f.vars:
        if v.int_type is None or v.int_type[1] or v.int_type[0] > 32:
            continue
        a, b = v.type_span
        if b < a:
            continue
        new = _SIGNED[v.int_type[0]]
        out.append(_mut("USE", f"`{v.name}` declared `{new}` (was unsigned)", _rep(f, a, b, new)))
    for acc in accesses(f):
        v = f.var(acc.name, acc.func)
        if acc.write or v is None or v.int_type is None or code[acc.tok - 1].text in ("&", ")"):
            continue
        bits, signed = v.int_type
        new = _SIGNED[bits] if not signed and bits <= 16 else "int8_t"
        if signed and bits == 8:
            continue
        end = acc.groups[-1][1]
        if code[end + 1].text in (".", "->", "["):
            continue
        text = span_text(f, acc.tok, end)
        out.append(
            _mut(
                "USE",
                f"`{text}` read through `({new})`",
                Edit(code[acc.tok].start, code[acc.tok].start, f"({new})"),
            )
        )
    return out


def mlu(f: Facts) -> list[Mutation]:
    out = []
    for lp, _ in _counted_loops(f):
        inc = incr_span(f, lp)
        if inc is None or lp.step is None:
            continue
        a, b = inc
        c, s = lp.counter, lp.step
        new = [f"{c} += {s + 1}" if s > 0 else f"{c} -= {-s + 1}"]
        if abs(s) > 1:
            new.append(f"{c}++" if s > 0 else f"{c}--")
        for text in new:
            out.append(_mut("MLU", f"step of `{c}` became `{text}`", _rep(f, a, b, text)))
    return out


def zero(f: Facts) -> list[Mutation]:
    out, code = [], f.code
    for i in body_tokens(f):
        t = code[i].text
        if t not in ("/", "%", "/=", "%=") or not is_operand_end(f, i - 1):
            continue
        end = operand_after(f, i + 1)
        if end is None:
            continue
        names = {code[k].text for k in range(i - 8, end + 1) if code[k].kind == "id"}
        fn = f.func_at(i)
        if any((v := f.var(n, fn.name if fn else None)) and v.is_float for n in names):
            continue
        div = span_text(f, i + 1, end)
        counters = [
            f.loops[k]
            for k in f.loops_around(i)
            if f.loops[k].counter
            and f.loops[k].start is not None
            and (f.loops[k].body[0] <= i or i > (f.loops[k].semis or (i, i))[0])
        ]
        if counters and counters[-1].counter != div:
            c, s0 = counters[-1].counter, counters[-1].start
            zeroed = str(c) if s0 == 0 else f"({c} - {s0})" if s0 > 0 else f"({c} + {-s0})"
            out.append(
                _mut("ZERO", f"divisor `{div}` became `{zeroed}`", _rep(f, i + 1, end, zeroed))
            )
        if not (end == i + 1 and code[end].kind == "num"):
            out.append(
                _mut(
                    "ZERO",
                    f"divisor `{div}` became `{div} - 1`",
                    _rep(f, i + 1, end, f"({div} - 1)"),
                )
            )
            out.append(
                _mut(
                    "ZERO",
                    f"divisor `{div}` became `{div} - {div}`",
                    _rep(f, i + 1, end, f"({div} - {div})"),
                )
            )
    return out


def buf(f: Facts) -> list[Mutation]:
    out, code = [], f.code
    for lp, (_, op, last) in _counted_loops(f):
        if code[op].text not in ("<", "<=") or lp.start is None or lp.step != 1:
            continue
        if not lp.trips or lp.start + lp.trips < 2 * lp.start + 2:  # half-way must lie inside
            continue
        if not _indexed_by(f, lp):
            continue
        bound = span_text(f, op + 1, last)
        out.append(
            _mut(
                "BUF",
                f"loop on `{lp.counter}` stops at half",
                _rep(f, op + 1, last, f"{_paren(bound)} / 2"),
            )
        )
        s = init_value_tok(f, lp)
        if s is not None:
            out.append(
                _mut(
                    "BUF",
                    f"loop on `{lp.counter}` starts at half",
                    _rep(f, s, s, f"{_paren(bound)} / 2"),
                )
            )
    for v in f.vars:
        if v.kind != "local" or not v.dims or v.dims[0] is None or v.dims[0] < 2:
            continue
        lb = v.tok + 1
        rb = match(code, lb)
        if rb == lb + 1:
            continue
        size = span_text(f, lb + 1, rb - 1)
        out.append(
            _mut(
                "BUF",
                f"buffer `{v.name}` declared half size",
                _rep(f, lb + 1, rb - 1, f"{_paren(size)} / 2"),
            )
        )
    return out


_OPS = {
    "+": "-",
    "-": "+",
    "*": "+",
    "&": "|",
    "|": "&",
    "^": "|",
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "&&": "||",
    "||": "&&",
    "+=": "-=",
    "-=": "+=",
    "*=": "+=",
    "&=": "|=",
    "|=": "&=",
    "^=": "|=",
}


def ops(f: Facts) -> list[Mutation]:
    out, code = [], f.code
    skip = header_tokens(f) | decl_tokens(f)
    for i in body_tokens(f):
        t = code[i].text
        if t not in _OPS or i in skip or code[i].kind != "op" or not is_operand_end(f, i - 1):
            continue
        if _in_case_label(f, i):
            continue
        out.append(_mut("OPS", f"operator `{t}` became `{_OPS[t]}`", _rep(f, i, i, _OPS[t])))
    return out


def _in_case_label(f: Facts, i: int) -> bool:
    j = i
    while j > 0 and f.code[j].text not in (";", "{", "}", ":"):
        j -= 1
    k = j + 1
    return f.code[k].text == "case"


def idx(f: Facts) -> list[Mutation]:
    out, code = [], f.code
    for a in accesses(f):
        v = f.var(a.name, a.func)
        simple = [g for g in a.groups if g[1] == g[0] + 2 and code[g[0] + 1].kind == "id"]
        for x in range(len(simple)):
            for y in range(x + 1, len(simple)):
                gx, gy = simple[x], simple[y]
                ix, iy = code[gx[0] + 1].text, code[gy[0] + 1].text
                px, py = a.groups.index(gx), a.groups.index(gy)
                dims = v.dims if v else ()
                if ix == iy or (len(dims) > max(px, py) and dims[px] != dims[py]):
                    continue
                out.append(
                    _mut(
                        "IDX",
                        f"`{a.name}` indices `{ix}` and `{iy}` transposed",
                        _rep(f, gx[0] + 1, gx[0] + 1, iy),
                        _rep(f, gy[0] + 1, gy[0] + 1, ix),
                    )
                )
        counters = []
        for k in f.loops_around(a.tok):
            c = f.loops[k].counter
            if c and c not in counters and f.loops[k].body[0] <= a.tok:
                counters.append(c)
        for g in simple:
            cur = code[g[0] + 1].text
            if cur not in counters:
                continue
            for other in counters:
                if other != cur:
                    out.append(
                        _mut(
                            "IDX",
                            f"`{a.name}[{cur}]` indexed by `{other}`",
                            _rep(f, g[0] + 1, g[0] + 1, other),
                        )
                    )
    return out


def obo(f: Facts) -> list[Mutation]:
    out, code = [], f.code
    for lp, (_, op, last) in _counted_loops(f):
        rel = code[op].text
        bound = span_text(f, op + 1, last)
        if rel in ("<", "<="):
            out.append(
                _mut(
                    "OBO",
                    f"loop on `{lp.counter}` stops one early",
                    _rep(f, op + 1, last, f"{bound} - 1"),
                )
            )
        elif rel in (">", ">=") and last == op + 1 and code[last].text == "0":
            out.append(
                _mut("OBO", f"loop on `{lp.counter}` stops one early", _rep(f, last, last, "1"))
            )
        s = init_value_tok(f, lp)
        if s is not None and code[s].text == "0" and rel in ("<", "<=", "!="):
            out.append(_mut("OBO", f"loop on `{lp.counter}` starts at 1", _rep(f, s, s, "1")))
    return out


def trunc(f: Facts) -> list[Mutation]:
    out, code, counters = [], f.code, _counters(f)
    for v in f.vars:
        if v.kind != "local" or v.int_type is None or v.is_array or v.tok in counters:
            continue
        bits, signed = v.int_type
        if bits < 32:
            continue
        a, b = v.type_span
        new = (_SIGNED if signed else _UNSIGNED)[bits // 2]
        out.append(_mut("TRUNC", f"`{v.name}` declared `{new}`", _rep(f, a, b, new)))
    heads = header_tokens(f)
    for i in body_tokens(f):  # `x += product;` -> the product cast narrower
        if code[i].text not in ("+=", "=", "-=") or i in heads:
            continue
        end = i + 1
        depth = 0
        while code[end].text != ";" or depth:
            depth += code[end].text in "([{"
            depth -= code[end].text in ")]}"
            end += 1
        rhs = range(i + 1, end)
        if not any(code[k].text in ("*", "+", "<<") and is_operand_end(f, k - 1) for k in rhs):
            continue
        lhs = i - 1
        while code[lhs].text == "]":
            lhs = _open_bracket(f, lhs) - 1
        v = f.var(code[lhs].text, (fn := f.func_at(i)) and fn.name)
        if v is None or v.int_type is None or v.int_type[0] < 16:
            continue
        bits, signed = v.int_type
        new = (_SIGNED if signed else _UNSIGNED)[max(8, bits // 2)]
        text = span_text(f, i + 1, end - 1)
        out.append(
            _mut(
                "TRUNC",
                f"`{text}` cast to `{new}`",
                _rep(f, i + 1, end - 1, f"({new})({text})"),
            )
        )
    return out


def _open_bracket(f: Facts, i: int) -> int:
    depth = 0
    for j in range(i, -1, -1):
        if f.code[j].text == "]":
            depth += 1
        elif f.code[j].text == "[":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced ]")


MUTATORS = {
    "OOB": oob,
    "INIT": init,
    "SHFT": shft,
    "INF": inf,
    "USE": use,
    "MLU": mlu,
    "ZERO": zero,
    "BUF": buf,
    "OPS": ops,
    "IDX": idx,
    "OBO": obo,
    "TRUNC": trunc,
}
