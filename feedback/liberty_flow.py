"""The Liberty flow: Yosys maps a design to a cell library, ABC optimizes it, OpenSTA
times it. Subgraphs are timed pair by pair, whole designs signed off at the clock, single
ops measured for characterization; kiln's generic library when no file is given.

A subgraph module (`kiln.backend.subgraph_rtl`) has flopped inputs and outputs. Yosys maps
it to the cell library; its flip-flops are renamed after the registers they hold
(`rin3_q[0]...`), so OpenSTA can time the worst path from each input register to each
output register. A pair's delay is that path less the register overhead (clock-to-Q plus
setup), which the scheduler counts once per stage: the same convention as `kiln
characterize`, so a one-op subgraph measures what the op's characterized delay says.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kiln.base.errors import ToolError
from kiln.base.toolchain import find_tool
from kiln.feedback import synthesis
from kiln.feedback.synthesis import GENERIC_LIBERTY
from kiln.feedback.synthesizer import SignOff, TimingFailed
from kiln.feedback.tool_runs import run_sta, run_yosys

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


@functools.cache
def _version(tool: str) -> str:
    return find_tool(tool).version


@functools.cache
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class LibertyFlow:
    """Yosys + ABC + OpenSTA on `liberty` (kiln's generic library when None)."""

    liberty: Path | None = None

    @property
    def library(self) -> Path:
        return Path(self.liberty or GENERIC_LIBERTY).absolute()

    @property
    def name(self) -> str:
        return f"liberty:{self.liberty}" if self.liberty else "generic"

    @property
    def clock_per_register(self) -> bool:
        return False

    def identity(self) -> tuple[str, ...]:
        versions = self.tool_versions()
        tools = f"yosys {versions['yosys']}; sta {versions['sta']}"
        return "\n".join(YOSYS_SCRIPT), STA_SCRIPT, _file_digest(self.library), tools

    def tool_versions(self) -> dict[str, str]:
        return {"yosys": _version("yosys"), "sta": _version("sta")}

    def time_pairs(self, verilog, top, n_inputs, n_outputs, overhead_ps, work):
        try:
            return _time_pairs(verilog, top, n_inputs, n_outputs, overhead_ps, self.library, work)
        except ToolError as err:
            if "timed out" not in err.message:
                raise  # a broken flow or library: the error names its logs, kept in `work`
            raise TimingFailed(f"{err.tool} {err.message}") from err

    def sign_off(self, verilog: str, top: str, work: Path, period_ps: float) -> SignOff:
        src = work / f"{top}.v"
        src.write_text(verilog)
        rep = synthesis.synthesize(src, top, work, period_ps, self.liberty)  # patchable in tests
        passed = rep.slack_ps is None or rep.slack_ps >= 0
        return SignOff(
            passed, rep.slack_ps, rep.critical_path_ps, rep.register_bits, rep.flip_flops,
            rep.log, fmax_mhz=rep.fmax_mhz, abc_no_sweep=rep.abc_no_sweep,
        )  # fmt: skip

    def op_path_ps(self, verilog: str, top: str, work: Path) -> float | None:
        from kiln.feedback.characterize import liberty_path_ps

        return liberty_path_ps(verilog, self.library, work, top)


def _time_pairs(verilog, top, n_inputs, n_outputs, overhead_ps, lib: Path, work: Path):
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
