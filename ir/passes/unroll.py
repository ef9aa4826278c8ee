"""Loop unrolling: copy the bodies of `for` loops whose trip count is a constant.

Three rules, applied from the outside in (so a loop's bounds may become constant once an
enclosing loop is unrolled):

- `unroll=0`: the loop is replaced by one copy of its body per iteration, in order, each
  copy starting with a `const` holding that iteration's value of the induction variable.
- `unroll=k` (k > 1): the loop steps by `step*k` and its body holds k copies, copy j seeing
  `var + j*step` (an add of a const set before the loop); the iterations left over when k
  does not divide the trip count follow the loop, fully unrolled. Other directives stay
  on the loop; its unroll becomes 1.
- Vitis's rule: every `for` loop nested (at any depth) in a pipelined loop is fully
  unrolled, whatever its own directive says.

Loops whose bounds are not constants, and while loops, stay as they are: the scheduler
reports them. Unrolling is the classic transformation of Allen & Cocke, "A Catalogue of
Optimizing Transformations" (1972); the remainder scheme is the usual one (the epilogue
of Davidson & Jinturkar, "Aggressive Loop Unrolling in a Retargetable, Optimizing
Compiler", CC 1996). Run const-fold and dce afterwards to fold the index arithmetic.
"""

from __future__ import annotations

import dataclasses

from kiln.base.errors import KilnError
from kiln.ir.kernel import (
    Block,
    ForLoop,
    IfElse,
    Kernel,
    Op,
    Stmt,
    Value,
    WhileLoop,
    walk,
    walk_ops,
)
from kiln.ir.ops import PURE_OPS
from kiln.ir.semantics import evaluate, wrap
from kiln.ir.types import IntType

# The most ops one run of the pass may create; past it unrolling is almost surely a mistake
# (and would make every later stage crawl).
MAX_UNROLLED_OPS = 100_000


