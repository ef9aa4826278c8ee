"""`kiln schedule`: the per-op table, the summary, the JSON, and clear errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GEMM = ROOT / "datasets" / "kernels" / "linalg" / "gemm.c"

ACC = """kernel @acc(in @x: i16[8], out @y: i16) {
  var @s: i16 = 0
  for %i: u4 = 0 to 8 step 1 {
    %0 = load @x[%i] : i16
    %1 = read @s : i16
    %2 = add %1, %0 : i16
    write @s, %2
  }
  %3 = read @s : i16
  write @y, %3
}
"""


def kiln(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiln", "schedule", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_c_kernel_schedules_with_a_table_a_summary_and_json(tmp_path):
    r = kiln(str(GEMM), "--top", "gemm", "--clock-ns", "2.5", "--json", "s.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "kernel gemm:" in out and "cycle" in out and "summary:" in out
    assert "II: target 1, achieved" in out
    assert "gemm.c:" in out  # source lines in the table
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["format"] == "kiln-schedule" and doc["version"] == 1
    assert doc["clock_period_ps"] == 2500.0 and doc["register_overhead_ps"] > 0
    pipelined = [g for g in doc["regions"] if g["pipelined"]]
    assert pipelined and all(g["ii"] >= 1 for g in pipelined)
    for g in doc["regions"]:
        assert {"cycle", "start_ps", "delay_ps", "loc", "label"} <= set(g["ops"][0])
    assert doc["register_bits"] == sum(g["register_bits"] for g in doc["regions"])


def test_ii_pipelines_every_innermost_loop_of_an_ir_kernel(tmp_path):
    (tmp_path / "acc.kir").write_text(ACC)
    plain = kiln("acc.kir", "--clock-ns", "2", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "II:" not in plain.stdout
    forced = kiln("acc.kir", "--clock-ns", "2", "--ii", "2", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert "II: target 2, achieved 2" in forced.stdout


def test_an_op_slower_than_the_clock_is_explained_with_its_c_line(tmp_path):
    (tmp_path / "keep.json").write_text("{}")
    r = kiln(str(GEMM), "--top", "gemm", "--clock-ns", "0.6", "--json", "keep.json", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") and "gemm.c:" in r.stderr
    assert "slower than one stage" in r.stderr and "hint: raise the clock period" in r.stderr
    assert (tmp_path / "keep.json").read_text() == "{}"  # nothing half-written


def test_bad_arguments_are_clear(tmp_path):
    missing = kiln("nope.c", "--top", "f", "--clock-ns", "1", cwd=tmp_path)
    assert missing.returncode == 1 and "nope.c" in missing.stderr
    assert "Traceback" not in missing.stderr
    zero = kiln(str(GEMM), "--top", "gemm", "--clock-ns", "0", cwd=tmp_path)
    assert zero.returncode == 1 and "clock period must be a positive number of ns" in zero.stderr
    limit = kiln(str(GEMM), "--top", "gemm", "--clock-ns", "1", "--limit", "mul", cwd=tmp_path)
    assert limit.returncode == 2 and "is not CLASS=N" in limit.stderr
    top = kiln(str(GEMM), "--clock-ns", "1", cwd=tmp_path)
    assert top.returncode == 1 and "pass --top NAME" in top.stderr
    delays = kiln(str(GEMM), "--top", "gemm", "--clock-ns", "1", "--delays", "x.json", cwd=tmp_path)
    assert delays.returncode == 1 and "x.json" in delays.stderr
    assert "Traceback" not in delays.stderr


def test_a_multiplier_limit_is_obeyed(tmp_path):
    r = kiln(
        str(GEMM),
        "--top",
        "gemm",
        "--clock-ns",
        "2.5",
        "--limit",
        "mul=1",
        "--json",
        "s.json",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "s.json").read_text())
    for g in doc["regions"]:
        muls = [o for o in g["ops"] if o["label"].endswith("= mul")]
        slots = [o["cycle"] % g["ii"] if g["ii"] else o["cycle"] for o in muls]
        assert len(slots) == len(set(slots)), g["region"]
