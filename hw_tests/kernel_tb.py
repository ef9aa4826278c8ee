"""cocotb test that replays a C testbench's recorded calls on a kernel's harness.

Reads the spec named by KILN_CALLS (written by `kiln.backend.cosim`): for each call it
loads every array into the harness memories, sets the scalar inputs, pulses start, counts
clocks to done, and compares every scalar output and every word of every out/inout array,
bit for bit. The result (per call: clocks; every mismatch with its call, variable, index,
expected and actual value and clock) goes to the JSON file named by KILN_SIM_REPORT.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge

MAX_REPORTED = 50
DEFAULT_MAX_CYCLES = 2_000_000


def _value(handle) -> int | str:
    text = str(handle.value)
    return int(text, 2) if set(text) <= {"0", "1"} else text


def _index(flat: int, shape: list[int]) -> str:
    out = []
    for d in reversed(shape):
        out.append(flat % d)
        flat //= d
    return "".join(f"[{i}]" for i in reversed(out))


@cocotb.test()
async def replay_calls(dut):
    spec = json.loads(Path(os.environ["KILN_CALLS"]).read_text())
    limit = int(os.environ.get("KILN_MAX_CALLS", "0")) or len(spec["calls"])
    max_cycles = int(os.environ.get("KILN_MAX_CYCLES", str(DEFAULT_MAX_CYCLES)))
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.start.value = 0
    for port in spec["inputs"].values():
        getattr(dut, port).value = 0
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    mems = {}
    report = {"calls": [], "mismatches": [], "mismatch_count": 0, "stuck": None}

    def mismatch(n, var, idx, want, got, clocks):
        report["mismatch_count"] += 1
        if len(report["mismatches"]) < MAX_REPORTED:
            report["mismatches"].append(
                {
                    "call": n,
                    "variable": var,
                    "index": idx,
                    "expected": want,
                    "actual": got,
                    "clock": clocks,
                }
            )

    for n, call in enumerate(spec["calls"][:limit]):
        for name, arr in spec["arrays"].items():
            values = call["inputs"].get(name)
            if values is None:
                continue
            if "ports" in arr:
                for (pin, _), v in zip(arr["ports"], values, strict=True):
                    if pin:
                        getattr(dut, pin).value = v
                continue
            for (mem, word), v in zip(arr["elements"], values, strict=True):
                if mem not in mems:
                    mems[mem] = getattr(dut, mem)
                mems[mem][word].value = v
        for name, port in spec["inputs"].items():
            getattr(dut, port).value = call["inputs"][name][0]
        await FallingEdge(dut.clk)
        assert _value(dut.idle) == 1, f"call {n}: the kernel is not idle before start"
        dut.start.value = 1
        await FallingEdge(dut.clk)
        dut.start.value = 0
        clocks = 1
        while _value(dut.done) != 1:
            if clocks >= max_cycles:
                report["stuck"] = {"call": n, "clocks": clocks}
                break
            await FallingEdge(dut.clk)
            clocks += 1
        report["calls"].append({"call": n, "clocks": clocks})
        if report["stuck"]:
            break
        for name, port in spec["outputs"].items():
            want = call["outputs"].get(name)
            got = _value(getattr(dut, port))
            if want is not None and got != want[0]:
                mismatch(n, name, "", want[0], got, clocks)
        for name, arr in spec["arrays"].items():
            want = call["outputs"].get(name)
            if arr["direction"] == "in" or want is None:
                continue
            if "ports" in arr:
                for flat, ((_, pout), w) in enumerate(zip(arr["ports"], want, strict=True)):
                    got = _value(getattr(dut, pout))
                    if got != w:
                        mismatch(n, name, _index(flat, arr["shape"]), w, got, clocks)
                continue
            for flat, ((mem, word), w) in enumerate(zip(arr["elements"], want, strict=True)):
                got = _value(mems[mem][word]) if mem in mems else _value(getattr(dut, mem)[word])
                if got != w:
                    mismatch(n, name, _index(flat, arr["shape"]), w, got, clocks)
    report["ii"] = {}
    for k, (lo, hi, n) in spec.get("ii_probes", {}).items():
        count = _value(getattr(dut, n))
        report["ii"][k] = {
            "min": _value(getattr(dut, lo)) if count else None,
            "max": _value(getattr(dut, hi)) if count else None,
            "gaps": count,
        }
    path = os.environ.get("KILN_SIM_REPORT")
    if path:
        Path(path).write_text(json.dumps(report, indent=1))
    assert report["stuck"] is None, (
        f"call {report['stuck']['call']}: no done after {max_cycles} clocks"
    )
    assert not report["mismatch_count"], (
        f"{report['mismatch_count']} mismatch(es), first: {report['mismatches'][0]}"
    )
