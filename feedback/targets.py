"""What a design is built for: a Liberty cell library (kiln's generic one by default),
through Yosys, ABC and OpenSTA; or the iCE40 FPGA, through Yosys `synth_ice40` and
nextpnr-ice40.

The target owns both halves of that choice: the delay model scheduling starts from (the
characterization of its own flow, measured on demand for a user's library) and the
synthesizer that times subgraphs, signs off designs and characterizes ops. The scheduler
itself never sees it: it gets the delay model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiln.base.errors import KilnError
from kiln.scheduler.delay_model import DelayModel

if TYPE_CHECKING:
    from kiln.feedback.synthesizer import Synthesizer
    from kiln.ir.kernel import Kernel

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

    def synthesizer(self) -> Synthesizer:
        """The flow that times, signs off and characterizes on this target."""
        if self.kind == "ice40":
            from kiln.feedback.ice40 import Ice40Flow

            return Ice40Flow()
        from kiln.feedback.liberty_flow import LibertyFlow

        return LibertyFlow(self.liberty)

    def delay_model(
        self, kernel: Kernel | None = None, progress: Callable[[str], None] | None = None
    ) -> DelayModel:
        """The model scheduling starts from: the shipped characterization of kiln's generic
        library or of the iCE40; for a user's Liberty file, that file's delays at the points
        `kernel` needs, measured on demand and cached (`kiln.feedback.library_delays`)."""
        if self.kind == "ice40":
            return DelayModel.from_file(ICE40_DELAYS)
        if self.liberty is None:
            return DelayModel()
        if kernel is None:
            raise KilnError(
                f"{self.name}: a user's library is characterized for a kernel's ops",
                hint=f"give the kernel, or run `kiln characterize --target {self.name} --out "
                "FILE.json` once and pass --delays FILE.json",
            )
        from kiln.feedback.library_delays import library_delay_model

        return library_delay_model(self, kernel, progress)


GENERIC = Target("liberty")
