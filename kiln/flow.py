"""The ordered stages of a compile: verify, schedule, emit, write files, report.

Only composition lives here; each stage is a function of the package that owns it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiln.backend.emit import EmittedModule, emit_kernel
from kiln.backend.testbench import make_vectors, write_vectors
from kiln.errors import SimulationError
from kiln.hw_tests.lint import LintResult, lint_verilog
from kiln.hw_tests.simulate import SimResult, simulate
from kiln.ir.kernel import Kernel
from kiln.ir.passes import DEFAULT_FLOW, PassRun, passes_named, run_passes
from kiln.ir.printer import print_kernel
from kiln.ir.verifier import verify_kernel
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.kernel_schedule import schedule_straight_line
from kiln.scheduler.schedule import Schedule

DEFAULT_CLOCK_PS = 2000.0


@dataclass
class Design:
    """The user's handle on one compiled kernel: its files, and checks to run on them.

    `kernel` is the user's kernel, untouched: simulation checks the RTL against it.
    `compiled` is the copy the passes rewrote and the scheduler saw.
    """

    kernel: Kernel
    compiled: Kernel
    schedule: Schedule
    module: EmittedModule
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    checks: dict[str, dict] = field(default_factory=dict)
    passes: list[PassRun] = field(default_factory=list)

    @property
    def verilog_path(self) -> Path:
        return self.files["verilog"]

    def lint(self) -> LintResult:
        result = lint_verilog(self.verilog_path, self.module.name, self.out_dir)
        self.checks["lint"] = {
            "tool": "verilator --lint-only -Wall",
            "warnings": 0,
            "log": str(result.log),
        }
        self._write_report()
        return result

    def simulate(
        self,
        simulator: str = "verilator",
        vectors: int = 1000,
        seed: int = 0,
        timeout_s: float = 600,
    ) -> SimResult:
        """Drive `vectors` random inputs; every output must equal the interpreter's, bit
        for bit. Raises SimulationError otherwise."""
        if vectors < 1:
            raise SimulationError(
                f"asked to simulate {vectors} vectors; nothing would be checked",
                hint="give at least 1 vector",
            )
        spec = make_vectors(self.kernel, self.module, vectors, seed)
        path = write_vectors(self.out_dir / f"vectors_{seed}_{vectors}.json", spec)
        self.files["vectors"] = path
        result = simulate(self.verilog_path, path, self.out_dir, simulator, timeout_s)
        self.checks[f"sim_{simulator}"] = {
            "vectors": result.vectors,
            "tests": result.report,
            "seconds": round(result.seconds, 2),
            "log": str(result.log),
        }
        self._write_report()
        return result

    def report(self) -> dict:
        return {
            "kernel": self.kernel.name,
            "top": self.module.name,
            "clock_period_ps": self.schedule.clock_period_ps,
            "schedule_cycles": self.schedule.latency,
            "latency_clocks": self.module.ports.latency,
            "initiation_interval": self.module.ports.initiation_interval,
            "passes": [asdict(r) for r in self.passes],
            "ports": {"inputs": self.module.ports.inputs, "outputs": self.module.ports.outputs},
            "schedule": self.schedule.to_json()["ops"],
            "files": {k: str(v) for k, v in self.files.items()},
            "checks": self.checks,
        }

    def _write_report(self) -> None:
        self.files["report"] = self.out_dir / "report.json"
        self.files["report"].write_text(json.dumps(self.report(), indent=1) + "\n")


def compile_kernel(
    kernel: Kernel,
    out_dir: Path | str,
    clock_period_ps: float = DEFAULT_CLOCK_PS,
    delays: DelayModel | None = None,
    passes: Sequence[str] = DEFAULT_FLOW,
) -> Design:
    """Verify, optimize (`passes`, on a copy), schedule (ASAP) and emit `kernel`; write the
    compiled IR, the schedule, the Verilog and a JSON report to `out_dir`."""
    verify_kernel(kernel)
    compiled = copy.deepcopy(kernel)
    log = run_passes(compiled, passes_named(tuple(passes)))
    schedule = schedule_straight_line(compiled, clock_period_ps, delays)
    module = emit_kernel(compiled, schedule)
    out_dir = Path(out_dir).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    design = Design(kernel, compiled, schedule, module, out_dir, passes=log)
    design.files["ir"] = out_dir / f"{kernel.name}.kir"
    design.files["ir"].write_text(print_kernel(compiled))
    design.files["schedule"] = out_dir / "schedule.json"
    design.files["schedule"].write_text(schedule.dumps() + "\n")
    design.files["verilog"] = out_dir / f"{module.name}.v"
    design.files["verilog"].write_text(module.verilog)
    design._write_report()
    return design
