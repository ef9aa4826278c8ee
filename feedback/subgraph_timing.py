"""The synthesis oracle: time a subgraph module on the target's synthesizer (the Liberty
flow, `kiln.feedback.liberty_flow`, or the iCE40 one, `kiln.feedback.ice40`), one delay
per (input, output) pair, cached on disk.

Results are cached under `cache_dir` (default `$KILN_CACHE_DIR/isdc`, else
`~/.cache/kiln/isdc`), keyed by a hash of the module text, the flow, the cell library's
text (or the FPGA device) and the tool versions: a repeated subgraph costs no synthesis. A
subgraph whose synthesis runs past its time limit is recorded as unmeasured, and cached
as such: it is not tried again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kiln.base.files import write_atomically
from kiln.feedback.synthesizer import Synthesizer, TimingFailed
from kiln.feedback.targets import GENERIC, Target

FLOW_VERSION = 1  # bump when the scripts below change what they measure


@dataclass(frozen=True)
class Timing:
    """Delays in ps from input i to output j (register overhead taken out); a missing
    pair has no path. `cached`: no tool ran."""

    delays: dict[tuple[int, int], float]
    cells: int
    seconds: float
    cached: bool
    key: str
    failed: str = ""  # why the tools gave no timing (then `delays` is empty), cached too


def default_cache_dir() -> Path:
    root = os.environ.get("KILN_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "kiln") / "isdc"


def cache_key(verilog: str, synthesizer: Synthesizer, overhead_ps: float) -> str:
    """What a timing depends on: the module, the flow, the library or device, the tools."""
    h = hashlib.sha256()
    parts = (verilog, f"flow {FLOW_VERSION}", *synthesizer.identity(), f"overhead {overhead_ps!r}")
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def time_subgraph(
    verilog: str,
    top: str,
    n_inputs: int,
    n_outputs: int,
    overhead_ps: float,
    target: Target = GENERIC,
    cache_dir: Path | None = None,
    workdir: Path | None = None,
) -> Timing:
    """Time the module `top` in `verilog` (rin<i>/rout<j> registers; one clock per register
    for an FPGA target), from the cache when it was timed before. ToolError when a tool
    fails; the logs stay in `workdir` (a temporary folder, removed after a success, when
    not given)."""
    synthesizer = target.synthesizer()
    key = cache_key(verilog, synthesizer, overhead_ps)
    cache = Path(cache_dir or default_cache_dir()) / key[:2] / f"{key}.json"
    if cache.is_file():
        try:
            data = json.loads(cache.read_text())
            delays = {(i, j): float(d) for i, j, d in data["delays"]}
            return Timing(delays, int(data["cells"]), 0.0, True, key, data.get("failed", ""))
        except (ValueError, KeyError, TypeError):
            pass  # a damaged entry: time it again and rewrite it
    start = time.monotonic()
    work = Path(workdir or tempfile.mkdtemp(prefix="kiln-subgraph-"))
    failed = ""
    try:
        delays, cells = synthesizer.time_pairs(verilog, top, n_inputs, n_outputs, overhead_ps, work)
    except TimingFailed as err:  # an answer all the same: recorded, and not tried again
        delays, cells, failed = {}, 0, str(err)
    if workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - start
    record = {
        "delays": [[i, j, d] for (i, j), d in sorted(delays.items())],
        "cells": cells,
        "failed": failed,
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(cache, json.dumps(record) + "\n")
    return Timing(delays, cells, seconds, False, key, failed)
