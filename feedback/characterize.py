"""Characterize every timing-relevant IR op on a cell library, for the scheduler's delay model.

Each op is measured alone, at one bit width, in a module whose inputs and output are
flopped: kiln's own backend lowers the op (so the logic is what kiln will emit), Yosys
synthesizes and ABC maps it to the Liberty library, and OpenSTA reports the worst
register-to-register path. The register overhead (clock-to-Q plus setup) is measured once,
on a flop that feeds a flop, and subtracted, because the scheduler counts it once per stage
rather than once per op. The result is a versioned JSON file (`kiln-delays`, see
`kiln.scheduler.delay_model`) of measured points per op, signedness and width, plus a
least-squares fit of `a*w + b*log2(w) + c` kept for reports; the scheduler interpolates
the points, so at a measured width the model equals the measurement.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiln.backend.expressions import OpLowering
from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    AlwaysFF,
    Assign,
    Decl,
    Module,
    NonBlocking,
    Port,
    Ref,
    render_module,
)
from kiln.base.errors import KilnError, ToolError
from kiln.base.files import write_atomically
from kiln.feedback import ice40
from kiln.feedback.targets import Target
from kiln.feedback.tool_runs import run_sta, run_yosys
from kiln.ir.kernel import Op, Value
from kiln.ir.ops import OPS
from kiln.ir.types import BOOL, IntType
from kiln.scheduler.delay_model import DATA_FORMAT, DATA_VERSION, SIGNED_OPS, WIDENING

GENERIC_LIBERTY = Path(__file__).resolve().parent / "liberty" / "generic.lib"

# Ops with logic of their own. Wiring (slice, concat, extensions, constants), int casts and
# memory/variable access cost nothing in the model and are not measured.
CHARACTERIZED_OPS = (
    "add", "sub", "neg", "mul", "div", "rem",
    "eq", "ne", "lt", "le", "gt", "ge",
    "and", "or", "xor", "not", "shl", "shr", "select",
)  # fmt: skip
# Every width up to 64: synthesis results are not smooth in the width (ABC's mapping of a
# 40-bit subtractor is not the mean of 32 and 48 bits), so a width between two measured
# ones could be off by 20%. Dividers are slow to synthesize and become multi-cycle units,
# so they are sampled more coarsely and interpolated.
DEFAULT_WIDTHS = tuple(range(1, 65))
DIVIDER_WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64)
DIVIDERS = ("div", "rem")

PERIOD_NS = 1000.0  # long enough that every path meets it; delay = period - slack
YOSYS_TIMEOUT_S = 900.0
STA_TIMEOUT_S = 300.0
FIT_MODEL = "a*w + b*log2(w) + c"

# The synthesis flow, one line per step; {lib} is the Liberty file, {top} the module.
YOSYS_SCRIPT = (
    "read_verilog -sv {src}",
    "synth -flatten -top {top}",
    'dfflibmap -liberty "{lib}"',
    'abc -liberty "{lib}"',
    "setundef -zero",
    # Hide internal names so that -purge leaves no `assign {a, b} = ...` aliases, which
    # OpenSTA's netlist reader does not parse.
    "rename -hide w:* x:* %d",
    "opt_clean -purge",
    'stat -liberty "{lib}"',
    "write_verilog -noattr -noexpr {net}",
)
STA_SCRIPT = (
    'read_liberty "{lib}"',
    "read_verilog {net}",
    "link_design {top}",
    "set_cmd_units -time ns",
    "create_clock -name clk -period {period} [get_ports clk]",
    "report_worst_slack -digits 6",
    "exit",
)


@dataclass(frozen=True)
class Job:
    """One measurement: an op at a width and signedness ("reg" is the bare register pair);
    `widening`: a mul with a result twice the operands' width."""

    opcode: str
    width: int
    signed: bool
    widening: bool = False

    @property
    def label(self) -> str:
        kind = f"{self.opcode}w" if self.widening else self.opcode
        return f"{kind}{'_s' if self.signed else '_u'}{self.width}"


@dataclass(frozen=True)
class Progress:
    """What a `progress` callback gets after each finished measurement."""

    done: int
    total: int
    label: str  # e.g. "mul_s16"
    delay_ps: float  # the op's own delay, register overhead removed
    seconds: float  # wall time of this job's tool runs


