"""Value ranges: the smallest and largest raw value each integer value can take.

A pixel sum held in an `int` needs 10 bits, not 32; the upper bits are known zeros (or
copies of the sign) that logic synthesis removes from every register they pass through.
The scheduler weighs registers by the bits that remain and the backend builds registers
of exactly those bits, so the two counts agree with the synthesized circuit.

Intervals over raw values, by `ir.semantics`'s rules: an op whose exact result may leave
its type's range (and wraps) gets the type's whole range. Variables are where loops carry
values, so their ranges are found by sweeping the kernel until no variable's range grows;
after a few sweeps a variable still growing gets its type's whole range.
"""

from __future__ import annotations

from kiln.ir.kernel import ForLoop, Kernel, Op, StorageKind, Value, walk
from kiln.ir.types import FloatType, Overflow, ScalarType

Range = tuple[int, int]

_SWEEPS = 4  # sweeps before a variable still growing is widened to its type


def full(t: ScalarType) -> Range:
    return (t.min_raw, t.max_raw)


def union(a: Range, b: Range) -> Range:
    return (min(a[0], b[0]), max(a[1], b[1]))


def significant_bits(r: Range) -> tuple[int, bool]:
    """(bits, sign-extend): the low bits that determine every value in `r`; the rest
    are zeros, or with sign-extend copies of the top kept bit."""
    lo, hi = r
    if lo >= 0:
        return max(1, hi.bit_length()), False
    return max(hi.bit_length(), (-lo - 1).bit_length()) + 1, True


def value_ranges(kernel: Kernel) -> dict[int, Range]:
    """id(value) -> (lo, hi) of its raw values, for every value the kernel makes."""
    var: dict[int, Range] = {}
    for st in kernel.storages:
        if not st.is_array and st.kind is not StorageKind.PARAM:
            init = (st.init or [0])[0] if st.kind is not StorageKind.STATIC else None
            var[id(st)] = (init, init) if init is not None else full(st.elem)
    for p in kernel.params:
        if p.storage is not None and not p.storage.is_array:
            var[id(p.storage)] = full(p.storage.elem)
    stmts = list(walk(kernel.body))
    sweeps = 0
    while True:
        sweeps += 1
        ranges: dict[int, Range] = {}
        for p in kernel.params:
            if p.value is not None:
                ranges[id(p.value)] = full(p.value.type)
        grown = False
        for s in stmts:
            if isinstance(s, ForLoop):
                ranges[id(s.var)] = _counter(s, ranges)
            elif isinstance(s, Op) and s.opcode == "write":
                st, v = s.storage, s.operands[0]
                new = union(var[id(st)], ranges.get(id(v), full(v.type)))
                if new != var[id(st)]:
                    grown = True
                    var[id(st)] = new if sweeps < _SWEEPS else full(st.elem)
            elif isinstance(s, Op) and s.result is not None:
                ranges[id(s.result)] = _op(s, ranges, var)
        if not grown:  # a widened variable cannot grow again: this ends
            return ranges


def _counter(loop: ForLoop, ranges: dict[int, Range]) -> Range:
    """The values a loop's body sees its counter take (the exit value is never seen)."""
    t = loop.var.type
    lo = _bound(loop.lo, ranges, t)
    hi = _bound(loop.hi, ranges, t)
    if loop.step > 0:
        r = (lo[0], max(lo[0], hi[1] - 1))
        wraps = r[1] + loop.step > t.max_raw
    else:
        r = (min(lo[1], hi[0] + 1), lo[1])
        wraps = r[0] + loop.step < t.min_raw
    return r if t.min_raw <= r[0] and r[1] <= t.max_raw and not wraps else full(t)


def _bound(b: int | Value, ranges: dict[int, Range], t: ScalarType) -> Range:
    if isinstance(b, int):
        return (b, b)
    return ranges.get(id(b), full(t))


def _fits(r: Range, t: ScalarType) -> Range:
    """`r` if every value in it is one of `t`'s, else `t`'s whole range (it may wrap)."""
    if t.min_raw <= r[0] and r[1] <= t.max_raw:
        return r
    if t.overflow is Overflow.SAT:
        return (min(max(r[0], t.min_raw), t.max_raw), max(min(r[1], t.max_raw), t.min_raw))
    return full(t)


def _op(op: Op, ranges: dict[int, Range], var: dict[int, Range]) -> Range:
    rt = op.result.type
    if op.opcode == "const":
        return (op.attrs["value"], op.attrs["value"])
    if op.opcode == "read":
        return var.get(id(op.storage), full(rt))
    if op.opcode == "load":
        st = op.storage
        if st.kind is StorageKind.CONST and st.init:
            return (min(st.init), max(st.init))
        return full(rt)
    types = [v.type for v in op.operands]
    if any(isinstance(t, FloatType) for t in (*types, rt)):
        return full(rt)
    if op.opcode in ("eq", "ne", "lt", "le", "gt", "ge"):
        return (0, 1)
    rs = [ranges.get(id(v), full(v.type)) for v in op.operands]
    if op.opcode == "select":
        return union(rs[1], rs[2])
    if op.opcode in _BITS:  # bit ops wrap, whatever the result type's overflow mode
        r = _BITS[op.opcode](rs, types, rt, op.attrs)
        return r if rt.min_raw <= r[0] and r[1] <= rt.max_raw else full(rt)
    plain = all(t.frac == 0 for t in (*types, rt))
    fn = _VALUES.get(op.opcode) if plain else None
    if fn is None:
        return full(rt)
    return _fits(fn(rs, types, rt, op.attrs), rt)


# ---- value ops (integers): exact result, then wrap or saturate -------------------------


def _add(rs, ts, rt, attrs) -> Range:
    (a0, a1), (b0, b1) = rs
    return (a0 + b0, a1 + b1)


