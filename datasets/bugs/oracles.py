"""Execution oracles: build a kernel file with gcc, run its testbench, and say how a buggy
version differs from the golden one (different output, a sanitizer report, a hang).

A corpus file holds the kernel and a self-checking testbench that prints a checksum; its
optional argv[1] is an input seed ("0" runs it without an argument). The golden file is
built and run once per seed (`Golden`, cached by its text); each buggy text is then built
plainly (`-O0`, with `-Wall -Wextra` to record warnings) and under ASan/UBSan, and run on
the same seeds with a time limit scaled from the golden run's time. A second, static
oracle (`kiln_oracle`) asks kiln's own C frontend whether it accepts the file.

Every run is made reproducible, so that one seed gives one dataset byte for byte: a buggy
program with undefined behaviour prints whatever memory holds, so runs see the same memory
(address randomization off, the same small environment, and `main` started below a
zeroed stack pad: see `ENTRY_SOURCE`), and a hang is a CPU-time limit reached, which a
loaded machine does not make more likely (a wall-clock limit is kept only as a backstop).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiln.base.errors import GoldenError, KilnError
from kiln.base.toolchain import find_tool
from kiln.datasets.bugs.model import Verdict
from kiln.frontend.c.check import load_c

DEFAULT_SEEDS = (0, 1, 2)
COMPILE_TIMEOUT_S = 60.0
GOLDEN_TIMEOUT_S = 60.0
MAX_OUTPUT_BYTES = 4 << 20  # a run writing more is cut off (SIGXFSZ): no golden prints this
# Uninitialized locals get a fixed pattern, not whatever the stack held, and no stack
# canary (a random value per run) sits beside the arrays: a bug that reads one then
# behaves the same on every run, so its label can be confirmed again by validate.
BASE_FLAGS = (
    "-std=gnu99",
    "-O0",
    "-pipe",
    "-ftrivial-auto-var-init=pattern",
    "-fno-stack-protector",
)
PLAIN_FLAGS = (
    *BASE_FLAGS,
    "-Wall",
    "-Wextra",
    "-Wno-unknown-pragmas",
    "-fdiagnostics-plain-output",
)
SANITIZE_FLAGS = (
    *BASE_FLAGS,
    "-w",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-g",
    "-fdiagnostics-plain-output",
)
# Linked into every build with `--wrap=main`: `main` then runs below 64 KiB of zeroed
# stack. Above main's frame the C library's start-up code keeps values mangled with its
# random pointer guard (a fresh one each run); a bug reading past a local array of main
# would see them and change its output from run to run. It now reads zeros, and the pad
# is left unpoisoned so that it is what ASan sees too. Warning-free under PLAIN_FLAGS.
ENTRY_SOURCE = """\
int __real_main(int argc, char **argv, char **envp);
int __wrap_main(int argc, char **argv, char **envp);

