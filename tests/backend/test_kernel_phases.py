"""The phases of `emit_kernel_rtl` say what they decided in their records (`plan_kernel`):
the interface plan of a banked kernel, the datapaths (pipes, exports, memory requests) of a
pipelined and of a while-loop kernel, and the control plan that reads them; assembling the
plan gives the module `emit_kernel_rtl` gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiln.backend.kernel_rtl import assemble, emit_kernel_rtl, plan_kernel
from kiln.base.errors import BackendError
from kiln.frontend.c.check import load_c
from kiln.ir.passes import COMPILE_FLOW
from kiln.scheduler.kernel_schedule import schedule_kernel

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
MANIFEST = {k["name"]: k for k in json.loads((KERNELS / "manifest.json").read_text())["kernels"]}


def phases(name: str):
    e = MANIFEST[name]
    k = load_c(KERNELS / e["file"], e["top"], passes=COMPILE_FLOW).kernel
    ks = schedule_kernel(k, 2500.0)
    plan = plan_kernel(k, ks)
    return k, ks, plan.interface, plan.datapaths, plan.issue, plan.fsm


def test_a_banked_array_parameter_gets_one_ram_interface_per_bank():
    _, _, iface, _, _, _ = phases("dense")
    w = [mp for mp in iface.mem_ports if mp.array == "W"]  # i8[8][16], cyclic 4 on dim 2
    assert [(mp.prefix, mp.bank, mp.depth, mp.reads) for mp in w] == [
        (f"W_b{b}", (None, b), 32, True) for b in range(4)
    ]
    assert len(iface.element_ports["x"]) == 16  # completely partitioned: a port per element
    assert iface.memories["x"].registers and "x" not in {mp.array for mp in iface.mem_ports}
    assert iface.inputs["shift"] == ("shift", 32)
    assert [mp.reads for mp in iface.mem_ports if mp.array == "y"] == [False]  # only written


def test_a_pipelined_loop_issues_every_clock_and_its_loads_come_from_the_ram_port():
    _, ks, iface, data, issue, _ = phases("fir")
    (pipe,) = data.pipes
    assert (pipe.ii, pipe.stages, len(pipe.valids)) == (1, ks.regions[0].solution.stages, 10)
    assert issue.issue[0] == (pipe.valids[0], "r0_first")
    arrays = {iface.storage.layouts[sid].storage.name for sid, _ in data.memory.requests}
    assert {"in", "out"} <= arrays
    assert [load.layout.storage.name for load in data.memory.loads] == ["in"]


def test_a_while_loop_reads_its_condition_from_its_own_pipeline():
    _, ks, _, data, issue, fsm = phases("gcd")
    (k,) = [k for k, rs in enumerate(ks.regions) if type(rs.region.loop).__name__ == "WhileLoop"]
    signal, stage = data.pipes[k].cond
    assert 0 <= stage < data.pipes[k].stages and signal
    assert all(p.cond is None for n, p in enumerate(data.pipes) if n != k)
    assert fsm.states[:2] == ("S_IDLE", "S_DONE") and set(issue.fin) == set(range(3))


def test_a_value_without_a_home_names_itself():
    _, _, _, data, _, _ = phases("gcd")

    class Stray:
        name = "stray"

    with pytest.raises(BackendError, match="value %stray has no register to read it from"):
        data.homes.of(Stray())


def test_assembling_the_plan_gives_the_emitted_module():
    k, ks, *_ = phases("dense")
    assert assemble(k, ks, plan_kernel(k, ks)).verilog == emit_kernel_rtl(k, ks).verilog
