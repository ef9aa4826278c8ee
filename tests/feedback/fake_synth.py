"""A synthesizer that answers from a formula, so the ISDC loop runs in milliseconds with no
tool: each `assign` of a subgraph module costs a fixed time by the operators it holds, a
pair's delay is the longest chain of them from the input register to the output register,
and sign-off answers from a scripted list of slacks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kiln.feedback.synthesizer import SignOff
from kiln.feedback.targets import Target

_ASSIGN = re.compile(r"(?m)^\s*assign (\w+) = (.*);$")
_LOAD = re.compile(r"(?m)^\s*(rout\d+)_q <= (\w+);$")
_REG = re.compile(r"(?m)^\s*reg \[(\d+):0\] \w+;")
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
COST_PS = {"*": 600.0, "/": 900.0, "+": 250.0, "-": 250.0, "<": 200.0, ">": 120.0}


def assign_cost(expr: str) -> float:
    """The slowest operator in the expression; bitwise logic 40 ps; wiring free."""
    costs = [c for op, c in COST_PS.items() if op in expr.replace(">>", "").replace("<<", "")]
    if "<<" in expr or ">>" in expr:
        costs.append(80.0)
    if any(op in expr for op in ("^", "&", "|", "?")):
        costs.append(40.0)
    return max(costs, default=0.0)


def pair_delays(verilog: str, factor: float) -> dict[tuple[int, int], float]:
    """Longest path (by `assign_cost`, times `factor`) from `rin<i>_q` to `rout<j>_q`."""
    deps: dict[str, tuple[float, list[str]]] = {}
    for name, expr in _ASSIGN.findall(verilog):
        deps[name] = (assign_cost(expr) * factor, _NAME.findall(expr))
    arrival: dict[str, dict[int, float]] = {}

    def reach(sig: str) -> dict[int, float]:
        if sig in arrival:
            return arrival[sig]
        found = re.fullmatch(r"rin(\d+)_q", sig)
        out: dict[int, float] = {int(found.group(1)): 0.0} if found else {}
        cost, srcs = deps.get(sig, (0.0, []))
        for src in srcs:
            for i, t in reach(src).items():
                out[i] = max(out.get(i, 0.0), t + cost)
        arrival[sig] = out
        return out

    delays = {}
    for rout, src in _LOAD.findall(verilog):
        j = int(rout[4:])
        for i, t in reach(src).items():
            delays[(i, j)] = round(t, 1)
    return delays


@dataclass
class FakeSynth:
    """`factor`: what the formula's chains cost against the shipped per-op model's sums
    (below 1: synthesis overlaps ops, as it does); `slacks`: sign-off's answers in turn
    (the last one repeats; empty: always met with 100 ps to spare)."""

    factor: float = 0.6
    slacks: list[float] = field(default_factory=list)
    label: str = "fake"
    timed: int = 0  # subgraphs timed, for tests
    signed_off: list[str] = field(default_factory=list)  # top of each design signed off

    name = "fake"
    clock_per_register = False

    def identity(self) -> tuple[str, ...]:
        return (self.label, f"factor {self.factor!r}")

    def tool_versions(self) -> dict[str, str]:
        return {"fake": "1"}

    def time_pairs(self, verilog, top, n_inputs, n_outputs, overhead_ps, work):
        self.timed += 1
        return pair_delays(verilog, self.factor), verilog.count("assign ")

    def sign_off(self, verilog: str, top: str, work: Path, period_ps: float) -> SignOff:
        n = len(self.signed_off)
        self.signed_off.append(top)
        slack = (self.slacks[min(n, len(self.slacks) - 1)] if self.slacks else 100.0) + 0.0
        bits = sum(int(w) + 1 for w in _REG.findall(verilog))
        return SignOff(slack >= 0, slack, period_ps - slack, bits, bits, "fake log")

    def op_path_ps(self, verilog: str, top: str, work: Path) -> float | None:
        return 100.0


@dataclass(frozen=True)
class FakeTarget(Target):
    """A target whose synthesizer is `fake`, the same object on every call."""

    fake: FakeSynth = field(default_factory=FakeSynth, compare=False, hash=False)

    def synthesizer(self) -> FakeSynth:  # type: ignore[override]
        return self.fake