__attribute__((no_sanitize_address, noinline))
int __wrap_main(int argc, char **argv, char **envp)
{
    volatile unsigned char pad[1 << 16];
    __builtin_memset((void *)pad, 0, sizeof pad);
    __asm__ volatile("" : : "r"(pad) : "memory");
    return __real_main(argc, argv, envp);
}
"""
ENTRY_FILE = "kiln_oracle_entry.c"
LINK_FLAGS = ("-Wl,--wrap=main",)
# Leak checking needs ptrace (absent in many containers) and is not a bug class here.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0:disable_coredump=1:symbolize=0",
    "UBSAN_OPTIONS": "print_stacktrace=0:halt_on_error=1",
}

_UBSAN = re.compile(r"^(?P<loc>\S+?:\d+(?::\d+)?): runtime error: (?P<msg>.*)$", re.M)
_ASAN = re.compile(r"ERROR: AddressSanitizer: (?P<kind>[\w-]+)(?P<rest>.*)$", re.M)
_ASAN_ACCESS = re.compile(r"^(?P<access>(?:READ|WRITE) of size \d+)", re.M)
_FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+ in (?P<fn>\S+) (?P<loc>\S+?:\d+(?::\d+)?)\s*$", re.M)
_RAW_FRAME = re.compile(
    r"^\s*#\d+ 0x[0-9a-f]+\s+\((?P<module>[^()+]+)\+(?P<offset>0x[0-9a-f]+)\)", re.M
)
_ADDRESS = re.compile(r"0x[0-9a-f]{5,}")
_ERROR_LINE = re.compile(r"(error:|undefined reference)")


@dataclass(frozen=True)
class Run:
    """One run of a built program: stdout, exit status (negative: killed by that signal;
    None: stopped at its time limit), stderr and seconds (CPU time for a run made alone,
    wall time for runs made together)."""

    stdout: str
    returncode: int | None
    stderr: str
    seconds: float

    @property
    def hung(self) -> bool:
        return self.returncode is None


class Golden:
    """The golden file's behaviour on each seed, plainly built and sanitized. Made from
    its text and file name (a path keeps only its name: diagnostics read `name.c:LINE`);
    the runs are made once per (text, name, seed) in a process and shared by every handle.
    GoldenError when the golden file does not build, fails its testbench, or trips a
    sanitizer."""

    def __init__(self, text: str, name: str | Path = "kernel.c", seeds=DEFAULT_SEEDS):
        self.text = text
        self.name = Path(name).name
        key = (hashlib.sha256(text.encode()).hexdigest(), self.name)
        self._runs = _CACHE.setdefault(key, _Runs())
        self.ensure(tuple(seeds))

    @classmethod
    def for_file(cls, path: str | Path, seeds=DEFAULT_SEEDS) -> Golden:
        p = Path(path)
        return cls(p.read_text(), p.name, seeds)

    @property
    def plain(self) -> dict[int, Run]:
        return self._runs.plain

    @property
    def sanitized(self) -> dict[int, Run]:
        return self._runs.sanitized

    @property
    def warnings(self) -> list[str]:
        """gcc -Wall -Wextra warnings on the golden file (HLS pragmas not counted)."""
        return self._runs.warnings

    def ensure(self, seeds: tuple[int, ...]) -> None:
        """Run the seeds not run yet; GoldenError when the golden file misbehaves."""
        missing = [s for s in seeds if s not in self.plain]
        if not missing:
            return
        with tempfile.TemporaryDirectory(prefix="kiln-oracle-golden-") as scratch:
            work = Path(scratch)
            built = _build(self.text, self.name, work)
            if built.error is not None:
                raise GoldenError(f"golden {self.name} does not compile: {built.error}")
            self._runs.warnings[:] = built.warnings
            for seed in missing:
                plain = _execute(_command(built.plain, seed), work, GOLDEN_TIMEOUT_S, None)
                san = plain  # not run when the plain build already failed
                if plain.returncode == 0:
                    san = _execute(
                        _command(built.sanitized, seed), work, GOLDEN_TIMEOUT_S, _SAN_ENV
                    )
                problem = _golden_problem(plain, san)
                if problem:
                    raise GoldenError(
                        f"golden {self.name} on seed {seed}: {problem}",
                        hint="the corpus file itself must pass its testbench cleanly",
                    )
                self.plain[seed], self.sanitized[seed] = plain, san


@dataclass
class _Runs:
    plain: dict[int, Run] = field(default_factory=dict)
    sanitized: dict[int, Run] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


_CACHE: dict[tuple[str, str], _Runs] = {}
# The environment every run gets: a fixed one, as its size moves the stack a program sees.
# Without glibc's per-thread cache a freed block holds no random key (tcache's), only
# pointers, which are the same on every run.
_RUN_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "LC_ALL": "C",
    "GLIBC_TUNABLES": "glibc.malloc.tcache_count=0",
}
_SAN_ENV = {**_RUN_ENV, **SANITIZER_ENV}


def _golden_problem(plain: Run, san: Run) -> str | None:
    if plain.hung or san.hung:
        return f"did not finish in {GOLDEN_TIMEOUT_S:g} s"
    if plain.returncode != 0:
        return f"exit status {plain.returncode}; stdout:\n{plain.stdout[-2000:]}"
    report = sanitizer_report(san.stderr)
    if report or san.returncode != 0:
        return f"sanitized run failed: {report or san.returncode}"
    if plain.stdout != san.stdout:
        return "plain and sanitized builds print different output (undefined behaviour?)"
    return None


# Evidence names the rule, not the measured limit: the same sample must give the same
# record on every build, however loaded the machine is.
MIN_TIMEOUT_S = 0.5  # far above any golden run (the slowest takes 8 ms under ASan)
_NO_EXIT = f"no exit within the CPU time limit (10x the golden run, at least {MIN_TIMEOUT_S:g} s)"


def run_oracles(
    golden: Golden,
    buggy_text: str,
    workdir: Path,
    seeds=DEFAULT_SEEDS,
    timeout_factor: float = 10.0,
    min_timeout_s: float = MIN_TIMEOUT_S,
    *,
    run: bool = True,
) -> Verdict:
    """Build `buggy_text` both ways, run every seed, and name each oracle that fired:
    "compile" (it does not build), "hang", "csim-output" (stdout or exit status differs
    from golden), "sanitizer" (ASan/UBSan report). Both builds run on every seed; on a
    seed where the sanitized build reports, that report is the only evidence (a crash or
    hang of the plain build there is a consequence). Each oracle keeps its first seed.
    With `run=False` only the builds are made (compiled and warnings, nothing fired)."""
    seeds = tuple(seeds)
    golden.ensure(seeds)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sample-", dir=workdir))
    try:
        built = _build(buggy_text, golden.name, work, sanitized=run)
        if built.error is not None:
            return Verdict(False, built.warnings, {"compile": built.error})
        if not run:
            return Verdict(True, built.warnings, {})
        fired: dict[str, str] = {}
        limits = {s: max(min_timeout_s, timeout_factor * golden.plain[s].seconds) for s in seeds}
        plain = _run_seeds(built.plain, limits, work, _RUN_ENV)
        limits = {
            s: max(min_timeout_s, timeout_factor * golden.sanitized[s].seconds) for s in seeds
        }
        sanitized = _run_seeds(built.sanitized, limits, work, _SAN_ENV)
        for seed in seeds:
            san, run_ = sanitized[seed], plain[seed]
            exe = None if "sanitizer" in fired else built.sanitized  # locate the first only
            report = None if san.hung else sanitizer_report(san.stderr, exe)
            if report:
                # After undefined behaviour the plain build runs on whatever memory held
                # (it hangs on one run and not the next), so on this seed only the
                # sanitizer's report is evidence: recording more would make builds differ.
                fired.setdefault("sanitizer", f"seed {seed}: {report}")
                continue
            if run_.hung:
                fired.setdefault("hang", f"seed {seed}: {_NO_EXIT}")
                continue
            if san.hung:
                fired.setdefault("hang", f"seed {seed}: sanitized build, {_NO_EXIT}")
            difference = output_difference(golden.plain[seed], run_)
            if difference:
                fired.setdefault("csim-output", f"seed {seed}: {difference}")
        return Verdict(True, built.warnings, fired)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def output_difference(golden: Run, got: Run) -> str | None:
    """How `got` differs from `golden`: the first differing stdout line, or the exit."""
    want_lines, got_lines = golden.stdout.splitlines(), got.stdout.splitlines()
    for n, (a, b) in enumerate(zip(want_lines, got_lines, strict=False), 1):
        if a != b:
            return f"line {n}: expected {a!r}, got {b!r}"
    if len(want_lines) != len(got_lines):
        n = min(len(want_lines), len(got_lines)) + 1
        a = want_lines[n - 1] if n <= len(want_lines) else "<end of output>"
        b = got_lines[n - 1] if n <= len(got_lines) else "<end of output>"
        return f"line {n}: expected {a!r}, got {b!r}"
    if got.returncode != golden.returncode:
        if got.returncode is not None and got.returncode < 0:
            return f"killed by {signal.Signals(-got.returncode).name}, output otherwise equal"
        return f"exit status {got.returncode}, expected {golden.returncode}"
    return None


def sanitizer_report(stderr: str, exe: Path | None = None) -> str | None:
    """The first ASan/UBSan error in `stderr` with its file:line, addresses masked so the
    text is the same from run to run; None when there is none. ASan runs unsymbolized
    (symbolizing costs ~80 ms a report); with `exe`, its first frame in `exe` is located
    with addr2line."""
    ub = _UBSAN.search(stderr)
    asan = _ASAN.search(stderr)
    if ub and (asan is None or ub.start() < asan.start()):
        return _mask(f"{_short(ub['loc'])}: runtime error: {ub['msg'].strip()}")
    if asan is None:
        return None
    kind = asan["kind"]
    tail = stderr[asan.end() :]
    access = _ASAN_ACCESS.search(tail)
    text = f"ERROR: AddressSanitizer: {kind}"
    if access:
        text += f" ({access['access']})"
    where = _symbolized_frame(tail) or (_locate(tail, exe) if exe is not None else None)
    if where:
        text += f" at {where}"
    return _mask(text)


def _symbolized_frame(tail: str) -> str | None:
    frame = _FRAME.search(tail)
    return f"{_short(frame['loc'])} in {frame['fn']}" if frame else None


def _locate(tail: str, exe: Path) -> str | None:
    """`file:line in function` of the first stack frame inside `exe`, by addr2line."""
    frame = next((m for m in _RAW_FRAME.finditer(tail) if Path(m["module"]).name == exe.name), None)
    addr2line = shutil.which("addr2line", path=_tool_path())
    if frame is None or addr2line is None:
        return None
    try:
        out = subprocess.run(
            [addr2line, "-f", "-e", str(exe), frame["offset"]],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.split("\n")
    except subprocess.TimeoutExpired:
        return None
    if len(out) < 2 or out[1].startswith("??"):
        return None
    loc = out[1].split(" ")[0]  # drop " (discriminator N)"
    return f"{_short(loc)} in {out[0]}"


def _tool_path() -> str:
    """PATH with gcc's folder first: addr2line comes with the binutils gcc uses."""
    return os.pathsep.join([str(Path(find_tool("gcc").path).parent), os.environ.get("PATH", "")])


