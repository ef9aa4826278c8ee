"""Array indices as affine forms, and the loop-carried dependence test built on them.

An index is written as const + sum(coef * symbol), where the symbols are values defined
outside the region (the loop's induction variable among them). Anything else is unknown,
and unknown indices may alias anything: the tests below only ever prove independence or
an exact distance, and otherwise answer conservatively.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln.ir.kernel import Op, Value


@dataclass(frozen=True)
class Affine:
    const: int
    terms: tuple[tuple[int, int], ...]  # (id(symbol value), coef), sorted, no zero coefs

    def coef(self, sym: int) -> int:
        return dict(self.terms).get(sym, 0)

    def without(self, sym: int) -> tuple[tuple[int, int], ...]:
        return tuple(t for t in self.terms if t[0] != sym)


def _combine(a: Affine, b: Affine, sign: int) -> Affine:
    terms = dict(a.terms)
    for s, c in b.terms:
        terms[s] = terms.get(s, 0) + sign * c
    return Affine(a.const + sign * b.const, tuple(sorted((s, c) for s, c in terms.items() if c)))


def _scale(a: Affine, k: int) -> Affine:
    if k == 0:
        return Affine(0, ())
    return Affine(a.const * k, tuple((s, c * k) for s, c in a.terms))


class AffineForms:
    """Affine forms of the values of one region, computed on demand from their producers."""

    def __init__(
        self, producers: dict[int, Op], const_value, outside: dict[int, int] | None = None
    ):
        self.producers = producers  # id(value) -> the region op that defines it
        self.const_value = const_value  # Op -> int for const ops (signed value)
        self.outside = outside or {}  # id(value) -> value of constants from outside the region
        self.memo: dict[int, Affine | None] = {}

    def of(self, v: Value) -> Affine | None:
        key = id(v)
        if key not in self.memo:
            self.memo[key] = self._compute(v)
        return self.memo[key]

    def _compute(self, v: Value) -> Affine | None:
        op = self.producers.get(id(v))
        if op is None:
            if id(v) in self.outside:
                return Affine(self.outside[id(v)], ())
            return Affine(0, ((id(v), 1),))  # defined outside the region: a symbol
        code, args = op.opcode, op.operands
        if code == "const":
            return Affine(self.const_value(op), ())
        if code in ("zext", "sext", "trunc", "cast", "bitcast"):
            return self.of(args[0])
        if code in ("add", "sub"):
            a, b = self.of(args[0]), self.of(args[1])
            return None if a is None or b is None else _combine(a, b, 1 if code == "add" else -1)
        if code == "neg":
            a = self.of(args[0])
            return None if a is None else _scale(a, -1)
        if code == "mul":
            a, b = self.of(args[0]), self.of(args[1])
            if a is None or b is None:
                return None
            if not b.terms:
                return _scale(a, b.const)
            if not a.terms:
                return _scale(b, a.const)
            return None
        if code == "shl":
            a, b = self.of(args[0]), self.of(args[1])
            if a is None or b is None or b.terms or not 0 <= b.const < 63:
                return None
            return _scale(a, 1 << b.const)
        return None


def never_equal(xs: list[Affine | None], ys: list[Affine | None]) -> bool:
    """True when the two index tuples differ for sure in the same iteration."""
    for x, y in zip(xs, ys, strict=True):
        if x is not None and y is not None:
            d = _combine(x, y, -1)
            if not d.terms and d.const != 0:
                return True
    return False


def carried_distance(
    xs: list[Affine | None], ys: list[Affine | None], var: int | None, step: int
) -> int | None:
    """The smallest d >= 1 with index x in iteration i equal to index y in iteration i+d,
    1 when it cannot be decided, or None when no such d exists."""
    allowed: set[int] | None = None  # None: any d allowed so far
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            continue
        d = _combine(x, y, -1)
        if not d.terms and d.const != 0 and (var is None or x.coef(var) == 0):
            return None  # a loop-invariant difference: never the same element
        if (
            var is None
            or step == 0
            or x.without(var) != y.without(var)
            or x.coef(var) != y.coef(var)
        ):
            continue  # undecided in this dimension
        c, delta = y.coef(var), x.const - y.const  # need c * step * d == delta
        if c == 0:
            if delta != 0:
                return None
            continue
        if delta % (c * step) != 0 or delta // (c * step) < 1:
            return None
        dist = delta // (c * step)
        if allowed is not None and dist not in allowed:
            return None
        allowed = {dist}
    if allowed is not None:
        return min(allowed)
    return 1
