"""Hypothesis strategies that build random, verifier-clean kernels with `KernelBuilder`.

`kernels()` grows a kernel statement by statement while tracking which values each block
can see. An op picks its operands from the visible values and, when none has the type its
typing rule (`kiln.ir.ops`) demands, makes one: a `const`, or a `cast`, `zext`, `sext`,
`trunc`, `bitcast` or `slice` of a visible value. Loops, branches and declarations get
random `SourceLoc`s (file names with spaces, quotes and backslashes included) so the text
form's `loc(...)` is exercised too. The kernels are well formed, not meaningful: a while
loop may never end, so do not hand them to the interpreter as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from hypothesis import strategies as st

from kiln.base.errors import SourceLoc
from kiln.ir import (
    BOOL,
    ArrayType,
    Block,
    Direction,
    FixedType,
    ForLoop,
    IfElse,
    IntType,
    Kernel,
    KernelBuilder,
    Op,
    Overflow,
    Partition,
    Rounding,
    ScalarType,
    Storage,
    Value,
    WhileLoop,
)
from kiln.ir.kernel import walk

PartitionMode = Literal["never", "sometimes", "always"]

# Names the lexer accepts after % and @.
NAMES = st.text("abcxyzABC_.0123456789", min_size=1, max_size=6)
WIDTHS = st.one_of(st.integers(1, 16), st.integers(1, 130))
AWKWARD_FILES = (
    "kernel.c",
    "my kernels/fir filter.c",
    'say "hi".c',
    "C:\\src\\k.c",
    'C:\\my dir\\"quoted" name.cpp',
    "tab\tand\nnewline.c",
    "ünïcødé ✓.c",
    "",
)
FILES = st.one_of(st.sampled_from(AWKWARD_FILES), st.text(max_size=12))
LINES = st.integers(0, 100_000)


def source_locs() -> st.SearchStrategy[SourceLoc]:
    """A file alone, a file and line, or a file, line and column."""
    return st.one_of(
        st.builds(SourceLoc, FILES),
        st.builds(SourceLoc, FILES, LINES),
        st.builds(SourceLoc, FILES, LINES, LINES),
    )


class _KernelGen:
    """The state of one kernel being drawn: the builder, the visible values, the storages."""

    def __init__(self, draw, kb: KernelBuilder, partitions: PartitionMode, max_stmts: int):
        self.draw = draw
        self.kb = kb
        self.partitions = partitions
        self.left = max_stmts
        self.scopes: list[list[Value]] = [[]]
        self.readable: list[Storage] = []  # arrays that load accepts
        self.writable: list[Storage] = []  # arrays that store accepts
        self.vars: list[Storage] = []  # scalars that read and write accept
        self.extra_storages = 0
        self.ifs = 0

    # ---- types --------------------------------------------------------------------------

    def scalar_type(self, width: int | None = None) -> ScalarType:
        width = self.draw(WIDTHS) if width is None else width
        signed = self.draw(st.booleans())
        if self.draw(st.booleans()):
            return IntType(width, signed)
        return FixedType(
            width,
            signed,
            self.draw(st.integers(0, width + 2)),
            self.draw(st.sampled_from(Rounding)),
            self.draw(st.sampled_from(Overflow)),
        )

    def int_type(self, signed: bool | None = None) -> IntType:
        signed = self.draw(st.booleans()) if signed is None else signed
        return IntType(self.draw(WIDTHS), signed)

    def raw(self, t: ScalarType) -> int:
        return self.draw(st.integers(t.min_raw, t.max_raw))

    # ---- values ---------------------------------------------------------------------------

    def visible(self) -> Iterator[Value]:
        for scope in self.scopes:
            yield from scope

    def emit(
        self, opcode: str, operands: Sequence[Value], t: ScalarType | None, **kw
    ) -> Value | None:
        hint = self.draw(st.one_of(st.none(), NAMES)) if t is not None else None
        v = self.kb.op(opcode, operands, t, name=hint, **kw)
        if v is not None:
            self.scopes[-1].append(v)
        return v

    def pick(self, pool: list[Value]) -> Value | None:
        """Mostly one of `pool`; sometimes None, so that a fresh value gets made."""
        if pool and self.draw(st.integers(0, 3)):
            return self.draw(st.sampled_from(pool))
        return None

    def const(self, t: ScalarType) -> Value:
        return self.emit("const", [], t, value=self.raw(t))

    def value(self) -> Value:
        return self.pick(list(self.visible())) or self.const(self.scalar_type())

    def int_value(self, unsigned: bool = False) -> Value:
        pool = [
            v
            for v in self.visible()
            if isinstance(v.type, IntType) and not (unsigned and v.type.signed)
        ]
        return self.pick(pool) or self.value_of(self.int_type(False if unsigned else None))

    def value_of(self, t: ScalarType) -> Value:
        return self.pick([v for v in self.visible() if v.type == t]) or self.convert(t)

    def convert(self, t: ScalarType) -> Value:
        """A new value of type `t`: a constant, or a visible value cast or resized to `t`."""
        how = self.draw(st.sampled_from(("const", "cast", "resize", "bitcast", "slice")))
        if how == "const":
            return self.const(t)
        src = self.value()
        width = src.type.width
        if how == "cast":
            return self.emit("cast", [src], t)
        if how == "bitcast" and width == t.width:
            return self.emit("bitcast", [src], t)
        if how == "slice" and width >= t.width:
            lo = self.draw(st.integers(0, width - t.width))
            return self.emit("slice", [src], t, hi=lo + t.width - 1, lo=lo)
        if width <= t.width:
            return self.emit(self.draw(st.sampled_from(("zext", "sext"))), [src], t)
        return self.emit("trunc", [src], t)

    def bool_value(self) -> Value:
        if self.draw(st.booleans()):
            return self.value_of(BOOL)
        a = self.value()
        return self.emit(self.draw(st.sampled_from(_COMPARES)), [a, self.value()], BOOL)

    def result_type(self, operands: Sequence[Value]) -> ScalarType:
        if self.draw(st.booleans()):
            return self.draw(st.sampled_from([v.type for v in operands]))
        return self.scalar_type()

    def index(self, extent: int) -> Value:
        """An array index: a visible integer, often a loop counter, or an in-range const."""
        pool = [v for v in self.visible() if isinstance(v.type, IntType)]
        chosen = self.pick(pool)
        if chosen is not None:
            return chosen
        t = IntType(max(1, extent.bit_length()) + self.draw(st.integers(0, 3)), False)
        return self.emit("const", [], t, value=self.draw(st.integers(0, extent - 1)))

    # ---- ops, one maker per opcode ---------------------------------------------------------

    def op_arith(self, opcode: str) -> None:  # add, sub, mul
        a, b = self.value(), self.value()
        self.emit(opcode, [a, b], self.result_type([a, b]))

    def op_unary(self, opcode: str) -> None:  # neg, cast
        a = self.value()
        self.emit(opcode, [a], self.result_type([a]))

    def op_div(self, opcode: str) -> None:  # div, rem: integers only
        a, b = self.int_value(), self.int_value()
        t = self.draw(st.sampled_from([a.type, b.type, self.int_type()]))
        self.emit(opcode, [a, b], t)

    def op_compare(self, opcode: str) -> None:
        a = self.value()
        b = self.value_of(a.type) if self.draw(st.booleans()) else self.value()
        self.emit(opcode, [a, b], BOOL)

    def op_logic(self, opcode: str) -> None:  # and, or, xor: one type throughout
        a = self.value()
        self.emit(opcode, [a, self.value_of(a.type)], a.type)

    def op_not(self, opcode: str) -> None:
        a = self.value()
        self.emit(opcode, [a], a.type)

    def op_shift(self, opcode: str) -> None:
        a = self.value()
        self.emit(opcode, [a, self.int_value(unsigned=True)], a.type)

    def op_select(self, opcode: str) -> None:
        c, a = self.bool_value(), self.value()
        self.emit(opcode, [c, a, self.value_of(a.type)], a.type)

    def op_slice(self, opcode: str) -> None:
        a = self.value()
        lo = self.draw(st.integers(0, a.type.width - 1))
        hi = self.draw(st.integers(lo, a.type.width - 1))
        self.emit(opcode, [a], self.scalar_type(hi - lo + 1), hi=hi, lo=lo)

    def op_concat(self, opcode: str) -> None:
        parts = [self.value() for _ in range(self.draw(st.integers(1, 4)))]
        self.emit(opcode, parts, self.scalar_type(sum(v.type.width for v in parts)))

    def op_widen(self, opcode: str) -> None:  # zext, sext
        a = self.value()
        width = self.draw(st.integers(a.type.width, a.type.width + 16))
        self.emit(opcode, [a], self.scalar_type(width))

    def op_trunc(self, opcode: str) -> None:
        a = self.value()
        self.emit(opcode, [a], self.scalar_type(self.draw(st.integers(1, a.type.width))))

    def op_bitcast(self, opcode: str) -> None:
        a = self.value()
        self.emit(opcode, [a], self.scalar_type(a.type.width))

    def op_const(self, opcode: str) -> None:
        self.const(self.scalar_type())

    def op_load(self, opcode: str) -> None:
        s = self.draw(st.sampled_from(self.readable)) if self.readable else self.new_local()
        idx = [self.index(d) for d in s.type.shape]
        self.emit(opcode, idx, s.elem, storage=s)

    def op_store(self, opcode: str) -> None:
        s = self.draw(st.sampled_from(self.writable)) if self.writable else self.new_local()
        idx = [self.index(d) for d in s.type.shape]
        self.emit(opcode, [*idx, self.value_of(s.elem)], None, storage=s)

    def op_read(self, opcode: str) -> None:
        s = self.draw(st.sampled_from(self.vars)) if self.vars else self.new_var()
        self.emit(opcode, [], s.elem, storage=s)

    def op_write(self, opcode: str) -> None:
        s = self.draw(st.sampled_from(self.vars)) if self.vars else self.new_var()
        self.emit(opcode, [self.value_of(s.elem)], None, storage=s)

    def op(self, opcode: str | None = None) -> None:
        opcode = opcode or self.draw(st.sampled_from(OPCODES))
        _MAKERS[opcode](self, opcode)

    # ---- declarations ---------------------------------------------------------------------

    def shape(self) -> tuple[int, ...]:
        if self.draw(st.booleans()):
            return (self.draw(st.integers(1, 6)),)
        return (self.draw(st.integers(1, 4)), self.draw(st.integers(1, 4)))

    def array_type(self) -> ArrayType:
        return ArrayType(self.scalar_type(), self.shape())

    def param(self, name: str) -> None:
        direction = self.draw(st.sampled_from(Direction))
        t = self.array_type() if self.draw(st.booleans()) else self.scalar_type()
        handle = _PARAM[direction](self.kb, name, t)
        if isinstance(handle, Value):
            self.scopes[0].append(handle)
        elif handle.is_array:
            self.readable.append(handle)
            if direction is not Direction.IN:
                self.writable.append(handle)
        else:
            self.vars.append(handle)

    def new_var(self, name: str | None = None) -> Storage:
        t = self.scalar_type()
        init = self.raw(t) if self.draw(st.booleans()) else None
        s = self.kb.var(name or self.fresh_storage_name(), t, init)
        self.vars.append(s)
        return s

    def new_local(self, name: str | None = None, partitioned: bool = False) -> Storage:
        elem, shape = self.scalar_type(), self.shape()
        wanted = partitioned or self.partitions == "always"
        if not wanted and self.partitions == "sometimes":
            wanted = self.draw(st.booleans())
        partition = self.partition(len(shape)) if wanted else None
        s = self.kb.local(name or self.fresh_storage_name(), elem, shape, partition)
        if self.draw(st.integers(0, 3)) == 0:
            s.init = [self.raw(elem) for _ in range(s.type.size)]
        self.readable.append(s)
        self.writable.append(s)
        return s

    def new_const(self, name: str) -> Storage:
        elem, shape = self.scalar_type(), self.shape()
        size = ArrayType(elem, shape).size
        s = self.kb.const_array(name, elem, shape, [self.raw(elem) for _ in range(size)])
        self.readable.append(s)
        return s

    def partition(self, rank: int) -> Partition:
        kind = self.draw(st.sampled_from(("complete", "block", "cyclic")))
        factor = 0 if kind == "complete" else self.draw(st.integers(1, 4))
        return Partition(kind, factor, self.draw(st.integers(0, rank - 1)))

    def fresh_storage_name(self) -> str:
        # NAMES has no 's', so these never meet a drawn name or a builder-made value name.
        self.extra_storages += 1
        return f"s{self.extra_storages}"

    # ---- statements -----------------------------------------------------------------------

    def block(self, depth: int) -> None:
        for _ in range(self.draw(st.integers(0, 6))):
            if self.left <= 0:
                return
            self.left -= 1
            kind = self.draw(st.integers(0, 8)) if depth < 3 else 0
            if kind == 6:
                self.stmt_for(depth)
            elif kind == 7:
                self.stmt_while(depth)
            elif kind == 8:
                self.stmt_if(depth)
            else:
                self.op()

    def nested(self, depth: int, first: Value | None = None) -> None:
        self.scopes.append([] if first is None else [first])
        self.block(depth + 1)
        self.scopes.pop()

    def bound(self, t: IntType) -> int | Value:
        if self.draw(st.integers(0, 3)) == 0:
            return self.int_value()
        return self.draw(st.integers(t.min_raw, t.max_raw + 1))

    def stmt_for(self, depth: int) -> None:
        t = IntType(self.draw(st.integers(1, 12)), self.draw(st.booleans()))
        lo, hi = self.bound(t), self.bound(t)
        step = self.draw(st.integers(1, 4)) * self.draw(st.sampled_from((1, -1)))
        pipeline = self.draw(st.sampled_from((0, 0, 1, 2, 4)))
        unroll = self.draw(st.sampled_from((1, 1, 0, 2, 4)))
        name = self.draw(st.one_of(st.just("i"), NAMES))
        with self.kb.for_(name, t, lo, hi, step, pipeline=pipeline, unroll=unroll) as i:
            self.nested(depth, i)

    def stmt_while(self, depth: int) -> None:
        pipeline = self.draw(st.sampled_from((0, 0, 1, 3)))
        max_trip = self.draw(st.sampled_from((0, 0, 8, 1000)))
        with self.kb.while_(pipeline=pipeline, max_trip=max_trip) as w:
            self.scopes.append([])  # the condition's values stay visible in the body
            for _ in range(self.draw(st.integers(0, 3))):
                self.op()
            w.cond(self.bool_value())
            self.nested(depth)
            self.scopes.pop()

    def stmt_if(self, depth: int) -> None:
        self.ifs += 1
        ifs_before = self.ifs
        with self.kb.if_(self.bool_value()):
            self.nested(depth)
        # KernelBuilder.else_() refuses to follow an if_() whose then-block holds another
        # if_() (it remembers only the innermost one), so such ifs get no else here.
        if self.ifs == ifs_before and self.draw(st.booleans()):
            with self.kb.else_():
                self.nested(depth)


_PARAM: dict[Direction, Callable[[KernelBuilder, str, object], Value | Storage]] = {
    Direction.IN: KernelBuilder.input,
    Direction.OUT: KernelBuilder.output,
    Direction.INOUT: KernelBuilder.inout,
}
_COMPARES = ("eq", "ne", "lt", "le", "gt", "ge")
_MAKERS: dict[str, Callable[[_KernelGen, str], None]] = {
    "add": _KernelGen.op_arith,
    "sub": _KernelGen.op_arith,
    "mul": _KernelGen.op_arith,
    "div": _KernelGen.op_div,
    "rem": _KernelGen.op_div,
    "neg": _KernelGen.op_unary,
    "cast": _KernelGen.op_unary,
    **{c: _KernelGen.op_compare for c in _COMPARES},
    "and": _KernelGen.op_logic,
    "or": _KernelGen.op_logic,
    "xor": _KernelGen.op_logic,
    "not": _KernelGen.op_not,
    "shl": _KernelGen.op_shift,
    "shr": _KernelGen.op_shift,
    "select": _KernelGen.op_select,
    "slice": _KernelGen.op_slice,
    "concat": _KernelGen.op_concat,
    "zext": _KernelGen.op_widen,
    "sext": _KernelGen.op_widen,
    "trunc": _KernelGen.op_trunc,
    "bitcast": _KernelGen.op_bitcast,
    "const": _KernelGen.op_const,
    "load": _KernelGen.op_load,
    "store": _KernelGen.op_store,
    "read": _KernelGen.op_read,
    "write": _KernelGen.op_write,
}
OPCODES: tuple[str, ...] = tuple(_MAKERS)


def statements(block: Block) -> Iterator[Op | ForLoop | WhileLoop | IfElse]:
    """Every statement in `block` and in the blocks nested in it, in program order."""
    return walk(block)


def _place_locations(draw, k: Kernel) -> None:
    """Give about a third of the kernel's parts a source location."""

    def maybe() -> SourceLoc | None:
        return draw(source_locs()) if draw(st.integers(0, 2)) == 0 else None

    k.loc = maybe()
    for p in k.params:
        p.loc = maybe()
        if p.storage is not None:
            p.storage.loc = p.loc  # as the parser does: one location for both
    for s in k.storages:
        s.loc = maybe()
    for s in statements(k.body):
        s.loc = maybe()


