"""Random straight-line kernels that use every pure op, for RTL-versus-interpreter tests."""

from __future__ import annotations

import random

from kiln.ir import BOOL, IntType, Kernel, KernelBuilder, fixed
from kiln.ir.kernel import Value
from kiln.ir.types import Overflow, Rounding, ScalarType

PREDICATES = ["eq", "ne", "lt", "le", "gt", "ge"]
WIDTHS = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70]


def random_type(rng: random.Random, integer: bool = False) -> ScalarType:
    w = rng.choice(WIDTHS)
    signed = rng.random() < 0.6
    if w == 1 and signed and rng.random() < 0.5:
        signed = False
    if integer or rng.random() < 0.4:
        return IntType(w, signed)
    return fixed(
        w, rng.randint(0, w + 3), signed, rng.choice(list(Rounding)), rng.choice(list(Overflow))
    )


def random_kernel(seed: int, n_ops: int = 60) -> Kernel:
    rng = random.Random(seed)
    kb = KernelBuilder(f"rand{seed}", track_locations=False)
    pool: list[Value] = [kb.input(f"in{i}", random_type(rng)) for i in range(4)]
    pool.append(kb.input("flag", BOOL))
    results: list[Value] = []

    def pick() -> Value:
        return rng.choice(pool)

    def as_type(v: Value, t: ScalarType) -> Value:
        return v if v.type == t else kb.cast(v, t)

    def as_uint(v: Value, w: int) -> Value:
        return as_type(v, IntType(w, False))

    for _ in range(n_ops):
        kind = rng.choice(
            [
                "add",
                "sub",
                "mul",
                "neg",
                "cast",
                "div",
                "rem",
                "cmp",
                "logic",
                "not",
                "shl",
                "shr",
                "select",
                "slice",
                "concat",
                "zext",
                "sext",
                "trunc",
                "bitcast",
                "const",
            ]
        )
        rt = random_type(rng)
        if kind in ("add", "sub", "mul"):
            r = kb.op(kind, [pick(), pick()], rt)
        elif kind in ("neg", "cast"):
            r = kb.op(kind, [pick()], rt)
        elif kind in ("div", "rem"):
            ta, tb, ti = (random_type(rng, integer=True) for _ in range(3))
            r = kb.op(kind, [as_type(pick(), ta), as_type(pick(), tb)], ti)
        elif kind == "cmp":
            r = kb.cmp(PREDICATES[len(results) % len(PREDICATES)], pick(), pick())
        elif kind == "logic":
            a = pick()
            r = kb.op(rng.choice(["and", "or", "xor"]), [a, as_type(pick(), a.type)], a.type)
        elif kind == "not":
            r = kb.not_(pick())
        elif kind in ("shl", "shr"):
            a = pick()
            r = kb.op(kind, [a, as_uint(pick(), rng.choice([1, 3, 5, 7]))], a.type)
        elif kind == "select":
            a = pick()
            r = kb.select(as_type(pick(), BOOL), a, as_type(pick(), a.type))
        elif kind == "slice":
            a = pick()
            lo = rng.randrange(a.type.width)
            r = kb.slice(a, rng.randrange(lo, a.type.width), lo)
        elif kind == "concat":
            r = kb.concat(*(pick() for _ in range(rng.randint(1, 3))))
        elif kind in ("zext", "sext"):
            a = pick()
            t = IntType(a.type.width + rng.randint(0, 9), rng.random() < 0.5)
            r = kb.op(kind, [a], t)
        elif kind == "trunc":
            a = pick()
            r = kb.trunc(a, IntType(rng.randint(1, a.type.width), rng.random() < 0.5))
        elif kind == "bitcast":
            a = pick()
            r = kb.bitcast(a, fixed(a.type.width, rng.randint(0, 4), rng.random() < 0.5))
        else:
            r = kb.const(rng.randint(rt.min_raw, rt.max_raw), rt)
        pool.append(r)
        results.append(r)
    for n, r in enumerate(results):
        kb.write(kb.output(f"out{n}", r.type), r)
    return kb.build()
