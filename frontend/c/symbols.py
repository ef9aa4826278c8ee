"""What a C name stands for while a kernel is lowered: IR values, storages and views of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiln.frontend.c.c_types import CStruct, CType
from kiln.ir.kernel import Storage, Value
from kiln.ir.types import ScalarType


@dataclass
class VarSym:
    """A scalar held in a storage (a local, a static, an out parameter): read/write ops."""

    storage: Storage
    ctype: ScalarType


@dataclass
class ValSym:
    """A scalar that is never assigned: an SSA value (an input, a loop counter)."""

    value: Value
    ctype: ScalarType


@dataclass
class ConstSym:
    """An enum constant or a global `const` scalar: a number known while compiling."""

    value: int
    ctype: ScalarType


@dataclass
class ArraySym:
    """An array, or a view of one: `prefix` fixes leading indices (a row `a[i]` passed on)
    and `offset` is added to the first free index (`&a[k]` passed on)."""

    storage: Storage
    elem: CType
    dims: tuple[int, ...]  # the dimensions still free
    prefix: tuple[Value, ...] = ()
    offset: Value | None = None


@dataclass
class StructSym:
    """A struct flattened into one symbol per field."""

    ctype: CStruct
    fields: dict[str, Sym] = field(default_factory=dict)


@dataclass
class PtrSym:
    """A pointer parameter bound to one scalar or struct (`f(&x)`): `*p` means the target."""

    target: Sym


Sym = VarSym | ValSym | ConstSym | ArraySym | StructSym | PtrSym
