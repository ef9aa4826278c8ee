"""The iCE40 target: Yosys `synth_ice40`, then nextpnr-ice40 place and route and its timing
report, for op characterization, subgraph timing and sign-off on an FPGA.

A design rarely fits the package's pins (a 32-bit op alone has 96 data bits), so the module
under test sits in a harness: its data inputs come from a shift chain fed by one pin, and
its outputs are captured and folded by a pipelined XOR tree into one pin. The harness runs
on its own clock `hclk`, so nextpnr reports its paths apart from the design's, and the
design's own clocks stay pins. nextpnr reports the worst path between every pair of clocks
(clock-to-Q of the source flop to the setup of the sink flop; clock network delay is not
counted), so a module with one clock per register yields a delay per (register, register)
pair from one place and route: the subgraph oracle gives each input register and each
output register its own clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from kiln.base.errors import ToolError
from kiln.base.toolchain import find_tool, run_tool
from kiln.feedback.synthesizer import SignOff, TimingFailed
from kiln.feedback.tool_runs import run_yosys

DEVICE = ("--hx8k", "--package", "ct256")
DEVICE_NAME = "iCE40HX8K-CT256"
SEED = 1  # nextpnr's placer is seeded: one seed, one result
HARNESS = "kiln_ice40_harness"
HARNESS_CLOCK = "hclk"
YOSYS_TIMEOUT_S = 600.0
# Widths op characterization measures (a place and route each; the delay model
# interpolates between them). A 64-bit divider does not fit the HX8K.
OP_WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64)
DIVIDER_WIDTHS = (1, 2, 4, 8, 12, 16, 24, 32)
PNR_TIMEOUT_S = 600.0

YOSYS_SCRIPT = (
    "read_verilog -sv {src}",
    "synth_ice40 -top {top} -json design.json",
    "tee -q -o cells.txt stat",
)
_PORT = re.compile(r"(?m)^\s*(input|output)\s+wire\s+(?:\[(\d+):0\]\s*)?(\w+),?\s*$")
_CLOCK_NAME = re.compile(r"(?:posedge|negedge)\s+([A-Za-z_]\w*)")


class TooManyRegisters(Exception):
    """A subgraph with more registers than the package has pins for their clocks: it is
    left unmeasured, not an error."""


@dataclass(frozen=True)
class PnrReport:
    """What nextpnr said about one design: the worst path between each pair of clocks (ns,
    keyed by the clocks' pin names), its Fmax per clock (MHz) and the logic cells used."""

    paths: dict[tuple[str, str], float]
    fmax_mhz: dict[str, float]
    luts: int  # logic cells, the harness's included
    flip_flops: int  # the design's, the harness's taken out
    log: str


def module_ports(verilog: str, top: str) -> list[tuple[str, str, int]]:
    """(direction, name, width) of each port of `top`, as kiln's emitter writes them."""
    found = re.search(rf"(?ms)^module\s+{re.escape(top)}\s*\((.*?)\);", verilog)
    if not found:
        raise ToolError(f"no module {top} in the Verilog given to the iCE40 flow", tool="yosys")
    return [(d, name, int(hi) + 1 if hi else 1) for d, hi, name in _PORT.findall(found.group(1))]


def harness(verilog: str, top: str, clocks: set[str]) -> tuple[str, int]:
    """`verilog` plus a top module HARNESS around `top`: the ports named in `clocks` become
    pins, data inputs come from a shift chain on `hclk` fed by `din`, and outputs are
    captured on `hclk` and XOR-folded, one LUT level per stage, to `dout`. Also returns
    the harness's own flip-flop count."""
    ports = module_ports(verilog, top)
    data_in = [(n, w) for d, n, w in ports if d == "input" and n not in clocks]
    data_out = [(n, w) for d, n, w in ports if d == "output"]
    n_in = sum(w for _, w in data_in)
    n_out = sum(w for _, w in data_out)
    pins = [f"input wire {HARNESS_CLOCK}", "input wire din", "output wire dout"]
    pins += [f"input wire {c}" for c in sorted(clocks)]
    lines = [f"module {HARNESS} (", ",\n".join(f"  {p}" for p in pins), ");"]
    conns = [f".{c}({c})" for c in sorted(clocks)]
    if n_in:
        lines.append(f"  reg [{n_in - 1}:0] chain;")
        shifted = f"{{chain[{n_in - 2}:0], din}}" if n_in > 1 else "din"
        lines.append(f"  always @(posedge {HARNESS_CLOCK}) chain <= {shifted};")
        at = 0
        for name, w in data_in:
            conns.append(f".{name}(chain[{at + w - 1}:{at}])")
            at += w
    level: list[str] = []
    flops = n_in + n_out
    if n_out:
        lines.append(f"  wire [{n_out - 1}:0] results;")
        at = 0
        for name, w in data_out:
            conns.append(f".{name}(results[{at + w - 1}:{at}])")
            at += w
        lines.append(f"  reg [{n_out - 1}:0] fold0;")
        lines.append(f"  always @(posedge {HARNESS_CLOCK}) fold0 <= results;")
        level, width, k = ["fold0"], n_out, 0
        while width > 1:
            k, nxt = k + 1, (width + 3) // 4
            flops += nxt
            lines.append(f"  reg [{nxt - 1}:0] fold{k};")
            for b in range(nxt):
                hi = min(width, 4 * b + 4) - 1
                src = f"fold{k - 1}[{hi}:{4 * b}]"
                lines.append(f"  always @(posedge {HARNESS_CLOCK}) fold{k}[{b}] <= ^{src};")
            level, width = [f"fold{k}"], nxt
    lines.append(f"  assign dout = {level[0]}[0];" if level else "  assign dout = din;")
    lines.append(f"  {top} dut ({', '.join(conns)});")
    lines.append("endmodule")
    return verilog.rstrip() + "\n\n" + "\n".join(lines) + "\n", flops


def place_and_route(
    verilog: str, top: str, clocks: set[str], work: Path, freq_mhz: float
) -> PnrReport:
    """Synthesize `top` in the harness for the iCE40, place and route it with nextpnr aiming
    at `freq_mhz`, and read its timing report. ToolError (naming the log) when a tool fails."""
    work = Path(work).absolute()
    work.mkdir(parents=True, exist_ok=True)
    text, harness_flops = harness(verilog, top, clocks)
    (work / "design.v").write_text(text)
    fields = {"src": "design.v", "top": HARNESS}
    run_yosys(work, "\n".join(YOSYS_SCRIPT).format(**fields) + "\n", "synth", YOSYS_TIMEOUT_S)
    args = [
        *DEVICE, "--json", "design.json", "--report", "report.json", "--freq", f"{freq_mhz:g}",
        "--seed", str(SEED), "--timing-allow-fail", "--quiet",
    ]  # fmt: skip
    run = run_tool(
        "nextpnr-ice40", args, cwd=work, log_path=work / "pnr.log", timeout_s=PNR_TIMEOUT_S
    )
    try:
        report = json.loads((work / "report.json").read_text())
    except (OSError, ValueError) as err:
        raise ToolError(
            f"nextpnr wrote no readable report ({err})",
            tool="nextpnr-ice40",
            log=str(run.log_path),
            hint="read the log; the design may not fit the device",
        ) from err
    paths: dict[tuple[str, str], float] = {}
    for crit in report.get("critical_paths", []):
        src, dst = _clock(crit.get("from", "")), _clock(crit.get("to", ""))
        if src and dst:
            paths[(src, dst)] = round(sum(s["delay"] for s in crit["path"]), 4)
    fmax = {}
    for name, entry in report.get("fmax", {}).items():
        clock = _clock("posedge " + name)
        if clock:
            fmax[clock] = round(float(entry["achieved"]), 2)
    used = report.get("utilization", {})
    cells = (work / "cells.txt").read_text()
    ffs = sum(int(n) for n in re.findall(r"(?m)^\s+SB_DFF\w*\s+(\d+)", cells))
    luts = int(used.get("ICESTORM_LC", {}).get("used", 0))
    return PnrReport(paths, fmax, luts, ffs - harness_flops, str(run.log_path))


def _clock(name: str) -> str | None:
    """The pin name in a nextpnr clock name ("posedge ck$SB_IO_IN_$glb_clk" -> "ck")."""
    found = _CLOCK_NAME.match(name)
    return found.group(1) if found else None


def tool_versions() -> str:
    return f"yosys {find_tool('yosys').version}; nextpnr-ice40 {find_tool('nextpnr-ice40').version}"


# Every measurement (ops, subgraphs) places for one fixed frequency, so that a cached
# subgraph and the op characterization agree whatever clock the user asks for; sign-off
# places for the user's clock.
MEASURE_FREQ_MHZ = 200.0
MAX_CLOCK_PINS = 180  # the CT256 package has 206 I/O pins; the harness needs three


def pair_delays(
    verilog: str, top: str, overhead_ps: float, work: Path
) -> tuple[dict[tuple[int, int], float], int]:
    """Per (input i, output j) delays in ps of a subgraph module written with one clock per
    register (`subgraph_module(..., clock_per_register=True)`), register overhead taken
    out; and the logic cells used. TooManyRegisters when their clocks need too many pins."""
    clocks = {n for d, n, _ in module_ports(verilog, top) if d == "input" and n.startswith("ck_")}
    if len(clocks) > MAX_CLOCK_PINS:
        raise TooManyRegisters(f"{len(clocks)} registers: more clock pins than {DEVICE_NAME} has")
    rep = place_and_route(verilog, top, clocks, work, MEASURE_FREQ_MHZ)
    delays = {}
    for (src, dst), ns in rep.paths.items():
        a, b = re.fullmatch(r"ck_rin(\d+)", src), re.fullmatch(r"ck_rout(\d+)", dst)
        if a and b:
            delays[(int(a.group(1)), int(b.group(1)))] = round(max(0.0, ns * 1000 - overhead_ps), 1)
    return delays, rep.luts


def register_path_ps(verilog: str, top: str, work: Path) -> float | None:
    """The worst path in ps from a register to a register of `top`'s clock `clk` (clock-to-Q,
    logic, routing, setup): what op characterization measures. None: no such path."""
    rep = place_and_route(verilog, top, {"clk"}, work, MEASURE_FREQ_MHZ)
    ns = rep.paths.get(("clk", "clk"))
    return None if ns is None else round(ns * 1000.0, 3)


@dataclass(frozen=True)
class Ice40Flow:
    """The iCE40 HX8K as a synthesizer: Yosys `synth_ice40`, nextpnr-ice40 and its timing."""

    @property
    def name(self) -> str:
        return "ice40"

    @property
    def clock_per_register(self) -> bool:
        return True

    def identity(self) -> tuple[str, ...]:
        device = f"{DEVICE_NAME} seed {SEED} at {MEASURE_FREQ_MHZ} MHz"
        return "\n".join(YOSYS_SCRIPT), device, tool_versions()

    def tool_versions(self) -> dict[str, str]:
        return {name: find_tool(name).version for name in ("yosys", "nextpnr-ice40")}

    def time_pairs(self, verilog, top, n_inputs, n_outputs, overhead_ps, work):
        try:
            return pair_delays(verilog, top, overhead_ps, work)
        except TooManyRegisters as err:
            raise TimingFailed(str(err)) from err
        except ToolError as err:
            if "timed out" not in err.message:
                raise
            raise TimingFailed(f"{err.tool} {err.message}") from err

    def sign_off(self, verilog: str, top: str, work: Path, period_ps: float) -> SignOff:
        """Place and route for the clock; the critical path is the worst one that starts or
        ends at a register of the design (its inputs come from, its outputs go to, the
        harness's registers: the FPGA form of zero input and output delay)."""
        from kiln.feedback.synthesis import count_registers

        (work / f"{top}.v").write_text(verilog)
        rep = place_and_route(verilog, top, {"clk"}, work, 1e6 / period_ps)
        paths = [ns for (a, b), ns in rep.paths.items() if "clk" in (a, b)]
        critical = round(max(paths) * 1000.0, 1) if paths else None
        slack = None if critical is None else round(period_ps - critical, 1)
        bits, _ = count_registers(work / f"{top}.v", top, work / "count")
        fmax = round(1e6 / critical, 1) if critical else None
        return SignOff(slack is None or slack >= 0, slack, critical, bits, rep.flip_flops, rep.log,
                       fmax_mhz=fmax)  # fmt: skip

    def op_path_ps(self, verilog: str, top: str, work: Path) -> float | None:
        return register_path_ps(verilog, top, work)