def stderr_progress(p: Progress) -> None:
    """A progress callback that prints one line per finished job to stderr."""
    print(
        f"[{p.done}/{p.total}] {p.label}: {p.delay_ps:.1f} ps ({p.seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )


# ---- the module under test -----------------------------------------------------------------


def _shift_amount_width(width: int) -> int:
    """Enough bits to shift everything out: shifts by 0..2w-1 are all exercised."""
    return max(1, width.bit_length())


def build_op(opcode: str, width: int, signed: bool, widening: bool = False) -> Op:
    """The IR op measured for (opcode, width, signed): operands of `width` bits, and a
    result of the same width (the C-like case: `int * int -> int`), or u1 for compares;
    a widening mul has a result of twice the width (`int16 * int16 -> int32`)."""
    check_job(opcode, width)
    t = IntType(width, signed)
    kind = OPS[opcode].kind
    if widening:
        operands, result = [t, t], IntType(2 * width, signed)
    elif kind == "compare":
        operands, result = [t, t], BOOL
    elif kind == "shift":
        operands, result = [t, IntType(_shift_amount_width(width), False)], t
    elif kind == "select":
        operands, result = [BOOL, t, t], t
    else:
        operands, result = [t] * OPS[opcode].arity, t
    op = Op(opcode, [Value(f"in{i}", ot) for i, ot in enumerate(operands)], Value("y", result))
    complaint = OPS[opcode].rule(operands, result, {}) if OPS[opcode].rule else None
    if complaint:  # a bug in the table above, not the user's input
        raise KilnError(f"characterization op {opcode} {width}: {complaint}")
    return op


def op_module(op: Op | None, width: int = 1, name: str = "dut") -> str:
    """Verilog for `op` between input flops and an output flop, clocked by `clk`.

    With op None the module is one flop feeding another: the register overhead.
    """
    namer = Namer(("clk",))
    module = Module(namer.fresh(name), header=["kiln characterization module"])
    module.ports.append(Port("input", "clk", 1))
    if op is None:
        operands: list[tuple[str, int]] = [("in0", width)]
        out_width = width
    else:
        operands = [(v.name, v.type.width) for v in op.operands]
        out_width = op.result.type.width
    body = []
    regs = []
    for port, w in operands:
        module.ports.append(Port("input", namer.fresh(port), w))
        reg = namer.fresh(f"{port}_q")
        regs.append(reg)
        module.items.append(Decl("reg", reg, w))
        body.append(NonBlocking(reg, Ref(port)))
    out = namer.fresh("y")
    module.ports.append(Port("output", out, out_width))
    out_reg = namer.fresh("y_q")
    module.items.append(Decl("reg", out_reg, out_width))
    if op is None:
        body.append(NonBlocking(out_reg, Ref(regs[0])))
    else:
        lowering = OpLowering(namer)
        expr = lowering.lower(op, regs, "op")
        result = namer.fresh("op_y")
        module.items += lowering.decls
        module.items.append(Decl("wire", result, out_width))
        module.items += lowering.assigns
        module.items.append(Assign(result, expr))
        body.append(NonBlocking(out_reg, Ref(result)))
    module.items.append(AlwaysFF("clk", tuple(body)))
    module.items.append(Assign(out, Ref(out_reg)))
    return render_module(module)


# ---- one measurement ---------------------------------------------------------------------


def check_job(opcode: str, width: int) -> None:
    """KilnError for an opcode kiln cannot characterize or a width below 1."""
    if opcode not in CHARACTERIZED_OPS:
        wiring = opcode in OPS
        raise KilnError(
            f"cannot characterize op '{opcode}': "
            + ("it is wiring, memory or a cast, which the model costs at 0 ps" if wiring
               else "no such op in the IR op table"),
            hint=f"characterized ops: {', '.join(CHARACTERIZED_OPS)}",
        )  # fmt: skip
    if not isinstance(width, int) or width < 1:
        raise KilnError(f"op '{opcode}': width must be an integer >= 1, got {width!r}")


def _resolve(target: Target | Path) -> Target:
    """A target whose Liberty file (generic when none) exists, by absolute path."""
    if not isinstance(target, Target):
        target = Target("liberty", Path(target))
    if target.is_fpga:
        return target
    return Target("liberty", _check_liberty(target.liberty or GENERIC_LIBERTY))


def _check_liberty(liberty: Path) -> Path:
    liberty = Path(liberty).absolute()
    if not liberty.is_file():
        raise KilnError(
            f"liberty file {liberty} does not exist",
            hint="pass --liberty PATH to a Liberty (.lib) file, or leave it out for kiln's "
            "generic library",
        )
    return liberty


def _path_ps(verilog: str, target: Target, workdir: Path, top: str = "dut") -> float | None:
    """The worst register-to-register path in ps (clock-to-Q + logic + setup), or None
    when synthesis left no such path (the op's output is a constant)."""
    return target.synthesizer().op_path_ps(verilog, top, workdir)


def liberty_path_ps(verilog: str, liberty: Path, workdir: Path, top: str = "dut") -> float | None:
    """`_path_ps` on a cell library: Yosys + ABC map the op module, OpenSTA times it."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "dut.v").write_text(verilog)
    fields = {"src": "dut.v", "top": top, "lib": str(liberty), "net": "netlist.v"}
    try:
        run_yosys(
            workdir, "\n".join(YOSYS_SCRIPT).format(**fields) + "\n", "yosys", YOSYS_TIMEOUT_S
        )
    except ToolError as err:  # most often the Liberty file: say so beside the tool's hint
        raise ToolError(
            err.message,
            tool=err.tool,
            command=err.command,
            log=err.log,
            hint=f"{err.hint}; if the error is in {liberty.name}, check that it is a Liberty "
            "file with gates that have function attributes and a D flip-flop with an ff group",
        ) from err
    fields["period"] = f"{PERIOD_NS:g}"
    hint = (
        "check that the Liberty file parses in OpenSTA and defines the cells that Yosys "
        "mapped to (a flip-flop with an ff group, gates with function attributes)"
    )
    run = run_sta(workdir, "\n".join(STA_SCRIPT).format(**fields) + "\n", STA_TIMEOUT_S, hint)
    found = re.search(r"worst slack\s+(\S+)", run.stdout)
    if not found:
        raise ToolError(
            "no 'worst slack' line in OpenSTA's output",
            tool="sta",
            log=str(run.log_path),
            hint="the Liberty file may lack timing arcs; read the log",
        )
    try:
        slack_ns = float(found.group(1))
    except ValueError:  # "INF": nothing constrained
        return None
    if slack_ns >= PERIOD_NS * (1 - 1e-9):
        return None
    return round((PERIOD_NS - slack_ns) * 1000.0, 3)


def _job_dir(workdir: Path, job: Job) -> Path:
    return Path(workdir) / job.label


def _measure_path(job: Job, target: Target, workdir: Path) -> tuple[Job, float | None, float]:
    """(job, register-to-register path in ps or None, seconds)."""
    start = time.monotonic()
    if job.opcode == "reg":
        verilog = op_module(None, job.width)
    else:
        verilog = op_module(build_op(job.opcode, job.width, job.signed, job.widening))
    path = _path_ps(verilog, target, _job_dir(workdir, job))
    return job, path, time.monotonic() - start


def _pool_job(job: Job, target: Target, workdir: Path) -> tuple:
    """`_measure_path` for a worker process: a KilnError comes back as data, since
    ToolError's keyword-only arguments do not survive pickling."""
    try:
        return ("ok", *_measure_path(job, target, workdir))
    except ToolError as err:
        return ("tool", err.tool, err.message, err.command, err.log, err.hint)
    except KilnError as err:
        return ("kiln", err.message, err.hint)


def _unpack(outcome: tuple) -> tuple[Job, float | None, float]:
    if outcome[0] == "tool":
        _, tool, message, command, log, hint = outcome
        raise ToolError(message, tool=tool, command=command, log=log, hint=hint)
    if outcome[0] == "kiln":
        raise KilnError(outcome[1], hint=outcome[2])
    return outcome[1:]


def measure_register_overhead(target: Target | Path, workdir: Path) -> float:
    """Clock-to-Q plus setup in ps (plus one route on an FPGA), from one flop feeding
    another directly. `target`: a Target or a Liberty file."""
    _, path, _ = _measure_path(Job("reg", 1, False), _resolve(target), Path(workdir))
    if path is None:
        raise ToolError(
            "the flop-to-flop test module has no register-to-register path",
            tool="yosys",
            hint="the Liberty file needs a rising-edge D flip-flop (an ff group) for dfflibmap",
        )
    return path


def _op_delay(path: float | None, overhead: float) -> float:
    """The op's own delay; a constant output (no path) or a path within rounding of the
    overhead costs 0."""
    return 0.0 if path is None else round(max(0.0, path - overhead), 1)


def measure_op(
    opcode: str, width: int, signed: bool, target: Target | Path, workdir: Path
) -> float:
    """One fresh measurement of `opcode` at `width` bits: its own delay in ps (overhead
    removed). `target`: a Target or a Liberty file."""
    check_job(opcode, width)
    target = _resolve(target)
    overhead = measure_register_overhead(target, workdir)
    _, path, _ = _measure_path(Job(opcode, width, signed), target, Path(workdir))
    return _op_delay(path, overhead)


# ---- the whole run -------------------------------------------------------------------------


def plan(
    opcodes: Iterable[str] | None,
    widths: Iterable[int] | None,
    default_widths: tuple[int, ...] = DEFAULT_WIDTHS,
    divider_widths: tuple[int, ...] = DIVIDER_WIDTHS,
) -> list[Job]:
    """Every job to run: each op at each width, both signednesses where the op's logic
    depends on it; widest first, so the pool is not left waiting on one long job."""
    opcodes = list(CHARACTERIZED_OPS if opcodes is None else opcodes)
    asked = None if widths is None else sorted(set(widths))
    if not opcodes or asked == []:
        raise KilnError("nothing to characterize: the op or width list is empty")
    jobs = []
    for opcode in opcodes:
        default = divider_widths if opcode in DIVIDERS else default_widths
        op_widths = asked if asked is not None else list(default)
        for w in op_widths:
            check_job(opcode, w)
        for signed in (False, True) if opcode in SIGNED_OPS else (False,):
            jobs += [Job(opcode, w, signed) for w in op_widths]
        if opcode == "mul":  # signed, the C case (unsigned measures within 1%)
            jobs += [Job(opcode, w, True, widening=True) for w in op_widths if 2 * w <= 64]
    return sorted(jobs, key=lambda j: (-j.width, j.opcode, j.signed))


def fit(points: list[tuple[int, float]]) -> dict[str, float]:
    """Least-squares `a*w + b*log2(w) + c` over the points, with its worst relative error.

    For reports; the delay model interpolates the points themselves, which are exact.
    """
    w = np.array([p[0] for p in points], dtype=float)
    d = np.array([p[1] for p in points], dtype=float)
    basis = np.stack([w, np.log2(w), np.ones_like(w)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, d, rcond=None)
    model = basis @ coef
    rel = np.abs(model - d) / np.maximum(d, 1.0)
    a, b, c = (round(float(x), 3) + 0.0 for x in coef)  # + 0.0: no "-0.0" in the file
    return {"a": a, "b": b, "c": c, "max_rel_error": round(float(rel.max()), 4)}


def _tool_versions(target: Target) -> dict[str, str]:
    return target.synthesizer().tool_versions()


def _library_name(liberty: Path) -> str:
    """The name in the file's `library(NAME)` group (comments skipped), else the file stem."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", liberty.read_text(errors="replace"), flags=re.S)
    found = re.search(r"\blibrary\s*\(\s*\"?([\w.\-]+)", text)
    return found.group(1) if found else liberty.stem


def _assemble(target: Target, overhead: float, results: dict[Job, float]) -> dict:
    ops: dict[str, dict] = {}
    for job in sorted(results, key=lambda j: (j.opcode, j.signed, j.width)):
        variant = ("signed" if job.signed else "unsigned") if job.opcode in SIGNED_OPS else "any"
        variant = WIDENING if job.widening else variant
        entry = ops.setdefault(job.opcode, {}).setdefault(variant, {"points": []})
        entry["points"].append([job.width, results[job]])
    for variants in ops.values():
        for entry in variants.values():
            entry["fit"] = {"model": FIT_MODEL, **fit(entry["points"])}
    module = "inputs flopped -> one op (kiln backend lowering) -> output flopped"
    if target.is_fpga:
        source = {"library": ice40.DEVICE_NAME}
        flow = {
            "module": module + "; in kiln's iCE40 harness (kiln.feedback.ice40)",
            "yosys": ice40.YOSYS_SCRIPT[1].format(top="TOP"),
            "nextpnr": f"{' '.join(ice40.DEVICE)} --seed {ice40.SEED} "
            f"--freq {ice40.MEASURE_FREQ_MHZ:g}; worst clk-to-clk path (routing included), "
            "minus register_overhead_ps",
        }
    else:
        liberty = target.liberty
        source = {
            "library": _library_name(liberty),
            "liberty_sha256": hashlib.sha256(liberty.read_bytes()).hexdigest(),
        }
        flow = {
            "module": module,
            "yosys": "; ".join(YOSYS_SCRIPT[1:4]).format(top="TOP", lib="LIB").replace('"', ""),
            "sta": "worst register-to-register path, minus register_overhead_ps",
        }
    return {
        "format": DATA_FORMAT,
        "version": DATA_VERSION,
        **source,
        "tools": _tool_versions(target),
        "units": "ps",
        "flow": {
            **flow,
            "widths": "operands and result share the width; compares give u1; shift "
            "amounts have bit_length(w) bits",
        },
        "register_overhead_ps": round(overhead, 1),
        "ops": ops,
    }


def measure_jobs(
    target: Target,
    job_list: list[Job],
    overhead: float,
    jobs: int,
    root: Path,
    progress: Callable[[Progress], None] | None = None,
) -> dict[Job, float]:
    """Each job's own delay in ps (`overhead` taken out), on a pool of `jobs` workers."""
    if jobs < 1:
        raise KilnError(f"jobs must be at least 1, got {jobs}")
    results: dict[Job, float] = {}

    def record(job: Job, path: float | None, seconds: float) -> None:
        results[job] = _op_delay(path, overhead)
        if progress:
            progress(Progress(len(results), len(job_list), job.label, results[job], seconds))

    if jobs == 1 or len(job_list) <= 1:
        for job in job_list:
            record(*_measure_path(job, target, root))
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(job_list))) as pool:
            futures = [pool.submit(_pool_job, job, target, root) for job in job_list]
            for future in as_completed(futures):
                record(*_unpack(future.result()))
    return results


