"""How an array becomes memories: its banks, and where each element lives.

One rule, used by the emitter (addresses in hardware), the testbench (loading and reading
back external memories) and ROM contents: dimension d, when partitioned, splits into
banks (complete: one per index; cyclic F: index mod F; block F: chunks of ceil(size/F)),
and the element's offset in its bank is the row-major position of the per-dimension
remainders. An array partitioned completely on every dimension is a register file
instead: one word per element, any number of accesses per cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiln.ir.kernel import Storage, StorageKind


@dataclass(frozen=True)
class DimSplit:
    size: int
    kind: str  # "none" | "complete" | "cyclic" | "block"
    factor: int = 1  # cyclic: banks; block: chunk length

    @property
    def banks(self) -> int:
        if self.kind == "complete":
            return self.size
        if self.kind == "cyclic":
            return min(self.factor, self.size)
        if self.kind == "block":
            return math.ceil(self.size / self.factor)
        return 1

    @property
    def sub(self) -> int:
        """Rows of this dimension inside one bank."""
        if self.kind == "complete":
            return 1
        if self.kind == "cyclic":
            return math.ceil(self.size / self.factor)
        if self.kind == "block":
            return self.factor
        return self.size

    def split(self, i: int) -> tuple[int, int]:
        """(bank, row in bank) of index i."""
        if self.kind == "complete":
            return i, 0
        if self.kind == "cyclic":
            return i % self.factor, i // self.factor
        if self.kind == "block":
            return i // self.factor, i % self.factor
        return 0, i


@dataclass(frozen=True)
class ArrayLayout:
    storage: Storage
    dims: tuple[DimSplit, ...]
    registers: bool  # completely partitioned: a register file, no port limit

    @property
    def bank_keys(self) -> list[tuple[int | None, ...]]:
        """Every bank, as its per-dimension bank index (None: the dimension is not split)."""
        keys: list[tuple[int | None, ...]] = [()]
        for d in self.dims:
            opts = [None] if d.kind == "none" else list(range(d.banks))
            keys = [(*k, b) for k in keys for b in opts]
        return keys

    @property
    def depth(self) -> int:
        """Words per bank."""
        return math.prod(d.sub for d in self.dims) if not self.registers else self.size

    @property
    def size(self) -> int:
        return math.prod(d.size for d in self.dims)

    @property
    def width(self) -> int:
        return self.storage.elem.width

    def locate(self, flat: int) -> tuple[tuple[int | None, ...], int]:
        """(bank key, word in bank) of the element at row-major position `flat`."""
        if self.registers:
            return (), flat
        idx = []
        for d in reversed(self.dims):
            idx.append(flat % d.size)
            flat //= d.size
        key, word = [], 0
        for d, i in zip(self.dims, reversed(idx), strict=True):
            bank, row = d.split(i)
            key.append(None if d.kind == "none" else bank)
            word = word * d.sub + row
        return tuple(key), word


def layout_of(st: Storage) -> ArrayLayout:
    shape = st.type.shape
    part = st.partition
    cut = set() if part is None else (set(range(len(shape))) if part.dim == -1 else {part.dim})
    dims = []
    for d, size in enumerate(shape):
        if d not in cut:
            dims.append(DimSplit(size, "none"))
        elif part.kind == "complete":
            dims.append(DimSplit(size, "complete"))
        elif part.kind == "cyclic":
            dims.append(DimSplit(size, "cyclic", max(1, part.factor)))
        else:
            dims.append(DimSplit(size, "block", math.ceil(size / max(1, part.factor))))
    # A completely partitioned array is a register file (for a parameter, with one port
    # per element, as Vitis makes scalar ports of such an array).
    registers = bool(cut) and len(cut) == len(shape) and part.kind == "complete"
    return ArrayLayout(st, tuple(dims), registers)


def bank_suffix(key: tuple[int | None, ...]) -> str:
    """'' for an unsplit array, else '_b' + the split dimensions' bank indices."""
    parts = [str(b) for b in key if b is not None]
    return "_b" + "_".join(parts) if parts else ""


def is_external(st: Storage) -> bool:
    """Parameters live outside the module, behind memory ports."""
    return st.kind is StorageKind.PARAM


def address_width(depth: int) -> int:
    return max(1, (depth - 1).bit_length())
