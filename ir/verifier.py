"""Rules every kernel must keep; each broken rule is a `VerifyError` naming the op and
where it came from (its source location, else its place in the IR text)."""

from __future__ import annotations

import re

from kiln.base.errors import SourceLoc, VerifyError
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    IfElse,
    Kernel,
    Module,
    Op,
    Storage,
    StorageKind,
    Value,
    WhileLoop,
)
from kiln.ir.ops import OPS
from kiln.ir.types import BOOL, ArrayType, IntType, ScalarType

_PARTITIONS = ("complete", "block", "cyclic")
NAME = re.compile(r"[A-Za-z0-9_.]+")


def _check_name(name: str, who: str, loc: SourceLoc | None) -> None:
    if not NAME.fullmatch(name):
        raise VerifyError(
            f"{who}: '{name}' is not a legal IR name",
            loc,
            "names use letters, digits, '_' and '.' only",
        )


def _op_error(op: Op, complaint: str, hint: str | None = None) -> VerifyError:
    who = f"%{op.result.name} = {op.opcode}" if op.result is not None else op.opcode
    return VerifyError(f"op '{who}': {complaint}", op.place, hint)


class _Verifier:
    def __init__(self, kernel: Kernel):
        self.k = kernel
        self.defined: set[int] = set()  # ids of values defined so far (for duplicates)
        self.scopes: list[dict[str, Value]] = []
        self.storages: set[int] = set()

    def run(self) -> None:
        k = self.k
        self.scopes.append({})
        _check_name(k.name, f"kernel @{k.name}", k.loc)
        names: set[str] = set()
        for p in k.params:
            _check_name(p.name, f"parameter '{p.name}'", p.place)
            if p.name in names:
                raise VerifyError(f"kernel @{k.name}: parameter '{p.name}' appears twice", p.place)
            names.add(p.name)
            scalar_in = p.direction is Direction.IN and isinstance(p.type, ScalarType)
            if scalar_in and (p.value is None or p.value.type != p.type):
                raise VerifyError(f"parameter '{p.name}': scalar input needs a value", p.place)
            if not scalar_in and (p.storage is None or p.storage.type != p.type):
                raise VerifyError(f"parameter '{p.name}': needs a storage of its type", p.place)
            if p.value is not None:
                self._define_value(p.value, p.place)
            if p.storage is not None:
                self.storages.add(id(p.storage))
        for s in k.storages:
            if s.name in names:
                raise VerifyError(f"kernel @{k.name}: '@{s.name}' is declared twice", s.place)
            names.add(s.name)
            self._storage(s)
            self.storages.add(id(s))
        self._block(k.body)

    # ---- declarations -------------------------------------------------------------------

    def _storage(self, s: Storage) -> None:
        where = f"{s.kind.value} @{s.name}"
        _check_name(s.name, where, s.place)
        if s.kind is StorageKind.PARAM:
            raise VerifyError(f"{where}: parameters belong in the parameter list", s.place)
        if s.kind is StorageKind.VAR and s.is_array:
            raise VerifyError(f"{where}: a var holds one scalar; use 'local' for arrays", s.place)
        if s.kind in (StorageKind.LOCAL, StorageKind.CONST) and not s.is_array:
            raise VerifyError(f"{where}: must be an array; use 'var' for scalars", s.place)
        if s.kind is StorageKind.CONST and s.init is None:
            raise VerifyError(f"{where}: a const array needs initial values", s.place)
        if s.init is not None:
            want = s.type.size if isinstance(s.type, ArrayType) else 1
            if len(s.init) != want:
                raise VerifyError(
                    f"{where}: has {len(s.init)} initial values, needs {want}", s.place
                )
            for v in s.init:
                if not s.elem.contains_raw(v):
                    raise VerifyError(f"{where}: initial value {v} does not fit {s.elem}", s.place)
        p = s.partition
        if p is not None:
            if not isinstance(s.type, ArrayType):
                raise VerifyError(f"{where}: only arrays can be partitioned", s.place)
            if p.kind not in _PARTITIONS:
                raise VerifyError(
                    f"{where}: unknown partition '{p.kind}'",
                    s.place,
                    f"use {', '.join(_PARTITIONS)}",
                )
            if not -1 <= p.dim < len(s.type.shape):
                raise VerifyError(f"{where}: partition dim {p.dim} out of range", s.place)
            if (p.kind == "complete") != (p.factor == 0) or p.factor < 0:
                raise VerifyError(
                    f"{where}: partition factor {p.factor} does not suit '{p.kind}'",
                    s.place,
                    "block and cyclic need factor >= 1; complete takes none",
                )

    # ---- values ---------------------------------------------------------------------------

    def _define_value(self, v: Value, loc: SourceLoc | None, who: str = "") -> None:
        who = who or "value"
        if id(v) in self.defined:
            raise VerifyError(f"{who} %{v.name} is defined twice", loc)
        _check_name(v.name, f"{who} %{v.name}", loc)
        if any(v.name in s for s in self.scopes):
            raise VerifyError(
                f"{who} %{v.name} is defined twice",
                loc,
                "another value in scope has this name; the text form could not be read back",
            )
        self.defined.add(id(v))
        self.scopes[-1][v.name] = v

    def _visible(self, v: Value) -> bool:
        return any(s.get(v.name) is v for s in self.scopes)

    def _use(self, v: Value, op: Op | None, loc: SourceLoc | None, role: str) -> None:
        if not self._visible(v):
            msg = f"{role} %{v.name} is not defined before this use or not in scope"
            if op is not None:
                raise _op_error(op, msg)
            raise VerifyError(msg, loc)

    # ---- statements -------------------------------------------------------------------

    def _block(self, block: Block) -> None:
        self.scopes.append({})
        for s in block.stmts:
            if isinstance(s, Op):
                self._op(s)
            elif isinstance(s, ForLoop):
                self._for(s)
            elif isinstance(s, WhileLoop):
                self._while(s)
            elif isinstance(s, IfElse):
                self._use(s.cond, None, s.place, "if condition")
                if s.cond.type != BOOL:
                    raise VerifyError(f"if condition %{s.cond.name} must be u1", s.place)
                self._block(s.then)
                if s.orelse is not None:
                    self._block(s.orelse)
            else:
                raise VerifyError(f"unknown statement {type(s).__name__}")
        self.scopes.pop()

    def _directives(self, d, loc, what: str) -> None:
        if d.pipeline < 0 or d.unroll < 0 or d.max_trip < 0:
            raise VerifyError(f"{what}: directives must not be negative ({d})", loc)

    def _for(self, s: ForLoop) -> None:
        what = f"for %{s.var.name}"
        if not isinstance(s.var.type, IntType):
            raise VerifyError(f"{what}: induction variable must be an integer", s.place)
        if s.step == 0:
            raise VerifyError(f"{what}: step must not be 0", s.place)
        for b in (s.lo, s.hi):
            if isinstance(b, Value):
                self._use(b, None, s.place, f"{what} bound")
                if not isinstance(b.type, IntType):
                    raise VerifyError(f"{what}: bound %{b.name} must be an integer", s.place)
            elif not s.var.type.contains_raw(b) and b != s.var.type.max_raw + 1:
                raise VerifyError(f"{what}: bound {b} does not fit {s.var.type}", s.place)
        self._directives(s.directives, s.place, what)
        self.scopes.append({})
        self._define_value(s.var, s.place, "induction variable")
        self._block(s.body)
        self.scopes.pop()

    def _while(self, s: WhileLoop) -> None:
        self._directives(s.directives, s.place, "while")
        self.scopes.append({})
        self._block_into_current(s.cond)
        self._use(s.cond_value, None, s.place, "while condition")
        if s.cond_value.type != BOOL:
            raise VerifyError(f"while condition %{s.cond_value.name} must be u1", s.place)
        self._block(s.body)
        self.scopes.pop()

    def _block_into_current(self, block: Block) -> None:
        """Check a while loop's condition block; its values stay visible to the body."""
        for s in block.stmts:
            if isinstance(s, Op):
                self._op(s)
            else:
                raise VerifyError("a while condition holds only ops", getattr(s, "place", None))

    def _op(self, op: Op) -> None:
        spec = OPS.get(op.opcode)
        if spec is None:
            raise _op_error(op, "unknown op", "see kiln.ir.ops.OPS for the list")
        if spec.has_result != (op.result is not None):
            raise _op_error(op, "must have a result" if spec.has_result else "has no result")
        missing = [a for a in spec.attrs if a not in op.attrs]
        extra = [a for a in op.attrs if a not in spec.attrs]
        if missing or extra:
            raise _op_error(op, f"attributes: missing {missing}, unexpected {extra}")
        for v in op.operands:
            self._use(v, op, None, "operand")
        if spec.storage:
            self._storage_op(op, spec)
        else:
            if op.storage is not None:
                raise _op_error(op, "does not take an array or variable")
            n = len(op.operands)
            if (spec.arity is None and n < 1) or (spec.arity is not None and n != spec.arity):
                want = "one or more" if spec.arity is None else str(spec.arity)
                raise _op_error(op, f"takes {want} operands, got {n}")
            complaint = spec.rule([v.type for v in op.operands], op.result.type, op.attrs)
            if complaint:
                raise _op_error(op, complaint)
        if op.result is not None:
            self._define_value(op.result, op.place, f"op '{op.opcode}' result")

    def _storage_op(self, op: Op, spec) -> None:
        s = op.storage
        if s is None:
            raise _op_error(op, "needs an array or variable")
        if id(s) not in self.storages:
            raise _op_error(op, f"@{s.name} is not declared in kernel @{self.k.name}")
        if spec.indexed != s.is_array:
            use = "load/store" if s.is_array else "read/write"
            raise _op_error(
                op, f"@{s.name} is {'an array' if s.is_array else 'a scalar'}; use {use}"
            )
        rank = len(s.type.shape) if isinstance(s.type, ArrayType) else 0
        want = rank + (spec.arity or 0)
        if len(op.operands) != want:
            raise _op_error(op, f"takes {want} operands for @{s.name}, got {len(op.operands)}")
        for idx in op.operands[:rank]:
            if not isinstance(idx.type, IntType):
                raise _op_error(op, f"index %{idx.name} must be an integer, got {idx.type}")
        if spec.has_result and op.result.type != s.elem:
            raise _op_error(op, f"result type {op.result.type} must be @{s.name}'s {s.elem}")
        if not spec.has_result:
            value = op.operands[-1]
            if value.type != s.elem:
                raise _op_error(
                    op, f"stored value %{value.name} is {value.type}, @{s.name} holds {s.elem}"
                )
            if s.kind is StorageKind.CONST or s.direction is Direction.IN:
                raise _op_error(op, f"@{s.name} is read-only")


def verify_kernel(kernel: Kernel) -> None:
    """Raise `VerifyError` at the first broken rule."""
    _Verifier(kernel).run()


def verify_module(module: Module) -> None:
    names = set()
    for k in module.kernels:
        if k.name in names:
            raise VerifyError(f"kernel @{k.name} is defined twice", k.loc)
        names.add(k.name)
        verify_kernel(k)


def verify(x: Kernel | Module) -> None:
    verify_kernel(x) if isinstance(x, Kernel) else verify_module(x)
