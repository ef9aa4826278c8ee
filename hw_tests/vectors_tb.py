"""cocotb tests that drive a kiln module with the vectors file named by KILN_VECTORS.

Two tests: `one_at_a_time` (start, wait for done, check latency and outputs, with random
idle gaps) and `back_to_back` (a start every clock, results checked in order as done
pulses), so both the handshake and the pipelining are proven. Mismatches go to the JSON
file named by KILN_SIM_REPORT as well as failing the test.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge

MAX_REPORTED = 20


def _spec() -> dict:
    return json.loads(Path(os.environ["KILN_VECTORS"]).read_text())


def _read(handle) -> int | str:
    text = str(handle.value)
    return int(text, 2) if set(text) <= {"0", "1"} else text


def _report(name: str, mismatches: list[dict], checked: int) -> None:
    path = os.environ.get("KILN_SIM_REPORT")
    if not path:
        return
    p = Path(path)
    data = json.loads(p.read_text()) if p.exists() else {}
    data[name] = {
        "checked": checked,
        "mismatches": mismatches[:MAX_REPORTED],
        "mismatch_count": len(mismatches),
    }
    p.write_text(json.dumps(data, indent=1))


async def _reset(dut, spec: dict) -> None:
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.start.value = 0
    for port in spec["inputs"]:
        getattr(dut, port).value = 0
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def _compare(dut, spec: dict, index: int, mismatches: list[dict]) -> None:
    vec = spec["vectors"][index]
    for port, want in vec["out"].items():
        got = _read(getattr(dut, port))
        if got != want:
            mismatches.append(
                {"vector": index, "port": port, "inputs": vec["in"], "expected": want, "got": got}
            )


@cocotb.test()
async def one_at_a_time(dut):
    spec = _spec()
    rng = random.Random(spec["seed"])
    await _reset(dut, spec)
    mismatches: list[dict] = []
    for n, vec in enumerate(spec["vectors"]):
        for _ in range(rng.randrange(3)):
            await FallingEdge(dut.clk)
        assert _read(dut.done) == 0, f"vector {n}: done is high before start"
        for port, value in vec["in"].items():
            getattr(dut, port).value = value
        dut.start.value = 1
        await FallingEdge(dut.clk)
        dut.start.value = 0
        clocks = 1
        while _read(dut.done) != 1:
            assert clocks <= spec["latency"], f"vector {n}: no done after {clocks} clocks"
            await FallingEdge(dut.clk)
            clocks += 1
        assert clocks == spec["latency"], (
            f"vector {n}: done after {clocks} clocks, the schedule says {spec['latency']}"
        )
        _compare(dut, spec, n, mismatches)
        await FallingEdge(dut.clk)
    _report("one_at_a_time", mismatches, len(spec["vectors"]))
    assert not mismatches, f"{len(mismatches)} output mismatch(es), first: {mismatches[0]}"


@cocotb.test()
async def back_to_back(dut):
    spec = _spec()
    await _reset(dut, spec)
    vectors = spec["vectors"]
    mismatches: list[dict] = []
    issued = checked = 0
    for _ in range(len(vectors) + spec["latency"] + 2):
        if issued < len(vectors):
            for port, value in vectors[issued]["in"].items():
                getattr(dut, port).value = value
            dut.start.value = 1
            issued += 1
        else:
            dut.start.value = 0
        await FallingEdge(dut.clk)
        if _read(dut.done) == 1:
            assert checked < issued, "done pulsed with no vector in flight"
            _compare(dut, spec, checked, mismatches)
            checked += 1
    _report("back_to_back", mismatches, checked)
    assert checked == len(vectors), f"{checked} results came out for {len(vectors)} starts"
    assert not mismatches, f"{len(mismatches)} output mismatch(es), first: {mismatches[0]}"
