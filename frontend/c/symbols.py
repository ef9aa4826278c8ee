"""What a C name stands for while a kernel is lowered (IR values, storages, views of them),
and the small records the lowering passes around: rvalues, lvalues, the function and the
loops being lowered."""

from __future__ import annotations

from dataclasses import dataclass, field

from kiln.base.errors import CFrontendError
from kiln.frontend.c.c_types import CStruct, CType
from kiln.frontend.c.parse import loc_of
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


@dataclass
class RV:
    """An rvalue: an IR value and its C type. A comparison's u1 result stays u1 until it
    is used as an int (`value.type` is then u1 while `ctype` is int)."""

    value: Value
    ctype: ScalarType


@dataclass
class LV:
    """An lvalue: a scalar storage, or an array element."""

    storage: Storage
    ctype: ScalarType
    indices: tuple[Value, ...] | None = None


@dataclass
class Function:
    name: str
    ret_type: CType
    ret_lv: LV | None = None
    ret_flag: Storage | None = None
    tail_value: RV | None = None


@dataclass
class Exit:
    """A loop or switch in progress: the flags its break and continue set."""

    kind: str  # "loop" | "switch"
    brk: Storage | None = None
    cont: Storage | None = None


@dataclass
class ElemSym:
    """A struct field element inside an array of structs: `pts[i].x`."""

    lv: LV


def error(message: str, node, hint: str | None = None) -> CFrontendError:
    return CFrontendError(message, loc_of(node), hint)
