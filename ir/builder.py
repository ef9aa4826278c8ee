"""A Python API for writing kernels in code, used by tests, examples and frontends.

    kb = KernelBuilder("mac")
    a, b = kb.input("a", fixed(16, 8)), kb.input("b", fixed(16, 8))
    y = kb.output("y", fixed(16, 8, overflow="sat"))
    kb.write(y, kb.mul(a, b, fixed(16, 8, overflow="sat")))
    kernel = kb.build()          # verified

Each op records the Python line that built it as its source location, so verifier errors
point at the user's code (turn off with `track_locations=False`).
"""

from __future__ import annotations

import contextlib  # noqa: E402  (its frames are skipped when finding the caller)
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    IfElse,
    Kernel,
    LoopDirectives,
    Op,
    Param,
    Partition,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
)
from kiln.ir.ops import OPS
from kiln.ir.types import BOOL, ArrayType, ScalarType, Type
from kiln.ir.verifier import verify_kernel

_SKIP_FILES = (__file__, contextlib.__file__)


class _WhileHandle:
    def __init__(self, builder: KernelBuilder, loop: WhileLoop):
        self._b, self._loop = builder, loop

    def cond(self, value: Value) -> None:
        """End the condition block: the loop runs its body while `value` is 1."""
        self._loop.cond_value = value
        self._b._blocks[-1] = self._loop.body