@st.composite
def _kernels(draw, partitions, locations, required_ops, max_stmts) -> Kernel:
    kb = KernelBuilder(draw(NAMES), track_locations=False)
    gen = _KernelGen(draw, kb, partitions, max_stmts)
    n_params, n_vars, n_locals, n_consts = (draw(st.integers(0, n)) for n in (5, 2, 2, 2))
    total = n_params + n_vars + n_locals + n_consts
    names = iter(draw(st.lists(NAMES, min_size=total, max_size=total, unique=True)))
    for _ in range(n_params):
        gen.param(next(names))
    for _ in range(n_vars):
        gen.new_var(next(names))
    for _ in range(n_locals):
        gen.new_local(next(names))
    for _ in range(n_consts):
        gen.new_const(next(names))
    if partitions == "always" and not any(s.partition for s in kb.storages):
        gen.new_local(partitioned=True)
    for opcode in required_ops:
        gen.op(opcode)
    gen.block(0)
    kernel = kb.build()  # verified
    if locations:
        _place_locations(draw, kernel)
    return kernel


def kernels(
    *,
    partitions: PartitionMode = "sometimes",
    locations: bool = True,
    required_ops: Sequence[str] = (),
    max_stmts: int = 24,
) -> st.SearchStrategy[Kernel]:
    """Random kernels that pass `kiln.ir.verify`.

    `partitions`: whether local arrays get partition directives ("always" also makes sure
    there is at least one). `locations`: attach random `SourceLoc`s. `required_ops`: ops
    emitted first, at the top level, whatever else is drawn. `max_stmts`: a cap on
    statements (helper consts and conversions come on top).
    """
    unknown = set(required_ops) - set(OPCODES)
    if unknown:
        raise ValueError(f"no maker for ops {sorted(unknown)}")
    return _kernels(partitions, locations, tuple(required_ops), max_stmts)
