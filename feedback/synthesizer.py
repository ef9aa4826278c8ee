"""What a target's synthesis flow answers, as one protocol: time a subgraph's input-to-output
pairs, sign off a whole design at a clock, measure one op's path, and say what its answers
depend on (the cache identity).

The ISDC loop and characterization call only this, so a fake that answers from a formula
stands in for Yosys in unit tests (after XLS's `fdo/synthesizer`), while the real flows,
`LibertyFlow` (Yosys + ABC + OpenSTA on a cell library) and `Ice40Flow` (Yosys
`synth_ice40` + nextpnr-ice40), run in the tool tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class TimingFailed(Exception):
    """A subgraph the flow could not time, for a reason that is an answer, not an error
    (the tool ran past its time limit; the FPGA has too few registers): it is cached."""


@dataclass
class SignOff:
    """The whole design synthesized and timed at the target clock."""

    passed: bool
    slack_ps: float | None
    critical_path_ps: float | None
    register_bits: int  # Yosys, coarse netlist
    flip_flops: int  # after mapping
    log: str
    attempts: int = 1
    fmax_mhz: float | None = None
    abc_no_sweep: bool = False  # ABC without SAT sweeping (`kiln.feedback.synthesis`)

    def to_json(self) -> dict:
        return dict(self.__dict__)


class Synthesizer(Protocol):
    """One target's flow. Implementations are small frozen records, so that they travel to
    worker processes (and Ray) with the jobs that use them."""

    @property
    def name(self) -> str:
        """What reports call it: `generic`, `liberty:FILE`, `ice40`."""
        ...

    @property
    def clock_per_register(self) -> bool:
        """Whether a timed subgraph gives each of its registers a clock of its own (an FPGA
        flow times clock-to-clock paths, one clock domain per register pair)."""
        ...

    def identity(self) -> tuple[str, ...]:
        """Everything an answer depends on besides the module: scripts, library digest,
        tool versions. Part of every cache key."""
        ...

    def time_pairs(
        self, verilog: str, top: str, n_inputs: int, n_outputs: int, overhead_ps: float,
        work: Path,
    ) -> tuple[dict[tuple[int, int], float], int]:  # fmt: skip
        """Delays in ps from input register i to output register j of module `top` (the
        register overhead taken out), and the cell count. TimingFailed for no answer."""
        ...

    def sign_off(self, verilog: str, top: str, work: Path, period_ps: float) -> SignOff:
        """Synthesize the whole design and time it at `period_ps`."""
        ...

    def op_path_ps(self, verilog: str, top: str, work: Path) -> float | None:
        """The worst register-to-register path of one op's module, in ps, or None when
        synthesis left none (a constant output)."""
        ...

    def tool_versions(self) -> dict[str, str]:
        """The versions of the tools it runs, for characterization records."""
        ...
