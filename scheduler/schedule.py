"""A schedule as data: a cycle and an in-cycle start time per op, checkable on its own."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiln.errors import ScheduleError
from kiln.ir.kernel import Op


@dataclass(frozen=True)
class Slot:
    cycle: int
    start_ps: float
    delay_ps: float

    @property
    def finish_ps(self) -> float:
        return self.start_ps + self.delay_ps


@dataclass
class Schedule:
    """Where every op of one straight-line region runs. `latency` counts its cycles."""

    clock_period_ps: float
    ops: list[Op]
    slots: dict[int, Slot]  # id(op) -> slot

    def slot(self, op: Op) -> Slot:
        return self.slots[id(op)]

    @property
    def latency(self) -> int:
        return 1 + max((s.cycle for s in self.slots.values()), default=0)

    def verify(self, deps: list[tuple[Op, Op]]) -> None:
        """Check every dependence (producer, consumer) and the clock period."""
        for op in self.ops:
            s = self.slot(op)
            if s.cycle < 0 or s.start_ps < 0 or s.finish_ps > self.clock_period_ps + 1e-9:
                raise ScheduleError(
                    f"op '{op.opcode}' runs outside its cycle ({s}) at period "
                    f"{self.clock_period_ps} ps",
                    op.place,
                )
        for p, c in deps:
            sp, sc = self.slot(p), self.slot(c)
            if sc.cycle < sp.cycle or (sc.cycle == sp.cycle and sc.start_ps < sp.finish_ps - 1e-9):
                raise ScheduleError(
                    f"op '{c.opcode}' starts before its input from '{p.opcode}' is ready",
                    c.place,
                )

    def to_json(self) -> dict:
        return {
            "clock_period_ps": self.clock_period_ps,
            "latency_cycles": self.latency,
            "ops": [
                {
                    "op": op.opcode,
                    "result": op.result.name if op.result is not None else None,
                    "cycle": self.slot(op).cycle,
                    "start_ps": self.slot(op).start_ps,
                    "delay_ps": self.slot(op).delay_ps,
                    "loc": str(op.loc) if op.loc else None,
                }
                for op in self.ops
            ],
        }

    def __str__(self) -> str:
        lines = [f"schedule: {self.latency} cycle(s) at {self.clock_period_ps:g} ps"]
        for op in self.ops:
            s = self.slot(op)
            name = f"%{op.result.name} = " if op.result is not None else ""
            lines.append(
                f"  cycle {s.cycle}  {s.start_ps:7.1f}..{s.finish_ps:7.1f} ps  {name}{op.opcode}"
            )
        return "\n".join(lines)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)
