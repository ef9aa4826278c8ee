"""The IR's value types: arbitrary-width integers, fixed point, and arrays of either.

A scalar value is always held as its *raw* integer: the two's-complement bit pattern read
as signed or unsigned. A fixed-point value's real meaning is ``raw / 2**frac``. Keeping one
representation lets the interpreter, the C golden headers and the Verilog emitter share
`semantics.py` without conversions. A float's raw value is its IEEE-754 bit pattern read
as unsigned, so floats travel through memories, consts and bitcasts like any other bits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from fractions import Fraction

from kiln.base.errors import IRTypeError

MAX_WIDTH = 4096


class Rounding(enum.Enum):
    """How a value loses fractional bits (names follow ap_fixed's quantization modes)."""

    TRN = "trn"  # toward minus infinity (drop bits)
    RND = "rnd"  # round half up (toward plus infinity on ties)
    RND_CONV = "rnd_conv"  # round half to even (convergent)


class Overflow(enum.Enum):
    """What happens to a value outside the type's range."""

    WRAP = "wrap"  # keep the low bits (two's complement wrap-around)
    SAT = "sat"  # clamp to the nearest representable value


@dataclass(frozen=True)
class ScalarType:
    """Base of scalar types: a bit width and a signedness."""

    width: int
    signed: bool

    @property
    def frac(self) -> int:
        return 0

    @property
    def rounding(self) -> Rounding:
        return Rounding.TRN

    @property
    def overflow(self) -> Overflow:
        return Overflow.WRAP

    @property
    def min_raw(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_raw(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def contains_raw(self, raw: int) -> bool:
        return self.min_raw <= raw <= self.max_raw

    def to_real(self, raw: int) -> Fraction:
        return Fraction(raw, 1 << self.frac)


@dataclass(frozen=True)
class IntType(ScalarType):
    """A signed (`i8`) or unsigned (`u8`) integer of any width; arithmetic wraps."""

    def __post_init__(self) -> None:
        _check_width(self.width)

    def __str__(self) -> str:
        return f"{'i' if self.signed else 'u'}{self.width}"


@dataclass(frozen=True)
class FixedType(ScalarType):
    """Fixed point: `width` bits of which `frac` are fractional, like ap_fixed.

    Printed `fixed<16,8>` (signed) or `ufixed<16,8>`, with `,rnd`/`,rnd_conv` and `,sat`
    appended when the modes differ from truncate and wrap.
    """

    frac_bits: int = 0
    rounding_mode: Rounding = Rounding.TRN
    overflow_mode: Overflow = Overflow.WRAP

    def __post_init__(self) -> None:
        _check_width(self.width)
        if self.frac_bits < 0:
            raise IRTypeError(
                f"fixed-point type needs frac >= 0, got {self.frac_bits}",
                hint="scale the value instead, e.g. fixed<8,0> holds integers",
            )

    @property
    def frac(self) -> int:
        return self.frac_bits

    @property
    def rounding(self) -> Rounding:
        return self.rounding_mode

    @property
    def overflow(self) -> Overflow:
        return self.overflow_mode

    def __str__(self) -> str:
        parts = [str(self.width), str(self.frac_bits)]
        if self.rounding_mode is not Rounding.TRN:
            parts.append(self.rounding_mode.value)
        if self.overflow_mode is not Overflow.WRAP:
            parts.append(self.overflow_mode.value)
        return f"{'fixed' if self.signed else 'ufixed'}<{','.join(parts)}>"


@dataclass(frozen=True)
class FloatType(ScalarType):
    """IEEE-754 binary16 (`f16`), binary32 (`f32`, C's float), binary64 (`f64`, C's double),
    bfloat16 (`bf16`: 8 exponent bits, the top half of an f32), and the narrow formats
    of ONNX and the OCP microscaling spec: `f8e4m3fn`, `f8e4m3fnuz`, `f8e5m2`,
    `f8e5m2fnuz`, `f8e8m0fnu` and `f4e2m1fn`.

    The interpreter computes with numpy's IEEE arithmetic (ml_dtypes for the narrow
    formats). The kernel IR takes f32 and f64 (the C frontend's types); the others are
    graph-IR tensor elements until [units] builds hardware for them. `exponent` is the
    exponent field's width (0 means IEEE's for `width`); `variant` names the narrow formats'
    special-value encodings: "fn" finite (no infinities), "fnuz" finite with no negative
    zero, "fnu" finite and unsigned.
    """

    exponent: int = 0
    variant: str = ""

    def __post_init__(self) -> None:
        if self.exponent == 0:
            object.__setattr__(self, "exponent", _IEEE_EXPONENT.get(self.width, 0))
        if (self.width, self.exponent, self.variant) not in _FLOAT_NAMES or self.signed:
            raise IRTypeError(
                f"floating point is {', '.join(_FLOAT_NAMES.values())}; got width "
                f"{self.width} with {self.exponent} exponent bits {self.variant}".rstrip(),
                hint="use f16, bf16, f32 or f64",
            )

    @property
    def mantissa(self) -> int:
        sign = 0 if self.variant == "fnu" else 1
        return self.width - sign - self.exponent

    @property
    def min_raw(self) -> int:
        return 0

    @property
    def max_raw(self) -> int:
        return (1 << self.width) - 1

    def to_real(self, raw: int) -> Fraction:
        from kiln.ir.semantics import float_value

        return Fraction(float(float_value(raw, self)))

    def __str__(self) -> str:
        return _FLOAT_NAMES[(self.width, self.exponent, self.variant)]


_IEEE_EXPONENT = {16: 5, 32: 8, 64: 11}
_FLOAT_NAMES = {
    (16, 5, ""): "f16",
    (16, 8, ""): "bf16",
    (32, 8, ""): "f32",
    (64, 11, ""): "f64",
    (8, 4, "fn"): "f8e4m3fn",
    (8, 4, "fnuz"): "f8e4m3fnuz",
    (8, 5, ""): "f8e5m2",
    (8, 5, "fnuz"): "f8e5m2fnuz",
    (8, 8, "fnu"): "f8e8m0fnu",
    (4, 2, "fn"): "f4e2m1fn",
}
FLOAT_TYPES = {
    name: (width, exponent, variant) for (width, exponent, variant), name in _FLOAT_NAMES.items()
}

F32 = FloatType(32, False)
F64 = FloatType(64, False)
F16 = FloatType(16, False)
BF16 = FloatType(16, False, 8)


@dataclass(frozen=True)
class ArrayType:
    """A memory of scalars with a static shape (row-major)."""

    elem: ScalarType
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.shape or any(d < 1 for d in self.shape):
            raise IRTypeError(f"array shape must be non-empty and positive, got {self.shape}")

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __str__(self) -> str:
        return str(self.elem) + "".join(f"[{d}]" for d in self.shape)


Type = ScalarType | ArrayType


def _check_width(width: int) -> None:
    if not 1 <= width <= MAX_WIDTH:
        raise IRTypeError(
            f"bit width must be between 1 and {MAX_WIDTH}, got {width}",
            hint="i1/u1 is the narrowest type",
        )


BOOL = IntType(1, False)


def i(width: int) -> IntType:
    return IntType(width, True)


def u(width: int) -> IntType:
    return IntType(width, False)


def fixed(
    width: int,
    frac: int,
    signed: bool = True,
    rounding: Rounding | str = Rounding.TRN,
    overflow: Overflow | str = Overflow.WRAP,
) -> FixedType:
    return FixedType(width, signed, frac, Rounding(rounding), Overflow(overflow))


def from_real(t: ScalarType, value: float | int | Fraction | str) -> int:
    """The raw value of `t` nearest `value`, quantized with `t`'s own rounding and overflow."""
    from kiln.ir.semantics import float_bits, quantize_real

    if isinstance(t, FloatType):
        return float_bits(float(Fraction(value)) if isinstance(value, str) else value, t)
    return quantize_real(Fraction(value), t)
