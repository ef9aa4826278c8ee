"""Calls of a kernel: the raw value of every port before and after one run, recorded by the
C golden model or drawn at random and computed by the interpreter.

Co-simulation replays a list of calls on the RTL and compares every output bit for bit, so
whichever reference made them (gcc or the interpreter), the harness is the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from kiln.base.errors import InterpretError
from kiln.ir.interpreter import interpret
from kiln.ir.kernel import Direction, Kernel
from kiln.ir.types import ArrayType, FloatType, ScalarType


@dataclass
class Call:
    """One call of a kernel: raw values of every port before and after, as flat lists."""

    inputs: dict[str, list[int]] = field(default_factory=dict)
    outputs: dict[str, list[int]] = field(default_factory=dict)


def random_raw(t: ScalarType, rng: random.Random) -> int:
    """A raw value of `t`: a corner (min, max, 0, +-1, powers of two) a third of the time."""
    if rng.random() < 1 / 3:
        corners = [t.min_raw, t.max_raw, 0, 1, t.min_raw + 1, t.max_raw - 1]
        if t.signed:
            corners.append(-1)
        corners.append(1 << rng.randrange(t.width - (1 if t.signed else 0) or 1))
        return min(max(rng.choice(corners), t.min_raw), t.max_raw)
    return rng.randint(t.min_raw, t.max_raw)


def draw_input(kernel: Kernel, p, rng: random.Random) -> list[int] | None:
    """Random raw contents of parameter `p` before a call (None for an out scalar). An out
    array starts with what its memory holds: random words, which the interpreter keeps
    where the kernel writes nothing."""
    if p.direction is Direction.OUT and not isinstance(p.type, ArrayType):
        return None
    elem = p.type.elem if isinstance(p.type, ArrayType) else p.type
    if isinstance(elem, FloatType):
        raise InterpretError(
            f"kernel @{kernel.name}: parameter {p.name} is {elem}; random calls "
            "are drawn for integer and fixed-point ports only",
            kernel.loc,
            "floating point has no hardware units yet",
        )
    n = p.type.size if isinstance(p.type, ArrayType) else 1
    return [random_raw(elem, rng) for _ in range(n)]


def random_calls(kernel: Kernel, count: int, seed: int = 0) -> list[Call]:
    """`count` calls with random inputs (corners included), each computed by the
    interpreter; `static` storage carries over from one call to the next, as in hardware."""
    rng = random.Random(seed)
    state: dict[str, list[int]] = {}
    calls = []
    for _ in range(count):
        call = Call()
        for p in kernel.params:
            drawn = draw_input(kernel, p, rng)
            if drawn is not None:
                call.inputs[p.name] = drawn
        given = {
            name: values if isinstance(kernel.param(name).type, ArrayType) else values[0]
            for name, values in call.inputs.items()
        }
        for name, value in interpret(kernel, given, state=state).items():
            call.outputs[name] = list(value) if isinstance(value, list) else [value]
        calls.append(call)
    return calls


@dataclass(frozen=True)
class Feed:
    """Kernel `dst`'s array parameter `dst_array` reads what kernel `src` left in its array
    `src_array`: one memory between them, which the later kernel sees after the earlier
    one has finished (kernels run one after another, in order)."""

    src: int  # kernel index
    src_array: str
    dst: int
    dst_array: str


def chain_calls(
    kernels: list[Kernel], feeds: list[Feed], names: dict[tuple[int, str], str], count: int,
    seed: int = 0,
) -> list[Call]:  # fmt: skip
    """`count` calls of kernels run in order with `feeds` between them, computed by the
    interpreter. `names` gives the design's name of each (kernel, parameter) that is not an
    end of a feed; a call's inputs and outputs are keyed by those names. A feed's memory
    starts as zeros and keeps its words from one call to the next, as a RAM does."""
    rng = random.Random(seed)
    states: list[dict[str, list[int]]] = [{} for _ in kernels]
    memory: dict[tuple[int, str], list[int]] = {}
    for f in feeds:
        size = kernels[f.src].param(f.src_array).type.size
        memory[(f.src, f.src_array)] = [0] * size
    shared = {(f.dst, f.dst_array): (f.src, f.src_array) for f in feeds}
    shared.update({key: key for key in memory})
    calls = []
    for _ in range(count):
        call = Call()
        for (k, pname), name in names.items():
            drawn = draw_input(kernels[k], kernels[k].param(pname), rng)
            if drawn is not None:
                call.inputs[name] = drawn
        for k, kernel in enumerate(kernels):
            given: dict[str, int | list[int]] = {}
            for p in kernel.params:
                if (k, p.name) in shared:
                    given[p.name] = list(memory[shared[(k, p.name)]])
                elif names.get((k, p.name)) in call.inputs:
                    values = call.inputs[names[(k, p.name)]]
                    given[p.name] = values if isinstance(p.type, ArrayType) else values[0]
            for pname, value in interpret(kernel, given, state=states[k]).items():
                if (k, pname) in shared:
                    memory[shared[(k, pname)]] = list(value)
                else:
                    call.outputs[names[(k, pname)]] = (
                        list(value) if isinstance(value, list) else [value]
                    )
        calls.append(call)
    return calls
