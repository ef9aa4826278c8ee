"""A second cell library for tests: kiln's generic one with every timing table (delays,
transitions, constraints) scaled by a factor, under a name of its own."""

from __future__ import annotations

import re
from pathlib import Path

from kiln.feedback.synthesis import GENERIC_LIBERTY

_VALUES = re.compile(r"values\((.*?)\);", re.S)
_NUMBER = re.compile(r"-?\d+\.\d+(?:[eE]-?\d+)?")


def write_scaled_liberty(path: Path, factor: float) -> Path:
    """Write the scaled library to `path` and return it."""
    text = GENERIC_LIBERTY.read_text()

    def scale(m: re.Match) -> str:
        body = _NUMBER.sub(lambda n: f"{float(n.group()) * factor:.6f}", m.group(1))
        return f"values({body});"

    scaled, count = _VALUES.subn(scale, text)
    assert count > 100, "the generic library's timing tables were not found"
    name = f"generic_x{str(factor).replace('.', '_')}"
    scaled = re.sub(r"\blibrary\s*\(\s*generic\s*\)", f"library({name})", scaled, count=1)
    path.write_text(scaled)
    return path