def _short(loc: str) -> str:
    return loc.rsplit("/", 1)[-1]


def _mask(text: str) -> str:
    return _ADDRESS.sub("0x...", text)


# ---- building and running ----------------------------------------------------------------


@dataclass
class _Built:
    plain: Path
    sanitized: Path
    warnings: list[str]
    error: str | None  # the first error line when the file does not build


def _build(text: str, name: str, work: Path, sanitized: bool = True) -> _Built:
    """Compile `text` (as `work/name`) plainly and, with `sanitized`, under the
    sanitizers too, the two side by side."""
    (work / name).write_text(text)
    (work / ENTRY_FILE).write_text(ENTRY_SOURCE)
    gcc = find_tool("gcc").path
    plain, san = work / "plain", work / "sanitized"
    sources = (name, ENTRY_FILE, *LINK_FLAGS)
    jobs = [_start([gcc, *PLAIN_FLAGS, *sources, "-o", plain.name], work, "cc-plain")]
    if sanitized:
        cmd = [gcc, *SANITIZE_FLAGS, *sources, "-o", san.name]
        jobs.append(_start(cmd, work, "cc-sanitized"))
    results = [_finish(job, COMPILE_TIMEOUT_S) for job in jobs]
    warnings = [line for line in results[0][2].splitlines() if ": warning: " in line]
    for code, _, err in results:
        if code != 0:
            lines = err.splitlines()
            first = next((x for x in lines if _ERROR_LINE.search(x)), None)
            if code is None:
                first = f"gcc did not finish in {COMPILE_TIMEOUT_S:g} s"
            return _Built(plain, san, warnings, first or (lines[0] if lines else f"gcc: {code}"))
    return _Built(plain, san, warnings, None)


