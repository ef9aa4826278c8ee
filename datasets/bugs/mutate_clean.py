"""Semantics-preserving rewrites (type CLEAN): a consistent local rename, `i++`/`++i`/`i += 1`
in a for-increment, `x = x + y` <-> `x += y`, and a swap of two independent adjacent
statements. They give the dataset bug-free samples that differ from the golden text."""

from __future__ import annotations

import re

from kiln.datasets.bugs import ctext
from kiln.datasets.bugs.model import Edit, Mutation
from kiln.datasets.bugs.mutate_facts import Facts
from kiln.datasets.bugs.mutate_query import (
    body_tokens,
    header_tokens,
    incr_span,
    operand_after,
    span_text,
)


def _rep(f: Facts, a: int, b: int, text: str) -> Edit:
    return Edit(f.code[a].start, f.code[b].end, text)


def increments(f: Facts) -> list[Mutation]:
    out = []
    for lp in f.loops:
        inc = incr_span(f, lp)
        if inc is None or lp.counter is None:
            continue
        a, b = inc
        text, c = span_text(f, a, b), lp.counter
        forms = {f"{c}++", f"++{c}", f"{c} += 1"}
        if text.replace(" ", "") not in {x.replace(" ", "") for x in forms}:
            continue
        for new in sorted(forms):
            if new.replace(" ", "") != text.replace(" ", ""):
                out.append(Mutation("CLEAN", (_rep(f, a, b, new),), f"`{text}` written `{new}`"))
    return out


_COMPOUND = ("+", "-", "*", "&", "|", "^", "<<", ">>")


def compound(f: Facts) -> list[Mutation]:
    out, code, heads = [], f.code, header_tokens(f)
    for i in body_tokens(f):
        t = code[i].text
        if i in heads or code[i - 1].text not in (";", "{", "}", ")", ":", "else"):
            continue
        if code[i].kind != "id" or t in ctext.KEYWORDS or t in f.typedefs:
            continue
        lhs_end = operand_after(f, i)
        if lhs_end is None:
            continue
        op = lhs_end + 1
        lhs = span_text(f, i, lhs_end)
        n = lhs_end - i + 1
        if code[op].text == "=":
            same = [c.text for c in code[op + 1 : op + 1 + n]] == [
                c.text for c in code[i : lhs_end + 1]
            ]
            o = op + 1 + n
            if not same or code[o].text not in _COMPOUND:
                continue
            y_end = operand_after(f, o + 1)
            if y_end is None or code[y_end + 1].text != ";":
                continue
            y = span_text(f, o + 1, y_end)
            new = f"{lhs} {code[o].text}= {y}"
            note = f"`{lhs} = {lhs} {code[o].text} {y}` written `{new}`"
            out.append(Mutation("CLEAN", (_rep(f, i, y_end, new),), note))
        elif code[op].text[:-1] in _COMPOUND and code[op].text.endswith("="):
            end = op + 1
            while code[end].text != ";":
                end = ctext.match(code, end) if code[end].text in "([{" else end
                end += 1
            y = span_text(f, op + 1, end - 1)
            y = y if end - 1 == op + 1 else f"({y})"
            new = f"{lhs} = {lhs} {code[op].text[:-1]} {y}"
            note = f"`{span_text(f, i, end - 1)}` written `{new}`"
            out.append(Mutation("CLEAN", (_rep(f, i, end - 1, new),), note))
    return out


def renames(f: Facts) -> list[Mutation]:
    out = []
    words = {t.text for t in f.tokens if t.kind == "id"}
    pp_text = " ".join(t.text for t in f.tokens if t.kind == "pp")
    for v in f.vars:
        if v.kind != "local" or v.func is None or re.search(rf"\b{v.name}\b", pp_text):
            continue
        fn = f.funcs[v.func]
        new = next(n for k in range(100) if (n := f"{v.name}_{k or 'r'}") not in words)
        edits = tuple(
            Edit(t.start, t.end, new)
            for j, t in enumerate(f.code[fn.first : fn.close + 1], fn.first)
            if t.kind == "id" and t.text == v.name and f.code[j - 1].text not in (".", "->")
        )
        if any(v.name == p for p in fn.params):
            continue
        out.append(Mutation("CLEAN", edits, f"local `{v.name}` renamed `{new}`"))
    return out


_CONTROL = {
    "for",
    "while",
    "do",
    "if",
    "else",
    "switch",
    "case",
    "default",
    "return",
    "break",
    "continue",
    "goto",
}


def _simple(f: Facts, a: int, b: int) -> bool:
    code = f.code
    if code[a].text in _CONTROL or code[a].text == "{" or code[b].text != ";":
        return False
    for k in range(a, b):  # no calls: they may touch anything
        if code[k].kind == "id" and code[k + 1].text == "(" and code[k].text not in ctext.KEYWORDS:
            return False
    return code[a].line == code[b].line


def _writes(f: Facts, a: int, b: int) -> set[str]:
    code, out = f.code, set()
    decl = code[a].text in ctext.KEYWORDS or code[a].text in f.typedefs
    for k in range(a, b + 1):
        t = code[k].text
        if t in ("=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--"):
            j = k - 1
            while j >= a and code[j].text in ("]", ")"):
                j = ctext_open(code, j) - 1
            if j >= a and code[j].kind == "id":
                out.add(code[j].text)
            if t in ("++", "--") and k + 1 <= b and code[k + 1].kind == "id":
                out.add(code[k + 1].text)
    if decl:
        out |= {v.name for v in f.vars if a <= v.tok <= b}
    return out


def ctext_open(code, i: int) -> int:
    close, opener = code[i].text, {")": "(", "]": "["}[code[i].text]
    depth = 0
    for j in range(i, -1, -1):
        if code[j].text == close:
            depth += 1
        elif code[j].text == opener:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced")


def swaps(f: Facts) -> list[Mutation]:
    out, code, text = [], f.code, f.src.text
    blocks = [fn.open for fn in f.funcs.values()] + [lp.body[0] for lp in f.loops if lp.braced]
    for open_ in blocks:
        close, i, stmts = ctext.match(code, open_), open_ + 1, []
        while i < close:
            end = ctext.stmt_end(code, i)
            stmts.append((i, end))
            i = end + 1
        for (a1, b1), (a2, b2) in zip(stmts, stmts[1:], strict=False):
            if not (_simple(f, a1, b1) and _simple(f, a2, b2)):
                continue
            if code[a2].line != code[b1].line + 1:
                continue
            between = [t for t in f.tokens if code[b1].end <= t.start < code[a2].start]
            if between:
                continue
            ids1 = {code[k].text for k in range(a1, b1 + 1) if code[k].kind == "id"}
            ids2 = {code[k].text for k in range(a2, b2 + 1) if code[k].kind == "id"}
            if _writes(f, a1, b1) & ids2 or _writes(f, a2, b2) & ids1:
                continue
            s1 = text[code[a1].start : code[b1].end]
            s2 = text[code[a2].start : code[b2].end]
            gap = text[code[b1].end : code[a2].start]
            edit = Edit(code[a1].start, code[b2].end, s2 + gap + s1)
            out.append(Mutation("CLEAN", (edit,), f"swapped `{s1}` and `{s2}`"))
    return out


def rewrites(f: Facts) -> list[Mutation]:
    return [*increments(f), *compound(f), *renames(f), *swaps(f)]
