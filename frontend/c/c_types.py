"""C's types on an LP64 target, mapped onto IR types, with C's promotion and conversion rules.

Scalars are IR types directly: `char` is i8 (signed, as on x86-64 gcc), `long` is i64,
`_Bool` is u1 (converting to it tests against zero), float and double are f32 and f64.
Arrays, pointers and structs are small dataclasses around them.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln.ir.types import BOOL, F32, F64, FloatType, IntType, ScalarType, i, u

INT = i(32)
UINT = u(32)
LONG = i(64)
ULONG = u(64)
SIZE_T = ULONG


@dataclass(frozen=True)
class CVoid:
    def __str__(self) -> str:
        return "void"


@dataclass(frozen=True)
class CArray:
    """`elem[d0][d1]...`; a dimension of 0 is an unsized parameter (`int a[]`)."""

    elem: CType
    dims: tuple[int, ...]

    def __str__(self) -> str:
        return f"{elem_name(self.elem)}" + "".join(f"[{d or ''}]" for d in self.dims)


@dataclass(frozen=True)
class CPointer:
    target: CType

    def __str__(self) -> str:
        return f"{elem_name(self.target)} *"


@dataclass(frozen=True)
class CStruct:
    """A struct (or its tag when `fields` is None: declared, not yet defined)."""

    name: str
    fields: tuple[tuple[str, CType], ...] | None

    def field(self, name: str) -> CType | None:
        for n, t in self.fields or ():
            if n == name:
                return t
        return None

    def __str__(self) -> str:
        return f"struct {self.name}"


CType = ScalarType | CVoid | CArray | CPointer | CStruct
VOID = CVoid()

_C_NAMES = {
    (8, True): "signed char",
    (8, False): "unsigned char",
    (16, True): "short",
    (16, False): "unsigned short",
    (32, True): "int",
    (32, False): "unsigned int",
    (64, True): "long",
    (64, False): "unsigned long",
}


def elem_name(t: CType) -> str:
    """The C spelling of a type, for messages and for generated C."""
    if t == BOOL:
        return "_Bool"
    if isinstance(t, FloatType):
        return "float" if t.width == 32 else "double"
    if isinstance(t, IntType):
        return _C_NAMES[(t.width, t.signed)]
    return str(t)


def from_specifiers(names: list[str]) -> ScalarType | CVoid | None:
    """The type named by C type keywords (`['unsigned', 'long', 'int']`), or None when the
    combination is not one kiln handles (long double, _Complex, nonsense)."""
    alone = {"void": VOID, "_Bool": BOOL, "float": F32, "double": F64}
    if len(names) == 1 and names[0] in alone:
        return alone[names[0]]
    if any(n not in ("signed", "unsigned", "char", "short", "int", "long") for n in names):
        return None
    signed = "unsigned" not in names
    if names.count("signed") + names.count("unsigned") > 1:
        return None
    if "char" in names:
        return IntType(8, signed) if len(names) <= 2 and "int" not in names else None
    if "short" in names:
        return IntType(16, signed) if "long" not in names else None
    if names.count("long") in (1, 2):
        return IntType(64, signed)
    return IntType(32, signed)


def is_scalar(t: CType) -> bool:
    return isinstance(t, ScalarType)


def is_integer(t: CType) -> bool:
    return isinstance(t, IntType)


def promote(t: ScalarType) -> ScalarType:
    """Integer promotion: every type narrower than int becomes int (int holds all their
    values, unsigned short included)."""
    if isinstance(t, IntType) and t.width < 32:
        return INT
    return t


def common_type(a: ScalarType, b: ScalarType) -> ScalarType:
    """The usual arithmetic conversions (C99 6.3.1.8) on LP64."""
    if isinstance(a, FloatType) or isinstance(b, FloatType):
        return F64 if F64 in (a, b) else F32
    a, b = promote(a), promote(b)
    if a == b:
        return a
    if a.signed == b.signed:
        return a if a.width >= b.width else b
    unsigned, signed = (a, b) if not a.signed else (b, a)
    # An unsigned type at least as wide wins; a strictly wider signed type holds it all.
    return unsigned if unsigned.width >= signed.width else signed


def sizeof(t: CType) -> int | None:
    """Bytes, as gcc on x86-64 lays them out; None for incomplete types."""
    if isinstance(t, ScalarType):
        return max(1, t.width // 8)
    if isinstance(t, CPointer):
        return 8
    if isinstance(t, CArray):
        n = sizeof(t.elem)
        for d in t.dims:
            n = None if n is None or d == 0 else n * d
        return n
    if isinstance(t, CStruct) and t.fields is not None:
        offset, align = 0, 1
        for _, ft in t.fields:
            size, a = sizeof(ft), alignof(ft)
            if size is None:
                return None
            offset = (offset + a - 1) // a * a + size
            align = max(align, a)
        return (offset + align - 1) // align * align
    return None


def alignof(t: CType) -> int:
    if isinstance(t, CArray):
        return alignof(t.elem)
    if isinstance(t, CStruct):
        return max((alignof(ft) for _, ft in t.fields or ()), default=1)
    return sizeof(t) or 1


def integer_constant_type(value: int, suffix: str, decimal: bool) -> ScalarType | None:
    """The type C gives an integer literal (C99 6.4.4.1): the first of its candidate list
    that holds the value; None when none does."""
    suffix = suffix.lower()
    unsigned = "u" in suffix
    long_ = "l" in suffix
    if unsigned:
        candidates = [ULONG] if long_ else [UINT, ULONG]
    elif decimal:
        candidates = [LONG] if long_ else [INT, LONG]
    else:
        candidates = [LONG, ULONG] if long_ else [INT, UINT, LONG, ULONG]
    for t in candidates:
        if t.contains_raw(value):
            return t
    return None