class _Unroller:
    """The state of one unrolling run over a kernel: the names taken, the op defining each
    value (to find constant bounds), and how many ops have been created so far."""

    def __init__(self, kernel: Kernel, max_ops: int):
        self.max_ops = max_ops
        self.created = 0
        self.changed = False
        self.names: set[str] = {p.name for p in kernel.params}
        self.names.update(s.name for s in kernel.storages)
        self.defs: dict[int, Op] = {}
        # id(value) -> (value, raw or None); holding the value keeps its id from being reused
        self.consts: dict[int, tuple[Value, int | None]] = {}
        for s in walk(kernel.body):
            if isinstance(s, Op) and s.result is not None:
                self.names.add(s.result.name)
                self.defs[id(s.result)] = s
            elif isinstance(s, ForLoop):
                self.names.add(s.var.name)

    # ---- constant bounds -----------------------------------------------------------------

    def constant(self, b: int | Value) -> int | None:
        """The raw value of a loop bound, when it is an int or a value computed by pure ops
        from constants alone; else None."""
        if isinstance(b, int):
            return b
        if id(b) not in self.consts:
            op = self.defs.get(id(b))
            value = None
            if op is not None and op.opcode in PURE_OPS:
                args = [self.constant(v) for v in op.operands]
                if all(a is not None for a in args):
                    types = [v.type for v in op.operands]
                    value = evaluate(op.opcode, args, types, b.type, op.attrs)
            self.consts[id(b)] = (b, value)
        return self.consts[id(b)][1]

    def iterations(self, loop: ForLoop) -> range | None:
        """The induction variable's values, or None when the bounds are not constants or a
        value would not fit the variable's type (the interpreter stops there at run time)."""
        lo, hi = self.constant(loop.lo), self.constant(loop.hi)
        if lo is None or hi is None:
            return None
        values = range(lo, hi, loop.step)
        t = loop.var.type
        if values and not (t.contains_raw(values[0]) and t.contains_raw(values[-1])):
            return None
        return values

    # ---- cloning -------------------------------------------------------------------------

    def fresh(self, hint: str) -> str:
        name, n = hint, 1
        while name in self.names:
            name, n = f"{hint}.{n}", n + 1
        self.names.add(name)
        return name

    def value(self, v: Value, tag: str) -> Value:
        return Value(self.fresh(f"{v.name}.{tag}"), v.type)

    def new_op(self, opcode: str, operands, result: Value, attrs: dict, like: Stmt) -> Op:
        op = Op(opcode, list(operands), result, attrs, loc=like.loc, where=like.where)
        self.defs[id(result)] = op
        self.created += 1
        return op

    def clone_block(self, block: Block, vmap: dict[int, Value], tag: str) -> Block:
        return Block([self.clone(s, vmap, tag) for s in block.stmts])

    def clone(self, s: Stmt, vmap: dict[int, Value], tag: str) -> Stmt:
        """A copy of `s` with fresh values (recorded in `vmap`) and operands renamed."""

        def use(v):
            return vmap.get(id(v), v) if isinstance(v, Value) else v

        if isinstance(s, Op):
            result = None
            if s.result is not None:
                result = vmap[id(s.result)] = self.value(s.result, tag)
            op = Op(
                s.opcode,
                [use(v) for v in s.operands],
                result,
                dict(s.attrs),
                s.storage,
                loc=s.loc,
                where=s.where,
            )
            if result is not None:
                self.defs[id(result)] = op
            self.created += 1
            return op
        if isinstance(s, ForLoop):
            var = vmap[id(s.var)] = self.value(s.var, tag)
            body = self.clone_block(s.body, vmap, tag)
            return dataclasses.replace(s, var=var, lo=use(s.lo), hi=use(s.hi), body=body)
        if isinstance(s, WhileLoop):
            cond = self.clone_block(s.cond, vmap, tag)
            return dataclasses.replace(
                s, cond=cond, cond_value=use(s.cond_value), body=self.clone_block(s.body, vmap, tag)
            )
        orelse = None if s.orelse is None else self.clone_block(s.orelse, vmap, tag)
        then = self.clone_block(s.then, vmap, tag)
        return dataclasses.replace(s, cond=use(s.cond), then=then, orelse=orelse)

    # ---- unrolling one loop ----------------------------------------------------------------

    def check_size(self, loop: ForLoop, copies: int, forced: bool) -> None:
        per_copy = sum(1 for _ in walk_ops(loop.body)) + 1
        grown = self.created + copies * per_copy
        if grown <= self.max_ops:
            return
        why = "it is nested in a pipelined loop" if forced else "of its unroll directive"
        raise KilnError(
            f"unrolling loop %{loop.var.name} ({copies} copies of {per_copy} ops, because "
            f"{why}) would create {grown} ops, more than the limit of {self.max_ops}",
            loop.place,
            "pipeline an inner loop instead of this one's parent, or shorten the loop"
            if forced
            else "unroll by a factor instead (#pragma HLS unroll factor=N)",
        )

    def copy_at(self, loop: ForLoop, index: int, value: int) -> list[Stmt]:
        """Iteration `index` of `loop` (its variable holding `value`) as straight-line code."""
        var = self.value(loop.var, f"u{index}")
        const = self.new_op("const", [], var, {"value": value}, loop)
        return [const, *self.clone_block(loop.body, {id(loop.var): var}, f"u{index}").stmts]

    def expand(self, loop: ForLoop, factor: int, forced: bool = False) -> list[Stmt] | None:
        """What replaces `loop` when it is unrolled by `factor` (0 = fully), or None when
        its trip count is not a constant."""
        values = self.iterations(loop)
        if values is None:
            return None
        self.changed = True
        trips = len(values)
        if factor == 0 or factor >= trips:
            self.check_size(loop, trips, forced)
            out: list[Stmt] = []
            for n, v in enumerate(values):
                out.extend(self.copy_at(loop, n, v))
            return out
        main, left = trips // factor, trips % factor
        self.check_size(loop, factor - 1 + left, forced)
        leftover: list[Stmt] = []
        for n in range(main * factor, trips):
            leftover.extend(self.copy_at(loop, n, values[n]))
        var, t = loop.var, loop.var.type
        assert isinstance(t, IntType)
        offsets: list[Stmt] = []
        body = list(loop.body.stmts)  # copy 0 keeps the original body
        for j in range(1, factor):
            # The offset wraps into t; var + offset then wraps back to the true value.
            offset = self.value(var, f"off{j}")
            offsets.append(
                self.new_op("const", [], offset, {"value": wrap(j * loop.step, t)}, loop)
            )
            lane = self.value(var, f"p{j}")
            body.append(self.new_op("add", [var, offset], lane, {}, loop))
            body.extend(self.clone_block(loop.body, {id(var): lane}, f"p{j}").stmts)
        last, hi = values[(main - 1) * factor], self.constant(loop.hi)
        loop.hi = _main_end(t, last, factor * loop.step, hi)
        loop.body = Block(body)
        loop.step *= factor
        loop.directives = dataclasses.replace(loop.directives, unroll=1)
        return [*offsets, loop, *leftover]

    # ---- walking the kernel ----------------------------------------------------------------

    def block(self, block: Block, in_pipeline: bool) -> None:
        out: list[Stmt] = []
        for s in block.stmts:
            if isinstance(s, ForLoop):
                out.extend(self.loop(s, in_pipeline))
                continue
            if isinstance(s, WhileLoop):
                self.block(s.body, in_pipeline or s.directives.pipeline > 0)
            elif isinstance(s, IfElse):
                self.block(s.then, in_pipeline)
                if s.orelse is not None:
                    self.block(s.orelse, in_pipeline)
            out.append(s)
        block.stmts[:] = out

    def loop(self, loop: ForLoop, in_pipeline: bool) -> list[Stmt]:
        factor = 0 if in_pipeline else loop.directives.unroll
        inner = in_pipeline or loop.directives.pipeline > 0
        replaced = None if factor == 1 else self.expand(loop, factor, forced=in_pipeline)
        if replaced is None:
            self.block(loop.body, inner)
            return [loop]
        # A partially unrolled loop stays among its offsets and leftover trips: walk into
        # its body, not the loop itself (it is no more nested in itself than before).
        at = next((n for n, s in enumerate(replaced) if s is loop), -1)
        if at >= 0:
            self.block(loop.body, inner)
        rest = Block(replaced[at + 1 :])
        self.block(rest, inner)
        return [*replaced[: at + 1], *rest.stmts]


