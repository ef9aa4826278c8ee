"""The synthesis oracle: time a subgraph module with Yosys, ABC and OpenSTA (or, for the
iCE40 target, Yosys and nextpnr: `kiln.feedback.ice40`), one delay per (input, output)
pair, cached on disk.

The module (`kiln.backend.subgraph_rtl`) has flopped inputs and outputs. Yosys maps it to
the cell library; its flip-flops are renamed after the registers they hold (`rin3_q[0]...`),
so OpenSTA can time the worst path from each input register to each output register.
A pair's delay is that path less the register overhead (clock-to-Q plus setup), which the
scheduler counts once per stage: the same convention as `kiln characterize`, so a one-op
subgraph measures what the op's characterized delay says.

Results are cached under `cache_dir` (default `$KILN_CACHE_DIR/isdc`, else
`~/.cache/kiln/isdc`), keyed by a hash of the module text, the flow, the cell library's
text (or the FPGA device) and the tool versions: a repeated subgraph costs no synthesis. A
subgraph whose synthesis runs past its time limit is recorded as unmeasured, and cached
as such: it is not tried again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kiln.errors import ToolError
from kiln.feedback import ice40
from kiln.feedback.synthesis import GENERIC_LIBERTY
from kiln.feedback.targets import GENERIC, Target
from kiln.feedback.tool_runs import run_sta, run_yosys
from kiln.files import write_atomically
from kiln.toolchain import find_tool

FLOW_VERSION = 1  # bump when the scripts below change what they measure
PERIOD_NS = 1000.0  # long enough that every path meets it; delay = period - slack
YOSYS_TIMEOUT_S = 180.0  # a subgraph slower than this to map is left unmeasured
STA_TIMEOUT_S = 120.0

YOSYS_SCRIPT = (
    "read_verilog -sv {src}",
    "synth -flatten -top {top}",
    "rename -wire t:$_DFF*",  # flops named after their register: rin0_q[3]$_DFF_P_
    'dfflibmap -liberty "{lib}"',
    'abc -liberty "{lib}"',
    "setundef -zero",
    "splitnets",  # one-bit nets, merged by the purge: no `assign {a, b} = ...` for OpenSTA
    "rename -hide w:* x:* %d",
    "opt_clean -purge",
    'tee -q -o cells.txt stat -liberty "{lib}"',
    "write_verilog -noattr -noexpr {net}",
)
STA_SCRIPT = """\
read_liberty "{lib}"
read_verilog {net}
link_design {top}
set_cmd_units -time ns
create_clock -name clk -period {period} [get_ports clk]
foreach i {{{inputs}}} {{
  set from [get_cells -quiet "rin${{i}}_q*"]
  if {{[llength $from] == 0}} {{ continue }}
  foreach j {{{outputs}}} {{
    set to [get_cells -quiet "rout${{j}}_q*"]
    if {{[llength $to] == 0}} {{ continue }}
    set paths [find_timing_paths -from $from -to $to -path_delay max]
    if {{[llength $paths] > 0}} {{
      puts "pair $i $j [get_property [lindex $paths 0] slack]"
    }}
  }}
}}
exit
"""
_PAIR = re.compile(r"(?m)^pair (\d+) (\d+) (\S+)$")


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


@functools.cache
def _tool_versions() -> str:
    return f"yosys {find_tool('yosys').version}; sta {find_tool('sta').version}"


@functools.cache
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _flow(target: Target) -> tuple[str, ...]:
    if target.is_fpga:
        return (
            "\n".join(ice40.YOSYS_SCRIPT),
            f"{ice40.DEVICE_NAME} seed {ice40.SEED} at {ice40.MEASURE_FREQ_MHZ} MHz",
            ice40.tool_versions(),
        )
    lib = Path(target.liberty or GENERIC_LIBERTY).absolute()
    return "\n".join(YOSYS_SCRIPT), STA_SCRIPT, _file_digest(lib), _tool_versions()


def cache_key(verilog: str, target: Target, overhead_ps: float) -> str:
    """What a timing depends on: the module, the flow, the library or device, the tools."""
    h = hashlib.sha256()
    for part in (verilog, f"flow {FLOW_VERSION}", *_flow(target), f"overhead {overhead_ps!r}"):
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
    key = cache_key(verilog, target, overhead_ps)
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
        if target.is_fpga:
            delays, cells = ice40.pair_delays(verilog, top, overhead_ps, work)
        else:
            lib = Path(target.liberty or GENERIC_LIBERTY).absolute()
            delays, cells = _run(verilog, top, n_inputs, n_outputs, overhead_ps, lib, work)
    except ToolError as err:
        if "timed out" not in err.message:
            raise  # a broken flow or library: the error names its logs, kept in `work`
        delays, cells, failed = {}, 0, f"{err.tool} {err.message}"
    except ice40.TooManyRegisters as err:
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


def _run(verilog, top, n_inputs, n_outputs, overhead_ps, lib: Path, work: Path):
    work.mkdir(parents=True, exist_ok=True)
    (work / "subgraph.v").write_text(verilog)
    fields = {"src": "subgraph.v", "top": top, "lib": str(lib), "net": "netlist.v"}
    run_yosys(work, "\n".join(YOSYS_SCRIPT).format(**fields) + "\n", "synth", YOSYS_TIMEOUT_S)
    fields["period"] = f"{PERIOD_NS:g}"
    fields["inputs"] = " ".join(str(i) for i in range(n_inputs))
    fields["outputs"] = " ".join(str(j) for j in range(n_outputs))
    hint = "the subgraph netlist or the Liberty file did not load; read the log"
    run = run_sta(work, STA_SCRIPT.format(**fields), STA_TIMEOUT_S, hint)
    delays = {}
    for i, j, slack in _PAIR.findall(run.stdout):
        path_ps = (PERIOD_NS - float(slack)) * 1000.0
        delays[(int(i), int(j))] = round(max(0.0, path_ps - overhead_ps), 1)
    cells_text = (work / "cells.txt").read_text()
    found = re.search(r"Number of cells:\s+(\d+)", cells_text)
    return delays, int(found.group(1)) if found else 0
