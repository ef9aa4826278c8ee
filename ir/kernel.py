"""Kernel IR: functions over arrays and scalars, with loops, branches and SSA scalar ops.

Scalars flow as SSA `Value`s inside blocks (a value is visible in its block and in the
blocks nested in it). State that lives across iterations or leaves the kernel is a
`Storage`: a scalar variable (`read`/`write`) or an array (`load`/`store`). Scalar `in`
parameters are plain values; every other parameter is a storage.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from kiln.base.errors import SourceLoc
from kiln.ir.types import ArrayType, ScalarType, Type


class Placed:
    """For IR objects with a source `loc` and a parsed-text `where` (neither printed as
    the other): `place` is where an error should point a user."""

    loc: SourceLoc | None
    where: SourceLoc | None

    @property
    def place(self) -> SourceLoc | None:
        return self.loc or self.where


class Direction(enum.Enum):
    IN = "in"
    OUT = "out"
    INOUT = "inout"


class StorageKind(enum.Enum):
    PARAM = "param"
    VAR = "var"  # a local scalar variable
    LOCAL = "local"  # a local array
    CONST = "const"  # a read-only array with initial data
    STATIC = "static"  # a scalar or array whose contents persist from one call to the next


@dataclass(eq=False)
class Value:
    """An SSA scalar: an op's result, a loop's induction variable or a scalar input."""

    name: str
    type: ScalarType

    def __repr__(self) -> str:
        return f"%{self.name}: {self.type}"


@dataclass(frozen=True)
class Partition:
    """Array partition directive: split dimension `dim` into banks (complete/block/cyclic);
    dim -1 splits every dimension (Vitis's dim=0)."""

    kind: str  # "complete" | "block" | "cyclic"
    factor: int = 0  # banks for block/cyclic; 0 for complete
    dim: int = 0


@dataclass(eq=False)
class Storage(Placed):
    """A named piece of state: a parameter, a scalar variable, or a local/const array."""

    name: str
    type: Type
    kind: StorageKind
    direction: Direction | None = None  # parameters only
    init: list[int] | None = None  # const arrays (required) and vars (optional), raw values
    partition: Partition | None = None
    loc: SourceLoc | None = None
    where: SourceLoc | None = None  # position in the IR text it was parsed from; not printed

    @property
    def is_array(self) -> bool:
        return isinstance(self.type, ArrayType)

    @property
    def elem(self) -> ScalarType:
        return self.type.elem if isinstance(self.type, ArrayType) else self.type

    def __repr__(self) -> str:
        return f"@{self.name}: {self.type}"


@dataclass(eq=False)
class Op(Placed):
    """One scalar op. `storage` is set for load/store/read/write; indices come first in
    `operands` for load/store, then the stored value."""

    opcode: str
    operands: list[Value]
    result: Value | None = None
    attrs: dict[str, int] = field(default_factory=dict)
    storage: Storage | None = None
    loc: SourceLoc | None = None
    where: SourceLoc | None = None  # position in the IR text it was parsed from; not printed


@dataclass(frozen=True)
class LoopDirectives:
    """Per-loop directives: pipeline II (0 = not pipelined), unroll factor (1 = none, 0 =
    full), and for while loops the bound on trips that latency reports rely on."""

    pipeline: int = 0
    unroll: int = 1
    max_trip: int = 0


@dataclass(eq=False)
class Block:
    """A list of statements executed in order."""

    stmts: list[Stmt] = field(default_factory=list)


@dataclass(eq=False)
class ForLoop(Placed):
    """`for i = lo; i < hi (or > hi when step < 0); i += step`; bounds are ints or values."""

    var: Value
    lo: int | Value
    hi: int | Value
    step: int
    body: Block
    directives: LoopDirectives = LoopDirectives()
    loc: SourceLoc | None = None
    where: SourceLoc | None = None


@dataclass(eq=False)
class WhileLoop(Placed):
    """Run `cond` then, while `cond_value` is 1, run `body` and repeat."""

    cond: Block
    cond_value: Value
    body: Block
    directives: LoopDirectives = LoopDirectives()
    loc: SourceLoc | None = None
    where: SourceLoc | None = None


@dataclass(eq=False)
class IfElse(Placed):
    cond: Value
    then: Block
    orelse: Block | None = None
    loc: SourceLoc | None = None
    where: SourceLoc | None = None


Stmt = Op | ForLoop | WhileLoop | IfElse


@dataclass(eq=False)
class Param(Placed):
    """A kernel parameter: a `Value` for scalar inputs, a `Storage` for everything else."""

    name: str
    type: Type
    direction: Direction
    value: Value | None = None
    storage: Storage | None = None
    loc: SourceLoc | None = None
    where: SourceLoc | None = None


@dataclass(eq=False)
class Kernel:
    name: str
    params: list[Param]
    storages: list[Storage]  # local variables and arrays (not parameters)
    body: Block
    loc: SourceLoc | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


@dataclass(eq=False)
class Module:
    """What one IR text file holds: one or more kernels."""

    kernels: list[Kernel]

    def kernel(self, name: str | None = None) -> Kernel:
        if name is None:
            return self.kernels[0]
        for k in self.kernels:
            if k.name == name:
                return k
        raise KeyError(name)


def walk(block: Block) -> Iterator[Stmt]:
    """Every statement in `block` and in the blocks nested in it, in program order."""
    for s in block.stmts:
        yield s
        if isinstance(s, ForLoop):
            yield from walk(s.body)
        elif isinstance(s, WhileLoop):
            yield from walk(s.cond)
            yield from walk(s.body)
        elif isinstance(s, IfElse):
            yield from walk(s.then)
            if s.orelse is not None:
                yield from walk(s.orelse)


def walk_ops(block: Block) -> Iterator[Op]:
    """Every op in `block` and its nested blocks, in program order."""
    return (s for s in walk(block) if isinstance(s, Op))
