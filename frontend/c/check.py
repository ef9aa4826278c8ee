"""Check a C kernel's IR against gcc: translate, record the testbench's calls under gcc, and
replay them through the IR interpreter, bit for bit."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kiln.base.errors import GoldenError, InterpretError
from kiln.frontend.c.golden import GoldenRun, run_golden
from kiln.frontend.c.lower import CKernel, lower
from kiln.frontend.c.parse import parse_c
from kiln.ir.interpreter import interpret
from kiln.ir.kernel import Direction
from kiln.ir.passes import DEFAULT_FLOW, passes_named, run_passes
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


@dataclass
class CCheck:
    """What `check_c` found: the kernel (after passes) and one replay per golden build."""

    ckernel: CKernel
    replays: dict[str, ReplayReport] = field(default_factory=dict)
    testbench_output: str = ""


def load_c(
    path: str | Path,
    top: str,
    *,
    include_dirs=(),
    defines=(),
    passes=DEFAULT_FLOW,
) -> CKernel:
    """Translate `top` from a C file to verified kernel IR and run the IR passes on it."""
    ck = lower(parse_c(path, tuple(include_dirs), tuple(defines)), top)
    run_passes(ck.kernel, passes_named(list(passes)))
    return ck


def check_c(
    path: str | Path,
    top: str,
    *,
    include_dirs=(),
    defines=(),
    tb_sources=(),
    sanitize: bool = True,
    passes=DEFAULT_FLOW,
    workdir: Path | None = None,
) -> CCheck:
    """Translate, then prove the IR equal to gcc on every call the testbench makes: once
    built plainly and, with `sanitize`, once under ASan/UBSan (which also proves the
    testbench free of the undefined behaviour that would make the comparison meaningless)."""
    ck = load_c(path, top, include_dirs=include_dirs, defines=defines, passes=passes)
    result = CCheck(ck)
    # Without a workdir the builds go to a temporary folder, removed when the check passes
    # and kept (the error names its logs) when it does not.
    root = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="kiln-golden-"))
    for mode in ("gcc", "gcc+sanitizers") if sanitize else ("gcc",):
        sub = root / mode.replace("+", "_")
        run = run_golden(ck, tuple(map(str, tb_sources)), sanitize=mode != "gcc", workdir=sub)
        result.replays[mode] = replay(ck, run)
        result.testbench_output = result.testbench_output or run.stdout
    if workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return result
