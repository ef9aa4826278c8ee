"""`verilator --lint-only -Wall` on generated Verilog, through the toolchain module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiln.base.errors import BackendError
from kiln.base.toolchain import run_tool


@dataclass(frozen=True)
class LintResult:
    warnings: list[str]
    log: Path


def lint_verilog(
    verilog: Path | list[Path], top: str, log_dir: Path, timeout_s: float = 120
) -> LintResult:
    """Lint `verilog` (a file, or the files of a design: one module each) with every
    warning on; raise BackendError naming the first warning, if any."""
    files = [verilog] if isinstance(verilog, str | Path) else list(verilog)
    run = run_tool(
        "verilator",
        ["--lint-only", "-Wall", "--top-module", top, *(str(Path(f).absolute()) for f in files)],
        cwd=log_dir,
        log_path=Path(log_dir) / "lint.log",
        timeout_s=timeout_s,
        check=False,
    )
    warnings = [line for line in run.stdout.splitlines() if line.startswith("%")]
    if run.returncode != 0 or warnings:
        first = warnings[0] if warnings else f"exit status {run.returncode}"
        raise BackendError(
            f"verilator -Wall reports {len(warnings)} warning(s) in {files[-1]}: {first}",
            hint=f"full log: {run.log_path}; this is a kiln backend bug, please report it",
        )
    return LintResult(warnings, run.log_path)
