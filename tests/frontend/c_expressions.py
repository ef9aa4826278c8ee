"""Random C expressions over every integer type, with their own small model of C's typing
rules (kept apart from the frontend's) so each generated expression is free of undefined
behaviour under gcc -fwrapv: divisors are positive and shift counts stay below the width."""

from __future__ import annotations

import random
from dataclasses import dataclass

# (C spelling, width, signed)
TYPES = [
    ("int8_t", 8, True),
    ("uint8_t", 8, False),
    ("int16_t", 16, True),
    ("uint16_t", 16, False),
    ("int32_t", 32, True),
    ("uint32_t", 32, False),
    ("int64_t", 64, True),
    ("uint64_t", 64, False),
    ("char", 8, True),
    ("unsigned char", 8, False),
    ("short", 16, True),
    ("unsigned short", 16, False),
    ("int", 32, True),
    ("unsigned", 32, False),
    ("long", 64, True),
    ("unsigned long", 64, False),
    ("long long", 64, True),
    ("unsigned long long", 64, False),
    ("_Bool", 1, False),
]


@dataclass(frozen=True)
class T:
    width: int
    signed: bool


INT = T(32, True)


def promote(t: T) -> T:
    return INT if t.width < 32 else t


def common(a: T, b: T) -> T:
    a, b = promote(a), promote(b)
    if a == b:
        return a
    if a.signed == b.signed:
        return a if a.width > b.width else b
    uns, sig = (a, b) if not a.signed else (b, a)
    return uns if uns.width >= sig.width else sig


def _literal(rng: random.Random) -> tuple[str, T]:
    choice = rng.randrange(7)
    if choice == 0:
        return str(rng.randrange(0, 100)), INT
    if choice == 1:
        return "0x7fffffff", INT
    if choice == 2:
        return "4294967295u", T(32, False)
    if choice == 3:
        return f"{rng.randrange(1, 1 << 40)}L", T(64, True)
    if choice == 4:
        return "0xffffffffffffffffUL", T(64, False)
    if choice == 5:
        return "'A'", INT
    return f"{rng.randrange(0, 1 << 16):#x}", INT


class ExprGen:
    def __init__(self, rng: random.Random, variables: list[tuple[str, T]]):
        self.rng = rng
        self.vars = variables

    def expr(self, depth: int) -> tuple[str, T]:
        r = self.rng
        if depth <= 0 or r.random() < 0.2:
            if r.random() < 0.75:
                return r.choice(self.vars)
            return _literal(r)
        kind = r.randrange(10)
        if kind == 0:
            e, t = self.expr(depth - 1)
            op = r.choice(["-", "~", "!", "+"])
            return f"({op}{e})", (INT if op == "!" else promote(t))
        if kind == 1:
            name, width, signed = r.choice(TYPES)
            e, _ = self.expr(depth - 1)
            return f"(({name})({e}))", T(width, signed)
        if kind == 2:
            a, ta = self.expr(depth - 1)
            b, tb = self.expr(depth - 1)
            t = common(ta, tb)
            op = r.choice(["/", "%"])
            return f"(({a}) {op} ((({b}) & 0x7f) + 1))", t
        if kind == 3:
            a, ta = self.expr(depth - 1)
            b, _ = self.expr(depth - 1)
            t = promote(ta)
            op = r.choice(["<<", ">>"])
            return f"(({a}) {op} (({b}) & {t.width - 1}))", t
        if kind == 4:
            c, _ = self.expr(depth - 1)
            a, ta = self.expr(depth - 1)
            b, tb = self.expr(depth - 1)
            return f"(({c}) ? ({a}) : ({b}))", common(ta, tb)
        a, ta = self.expr(depth - 1)
        b, tb = self.expr(depth - 1)
        op = r.choice(["+", "-", "*", "&", "|", "^", "<", "<=", ">", ">=", "==", "!=", "&&", "||"])
        if op in ("<", "<=", ">", ">=", "==", "!=", "&&", "||"):
            return f"(({a}) {op} ({b}))", INT
        return f"(({a}) {op} ({b}))", common(ta, tb)


def _corner(rng: random.Random) -> int:
    """A 64-bit pattern biased to the values where C's conversions differ."""
    return rng.choice(
        [
            0,
            1,
            2,
            0x7F,
            0x80,
            0xFF,
            0x7FFF,
            0x8000,
            0xFFFF,
            0x7FFFFFFF,
            0x80000000,
            0xFFFFFFFF,
            0x7FFFFFFFFFFFFFFF,
            0x8000000000000000,
            0xFFFFFFFFFFFFFFFF,
            rng.getrandbits(8),
            rng.getrandbits(16),
            rng.getrandbits(32),
            rng.getrandbits(64),
            (1 << 64) - rng.getrandbits(8) - 1,
        ]
    )


def program(seed: int, n_exprs: int = 200, n_vars: int = 12, n_calls: int = 12) -> str:
    """A C file: kernel `exprs` computing `n_exprs` random expressions into out[], and a
    main() calling it on `n_calls` corner-biased input sets."""
    rng = random.Random(seed)
    params = []
    variables = []
    for k in range(n_vars):
        name, width, signed = rng.choice(TYPES)
        params.append((f"v{k}", name))
        variables.append((f"v{k}", T(width, signed)))
    gen = ExprGen(rng, variables)
    body = [
        f"    out[{i}] = (uint64_t)({gen.expr(rng.randrange(1, 5))[0]});" for i in range(n_exprs)
    ]
    sig = ", ".join(f"{t} {n}" for n, t in params)
    rows = ",\n".join(
        "    {" + ", ".join(f"{_corner(rng):#x}ULL" for _ in params) + "}" for _ in range(n_calls)
    )
    args = ", ".join(f"({t})inputs[r][{k}]" for k, (_, t) in enumerate(params))
    return f"""/* Generated by tests/frontend/c_expressions.py, seed {seed}. */
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

void exprs({sig}, uint64_t out[{n_exprs}])
{{
{chr(10).join(body)}
}}

static const unsigned long long inputs[{n_calls}][{n_vars}] = {{
{rows}
}};

int main(void)
{{
    uint64_t out[{n_exprs}];
    uint64_t sum = 0;
    for (int r = 0; r < {n_calls}; r++) {{
        exprs({args}, out);
        for (int i = 0; i < {n_exprs}; i++) sum = sum * 31u + out[i];
    }}
    printf("checksum: %016llx\\n", (unsigned long long)sum);
    return 0;
}}
"""
