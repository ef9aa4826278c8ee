"""One way to run a Yosys script and an OpenSTA script in a work folder, for every flow in
`kiln.feedback` (whole designs, single ops, subgraphs)."""

from __future__ import annotations

import re
from pathlib import Path

from kiln.base.errors import ToolError
from kiln.base.toolchain import ToolRun, run_tool


def run_yosys(work: Path, script: str, name: str, timeout_s: float) -> ToolRun:
    """Write `script` to `work/name.ys` and run it quietly; ToolError names the log."""
    (work / f"{name}.ys").write_text(script)
    return run_tool(
        "yosys",
        ["-q", "-l", f"{name}.out", "-s", f"{name}.ys"],
        cwd=work,
        log_path=work / f"{name}.log",
        timeout_s=timeout_s,
    )


def run_sta(work: Path, script: str, timeout_s: float, hint: str) -> ToolRun:
    """Write `script` to `work/sta.tcl` and run OpenSTA on it. OpenSTA exits 0 after
    errors, so an `Error:` line in its output raises ToolError with `hint`."""
    (work / "sta.tcl").write_text(script)
    run = run_tool(
        "sta", ["-no_init", "-exit", "sta.tcl"], cwd=work, log_path=work / "sta.log",
        timeout_s=timeout_s,
    )  # fmt: skip
    problem = re.search(r"(?m)^Error: .*", run.stdout)
    if problem:
        raise ToolError(
            f"OpenSTA reported: {problem.group(0)}", tool="sta", log=str(run.log_path), hint=hint
        )
    return run
