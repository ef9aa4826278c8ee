"""A small C tokenizer and statement matcher that keep exact character offsets, so mutators
can find code by tokens and edit the original text byte for byte."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest operators first, so `<<=` wins over `<<` and `<`.
_OPERATORS = sorted(
    (  # noqa: SIM905 - one string reads as C
        "<<= >>= ... -> ++ -- << >> <= >= == != && || += -= *= /= %= &= |= ^= "
        "+ - * / % & | ^ ~ ! < > = ? : ; , . ( ) [ ] { }"
    ).split(),
    key=len,
    reverse=True,
)
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n\f\v]+)"
    r"|(?P<comment>/\*.*?\*/|//[^\n]*)"
    r"|(?P<pp>^[ \t]*\#(?:[^\n\\]|\\.)*(?:\\\n(?:[^\n\\]|\\.)*)*)"
    r"|(?P<str>\"(?:[^\"\\\n]|\\.)*\")"
    r"|(?P<chr>'(?:[^'\\\n]|\\.)*')"
    r"|(?P<num>(?:\d|\.\d)(?:[0-9a-zA-Z_.]|[eEpP][+-])*)"
    r"|(?P<id>[A-Za-z_]\w*)"
    r"|(?P<op>" + "|".join(re.escape(o) for o in _OPERATORS) + r")",
    re.S | re.M,
)
KEYWORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "auto break case char const continue default do double else enum extern float for goto "
        "if inline int long register restrict return short signed sizeof static struct switch "
        "typedef union unsigned void volatile while _Bool"
    ).split()
)


@dataclass(frozen=True)
class Token:
    """One token: kind (id, num, op, str, chr, comment, pp), its text, offsets and line."""

    kind: str
    text: str
    start: int
    end: int
    line: int


def tokenize(text: str) -> list[Token]:
    """Every token of `text` but whitespace; a preprocessor line is one `pp` token."""
    out: list[Token] = []
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"line {line}: cannot tokenize {text[pos : pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        # a preprocessor match may include the line's leading indentation
        start = m.end() - len(m.group().lstrip()) if kind == "pp" else m.start()
        if kind != "ws":
            out.append(Token(kind, text[start : m.end()], start, m.end(), line))
        line += text.count("\n", pos, m.end())
        pos = m.end()
    return out


def code_tokens(tokens: list[Token]) -> list[Token]:
    """The tokens the compiler parses: no comments, no preprocessor lines."""
    return [t for t in tokens if t.kind not in ("comment", "pp")]


_OPEN = {"(": ")", "[": "]", "{": "}"}


def match(toks: list[Token], i: int) -> int:
    """Index of the bracket closing the one at `toks[i]`."""
    close, depth = _OPEN[toks[i].text], 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if t == toks[i].text:
            depth += 1
        elif t == close:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError(f"line {toks[i].line}: unbalanced {toks[i].text!r}")


def stmt_end(toks: list[Token], i: int) -> int:
    """Index of the last token of the statement starting at `toks[i]` (code tokens only)."""
    t = toks[i].text
    if t == "{":
        return match(toks, i)
    if t in ("for", "while", "switch"):
        close = match(toks, i + 1)
        return stmt_end(toks, close + 1) if toks[close + 1].text != ";" else close + 1
    if t == "if":
        end = stmt_end(toks, match(toks, i + 1) + 1)
        if end + 1 < len(toks) and toks[end + 1].text == "else":
            end = stmt_end(toks, end + 2)
        return end
    if t == "else":
        return stmt_end(toks, i + 1)
    if t == "do":
        body = stmt_end(toks, i + 1)
        return match(toks, body + 2) + 1  # `while ( ... ) ;`
    if t in ("case", "default"):
        j = i
        while toks[j].text != ":":
            j += 1
        return j
    j = i
    while toks[j].text != ";":
        if toks[j].text in _OPEN:
            j = match(toks, j)
        j += 1
    return j


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_offsets(text: str) -> list[int]:
    """Offset of the first character of each line; index 0 is line 1."""
    out = [0]
    for m in re.finditer("\n", text):
        out.append(m.end())
    return out


def indent_of(text: str, offset: int) -> str:
    """The whitespace that starts the line holding `offset`."""
    s = line_start(text, offset)
    e = s
    while e < len(text) and text[e] in " \t":
        e += 1
    return text[s:e]
