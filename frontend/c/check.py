"""Replay the calls the gcc golden model recorded through the IR interpreter, bit for bit."""

from __future__ import annotations

from dataclasses import dataclass

from kiln.errors import GoldenError, InterpretError
from kiln.frontend.c.golden import GoldenRun
from kiln.frontend.c.lower import CKernel
from kiln.ir.interpreter import interpret
from kiln.ir.kernel import Direction
from kiln.ir.types import ArrayType


@dataclass
class ReplayReport:
    calls: int
    values_compared: int

    def summary(self) -> str:
        return (
            f"IR interpreter == gcc on {self.calls} call(s), "
            f"{self.values_compared} output value(s) compared bit for bit"
        )


def replay(ck: CKernel, golden: GoldenRun) -> ReplayReport:
    """Run each recorded call through the interpreter (static state carried from call to
    call, as in C) and compare every output; GoldenError at the first difference."""
    k = ck.kernel
    state: dict[str, list[int]] = {}
    compared = 0
    for n, call in enumerate(golden.calls, 1):
        inputs = {}
        for p in k.params:
            recorded = call.inputs.get(p.name)
            if recorded is None:
                continue
            inputs[p.name] = recorded if isinstance(p.type, ArrayType) else recorded[0]
        try:
            got = interpret(k, inputs, state=state)
        except InterpretError as err:
            raise GoldenError(
                f"call {n} of '{ck.top}': the IR interpreter stopped: {err.message}",
                err.loc,
                err.hint,
            ) from None
        for p in k.params:
            if p.direction is Direction.IN:
                continue
            want = call.outputs.get(p.name)
            if want is None:
                raise GoldenError(f"the golden run recorded no output '{p.name}'", k.loc)
            mine = got[p.name]
            mine = mine if isinstance(mine, list) else [mine]
            for idx, (a, b) in enumerate(zip(mine, want, strict=True)):
                if a != b:
                    where = f"[{_index(idx, p.type)}]" if isinstance(p.type, ArrayType) else ""
                    raise GoldenError(
                        f"call {n} of '{ck.top}': output {p.name}{where} is {a} in the IR "
                        f"interpreter but {b} under gcc",
                        p.place,
                        "a frontend bug, or undefined behaviour in the C code (run with "
                        "the sanitizers)",
                    )
            compared += len(want)
    return ReplayReport(len(golden.calls), compared)


def _index(flat: int, t: ArrayType) -> str:
    out = []
    for d in reversed(t.shape):
        out.append(flat % d)
        flat //= d
    return "][".join(str(i) for i in reversed(out))
