"""Synthesize a whole design with Yosys and ABC onto a Liberty library and time it with
OpenSTA: registers, cells, area, critical path and Fmax, for reports and sign-off.

Registers are counted twice in one Yosys run: after the coarse passes (bits of the
design's own registers, read registers folded into memories included; memories are still
memories, so a RAM's words do not count) and after mapping (every flip-flop cell, RAM
words included, as the area sees them).

ABC maps for the target clock and buffers and sizes gates against it (`-D` with a `-constr`
file): a control net that enables hundreds of registers would otherwise be one gate
driving them all, and its load alone could miss the clock. It is what a real flow does
before timing, and it is done to every design alike. ABC's full script begins with SAT
sweeping (`&fraig`, `scorr`), which can run for an hour on a few multipliers that share an
operand; a run still going after `FULL_ABC_S` is stopped and the design mapped again by
`NO_SWEEP_SCRIPT`, the same script without the sweeping (the same delay target, buffering
and sizing; `abc -fast` fails on such designs, its `buffer` meeting nodes `map` left
without fanout), and the report says so (`abc_no_sweep`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from kiln.base.errors import ToolError
from kiln.feedback.tool_runs import run_sta, run_yosys

GENERIC_LIBERTY = Path(__file__).parent / "liberty" / "generic.lib"
YOSYS_TIMEOUT_S = 1800.0
FULL_ABC_S = 120.0  # then NO_SWEEP_SCRIPT (see the docstring)
NO_SWEEP_SCRIPT = "+strash;&get,-n;&dch,-f;&nf,{D};&put;buffer;upsize,{D};dnsize,{D};stime,-p"
BUFFER_CELL = "BUF_X1"  # with pins A and Z, as in kiln's generic library
LOAD_PF = 0.01
STA_TIMEOUT_S = 600.0

_YOSYS = (
    "read_verilog -sv {src}",
    "synth -flatten -top {top} -run :fine",
    "write_json coarse.json",
    "synth -flatten -top {top} -run fine:",
    'dfflibmap -liberty "{lib}"',
    'abc{script} -D {period_ps} -constr abc.constr -liberty "{lib}"',
    "setundef -zero",
    "rename -hide w:* x:* %d",
    "opt_clean -purge",
    "splitnets -ports",
    "insbuf -buf {buf} A Z",  # outputs that alias a net get a buffer: OpenSTA reads no {..} = {..}
    'tee -q -o cells.txt stat -liberty "{lib}"',
    "write_verilog -noattr -noexpr {net}",
)
_STA = (
    'read_liberty "{lib}"',
    "read_verilog {net}",
    "link_design {top}",
    "set_cmd_units -time ns",
    "create_clock -name clk -period {period} [get_ports clk]",
    "set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports clk]]",
    "set_output_delay 0 -clock clk [all_outputs]",
    "report_worst_slack -digits 4",
    "report_checks -path_delay max -digits 4 -format end",
    "exit",
)
_FF_CELLS = re.compile(r"\$_?(?i:s?dff|adff|dffe|sdffe|sdffce|adffe|aldff|aldffe|dffsr|dffsre)\w*")


@dataclass
class SynthReport:
    register_bits: int  # bits of the design's registers (memory words not counted)
    memory_bits: int  # bits held in memories (RAMs, ROMs, register files)
    flip_flops: int  # flip-flop cells after mapping (memories mapped to flip-flops included)
    cells: int
    area: float
    critical_path_ps: float | None  # None: no register-to-register path
    fmax_mhz: float | None
    slack_ps: float | None  # at the target clock period
    liberty: str
    log: str
    abc_no_sweep: bool = False  # ABC's full script ran past FULL_ABC_S: NO_SWEEP_SCRIPT

    def to_json(self) -> dict:
        return asdict(self)


def synthesize(
    verilog: Path, top: str, workdir: Path, clock_period_ps: float, liberty: Path | None = None
) -> SynthReport:
    """Synthesize `top` from `verilog`, time it at `clock_period_ps`; ToolError on failure."""
    lib = Path(liberty or GENERIC_LIBERTY).absolute()
    workdir = Path(workdir).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    fields = {"src": str(Path(verilog).absolute()), "top": top, "lib": str(lib), "net": "net.v"}
    fields |= {"period_ps": str(max(1, round(clock_period_ps))), "buf": BUFFER_CELL}
    # ABC's view of the ports: driven by a buffer, loading the next stage by LOAD_PF
    (workdir / "abc.constr").write_text(f"set_driving_cell {BUFFER_CELL}\nset_load {LOAD_PF}\n")
    template = "\n".join(_YOSYS) + "\n"
    no_sweep = False
    try:
        run = run_yosys(workdir, template.format(**fields, script=""), "yosys", FULL_ABC_S)
    except ToolError as err:
        if "timed out" not in err.message:
            raise
        no_sweep = True
        fields["script"] = f' -script "{NO_SWEEP_SCRIPT}"'
        run = run_yosys(workdir, template.format(**fields), "yosys", YOSYS_TIMEOUT_S)
    reg_bits, mem_bits = coarse_bits(workdir / "coarse.json", top)
    cells_text = (workdir / "cells.txt").read_text()
    cells = _number(r"Number of cells:\s+(\d+)", cells_text)
    area = _number(r"Chip area for (?:top )?module.*?:\s+([\d.]+)", cells_text, float)
    ffs = sum(int(n) for n in re.findall(r"(?m)^\s+DFF\w*\s+(\d+)", cells_text))
    period_ns = clock_period_ps / 1000.0
    fields["period"] = f"{period_ns:g}"
    hint = "read the log; the netlist or the Liberty file did not load"
    sta = run_sta(workdir, "\n".join(_STA).format(**fields) + "\n", STA_TIMEOUT_S, hint)
    slack = re.search(r"worst slack\s+(\S+)", sta.stdout)
    slack_ps = critical = fmax = None
    if slack and _is_float(slack.group(1)):
        slack_ps = round(float(slack.group(1)) * 1000.0, 1)
        critical = round(clock_period_ps - slack_ps, 1)
        fmax = round(1e6 / critical, 1) if critical > 0 else None
    return SynthReport(
        reg_bits, mem_bits, ffs, cells, area, critical, fmax, slack_ps, str(lib), str(run.log_path),
        no_sweep,
    )  # fmt: skip


def count_registers(verilog: Path, top: str, workdir: Path) -> tuple[int, int]:
    """(flip-flop bits, memory bits) of `top` after Yosys's coarse synthesis: the quick
    count, without gate mapping, that register tests and the ISDC loop need."""
    workdir = Path(workdir).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    script = (_YOSYS[0], _YOSYS[1], _YOSYS[2])
    src = {"src": str(Path(verilog).absolute()), "top": top}
    run_yosys(workdir, "\n".join(script).format(**src) + "\n", "count", YOSYS_TIMEOUT_S)
    return coarse_bits(workdir / "coarse.json", top)


def register_cells(netlist: Path, top: str) -> tuple[dict, list[dict]]:
    """The coarse netlist's `top` module and its flip-flop cells (read from `write_json`:
    `stat` prints cell widths but not which signal a cell holds)."""
    module = json.loads(Path(netlist).read_text())["modules"][top]
    ffs = [c for c in module["cells"].values() if _FF_CELLS.fullmatch(c["type"])]
    return module, ffs


def coarse_bits(netlist: Path, top: str) -> tuple[int, int]:
    """Register bits and memory bits (words times width) of the coarse netlist.

    Register bits are the flip-flops' plus the memories' registered read ports: Yosys
    folds a RAM's read register into the memory cell, and it is a register all the same.
    """
    module, ffs = register_cells(netlist, top)
    regs = sum(len(c["connections"]["Q"]) for c in ffs)
    mem = 0
    for c in module["cells"].values():
        if c["type"].startswith("$mem"):
            width, size = int(c["parameters"]["WIDTH"], 2), int(c["parameters"]["SIZE"], 2)
            mem += width * size
            clocked = str(c["parameters"].get("RD_CLK_ENABLE", "0"))
            regs += clocked.count("1") * width
    return regs, mem


def _number(pattern: str, text: str, kind=int):
    m = re.search(pattern, text)
    return kind(m.group(1)) if m else kind(0)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
