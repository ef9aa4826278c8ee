"""`kiln schedule`: read a C or IR kernel, run the passes, and schedule every region.

Only composition lives here: the frontend translates, the IR passes unroll and fold, the
scheduler builds and solves the problems.
"""

from __future__ import annotations

from pathlib import Path

from kiln.errors import KilnError
from kiln.ir.kernel import Kernel
from kiln.ir.passes import passes_named, run_passes
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.kernel_schedule import KernelSchedule, schedule_kernel
from kiln.scheduler.regions import Options
from kiln.sources import pick_kernel, read_ir

# Unrolling first (pipelined loops unroll their inner loops), then forwarding the variables
# the copies write and read, folding the unrolled index arithmetic into constants (the
# dependence test and the bank choice read them), and sharing the arithmetic they repeat.
SCHEDULE_PASSES = (
    "const-fold", "unroll", "forward", "const-fold", "narrow-mul", "cse", "dead-vars", "dce",
)  # fmt: skip


def load_kernel(path: str | Path, top: str | None, include_dirs=(), defines=()) -> Kernel:
    """The kernel `top` of a C file (.c) or IR text file (.kir), passes applied."""
    p = Path(path)
    if p.suffix == ".c":
        if not top:
            raise KilnError(f"{path}: which function is the kernel?", hint="pass --top NAME")
        from kiln.c_check import load_c

        return load_c(
            p, top, include_dirs=include_dirs, defines=defines, passes=SCHEDULE_PASSES
        ).kernel
    kernel = pick_kernel(read_ir(str(p)), top)
    run_passes(kernel, passes_named(list(SCHEDULE_PASSES)))
    return kernel


def schedule_file(
    path: str | Path,
    top: str | None,
    clock_ns: float,
    *,
    ii: int | None = None,
    delays_file: str | Path | None = None,
    limits: dict[str, int] | None = None,
    param_ports: int = 1,
    local_ports: int = 2,
    exact: bool = False,
    include_dirs=(),
    defines=(),
) -> KernelSchedule:
    if clock_ns <= 0:
        raise KilnError(f"clock period must be positive, got {clock_ns:g} ns")
    delays = DelayModel.from_file(delays_file) if delays_file else DelayModel()
    kernel = load_kernel(path, top, include_dirs, defines)
    opts = Options(
        ii=ii, limits=dict(limits or {}), param_ports=param_ports, local_ports=local_ports
    )
    return schedule_kernel(kernel, clock_ns * 1000.0, delays, opts, exact=exact)
