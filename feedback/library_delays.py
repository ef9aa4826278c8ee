"""A user's cell library as a delay model, characterized on demand: the (op, width) points a
kernel's ops are looked up at, each measured once on that library and kept on disk.

`kiln compile --target liberty:FILE` schedules with the delays of FILE, not the generic
library's: before scheduling, the points the kernel needs that no earlier compile measured
are synthesized alone between flops (as `kiln characterize` does), and the model is built
from the cached points. The cache is keyed by what a measurement depends on: the library's
bytes, the flow and the tool versions (`$KILN_CACHE_DIR/delays`, else
`~/.cache/kiln/delays`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from kiln.base.files import write_atomically
from kiln.feedback.characterize import (
    CHARACTERIZED_OPS,
    STA_SCRIPT,
    YOSYS_SCRIPT,
    Job,
    Progress,
    _assemble,
    dumps,
    measure_jobs,
    measure_register_overhead,
    plan,
)
from kiln.feedback.targets import Target
from kiln.ir.kernel import Kernel, walk_ops
from kiln.ir.types import IntType
from kiln.scheduler.delay_model import DATA_VERSION, DelayModel, op_width

POINTS_VERSION = 1
MAX_WIDTH = 64  # wider ops extrapolate from the widest measured point, as the shipped model


def default_cache_dir() -> Path:
    root = os.environ.get("KILN_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "kiln") / "delays"


def kernel_needs(kernel: Kernel) -> dict[str, set[int]]:
    """opcode -> the widths the delay model looks `kernel`'s ops up at (`DelayModel.delay_ps`:
    the widest operand or result; a non-integer cast costs an add; a widening mul also its
    operands' width; a read of a partitioned array, a select of its element width)."""
    needs: dict[str, set[int]] = {}
    for op in walk_ops(kernel.body):
        opcode = op.opcode
        if opcode == "cast":
            types = [*(v.type for v in op.operands), op.result.type]
            if all(type(t) is IntType for t in types):
                continue
            opcode = "add"
        if opcode == "load" and op.storage is not None and op.storage.partition is not None:
            # a completely partitioned array is read through a tree of selects
            needs.setdefault("select", set()).add(op.storage.elem.width)
        if opcode not in CHARACTERIZED_OPS:
            continue
        widths = {op_width(op)}
        if opcode == "mul":
            widths.add(max(v.type.width for v in op.operands))
        needs.setdefault(opcode, set()).update(w for w in widths if w <= MAX_WIDTH)
    return {k: v for k, v in needs.items() if v}


def _identity(target: Target) -> str:
    h = hashlib.sha256()
    parts = (f"points {POINTS_VERSION}", f"data {DATA_VERSION}", *YOSYS_SCRIPT, *STA_SCRIPT)
    for part in (*parts, *target.synthesizer().identity()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def _job_key(j: Job) -> str:
    return f"{j.label}{'_wide' if j.widening else ''}"


def library_delay_model(
    target: Target,
    kernel: Kernel,
    progress: Callable[[str], None] | None = None,
    cache_dir: Path | None = None,
    jobs: int = 2,
) -> DelayModel:
    """The delay model of `target`'s library for `kernel`'s ops, measuring only the points
    no earlier call measured."""
    say = progress or (lambda _msg: None)
    folder = Path(cache_dir or default_cache_dir()) / _identity(target)
    store = folder / "points.json"
    known: dict = json.loads(store.read_text()) if store.is_file() else {}
    points: dict[str, float] = dict(known.get("points", {}))
    needs = kernel_needs(kernel)
    wanted = [j for opcode, widths in sorted(needs.items()) for j in plan([opcode], widths)]
    missing = [j for j in wanted if _job_key(j) not in points]
    overhead = known.get("register_overhead_ps")
    if missing or overhead is None:
        say(f"characterizing {len(missing)} op point(s) on {target.name} (cached for next time)")
        root = Path(tempfile.mkdtemp(prefix="kiln-lib-"))
        try:
            if overhead is None:
                overhead = measure_register_overhead(target, root)

            def tell(p: Progress) -> None:
                say(f"[{p.done}/{p.total}] {p.label}: {p.delay_ps:.1f} ps")

            for job, delay in measure_jobs(target, missing, overhead, jobs, root, tell).items():
                points[_job_key(job)] = delay
        finally:
            shutil.rmtree(root, ignore_errors=True)
        record = {"register_overhead_ps": overhead, "library": target.name, "points": points}
        write_atomically(store, json.dumps(record, indent=1, sort_keys=True) + "\n")
    data = _assemble(target, overhead, {j: points[_job_key(j)] for j in wanted})
    text = dumps(data)
    model_file = folder / f"model-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"
    if not model_file.is_file():
        write_atomically(model_file, text)
    return DelayModel.from_file(model_file)