def _main_end(t: IntType, last: int, stride: int, hi: int) -> int:
    """A bound that ends the main loop after the trip starting at `last`: the natural
    `last + stride`, else the original bound `hi`, else `last` plus one step towards it,
    whichever first is a legal bound for type `t` (one past `last` always is, as the
    trips after `last` in its group fit `t`)."""
    up = stride > 0
    for end in (last + stride, hi):
        ends_there = last < end <= last + stride if up else last + stride <= end < last
        if ends_there and (t.contains_raw(end) or end == t.max_raw + 1):
            return end
    return last + (1 if up else -1)


def unroll_loops(kernel: Kernel, *, max_ops: int = MAX_UNROLLED_OPS) -> bool:
    """Unroll every `for` loop its directives (or an enclosing pipelined loop) ask for and
    whose trip count is constant; KilnError at a loop that would pass `max_ops` new ops."""
    u = _Unroller(kernel, max_ops)
    u.block(kernel.body, False)
    return u.changed


def unroll_loop(
    kernel: Kernel, loop: ForLoop, factor: int, *, max_ops: int = MAX_UNROLLED_OPS
) -> bool:
    """Unroll just `loop` (a loop in `kernel`) by `factor` (0 = fully), whatever its
    directive says; loops nested in it are copied as they are. False when its trip count
    is not a constant (the kernel is then unchanged)."""
    if factor < 0:
        raise KilnError(f"unroll factor {factor} must not be negative", loop.place)
    parent = _parent(kernel.body, loop)
    if parent is None:
        raise KilnError(f"loop %{loop.var.name} is not in kernel @{kernel.name}", loop.place)
    if factor == 1:
        return False
    replaced = _Unroller(kernel, max_ops).expand(loop, factor)
    if replaced is None:
        return False
    at = next(n for n, s in enumerate(parent.stmts) if s is loop)
    parent.stmts[at : at + 1] = replaced
    return True


def _parent(block: Block, loop: ForLoop) -> Block | None:
    """The block that holds `loop` directly."""
    if any(s is loop for s in block.stmts):
        return block
    for s in block.stmts:
        if isinstance(s, ForLoop | WhileLoop):
            inner = [s.body]
        elif isinstance(s, IfElse):
            inner = [s.then] if s.orelse is None else [s.then, s.orelse]
        else:
            continue
        for b in inner:
            found = _parent(b, loop)
            if found is not None:
                return found
    return None
