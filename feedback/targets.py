"""What ISDC times against: a Liberty cell library (kiln's generic one by default), through
Yosys, ABC and OpenSTA; or the iCE40 FPGA, through Yosys `synth_ice40` and nextpnr-ice40.

The target picks the default delay model (the characterization of its own flow), the
subgraph oracle and the sign-off flow; the scheduler itself never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiln.errors import KilnError
from kiln.scheduler.delay_model import DelayModel

ICE40_DELAYS = Path(__file__).resolve().parents[1] / "scheduler" / "data" / "ice40_delays.json"
TARGET_HINT = "use generic, ice40 or liberty:FILE.lib"


@dataclass(frozen=True)
class Target:
    kind: str  # "liberty" | "ice40"
    liberty: Path | None = None  # a liberty target's file; None: kiln's generic library

    @classmethod
    def parse(cls, text: str) -> Target:
        """`generic`, `ice40` or `liberty:FILE`; KilnError otherwise."""
        if text == "generic":
            return cls("liberty")
        if text == "ice40":
            return cls("ice40")
        if text.startswith("liberty:"):
            path = Path(text.split(":", 1)[1])
            if not path.is_file():
                raise KilnError(f"--target {text}: no such Liberty file {path}", hint=TARGET_HINT)
            return cls("liberty", path)
        raise KilnError(f"--target {text}: unknown target", hint=TARGET_HINT)

    @property
    def name(self) -> str:
        if self.kind == "ice40":
            return "ice40"
        return f"liberty:{self.liberty}" if self.liberty else "generic"

    @property
    def is_fpga(self) -> bool:
        return self.kind == "ice40"

    def delay_model(self) -> DelayModel:
        """The model plain SDC starts from: the target's own characterization. A custom
        Liberty file has none shipped: `kiln characterize --liberty FILE` makes one."""
        if self.kind == "ice40":
            return DelayModel.from_file(ICE40_DELAYS)
        return DelayModel()


GENERIC = Target("liberty")