def _command(exe: Path, seed: int) -> list[str]:
    return [str(exe)] if seed == 0 else [str(exe), str(seed)]


_ADDR_NO_RANDOMIZE = 0x0040000  # personality(2): lay memory out the same on every run
_LIBC = ctypes.CDLL(None, use_errno=True)


def _limits(cpu_s: float | None):
    def apply() -> None:  # runs in the child between fork and exec
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))
        if cpu_s is not None:
            # SIGPROF after `cpu_s` of CPU time (an interval timer survives exec and, unlike
            # RLIMIT_CPU, is not rounded up to whole seconds: most of a build's time went to
            # hung candidates); RLIMIT_CPU stays as the backstop should the program catch it.
            signal.setitimer(signal.ITIMER_PROF, cpu_s)
            backstop = math.ceil(cpu_s) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (backstop, backstop + 1))
        _LIBC.personality(_ADDR_NO_RANDOMIZE)

    return apply


# How a run stopped at its CPU limit ends: the interval timer, the backstop or the kill.
_LIMIT_SIGNALS = (-signal.SIGPROF, -signal.SIGXCPU, -signal.SIGKILL)


@dataclass
class _Job:
    proc: subprocess.Popen
    out: Path
    err: Path
    start: float


def _start(
    cmd: list[str], work: Path, tag: str, env: dict[str, str] | None = None, cpu_s=None
) -> _Job:
    """Start `cmd` in its own process group, stdout and stderr going to files in `work`
    (files, not pipes: a runaway printer is stopped by RLIMIT_FSIZE, not by our memory),
    with at most `cpu_s` seconds of CPU time."""
    out, err = work / f"{tag}.out", work / f"{tag}.err"
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(
            cmd,
            cwd=work,
            env=_RUN_ENV if env is None else env,
            stdin=subprocess.DEVNULL,
            stdout=fo,
            stderr=fe,
            start_new_session=True,
            preexec_fn=_limits(cpu_s),  # safe: this module starts children from one thread
        )
    return _Job(proc, out, err, time.monotonic())


