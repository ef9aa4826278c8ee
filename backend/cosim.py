"""Co-simulation inputs for a kernel module: a Verilog harness and the recorded calls.

The harness `<top>_tb` wraps the kernel with one behavioural RAM per array bank (one
port, data the clock after `ce`, the old word on a write: the same contract the emitter
assumes), and passes the scalar ports through. `calls.json` holds, for each call the C
testbench made, every input and the outputs gcc computed, as bit patterns, plus where
each array element lives (harness memory and word). The cocotb test in
`kiln.hw_tests.kernel_tb` loads memories, starts the kernel, and checks every output.
"""

from __future__ import annotations

import json
from pathlib import Path

from kiln.backend.kernel_rtl import KernelRtl
from kiln.backend.names import Namer
from kiln.backend.verilog_ast import (
    AlwaysFF,
    If,
    Index,
    MemWrite,
    NonBlocking,
    Ref,
    render_items,
)
from kiln.ir.kernel import Direction, Kernel
from kiln.ir.semantics import bits
from kiln.ir.types import ArrayType

SPEC_VERSION = 1


def harness_verilog(rtl: KernelRtl, probe: tuple[int, ...] = ()) -> tuple[str, str, dict[str, str]]:
    """(module name, Verilog text, memory prefix -> harness memory name). For each region
    in `probe`, the harness measures the clocks between consecutive iterations issued in
    one run of its loop (`ii_min_<k>`, `ii_max_<k>`; `ii_count_<k>` gaps seen)."""
    namer = Namer(("clk", "rst", "start", "done", "idle"))
    name = namer.fresh(f"{rtl.name}_tb")
    ports = ["input wire clk", "input wire rst", "input wire start"]
    ports += ["output wire done", "output wire idle"]
    conns = [".clk(clk)", ".rst(rst)", ".start(start)", ".done(done)", ".idle(idle)"]
    body: list[str] = []
    for port, width in rtl.inputs.values():
        namer.taken.add(port)
        ports.append(f"input wire {_range(width)}{port}")
        conns.append(f".{port}({port})")
    for port, width in rtl.outputs.values():
        namer.taken.add(port)
        ports.append(f"output wire {_range(width)}{port}")
        conns.append(f".{port}({port})")
    for name, pairs in rtl.element_ports.items():
        width = rtl.memories[name].width
        for pin, pout in pairs:
            for port, way in ((pin, "input"), (pout, "output")):
                if port:
                    namer.taken.add(port)
                    ports.append(f"{way} wire {_range(width)}{port}")
                    conns.append(f".{port}({port})")
    mems: dict[str, str] = {}
    for mp in rtl.mem_ports:
        mem = namer.fresh(f"mem_{mp.prefix}")
        mems[mp.prefix] = mem
        w, aw = mp.width, mp.addr_width
        sig = {n: namer.fresh(f"{mp.prefix}_{n}") for n in ("addr", "ce", "we", "d", "q")}
        body.append(f"  reg {_range(w)}{mem} [0:{mp.depth - 1}];")
        for n, width in (("addr", aw), ("ce", 1), ("we", 1), ("d", w)):
            body.append(f"  wire {_range(width)}{sig[n]};")
        body.append(f"  reg {_range(w)}{sig['q']};")
        write = MemWrite(mem, Ref(sig["addr"]), Ref(sig["d"]))
        read = NonBlocking(sig["q"], Index(mem, Ref(sig["addr"])))
        block = AlwaysFF("clk", (If(Ref(sig["ce"]), (If(Ref(sig["we"]), (write,)), read)),))
        body.append(render_items([block]))
        used = ("addr", "ce", "we", "d", "q") if mp.reads else ("addr", "ce", "we", "d")
        conns += [f".{mp.prefix}_{n}({sig[n]})" for n in used]
    if probe:
        body.append("  reg [31:0] clock_count;")
        body.append("  always @(posedge clk) clock_count <= rst ? 32'd0 : clock_count + 32'd1;")
    for k in probe:
        valid, first = rtl.issue[k]
        last, lo, hi, n = (f"ii_last_{k}", f"ii_min_{k}", f"ii_max_{k}", f"ii_count_{k}")
        body.append(f"  reg [31:0] {last}, {lo}, {hi}, {n};")
        body.append("  always @(posedge clk) begin")
        body.append(f"    if (rst) begin {lo} <= 32'hffffffff; {hi} <= 32'd0; {n} <= 32'd0; end")
        body.append(f"    else if (dut.{valid}) begin")
        body.append(f"      {last} <= clock_count;")
        body.append(f"      if (!dut.{first}) begin")
        body.append(f"        {n} <= {n} + 32'd1;")
        body.append(f"        if (clock_count - {last} < {lo}) {lo} <= clock_count - {last};")
        body.append(f"        if (clock_count - {last} > {hi}) {hi} <= clock_count - {last};")
        body.append("      end")
        body.append("    end")
        body.append("  end")
    text = ["`timescale 1ns/1ps", f"// Co-simulation harness for {rtl.name}, made by kiln."]
    text.append(f"module {name} (")
    text.append(",\n".join(f"  {p}" for p in ports))
    text.append(");")
    text += body
    text.append(f"  {rtl.name} dut (")
    text.append(",\n".join(f"    {c}" for c in conns))
    text.append("  );")
    text.append("endmodule")
    return name, "\n".join(text) + "\n", mems