def characterize(
    liberty: Path | None = None,
    out: Path | None = None,
    opcodes: list[str] | None = None,
    widths: list[int] | None = None,
    jobs: int = 2,
    workdir: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    target: Target | None = None,
) -> dict:
    """Measure every op (default: all of CHARACTERIZED_OPS at every width to 64, dividers at
    DIVIDER_WIDTHS) on `liberty` (default: kiln's generic.lib) and return the `kiln-delays`
    data; write it to `out` too. With `target` Target("ice40"), measure on the iCE40 through
    Yosys and nextpnr instead (at ice40.OP_WIDTHS).

    Jobs run on a process pool of `jobs` workers; `workdir` keeps each job's Verilog,
    scripts and tool logs (a temporary folder, removed afterwards, when None).
    """
    target = _resolve(target or Target("liberty", liberty))
    if target.is_fpga:
        job_list = plan(opcodes, widths, ice40.OP_WIDTHS, ice40.DIVIDER_WIDTHS)
    else:
        job_list = plan(opcodes, widths)
    if jobs < 1:
        raise KilnError(f"jobs must be at least 1, got {jobs}")
    keep = workdir is not None
    root = Path(workdir).absolute() if keep else Path(tempfile.mkdtemp(prefix="kiln-char-"))
    try:
        overhead = measure_register_overhead(target, root)
        results = measure_jobs(target, job_list, overhead, jobs, root, progress)
        data = _assemble(target, overhead, results)
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out, dumps(data))
    return data


def dumps(data: dict) -> str:
    """The data file's text: sorted keys, one entry per line, so reruns give equal bytes."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


__all__ = [
    "CHARACTERIZED_OPS",
    "DEFAULT_WIDTHS",
    "DIVIDER_WIDTHS",
    "GENERIC_LIBERTY",
    "Job",
    "Progress",
    "build_op",
    "characterize",
    "dumps",
    "fit",
    "measure_op",
    "measure_register_overhead",
    "op_module",
    "stderr_progress",
]
