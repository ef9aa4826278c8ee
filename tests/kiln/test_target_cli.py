"""`kiln compile --target liberty:FILE` schedules with that library's delays, measured on
demand and cached: on a library 1.5 times slower than the generic one, the same kernel at
the same clock takes more stages. Needs Yosys and OpenSTA."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "feedback"))
from scaled_liberty import write_scaled_liberty  # noqa: E402

pytestmark = [pytest.mark.yosys]

CHAIN = """kernel @chain(in %a: u32, in %b: u32, in %c: u32, out @y: u32) {
  %0 = add %a, %b : u32
  %1 = xor %0, %c : u32
  %2 = add %1, %a : u32
  %3 = add %2, %b : u32
  %4 = xor %3, %0 : u32
  %5 = add %4, %c : u32
  write @y, %5
}
"""


def compile_(tmp: Path, out: str, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "KILN_CACHE_DIR": str(tmp / "cache")}
    args = ["compile", "chain.kir", "-o", out, "--clock-ns", "2.3", "--no-sim", "--no-synth"]
    run = subprocess.run(
        [sys.executable, "-m", "kiln", *args, *extra],
        cwd=tmp, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run, json.loads((tmp / out / "report.json").read_text())


def stages(report: dict) -> int:
    return sum(r["schedule_stages"] for r in report["regions"])


def test_a_slower_library_gives_more_stages_at_the_same_clock(tmp_path):
    (tmp_path / "chain.kir").write_text(CHAIN)
    slow = write_scaled_liberty(tmp_path / "slow.lib", 1.5)
    _, generic = compile_(tmp_path, "generic")
    run, scaled = compile_(tmp_path, "slow", "--target", f"liberty:{slow}")
    assert "characterizing" in run.stderr  # measured on demand...
    assert scaled["config"]["target"] == f"liberty:{slow}"
    assert stages(scaled) > stages(generic), (stages(scaled), stages(generic))
    schedule = json.loads((tmp_path / "slow" / "schedule.json").read_text())
    assert schedule["delay_library"] == "generic_x1_5"
    overhead = schedule["register_overhead_ps"]
    assert (
        overhead
        > json.loads((tmp_path / "generic" / "schedule.json").read_text())["register_overhead_ps"]
    )
    again, cached = compile_(tmp_path, "again", "--target", f"liberty:{slow}")
    assert "characterizing" not in again.stderr  # ...and cached
    assert stages(cached) == stages(scaled)