def _range(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def call_spec(
    kernel: Kernel,
    rtl: KernelRtl,
    calls: list,
    latency: int | None,
    probe=(),
    harness: tuple[str, str, dict[str, str]] | None = None,
) -> dict:
    """The harness's view of each recorded call (objects with `inputs` and `outputs`, raw
    values per parameter, as the C golden model records them): bit patterns per port and
    memory word. `harness` is `harness_verilog(rtl, probe)` when the caller has it."""
    tb_name, _, mems = harness or harness_verilog(rtl, probe)
    arrays = {}
    for p in kernel.params:
        if not isinstance(p.type, ArrayType):
            continue
        lay = rtl.memories[p.name]
        entry = {"direction": p.direction.value, "shape": list(p.type.shape)}
        if p.name in rtl.element_ports:
            entry["ports"] = [list(pair) for pair in rtl.element_ports[p.name]]
        else:
            by_key = {mp.bank: mems[mp.prefix] for mp in rtl.mem_ports if mp.array == p.name}
            entry["elements"] = [list(_word(lay, flat, by_key)) for flat in range(lay.size)]
        arrays[p.name] = entry
    out_calls = []
    for call in calls:
        ins, outs = {}, {}
        for p in kernel.params:
            elem = p.type.elem if isinstance(p.type, ArrayType) else p.type
            if p.name in call.inputs:
                ins[p.name] = [bits(x, elem) for x in call.inputs[p.name]]
            if p.direction is not Direction.IN and p.name in call.outputs:
                outs[p.name] = [bits(x, elem) for x in call.outputs[p.name]]
        out_calls.append({"inputs": ins, "outputs": outs})
    return {
        "format": "kiln-cosim",
        "version": SPEC_VERSION,
        "kernel": kernel.name,
        "top": tb_name,
        "latency": latency,
        "inputs": {name: port for name, (port, _) in rtl.inputs.items()},
        "outputs": {name: port for name, (port, _) in rtl.outputs.items()},
        "arrays": arrays,
        "ii_probes": {str(k): [f"ii_min_{k}", f"ii_max_{k}", f"ii_count_{k}"] for k in probe},
        "calls": out_calls,
    }


def _word(lay, flat: int, by_key: dict) -> tuple[str, int]:
    key, word = lay.locate(flat)
    return by_key[key], word


def write_cosim(out_dir: Path, kernel: Kernel, rtl: KernelRtl, calls, latency, probe=()) -> dict:
    """Write `<top>_tb.v` and `calls.json` into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    built = harness_verilog(rtl, probe)
    tb_name, text, _ = built
    harness = out_dir / f"{tb_name}.v"
    harness.write_text(text)
    spec = out_dir / "calls.json"
    spec.write_text(json.dumps(call_spec(kernel, rtl, calls, latency, probe, built)) + "\n")
    return {"harness": harness, "calls": spec, "top": tb_name}
