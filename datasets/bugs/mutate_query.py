"""Token-level questions the mutators ask of an analysed kernel: where its bodies, loop
headers and declarations are, its array accesses, a loop's condition and increment, where
a pragma line may go, and where an operand starts and ends."""

from __future__ import annotations

from dataclasses import dataclass

from kiln.datasets.bugs import ctext
from kiln.datasets.bugs.ctext import Token
from kiln.datasets.bugs.mutate_facts import TYPE_WORDS, Facts, Loop


@dataclass(frozen=True)
class Access:
    """`name[...]...` in a kernel body: the name's token and each index's bracket pair."""

    name: str
    func: str
    tok: int
    groups: tuple[tuple[int, int], ...]
    write: bool  # assigned to (=, op=, ++, --)


def body_tokens(f: Facts) -> list[int]:
    """Indices of the code tokens inside kernel function bodies, in order."""
    return [i for fn in f.funcs.values() for i in range(fn.open + 1, fn.close)]


def header_tokens(f: Facts) -> set[int]:
    """Tokens of for/while headers (loop control, left to the loop mutators)."""
    out: set[int] = set()
    for lp in f.loops:
        out.update(range(lp.header[0], lp.header[1] + 1))
    return out


def decl_tokens(f: Facts) -> set[int]:
    """Tokens that declare rather than compute: type words, names and array sizes."""
    out: set[int] = set()
    for v in f.vars:
        out.update(range(v.type_span[0], v.type_span[1] + 1))
        out.add(v.tok)
        j = v.tok + 1
        while j < len(f.code) and f.code[j].text == "[":
            k = ctext.match(f.code, j)
            out.update(range(j, k + 1))
            j = k + 1
    return out


_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}


def accesses(f: Facts) -> list[Access]:
    """Every subscripted use of a kernel array inside the kernel bodies."""
    code, out = f.code, []
    decls = {v.tok for v in f.vars}
    for i in body_tokens(f):
        t = code[i]
        if t.kind != "id" or code[i + 1].text != "[" or i in decls:
            continue
        fn = f.func_at(i)
        v = f.var(t.text, fn.name if fn else None)
        if v is None or not v.is_array or (i > 0 and code[i - 1].text in (".", "->")):
            continue
        groups, j = [], i + 1
        while code[j].text == "[":
            k = ctext.match(code, j)
            groups.append((j, k))
            j = k + 1
        after = code[j].text
        write = after in _ASSIGN or after in ("++", "--") or code[i - 1].text in ("++", "--")
        out.append(Access(t.text, fn.name if fn else "", i, tuple(groups), write))
    return out


def loop_counters_around(f: Facts, i: int) -> list[str]:
    """Counters of the for-loops enclosing code token i, outermost first."""
    return [f.loops[k].counter for k in f.loops_around(i) if f.loops[k].counter]  # type: ignore[misc]


def cond_parts(f: Facts, lp: Loop) -> tuple[int, int, int] | None:
    """(counter token, relational operator token, last bound token) of `i OP bound` in a for
    header, or None when the condition has another shape."""
    if lp.semis is None or lp.counter is None:
        return None
    a, b = lp.semis[0] + 1, lp.semis[1] - 1
    code = f.code
    if b - a < 2 or code[a].text != lp.counter:
        return None
    if code[a + 1].text not in ("<", "<=", ">", ">=", "!="):
        return None
    if any(code[k].text in ("&&", "||", "?", ",") for k in range(a, b + 1)):
        return None
    return a, a + 1, b


def init_value_tok(f: Facts, lp: Loop) -> int | None:
    """The token of a for-loop's start value when it is one literal (`i = 0`)."""
    if lp.semis is None:
        return None
    a, b = lp.header[0] + 1, lp.semis[0]
    if b - a >= 3 and f.code[b - 2].text == "=" and f.code[b - 1].kind == "num":
        return b - 1
    return None


def incr_span(f: Facts, lp: Loop) -> tuple[int, int] | None:
    """First and last token of a for-loop's increment expression."""
    if lp.semis is None or lp.semis[1] + 1 > lp.header[1] - 1:
        return None
    return lp.semis[1] + 1, lp.header[1] - 1


def first_body_line_offset(f: Facts, open_tok: int) -> int | None:
    """Offset of the start of the line after the `{` at code[open_tok], where a pragma for
    that block goes; None when the block's first token shares the brace's line."""
    brace = f.code[open_tok]
    nxt = next((t for t in f.tokens if t.start > brace.start), None)
    if nxt is None or nxt.line == brace.line:
        return None
    return ctext.line_start(f.src.text, nxt.start)


def offset_after_stmt(f: Facts, i: int) -> int | None:
    """Start of the line after the statement holding code token i (a declaration)."""
    j = i
    while f.code[j].text != ";":
        if f.code[j].text in ("(", "[", "{"):
            j = ctext.match(f.code, j)
        j += 1
    semi = f.code[j]
    nxt = next((t for t in f.tokens if t.start > semi.start), None)
    if nxt is None or nxt.line == semi.line:
        return None
    return ctext.line_start(f.src.text, nxt.start)


def is_operand_end(f: Facts, i: int) -> bool:
    """Whether code token i ends an operand, so that an operator after it is binary."""
    t = f.code[i]
    if t.kind in ("num", "chr", "str"):
        return True
    if t.kind == "id":
        return t.text not in ctext.KEYWORDS and t.text not in f.typedefs
    if t.text == "]":
        return True
    if t.text == ")":
        o = _open_of(f.code, i)
        inner = f.code[o + 1 : i]
        is_cast = bool(inner) and all(
            c.text in TYPE_WORDS or c.text in f.typedefs or c.text == "*" for c in inner
        )
        before = f.code[o - 1] if o > 0 else None
        return not is_cast and not (before is not None and before.text in ("sizeof",))
    return False


def _open_of(code: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, -1, -1):
        if code[j].text == ")":
            depth += 1
        elif code[j].text == "(":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced )")


def operand_after(f: Facts, i: int) -> int | None:
    """Last token of the primary expression starting at code token i (a name with its
    subscripts, a number or a parenthesized group), or None for anything longer."""
    code = f.code
    t = code[i]
    if t.text == "(":
        j = ctext.match(code, i)
    elif t.kind in ("num", "chr"):
        j = i
    elif t.kind == "id" and t.text not in ctext.KEYWORDS:
        j = i
        while code[j + 1].text in ("[", ".", "->"):
            j = ctext.match(code, j + 1) if code[j + 1].text == "[" else j + 2
        if code[j + 1].text == "(":
            return None
    else:
        return None
    if code[j + 1].text in ("[", "(", ".", "->", "++", "--"):
        return None
    return j


def span_text(f: Facts, a: int, b: int) -> str:
    return f.src.text[f.code[a].start : f.code[b].end]
