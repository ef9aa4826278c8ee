"""The `kiln` command as a user runs it: a child process per call, checked by exit status,
stdout and stderr; deliberate errors print `error: ...` and never a Python traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from fractions import Fraction
from importlib.metadata import version
from pathlib import Path

import pytest

import kiln

MAC = """\
kernel @mac(in %a: fixed<16,8>, in %b: fixed<16,8>, in %c: fixed<16,8>, out @y: fixed<16,8,sat>) {
  %p = mul %a, %b : fixed<32,16>
  %s = add %p, %c : fixed<33,16>
  %k = const 3 : u2
  %t = shr %s, %k : fixed<33,16>
  %r = cast %t : fixed<16,8,sat>
  write @y, %r
}
"""

# Sums an input array (fixed point) and writes each index to an output array: a loop over
# RAM ports, compiled like a C kernel's.
ACC = """\
kernel @acc(in @x: fixed<8,4>[3], out @y: fixed<16,4>, out @d: i8[3]) {
  var @s: fixed<16,4> = 0
  for %i: u2 = 0 to 3 step 1 {
    %0 = load @x[%i] : fixed<8,4>
    %1 = read @s : fixed<16,4>
    %2 = add %1, %0 : fixed<16,4>
    write @s, %2
    %c = cast %i : i8
    store @d[%i], %c
  }
  %3 = read @s : fixed<16,4>
  write @y, %3
}
"""

REQUIRED_TOOLS = ("verilator", "iverilog", "yosys", "sta", "gcc")
COMMANDS = (
    "doctor",
    "ir",
    "compile",
    "sim",
    "synth",
    "c",
    "schedule",
    "characterize",
    "dataset",
    "kernels",
    "onnx",
    "demo",
)


def kiln_cli(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python -m kiln ARGS` in `cwd`, as a user would type `kiln ARGS` there."""
    return subprocess.run(
        [sys.executable, "-m", "kiln", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text)
    return name


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def assert_user_error(result: subprocess.CompletedProcess[str], first_line: str) -> None:
    """Exit 1, `error: ...` on stderr starting with `first_line`, no traceback, no stdout."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.splitlines()[0] == first_line
    assert result.stdout == ""


def raw_of(real: Fraction, frac: int) -> int:
    scaled = real * (1 << frac)
    assert scaled.denominator == 1
    return int(scaled)


# ---- help and version -------------------------------------------------------------------


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = kiln_cli("--help", cwd=tmp_path)
    assert_ok(result)
    assert result.stdout.startswith("usage: kiln ")
    listed = re.findall(r"^ {4}(\w+)(?: |$)", result.stdout, re.MULTILINE)
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command: str, tmp_path: Path) -> None:
    result = kiln_cli(command, "--help", cwd=tmp_path)
    assert_ok(result)
    assert result.stdout.startswith(f"usage: kiln {command} ")


def test_version_is_the_package_and_distribution_version(tmp_path: Path) -> None:
    result = kiln_cli("--version", cwd=tmp_path)
    assert_ok(result)
    assert result.stdout == f"kiln {kiln.__version__}\n"
    assert kiln.__version__ == version("kiln-hls")


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    result = kiln_cli(cwd=tmp_path)
    assert result.returncode == 2
    assert "the following arguments are required: COMMAND" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_is_installed_next_to_python(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "kiln"
    if not script.exists():
        pytest.skip(f"no console script at {script} (kiln not installed in this environment)")
    result = subprocess.run(
        [str(script), "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert_ok(result)
    assert result.stdout == f"kiln {kiln.__version__}\n"


# ---- doctor -----------------------------------------------------------------------------


def doctor_table(stdout: str) -> dict[str, dict[str, str]]:
    """The rows of `kiln doctor`'s aligned table, cut at the header's column starts (a cell
    may hold spaces)."""
    lines = stdout.splitlines()
    header = lines[0]
    names = header.split()
    assert names == ["TOOL", "NEEDED", "VERSION", "STATUS", "PATH", "FIX"]
    starts = [header.index(name) for name in names]
    ends = [*starts[1:], None]
    rows = {}
    for line in lines[1:]:  # the table ends where notes and the verdict begin
        cells = {n: line[a:b].strip() for n, a, b in zip(names, starts, ends, strict=True)}
        if cells["NEEDED"] not in ("required", "optional"):
            break
        rows[cells["TOOL"]] = cells
    return rows


# A version cell starts with the tool's version number.
VERSION = re.compile(r"\d+(\.\d+)+\b")


@pytest.mark.verilator
@pytest.mark.icarus
@pytest.mark.yosys
def test_doctor_table_names_every_required_tool_with_a_version(tmp_path: Path) -> None:
    result = kiln_cli("doctor", cwd=tmp_path)
    assert_ok(result)
    rows = doctor_table(result.stdout)
    for tool in REQUIRED_TOOLS:
        cells = rows[tool]
        assert cells["NEEDED"] == "required"
        assert VERSION.match(cells["VERSION"]), f"{tool}: version cell {cells['VERSION']!r}"
        assert cells["STATUS"] == "OK"
        assert Path(cells["PATH"]).is_file()
    assert result.stdout.rstrip("\n").splitlines()[-1] == "all required tools OK"


@pytest.mark.verilator
@pytest.mark.icarus
@pytest.mark.yosys
def test_doctor_json_has_a_row_per_tool(tmp_path: Path) -> None:
    result = kiln_cli("doctor", "--json", cwd=tmp_path)
    assert_ok(result)
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    fields = {"tool", "required", "version", "path", "status", "fix", "detail"}
    assert all(set(row) == fields for row in rows)
    tools = [row["tool"] for row in rows]
    assert len(tools) == len(set(tools)), "one row per tool"
    assert set(REQUIRED_TOOLS) <= set(tools)
    by_tool = {row["tool"]: row for row in rows}
    for tool in REQUIRED_TOOLS:
        row = by_tool[tool]
        assert row["required"] is True
        assert row["status"] == "OK"
        assert VERSION.match(row["version"]), f"{tool}: version {row['version']!r}"
        assert Path(row["path"]).is_file()
        assert row["fix"] == ""
    # The table and the JSON describe the same tools, in the same order, with the same cells.
    table = doctor_table(kiln_cli("doctor", cwd=tmp_path).stdout)
    assert list(table) == tools
    for row in rows:
        assert table[row["tool"]]["VERSION"] == (row["version"] or "-")
        assert table[row["tool"]]["STATUS"] == row["status"]


# ---- ir: verify and print ---------------------------------------------------------------


def test_ir_prints_the_verified_kernel(tmp_path: Path) -> None:
    result = kiln_cli("ir", write(tmp_path, "mac.kir", MAC), cwd=tmp_path)
    assert_ok(result)
    assert result.stdout == MAC
    assert result.stderr == ""


@pytest.mark.parametrize("text", [MAC, ACC, MAC + "\n" + ACC], ids=["mac", "acc", "two_kernels"])
def test_ir_output_reads_back_to_the_same_text(text: str, tmp_path: Path) -> None:
    first = kiln_cli("ir", write(tmp_path, "in.kir", text), cwd=tmp_path)
    assert_ok(first)
    second = kiln_cli("ir", write(tmp_path, "again.kir", first.stdout), cwd=tmp_path)
    assert_ok(second)
    assert second.stdout == first.stdout


# ---- ir --interpret ---------------------------------------------------------------------


def test_interpret_mac_gives_the_real_and_raw_result(tmp_path: Path) -> None:
    a, b, c = Fraction("1.5"), Fraction(2), Fraction("-0.25")
    y = (a * b + c) / 8  # the kernel's arithmetic, exact: (3 - 0.25) / 8
    assert y == Fraction("0.34375")
    result = kiln_cli(
        "ir",
        write(tmp_path, "mac.kir", MAC),
        "--interpret",
        "a=1.5",
        "b=2",
        "c=-0.25",
        cwd=tmp_path,
    )
    assert_ok(result)
    assert result.stdout == f"y = 0.34375    (raw {raw_of(y, 8)} : fixed<16,8,sat>)\n"
    assert raw_of(y, 8) == 88


def test_interpret_raw_inputs_equal_their_real_spelling(tmp_path: Path) -> None:
    # 1.5 is raw 384 (0x180), 2 is raw 512 (0x200), -0.25 is raw -64 in fixed<16,8>.
    mac = write(tmp_path, "mac.kir", MAC)
    raw = kiln_cli("ir", mac, "--interpret", "a=raw:384", "b=raw:0x200", "c=raw:-64", cwd=tmp_path)
    real = kiln_cli("ir", mac, "--interpret", "a=1.5", "b=2", "c=-0.25", cwd=tmp_path)
    assert_ok(raw)
    assert raw.stdout == real.stdout == "y = 0.34375    (raw 88 : fixed<16,8,sat>)\n"


def test_interpret_saturates_the_output(tmp_path: Path) -> None:
    # 100 * 100 / 8 = 1250 does not fit fixed<16,8>; sat clamps to the largest value.
    result = kiln_cli(
        "ir",
        write(tmp_path, "mac.kir", MAC),
        "--interpret",
        "a=100",
        "b=100",
        "c=0",
        cwd=tmp_path,
    )
    assert_ok(result)
    largest = Fraction(2**15 - 1, 2**8)
    assert result.stdout == f"y = {float(largest)}    (raw 32767 : fixed<16,8,sat>)\n"


def test_interpret_arrays_in_and_out(tmp_path: Path) -> None:
    acc = write(tmp_path, "acc.kir", ACC)
    result = kiln_cli("ir", acc, "--interpret", "x=1,2,3.5", cwd=tmp_path)
    assert_ok(result)
    total = Fraction(1) + 2 + Fraction("3.5")
    assert result.stdout == (
        f"y = {float(total)}    (raw {raw_of(total, 4)} : fixed<16,4>)\n"
        "d = 0, 1, 2    (raw 0, 1, 2 : i8[3])\n"
    )
    # Raw array items: 16 -> 1.0, 0x20 -> 2.0, -8 -> -0.5 in fixed<8,4>.
    raw = kiln_cli("ir", acc, "--interpret", "x=raw:16,0x20,-8", cwd=tmp_path)
    assert_ok(raw)
    assert raw.stdout.splitlines()[0] == "y = 2.5    (raw 40 : fixed<16,4>)"


def test_interpret_unknown_parameter_names_it_and_lists_the_real_ones(tmp_path: Path) -> None:
    result = kiln_cli(
        "ir",
        write(tmp_path, "mac.kir", MAC),
        "--interpret",
        "a=1",
        "b=2",
        "d=3",
        cwd=tmp_path,
    )
    assert_user_error(result, "error: kernel @mac has no parameter 'd'")
    assert result.stderr == ("error: kernel @mac has no parameter 'd'\n  hint: inputs: a, b, c\n")


def test_interpret_missing_input_is_named(tmp_path: Path) -> None:
    result = kiln_cli("ir", write(tmp_path, "mac.kir", MAC), "--interpret", "a=1", cwd=tmp_path)
    assert_user_error(result, "error: mac.kir:1:33: missing input 'b' for kernel @mac")


# ---- bad input: each is `error:` on stderr, exit 1, no traceback --------------------------

SYNTAX_ERROR = "kernel @k(in %a: i8, out @y: i8) {\n  %0 = frob %a : i8\n  write @y, %0\n}\n"
VERIFY_ERROR = (
    "kernel @k(in %a: i8, in %b: u8, out @y: i8) {\n  %0 = and %a, %b : i8\n  write @y, %0\n}\n"
)


def test_missing_file(tmp_path: Path) -> None:
    result = kiln_cli("ir", "nofile.kir", cwd=tmp_path)
    assert_user_error(result, "error: nofile.kir: no such file")
    assert result.stderr == (
        "error: nofile.kir: no such file\n  hint: give the path of a .kir IR text file\n"
    )


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    result = kiln_cli("ir", write(tmp_path, "syn.kir", SYNTAX_ERROR), cwd=tmp_path)
    assert_user_error(result, "error: syn.kir:2:8: unknown op 'frob'")


def test_verifier_error_names_the_op_and_line(tmp_path: Path) -> None:
    result = kiln_cli("ir", write(tmp_path, "ver.kir", VERIFY_ERROR), cwd=tmp_path)
    assert_user_error(
        result, "error: ver.kir:2:3: op '%0 = and': operand type u8 must equal result type i8"
    )


@pytest.mark.parametrize(
    ("assignments", "first_line"),
    [
        (["a", "b=1", "c=1"], "error: input 'a' is not NAME=VALUE"),
        (["a=xyz", "b=1", "c=1"], "error: input 'a=xyz': 'xyz' is not a number list"),
        (["a=1/0", "b=1", "c=1"], "error: input 'a=1/0': '1/0' is not a number list"),
        (["a=nan", "b=1", "c=1"], "error: input 'a=nan': 'nan' is not a number list"),
        (["a=1,2", "b=1", "c=1"], "error: input 'a' is a scalar; give one value"),
        (
            ["a=raw:100000", "b=1", "c=1"],
            "error: mac.kir:1:13: input 'a': raw value 100000 does not fit fixed<16,8>",
        ),
    ],
    ids=["no_equals", "not_a_number", "division_by_zero", "nan", "list_for_scalar", "raw_too_big"],
)
def test_malformed_name_value(assignments: list[str], first_line: str, tmp_path: Path) -> None:
    result = kiln_cli(
        "ir", write(tmp_path, "mac.kir", MAC), "--interpret", *assignments, cwd=tmp_path
    )
    assert_user_error(result, first_line)


@pytest.mark.parametrize("values", ["1,2", "1,2,3,4"])
def test_array_needs_its_length(values: str, tmp_path: Path) -> None:
    result = kiln_cli(
        "ir", write(tmp_path, "acc.kir", ACC), "--interpret", f"x={values}", cwd=tmp_path
    )
    got = len(values.split(","))
    assert_user_error(
        result, f"error: acc.kir:1:13: input 'x' needs 3 value(s) for type fixed<8,4>[3], got {got}"
    )


# ---- once bugs: each test pins the fix -----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["ir", "mac.kir", "--kernel", "nope", "--interpret", "a=1"],
        ["compile", "mac.kir", "--top", "nope", "-o", "out"],
    ],
    ids=["ir_interpret", "compile"],
)
def test_unknown_kernel_name_is_a_user_error(args: list[str], tmp_path: Path) -> None:
    write(tmp_path, "mac.kir", MAC)
    result = kiln_cli(*args, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "nope" in result.stderr and "mac" in result.stderr


def test_ir_print_honours_kernel(tmp_path: Path) -> None:
    result = kiln_cli("ir", write(tmp_path, "mac.kir", MAC), "--kernel", "nope", cwd=tmp_path)
    assert result.returncode == 1


def test_non_utf8_file_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "bin.kir").write_bytes(b"\xff\xfekernel @k() {\n}\n")
    result = kiln_cli("ir", "bin.kir", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")


@pytest.mark.parametrize("count", ["0", "-3"])
def test_simulating_no_vectors_is_refused(count: str, tmp_path: Path) -> None:
    result = kiln_cli(
        "compile", write(tmp_path, "mac.kir", MAC), "-o", "out", "--vectors", count, cwd=tmp_path
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"argument --vectors: must be at least 1, got {count}" in result.stderr
    assert not (tmp_path / "out").exists()


# ---- compile ----------------------------------------------------------------------------


@pytest.mark.verilator
@pytest.mark.icarus
def test_compile_ir_writes_verilog_report_and_schedule(tmp_path: Path) -> None:
    result = kiln_cli(
        "compile",
        write(tmp_path, "mac.kir", MAC),
        "-o",
        "out",
        "--simulator",
        "icarus",
        "--vectors",
        "50",
        "--no-synth",
        cwd=tmp_path,
    )
    assert_ok(result)
    assert "linting with verilator -Wall" in result.stderr
    assert "icarus: 50 call(s) bit-exact" in result.stderr
    assert "kernel mac -> mac at 2000 ps" in result.stdout
    out = tmp_path / "out"
    verilog = (out / "mac.v").read_text()
    assert re.search(r"^module mac\b", verilog, re.MULTILINE)

    report = json.loads((out / "report.json").read_text())
    assert report["kernel"] == "mac" and report["source"] == "mac.kir"
    assert report["latency"]["predicted"] == report["latency"]["measured_min"] >= 2
    ops = [row["label"] for row in report["regions"][0]["ops"]]
    assert {"%p = mul", "%s = add", "%t = shr", "%r = cast", "write @y"} <= set(ops)
    assert report["checks"]["lint"]["warnings"] == 0
    assert report["checks"]["cosim_icarus"]["calls"] == 50
    assert report["config"]["schedule"]["clock_ps"] == 2000.0
    assert report["config"]["sim"]["vectors"] == 50

    schedule = json.loads((out / "schedule.json").read_text())
    assert schedule["clock_period_ps"] == report["clock_period_ps"] == 2000.0
    stages = [r["stages"] for r in schedule["regions"]]
    assert stages == [r["schedule_stages"] for r in report["regions"]]


@pytest.mark.verilator
def test_compile_ir_takes_loops_and_arrays_like_c(tmp_path: Path) -> None:
    result = kiln_cli(
        "compile", write(tmp_path, "acc.kir", ACC), "-o", "out", "--no-synth", "--vectors", "20",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(result)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [r["loop"] for r in report["regions"]] == ["for", None]  # the loop, then the tail
    assert report["checks"]["cosim_verilator"]["calls"] == 20


@pytest.mark.parametrize(
    ("clock", "first_line"),
    [
        (
            "0.1",
            "error: kernel mac: a 100 ps clock leaves no time for logic: the registers alone "
            "take 104.4 ps (clock-to-Q plus setup)",
        ),
        ("0", "error: clock period must be a positive number of ns, got 0.0"),
        ("-1", "error: clock period must be a positive number of ns, got -1.0"),
        ("nan", "error: clock period must be a positive number of ns, got nan"),
    ],
)
def test_compile_refuses_an_impossible_clock(clock: str, first_line: str, tmp_path: Path) -> None:
    result = kiln_cli(
        "compile", write(tmp_path, "mac.kir", MAC), "-o", "out", "--clock-ns", clock,
        cwd=tmp_path,
    )  # fmt: skip
    assert "Traceback" not in result.stderr and result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [first_line], result.stderr
    assert not (tmp_path / "out" / "mac.v").exists()


# ---- demo -------------------------------------------------------------------------------


@pytest.mark.verilator
@pytest.mark.icarus
@pytest.mark.slow
def test_demo_proves_the_mac_on_both_simulators(tmp_path: Path) -> None:
    result = kiln_cli("demo", "-o", "demo", cwd=tmp_path, timeout=900)
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("kiln demo: compiling mac_sat")
    listed = dict(
        line.split() for line in lines[lines.index("outputs:") + 1 :] if line.startswith("  ")
    )
    assert {"ir", "schedule", "verilog", "report", "harness", "calls"} <= set(listed)
    for kind, path in listed.items():
        if kind != "harness_top":
            assert Path(path).is_file(), path
            assert Path(path).is_relative_to(tmp_path / "demo"), path  # absolute, under -o

    report = json.loads(Path(listed["report"]).read_text())
    assert report["checks"]["lint"]["warnings"] == 0
    for sim in ("verilator", "icarus"):
        assert report["checks"][f"cosim_{sim}"]["calls"] == 1000
        summary = f"{sim}: bit-exact against the IR interpreter on 1000 random calls"
        assert summary in result.stdout


def test_an_output_takes_no_input_value(tmp_path: Path) -> None:
    result = kiln_cli(
        "ir",
        write(tmp_path, "mac.kir", MAC),
        "--interpret",
        "a=1",
        "b=1",
        "c=1",
        "y=4",
        cwd=tmp_path,
    )
    assert_user_error(result, "error: 'y' is an output of kernel @mac; it takes no value")


def test_an_integer_input_refuses_a_fraction(tmp_path: Path) -> None:
    text = "kernel @k(in %i: u3, out @y: u3) {\n  write @y, %i\n}\n"
    result = kiln_cli("ir", write(tmp_path, "k.kir", text), "--interpret", "i=1.5", cwd=tmp_path)
    assert_user_error(result, "error: input 'i=1.5': i is an integer (u3)")


def test_a_folder_is_not_an_ir_file(tmp_path: Path) -> None:
    (tmp_path / "d.kir").mkdir()
    assert_user_error(kiln_cli("ir", "d.kir", cwd=tmp_path), "error: d.kir: not a file")
