"""Per-op combinational delay estimates, with measured overrides.

The table is provisional: rough figures for a generic 45 nm-class standard-cell library,
scaled by bit width, good enough to make ASAP chaining decisions. The ISDC loop (see
`kiln.feedback`) will replace entries with delays measured by synthesis through
`DelayModel.override`, so nothing here is trusted once measurements exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kiln.ir.kernel import Op
from kiln.ir.ops import OPS

# Picoseconds: base + per_bit * width (or per log2(width) for carry-lookahead style ops).
_LINEAR = {"logic": (40, 0), "select": (60, 0), "bits": (0, 0), "const": (0, 0), "var": (0, 0)}
_LOG = {"arith": (120, 60), "compare": (100, 50), "shift": (80, 45)}


def _width(op: Op) -> int:
    widths = [v.type.width for v in op.operands]
    if op.result is not None:
        widths.append(op.result.type.width)
    return max(widths, default=1)


def provisional_delay_ps(op: Op) -> float:
    """The table's delay for `op`, from its kind and widest operand or result."""
    kind = OPS[op.opcode].kind
    w = _width(op)
    if kind in _LINEAR:
        base, per_bit = _LINEAR[kind]
        return base + per_bit * w
    if kind in _LOG:
        base, per_level = _LOG[kind]
        return base + per_level * math.ceil(math.log2(w + 1))
    if kind == "mul":
        return 300 + 90 * math.ceil(math.log2(w + 1)) * 2
    if kind == "div":
        return 150.0 * w
    if kind == "memory":
        return 500.0
    raise KeyError(f"no delay for op kind '{kind}'")


@dataclass
class DelayModel:
    """Delays in picoseconds: the provisional table unless a measurement overrides it.

    Overrides key on the op's result name (or its opcode for ops without a result), so a
    measurement taken on one schedule carries over to the next run of the same kernel.
    """

    overrides: dict[str, float] = field(default_factory=dict)

    def delay_ps(self, op: Op) -> float:
        key = op.result.name if op.result is not None else op.opcode
        if key in self.overrides:
            return self.overrides[key]
        return provisional_delay_ps(op)

    def override(self, key: str, delay_ps: float) -> None:
        self.overrides[key] = delay_ps