def _finish(job: _Job, timeout_s: float) -> tuple[int | None, str, str]:
    """Wait for the job; on timeout kill its process group. Always reaps the child."""
    code: int | None
    try:
        code = job.proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        if job.proc.poll() is None or code is None:
            _kill(job)
    read = lambda p: p.read_bytes().decode(errors="replace")  # noqa: E731
    return code, read(job.out), read(job.err)


def _run_seeds(
    exe: Path, limits: dict[int, float], work: Path, env: dict[str, str] | None
) -> dict[int, Run]:
    """Run `exe` on every seed at once, each with its own CPU time limit: a hung program
    costs one limit, not one per seed. A run stopped at its limit counts as hung (its
    exit status is None); the wall-clock backstop allows for a loaded machine."""
    jobs: dict[int, _Job] = {}
    out = {}
    try:
        for seed in limits:
            cmd = _command(exe, seed)
            jobs[seed] = _start(cmd, work, f"{exe.name}-{seed}", env, limits[seed])
        for seed, job in jobs.items():
            backstop = 4 * math.ceil(limits[seed]) + 10.0
            code, stdout, stderr = _finish(job, max(job.start + backstop - time.monotonic(), 0))
            if code in _LIMIT_SIGNALS:  # the CPU limit stopped it
                code = None
            out[seed] = Run(stdout, code, stderr, time.monotonic() - job.start)
    finally:
        for job in jobs.values():  # after an error or interrupt: no orphan, no zombie
            if job.proc.poll() is None:
                _kill(job)
    return out


def _kill(job: _Job) -> None:
    """Kill the job's whole process group and reap the child."""
    with contextlib.suppress(ProcessLookupError):  # it already ended
        os.killpg(job.proc.pid, signal.SIGKILL)
    job.proc.wait()


def _execute(cmd: list[str], work: Path, timeout_s: float, env: dict[str, str] | None) -> Run:
    """One run alone; its `seconds` are the CPU time it used (what limits scale from: a
    loaded machine stretches wall time, not CPU time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    job = _start(cmd, work, "run", env)
    code, out, err = _finish(job, timeout_s)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(out, code, err, cpu)


# ---- kiln's own frontend as an oracle ----------------------------------------------------


def kiln_oracle(text: str, top: str) -> str | None:
    """kiln's error message when its C frontend rejects `text` (translating `top`), None
    when it translates. The message starts `top.c:LINE:COL:`."""
    with tempfile.TemporaryDirectory(prefix="kiln-oracle-") as scratch:
        path = Path(scratch) / f"{top}.c"
        path.write_text(text)
        try:
            load_c(path, top)
        except KilnError as err:
            where = f"{_short(str(err.loc.file))}" if err.loc else ""
            if err.loc and err.loc.line is not None:
                where += f":{err.loc.line}" + (f":{err.loc.col}" if err.loc.col else "")
            return f"{where}: {err.message}" if where else err.message
    return None