class KernelBuilder:
    def __init__(self, name: str, *, track_locations: bool = True, loc: SourceLoc | None = None):
        self.name = name
        self.track = track_locations
        self.params: list[Param] = []
        self.storages: list[Storage] = []
        self.body = Block()
        self._blocks: list[Block] = [self.body]
        self._names: set[str] = set()
        self._counter = 0
        # Without tracking, ops take this location: frontends set it to the source being
        # lowered (a C line) before they add ops.
        self.current_loc: SourceLoc | None = None
        self.loc = loc or self._caller()

    # ---- naming and locations -----------------------------------------------------------

    def _caller(self) -> SourceLoc | None:
        if not self.track:
            return self.current_loc
        f = sys._getframe(1)
        while f is not None and f.f_code.co_filename in _SKIP_FILES:
            f = f.f_back
        return SourceLoc(f.f_code.co_filename, f.f_lineno) if f is not None else None

    def _fresh(self, hint: str | None) -> str:
        """A unique value name; characters the text form cannot spell become '_'."""
        if hint is not None:
            hint = re.sub(r"[^A-Za-z0-9_.]", "_", hint) or "v"
        if hint is None:
            while str(self._counter) in self._names:
                self._counter += 1
            hint = str(self._counter)
        name, n = hint, 1
        while name in self._names:
            name, n = f"{hint}.{n}", n + 1
        self._names.add(name)
        return name

    def unique(self, hint: str) -> str:
        """A name no value, parameter or storage has yet (not claimed until used)."""
        name = self._fresh(hint)
        self._names.discard(name)
        return name

    # ---- parameters and storage ---------------------------------------------------------

    def input(self, name: str, t: Type) -> Value | Storage:
        """A scalar input gives a `Value`; an array input gives a read-only `Storage`."""
        return self._param(name, t, Direction.IN)

    def output(self, name: str, t: Type) -> Storage:
        return self._param(name, t, Direction.OUT)

    def inout(self, name: str, t: Type) -> Storage:
        return self._param(name, t, Direction.INOUT)

    def _param(self, name: str, t: Type, d: Direction):
        loc = self._caller()
        self._claim(name, loc)
        p = Param(name, t, d, loc=loc)
        if d is Direction.IN and isinstance(t, ScalarType):
            p.value = Value(name, t)
        else:
            p.storage = Storage(name, t, StorageKind.PARAM, d, loc=loc)
        self.params.append(p)
        return p.value if p.value is not None else p.storage

    def _claim(self, name: str, loc: SourceLoc | None) -> None:
        if name in self._names:
            raise VerifyError(f"kernel @{self.name}: the name '{name}' is taken", loc)
        self._names.add(name)

    def var(self, name: str, t: ScalarType, init: int | None = None) -> Storage:
        return self._storage(name, t, StorageKind.VAR, None if init is None else [init], None)

    def local(
        self, name: str, elem: ScalarType, shape: Sequence[int], partition: Partition | None = None
    ) -> Storage:
        return self._storage(
            name, ArrayType(elem, tuple(shape)), StorageKind.LOCAL, None, partition
        )

    def const_array(
        self, name: str, elem: ScalarType, shape: Sequence[int], values: Sequence[int]
    ) -> Storage:
        return self._storage(
            name, ArrayType(elem, tuple(shape)), StorageKind.CONST, list(values), None
        )

    def _storage(self, name, t, kind, init, partition) -> Storage:
        loc = self._caller()
        self._claim(name, loc)
        s = Storage(name, t, kind, init=init, partition=partition, loc=loc)
        self.storages.append(s)
        return s

    # ---- ops ------------------------------------------------------------------------------

    def op(
        self,
        opcode: str,
        operands: Sequence[Value],
        t: ScalarType | None = None,
        *,
        storage: Storage | None = None,
        name: str | None = None,
        **attrs: int,
    ) -> Value | None:
        """Append any op; returns its result (None for store/write)."""
        spec = OPS[opcode]
        result = Value(self._fresh(name), t) if spec.has_result else None
        self._blocks[-1].stmts.append(
            Op(opcode, list(operands), result, dict(attrs), storage, self._caller())
        )
        return result

    def const(self, value: int, t: ScalarType, name: str | None = None) -> Value:
        """A constant given by its raw value (use `types.from_real` for fixed-point reals)."""
        return self.op("const", [], t, name=name, value=value)

    def _binary(self, opcode, a, b, t, name):
        return self.op(opcode, [a, b], t, name=name)

    def add(self, a, b, t, name=None):
        return self._binary("add", a, b, t, name)

    def sub(self, a, b, t, name=None):
        return self._binary("sub", a, b, t, name)

    def mul(self, a, b, t, name=None):
        return self._binary("mul", a, b, t, name)

    def div(self, a, b, t, name=None):
        return self._binary("div", a, b, t, name)

    def rem(self, a, b, t, name=None):
        return self._binary("rem", a, b, t, name)

    def neg(self, a, t, name=None):
        return self.op("neg", [a], t, name=name)

    def cast(self, a, t, name=None):
        return self.op("cast", [a], t, name=name)

    def cmp(self, pred: str, a, b, name=None):
        """Compare with pred in eq, ne, lt, le, gt, ge; the result is u1."""
        return self.op(pred, [a, b], BOOL, name=name)

    def and_(self, a, b, name=None):
        return self.op("and", [a, b], a.type, name=name)

    def or_(self, a, b, name=None):
        return self.op("or", [a, b], a.type, name=name)

    def xor(self, a, b, name=None):
        return self.op("xor", [a, b], a.type, name=name)

    def not_(self, a, name=None):
        return self.op("not", [a], a.type, name=name)

    def shl(self, a, n, name=None):
        return self.op("shl", [a, n], a.type, name=name)

    def shr(self, a, n, name=None):
        return self.op("shr", [a, n], a.type, name=name)

    def select(self, c, a, b, name=None):
        return self.op("select", [c, a, b], a.type, name=name)

    def slice(self, a, hi: int, lo: int, name=None):
        from kiln.ir.types import u

        return self.op("slice", [a], u(hi - lo + 1), name=name, hi=hi, lo=lo)

    def concat(self, *values: Value, name=None):
        from kiln.ir.types import u

        return self.op("concat", list(values), u(sum(v.type.width for v in values)), name=name)

    def zext(self, a, t, name=None):
        return self.op("zext", [a], t, name=name)

    def sext(self, a, t, name=None):
        return self.op("sext", [a], t, name=name)

    def trunc(self, a, t, name=None):
        return self.op("trunc", [a], t, name=name)

    def bitcast(self, a, t, name=None):
        return self.op("bitcast", [a], t, name=name)

    def load(self, array: Storage, *index: Value, name=None) -> Value:
        return self.op("load", list(index), array.elem, storage=array, name=name)

    def store(self, array: Storage, index: Sequence[Value], value: Value) -> None:
        self.op("store", [*index, value], storage=array)

    def read(self, var: Storage, name=None) -> Value:
        return self.op("read", [], var.elem, storage=var, name=name)

    def write(self, var: Storage, value: Value) -> None:
        self.op("write", [value], storage=var)

    # ---- control flow ---------------------------------------------------------------------

    @contextmanager
    def _into(self, block: Block) -> Iterator[None]:
        self._blocks.append(block)
        try:
            yield
        finally:
            self._blocks.pop()

    @contextmanager
    def for_(
        self,
        name: str,
        t: ScalarType,
        lo: int | Value,
        hi: int | Value,
        step: int = 1,
        *,
        pipeline: int = 0,
        unroll: int = 1,
    ) -> Iterator[Value]:
        """`with kb.for_("i", u(4), 0, 16, pipeline=1) as i:` builds the body."""
        loop = ForLoop(
            Value(self._fresh(name), t),
            lo,
            hi,
            step,
            Block(),
            LoopDirectives(pipeline, unroll),
            self._caller(),
        )
        self._blocks[-1].stmts.append(loop)
        with self._into(loop.body):
            yield loop.var

    @contextmanager
    def while_(self, *, pipeline: int = 0, max_trip: int = 0) -> Iterator[_WhileHandle]:
        """Ops before `w.cond(c)` form the condition; ops after it form the body."""
        loop = WhileLoop(
            Block(),
            None,
            Block(),  # type: ignore[arg-type]
            LoopDirectives(pipeline=pipeline, max_trip=max_trip),
            self._caller(),
        )
        self._blocks[-1].stmts.append(loop)
        with self._into(loop.cond):
            yield _WhileHandle(self, loop)
        if loop.cond_value is None:
            raise VerifyError("while loop: call .cond(value) to end its condition", loop.loc)

    @contextmanager
    def if_(self, cond: Value) -> Iterator[None]:
        node = IfElse(cond, Block(), None, self._caller())
        self._blocks[-1].stmts.append(node)
        with self._into(node.then):
            yield

    @contextmanager
    def else_(self) -> Iterator[None]:
        """Must follow an `if_` block directly."""
        stmts = self._blocks[-1].stmts
        node = stmts[-1] if stmts else None
        if not isinstance(node, IfElse) or node.orelse is not None:
            raise VerifyError("else_() must directly follow an if_() block", self._caller())
        node.orelse = Block()
        with self._into(node.orelse):
            yield

    def build(self, verify: bool = True) -> Kernel:
        k = Kernel(self.name, self.params, self.storages, self.body, self.loc)
        if verify:
            verify_kernel(k)
        return k
