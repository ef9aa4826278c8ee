"""Integer constant expressions (array sizes, case labels, enum values), evaluated as C does."""

from __future__ import annotations

from collections.abc import Callable

from pycparser import c_ast

from kiln.base.errors import CFrontendError
from kiln.frontend.c.c_types import INT, common_type, integer_constant_type, promote
from kiln.frontend.c.parse import loc_of
from kiln.ir.semantics import c_div, wrap
from kiln.ir.types import IntType, ScalarType

_ESCAPES = {
    "n": 10,
    "t": 9,
    "r": 13,
    "0": 0,
    "\\": 92,
    "'": 39,
    '"': 34,
    "a": 7,
    "b": 8,
    "f": 12,
    "v": 11,
    "?": 63,
}


def char_value(text: str, node) -> int:
    """The int value of a character constant like 'a' or '\\n' (plain char is signed)."""
    body = text[1:-1]
    if body.startswith("\\"):
        rest = body[1:]
        if rest[:1] == "x":
            v = int(rest[1:], 16)
        elif rest[:1].isdigit():
            v = int(rest, 8)
        elif rest in _ESCAPES:
            v = _ESCAPES[rest]
        else:
            raise CFrontendError(f"unknown escape in character constant {text}", loc_of(node))
    elif len(body) == 1:
        v = ord(body)
    else:
        raise CFrontendError(
            f"character constant {text} is not one character",
            loc_of(node),
            "multi-character constants are implementation-defined; use a number",
        )
    return v - 256 if v >= 128 else v


def int_literal(text: str, node) -> tuple[int, ScalarType]:
    """The value and C type of an integer literal such as 0x1fUL or 017."""
    body = text.rstrip("uUlL")
    suffix = text[len(body) :]
    if body.lower().startswith("0x"):
        value, decimal = int(body, 16), False
    elif body.lower().startswith("0b"):
        value, decimal = int(body, 2), False
    elif len(body) > 1 and body.startswith("0"):
        value, decimal = int(body, 8), False
    else:
        value, decimal = int(body), True
    t = integer_constant_type(value, suffix, decimal)
    if t is None:
        raise CFrontendError(f"integer constant {text} is too large for any C type", loc_of(node))
    return value, t


def const_eval(
    node, lookup: Callable[[str], tuple[int, ScalarType] | None]
) -> tuple[int, ScalarType] | None:
    """(value, type) of an integer constant expression, or None when it is not one.
    `lookup` resolves identifiers (enum constants, const globals)."""
    if isinstance(node, c_ast.Constant):
        if node.type == "char" or node.value.startswith("'"):
            return char_value(node.value, node), INT
        if node.type in (
            "int",
            "unsigned int",
            "long int",
            "unsigned long int",
            "long long int",
            "unsigned long long int",
        ):
            return int_literal(node.value, node)
        return None
    if isinstance(node, c_ast.ID):
        return lookup(node.name)
    if isinstance(node, c_ast.UnaryOp):
        if node.op == "sizeof":
            return None  # handled by the lowering, which knows types
        inner = const_eval(node.expr, lookup)
        if inner is None:
            return None
        v, t = inner
        t = promote(t)
        ops = {"-": lambda: -v, "+": lambda: v, "~": lambda: ~v, "!": lambda: int(v == 0)}
        if node.op not in ops:
            return None
        return (ops[node.op](), INT) if node.op == "!" else (wrap(ops[node.op](), t), t)
    if isinstance(node, c_ast.BinaryOp):
        a = const_eval(node.left, lookup)
        if a is None:
            return None
        if node.op in ("&&", "||"):
            if (node.op == "&&") != bool(a[0]):
                return int(bool(a[0])), INT
            b = const_eval(node.right, lookup)
            return None if b is None else (int(bool(b[0])), INT)
        b = const_eval(node.right, lookup)
        if b is None:
            return None
        return _binary(node.op, a, b)
    if isinstance(node, c_ast.TernaryOp):
        c = const_eval(node.cond, lookup)
        if c is None:
            return None
        return const_eval(node.iftrue if c[0] else node.iffalse, lookup)
    return None


def _binary(op: str, a, b):
    (x, tx), (y, ty) = a, b
    if not (isinstance(tx, IntType) and isinstance(ty, IntType)):
        return None
    if op in ("<<", ">>"):
        t = promote(tx)
        if y < 0 or y >= t.width:
            return None
        return wrap(x << y if op == "<<" else x >> y, t), t
    t = common_type(tx, ty)
    x, y = wrap(x, t), wrap(y, t)
    compare = {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "==": x == y, "!=": x != y}
    if op in compare:
        return int(compare[op]), INT
    if op in ("/", "%") and y == 0:
        return None
    results = {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y}
    if op == "/":
        return wrap(c_div(x, y), t), t
    if op == "%":
        return wrap(x - y * c_div(x, y), t), t
    if op in results:
        return wrap(results[op], t), t
    return None
