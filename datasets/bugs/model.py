"""The data every part of the bug pipeline shares: source edits, mutations, oracle verdicts.

A kernel file is text; a bug is a set of non-overlapping character-range edits to it,
made by a mutator of one taxonomy type. Edits are kept as offsets into the golden text so
they apply byte for byte, and labels (lines, original and faulty text) are derived from
them in one place (`jobs._labels`).
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Edit:
    """Replace golden[start:end] with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Mutation:
    """One bug (or one semantics-preserving rewrite, type "CLEAN") as edits to a file."""

    type: str  # taxonomy code, e.g. "OOB"
    edits: tuple[Edit, ...]
    note: str  # what changed, for people: "loop bound `i < N` became `i <= N`"

    def span(self) -> tuple[int, int]:
        return min(e.start for e in self.edits), max(e.end for e in self.edits)


@dataclass
class KernelSource:
    """A corpus kernel as the mutators see it."""

    name: str
    family: str
    path: str  # the .c file
    top: str  # the kernel function
    text: str  # the file's exact contents
    kernel_lines: tuple[int, int]  # 1-based first and last line of the kernel code
    # (the top function, its callees and the globals they use; never the testbench)


@dataclass
class Verdict:
    """What the oracles said about one sample. `fired` names each oracle that flagged it
    (csim-output, sanitizer, hang, compile, static-pragma, kiln) with its evidence."""

    compiled: bool
    warnings: list[str] = field(default_factory=list)
    fired: dict[str, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.compiled and not self.fired

    def to_json(self) -> dict:
        return asdict(self)


def apply_edits(text: str, edits: tuple[Edit, ...] | list[Edit]) -> str:
    """The text with every edit made; edits must not overlap."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):  # an insertion goes first
        if e.start < pos:
            raise ValueError(f"overlapping edits at offset {e.start}")
        out.append(text[pos : e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def unified_diff(golden: str, buggy: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            golden.splitlines(keepends=True),
            buggy.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
    )
