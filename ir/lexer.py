"""Tokens of the IR text form, each with its line and column for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiln.base.errors import IRParseError, SourceLoc

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r]+|//[^\n]*)
  | (?P<nl>\n)
  | (?P<value>%[A-Za-z0-9_.]+)
  | (?P<symbol>@[A-Za-z0-9_.]+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<int>-?(?:0x[0-9a-fA-F]+|[0-9]+))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(){}\[\],:=<>])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # value, symbol, string, int, ident, punct, eof
    text: str
    line: int
    col: int


def tokenize(text: str, filename: str) -> list[Token]:
    tokens: list[Token] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        col = pos - line_start + 1
        if m is None:
            raise IRParseError(
                f"unexpected character {text[pos]!r}",
                SourceLoc(filename, line, col),
                hint="IR names start with % (values) or @ (kernels, arrays, variables)",
            )
        kind = m.lastgroup
        if kind == "nl":
            line += 1
            line_start = m.end()
        elif kind != "ws":
            tokens.append(Token(kind, m.group(), line, col))
        pos = m.end()
    tokens.append(Token("eof", "", line, pos - line_start + 1))
    return tokens
