"""C kernel to checked IR: translate with the C frontend, run the gcc golden model (plain and
sanitized), and replay every recorded call through the IR interpreter."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kiln.frontend.c import CKernel, translate
from kiln.frontend.c.check import ReplayReport, replay
from kiln.frontend.c.golden import run_golden
from kiln.ir.passes import passes_named, run_passes


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
    passes=("const-fold", "dce"),
) -> CKernel:
    """Translate `top` from a C file to verified kernel IR and run the IR passes on it."""
    ck = translate(path, top, tuple(include_dirs), tuple(defines))
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
    passes=("const-fold", "dce"),
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