def _sub(rs, ts, rt, attrs) -> Range:
    (a0, a1), (b0, b1) = rs
    return (a0 - b1, a1 - b0)


def _mul(rs, ts, rt, attrs) -> Range:
    (a0, a1), (b0, b1) = rs
    p = (a0 * b0, a0 * b1, a1 * b0, a1 * b1)
    return (min(p), max(p))


def _neg(rs, ts, rt, attrs) -> Range:
    return (-rs[0][1], -rs[0][0])


def _div(rs, ts, rt, attrs) -> Range:
    (a0, a1), (b0, b1) = rs
    m = max(abs(a0), abs(a1))
    r = (0, m) if a0 >= 0 and b0 >= 0 else (-m, m)
    if b0 <= 0 <= b1:  # division by zero gives all ones
        r = union(r, (rt.max_raw, rt.max_raw) if not rt.signed else (-1, -1))
    return r


def _rem(rs, ts, rt, attrs) -> Range:
    (a0, a1), (b0, b1) = rs
    m = max(abs(b0), abs(b1)) - 1
    r = (0, min(a1, m)) if a0 >= 0 else (max(a0, -m), min(max(a1, 0), m))
    if b0 <= 0 <= b1:  # remainder by zero gives the dividend
        r = union(r, (a0, a1))
    return r


def _cast(rs, ts, rt, attrs) -> Range:
    return rs[0]


_VALUES = {"add": _add, "sub": _sub, "mul": _mul, "neg": _neg, "div": _div, "rem": _rem}
_VALUES["cast"] = _cast


# ---- bit ops: on two's-complement patterns ---------------------------------------------


def _bitwise(rs, ts, rt, attrs) -> Range:
    """Bitwise ops keep values in [0, 2**k) (non-negative operands of k bits) or in
    [-2**(k-1), 2**(k-1)) (operands that sign-extend from k bits)."""
    if all(r[0] >= 0 for r in rs):
        return (0, (1 << max(r[1].bit_length() for r in rs)) - 1)
    k = max(significant_bits(r)[0] + (r[0] >= 0) for r in rs)
    return (-(1 << (k - 1)), (1 << (k - 1)) - 1)


def _and(rs, ts, rt, attrs) -> Range:
    caps = [r[1] for r in rs if r[0] >= 0]  # a non-negative operand's zeros stay zeros
    return (0, min(caps)) if caps else _bitwise(rs, ts, rt, attrs)


def _not(rs, ts, rt, attrs) -> Range:
    lo, hi = rs[0]
    if rt.signed:
        return (-hi - 1, -lo - 1)
    return (rt.max_raw - hi, rt.max_raw - lo)


def _shl(rs, ts, rt, attrs) -> Range:
    (a0, a1), (n0, n1) = rs
    if n0 < 0:
        return full(rt)
    n0, n1 = min(n0, rt.width - 1), min(n1, rt.width - 1)
    ends = [x << n for x in (a0, a1) for n in (n0, n1)]
    r = (min(ends), max(ends))
    if rs[1][1] >= rt.width:  # shifting by the width or more gives 0
        r = union(r, (0, 0))
    return r


def _shr(rs, ts, rt, attrs) -> Range:
    (a0, a1), (n0, n1) = rs
    if n0 < 0:
        return full(rt)
    n0, n1 = min(n0, ts[0].width), min(n1, ts[0].width)
    ends = [x >> n for x in (a0, a1) for n in (n0, n1)]
    return (min(ends), max(ends))


def _pattern(r: Range, t: ScalarType) -> Range:
    """The unsigned bit patterns of the values in `r`."""
    if r[0] >= 0:
        return r
    if r[1] < 0:
        return (r[0] + (1 << t.width), r[1] + (1 << t.width))
    return (0, (1 << t.width) - 1)


def _signed(p: Range, t: ScalarType) -> Range:
    """The values `t` reads the patterns in `p` as."""
    return _as_signed(p, t.width) if t.signed else p


def _as_signed(p: Range, width: int) -> Range:
    """Patterns of `width` bits read as two's-complement values."""
    top = (1 << (width - 1)) - 1
    if p[1] <= top:
        return p
    if p[0] > top:
        return (p[0] - (1 << width), p[1] - (1 << width))
    return (-top - 1, top)


def _zext(rs, ts, rt, attrs) -> Range:
    return _signed(_pattern(rs[0], ts[0]), rt)


def _sext(rs, ts, rt, attrs) -> Range:
    t = ts[0]
    sv = rs[0] if t.signed else _as_signed(rs[0], t.width)
    return sv if rt.signed or sv[0] >= 0 else _pattern(sv, rt)


def _trunc(rs, ts, rt, attrs) -> Range:
    r = rs[0]
    return r if rt.min_raw <= r[0] and r[1] <= rt.max_raw else full(rt)


def _slice(rs, ts, rt, attrs) -> Range:
    p = _pattern(rs[0], ts[0])
    hi, lo = attrs["hi"], attrs["lo"]
    if p[1] >> (hi + 1):
        return full(rt)
    return _signed((p[0] >> lo, p[1] >> lo), rt)


def _concat(rs, ts, rt, attrs) -> Range:
    rest = sum(t.width for t in ts[1:])
    p = _pattern(rs[0], ts[0])
    return _signed((p[0] << rest, (p[1] << rest) + (1 << rest) - 1), rt)


_BITS = {"and": _and, "or": _bitwise, "xor": _bitwise, "not": _not, "shl": _shl}
_BITS |= {"shr": _shr, "zext": _zext, "sext": _sext, "trunc": _trunc, "bitcast": _zext}
_BITS |= {"slice": _slice, "concat": _concat}
