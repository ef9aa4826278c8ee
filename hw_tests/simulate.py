"""Co-simulate a kernel's harness with cocotb on Verilator or Icarus, in a child process.

The child (`python -m kiln.hw_tests.simulate JOB.json`) calls cocotb's runner; the parent
runs it through `kiln.base.toolchain.run_command`, so every simulation has a timeout and a
kept log, and a failure names the log and the first mismatching call.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from kiln.base.errors import SimulationError
from kiln.base.toolchain import apply_sim_env, find_tool, run_command

SIMULATORS = ("verilator", "icarus")
_TOOL = {"verilator": "verilator", "icarus": "iverilog"}


@dataclass(frozen=True)
class CosimResult:
    simulator: str
    calls: int
    clocks: list[int]  # per call, start to done
    ii: dict[int, dict]  # probed region -> {"min", "max", "gaps"}: clocks between iterations
    log: Path
    seconds: float
    waves: Path | None


def cosimulate(
    sources: list[Path],
    top: str,
    calls: Path,
    work_dir: Path,
    simulator: str = "verilator",
    *,
    waves: bool = False,
    max_calls: int = 0,
    timeout_s: float = 600,
) -> CosimResult:
    """Replay the recorded calls on the harness `top`; SimulationError names the first
    mismatch (call, variable, index, expected, actual, clock) or a kernel that never ends."""
    _check_simulator(simulator)
    find_tool(_TOOL[simulator])
    work_dir = Path(work_dir).absolute() / f"cosim_{simulator}"
    work_dir.mkdir(parents=True, exist_ok=True)
    report = work_dir / "report.json"
    report.unlink(missing_ok=True)
    env = {"KILN_CALLS": str(Path(calls).absolute()), "KILN_SIM_REPORT": str(report)}
    if max_calls:
        env["KILN_MAX_CALLS"] = str(max_calls)
    job = {
        "simulator": simulator,
        "sources": [str(Path(s).absolute()) for s in sources],
        "top": top,
        "test_module": "kiln.hw_tests.kernel_tb",
        "env": env,
        "build_dir": str(work_dir / "build"),
        "waves": waves,
    }
    run = _run_job(job, work_dir, timeout_s)
    data = json.loads(report.read_text()) if report.exists() else None
    if data and data["mismatch_count"]:
        first = data["mismatches"][0]
        raise SimulationError(
            f"{simulator}: {data['mismatch_count']} output mismatch(es); first in call "
            f"{first['call']}: {first['variable']}{first['index']} expected {first['expected']}, "
            f"got {first['actual']} (done after {first['clock']} clocks)",
            hint=f"full log: {run.log_path}; report: {report}",
        )
    if data and data["stuck"]:
        stuck = data["stuck"]
        raise SimulationError(
            f"{simulator}: call {stuck['call']} never finished: no done after "
            f"{stuck['clocks']} clocks",
            hint=f"full log: {run.log_path}",
        )
    if run.returncode != 0 or data is None:
        tail = "\n    ".join(run.stdout.strip().splitlines()[-12:])
        raise SimulationError(
            f"{simulator}: the cocotb run failed (exit status {run.returncode}):\n    {tail}",
            hint=f"full log: {run.log_path}",
        )
    wave = None
    if waves:
        found = sorted(Path(job["build_dir"]).glob("*.fst")) + sorted(
            Path(job["build_dir"]).glob("*.vcd")
        )
        wave = found[0] if found else None
    clocks = [c["clocks"] for c in data["calls"]]
    ii = {int(k): v for k, v in data.get("ii", {}).items()}
    return CosimResult(simulator, len(clocks), clocks, ii, run.log_path, run.seconds, wave)


def _check_simulator(simulator: str) -> None:
    if simulator not in SIMULATORS:
        raise SimulationError(
            f"unknown simulator '{simulator}'", hint=f"choose one of {', '.join(SIMULATORS)}"
        )


def _run_job(job: dict, work_dir: Path, timeout_s: float):
    """Run one cocotb job (see `_child`) in a child process, with a timeout and a log."""
    job_path = work_dir / "job.json"
    job_path.write_text(json.dumps(job, indent=1))
    return run_command(
        f"cocotb+{job['simulator']}",
        [sys.executable, "-m", "kiln.hw_tests.simulate", str(job_path)],
        cwd=work_dir,
        log_path=work_dir / "simulate.log",
        timeout_s=timeout_s,
        check=False,
    )


def _child(job_path: str) -> int:
    from cocotb_tools.runner import get_results, get_runner

    job = json.loads(Path(job_path).read_text())
    apply_sim_env()
    runner = get_runner(job["simulator"])
    build_args = ["-Wno-fatal"] if job["simulator"] == "verilator" else []
    waves = bool(job.get("waves"))
    runner.build(
        sources=job["sources"],
        hdl_toplevel=job["top"],
        build_dir=job["build_dir"],
        build_args=build_args,
        always=True,
        timescale=("1ns", "1ps"),
        waves=waves,
    )
    results = runner.test(
        hdl_toplevel=job["top"],
        test_module=job["test_module"],
        build_dir=job["build_dir"],
        extra_env=job["env"],
        waves=waves,
    )
    tests, failed = get_results(Path(results))
    print(f"kiln: {tests} cocotb test(s), {failed} failed")
    return 1 if failed or tests == 0 else 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1]))
