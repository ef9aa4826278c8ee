"""The controller of a kernel module: loop counters, each region's issue logic, and the
state machine that sequences regions, loops and branches. A mixin of the kernel builder
in `kernel_rtl` (it shares its state)."""

from __future__ import annotations

from collections.abc import Callable

from kiln.backend.expressions import all_of, extend, signed_width
from kiln.backend.memories import address_width
from kiln.backend.verilog_ast import (
    Assign,
    Binary,
    Call,
    Const,
    Expr,
    If,
    NonBlocking,
    Ref,
    Slice,
    Stmt,
    Ternary,
    Unary,
)
from kiln.ir.kernel import ForLoop, Value, WhileLoop
from kiln.scheduler.kernel_schedule import RegionSchedule
from kiln.scheduler.regions import Branch, Control, Leaf, OuterFor, OuterWhile, Seq


class Controller:
    """Clocks and states: what issues each region's iterations and what runs next."""

    def outer_counters(self) -> None:
        """Counters of loops that hold loops: regions inside read the loop variable."""
        for node in _walk_control(self.ks.control):
            if isinstance(node, OuterFor):
                loop = node.loop
                w = self._counter_width(loop)
                cnt = self.reg(f"{loop.var.name}_cnt", w, "control", f"for loop{_at(loop)}")
                first = self.reg(f"{loop.var.name}_first", 1, "control")
                self.ctrl_reset.append(NonBlocking(first, Const(1, 0)))
                self.outer[id(loop)] = (cnt, first)
                vw = loop.var.type.width
                self.loop_var[id(loop.var)] = self.wire(loop.var.name, vw, Slice(cnt, vw - 1, 0))
            elif isinstance(node, Leaf):
                loop = self.ks.regions[node.index].region.loop
                if isinstance(loop, ForLoop):
                    name = self.declared_wire(f"r{node.index}_{loop.var.name}", loop.var.type.width)
                    self.loop_var[id(loop.var)] = name

    def _counter_width(self, loop: ForLoop) -> int:
        widths = [signed_width(loop.var.type), abs(loop.step).bit_length() + 1]
        for b in (loop.lo, loop.hi):
            widths.append(signed_width(b.type) if isinstance(b, Value) else b.bit_length() + 1)
        w = max(widths) + 1
        self.counter_width[id(loop)] = w
        return w

    def bound(self, b: int | Value, w: int) -> Expr:
        if isinstance(b, Value):
            return extend(self.external(b), b.type.width, w, b.type.signed)
        return Const(w, b % (1 << w))

    def in_range(self, loop: ForLoop, x: Expr) -> Expr:
        w = self.counter_width[id(loop)]
        sym = "<" if loop.step > 0 else ">"
        return Binary(sym, Call("$signed", x), Call("$signed", self.bound(loop.hi, w)))

    def stepped(self, loop: ForLoop, x: str) -> Expr:
        w = self.counter_width[id(loop)]
        return Binary("+", Ref(x), Const(w, loop.step % (1 << w)))

    def issue_logic(self, k: int, rs: RegionSchedule) -> None:
        """Stage 0 of region k: issue an iteration every II clocks while the loop goes on;
        `fin` when nothing is left to issue and only the last stage may be busy."""
        loop = rs.region.loop
        run = self.wire(f"r{k}_run", 1, Binary("==", Ref(self.state_reg), Ref(self.leaf_state[k])))
        first = self.reg(f"r{k}_first", 1, "control")
        more = self.reg(f"r{k}_more", 1, "control")
        self.issue[k] = (self.valids[k][0], first)
        self.ctrl_reset.append(NonBlocking(first, Const(1, 0)))
        ii, stages = self.iis[k], self.stages[k]
        self.entry[k] = [NonBlocking(first, Const(1, 1))]
        tick: Expr = Const(1, 1)
        if ii > 1:
            tw = address_width(ii)
            timer = self.reg(f"r{k}_timer", tw, "control")
            self.entry[k].append(NonBlocking(timer, Const(tw, 0)))
            wrap = Binary("==", Ref(timer), Const(tw, ii - 1))
            nxt = Ternary(wrap, Const(tw, 0), Binary("+", Ref(timer), Const(tw, 1)))
            self.ctrl.append(If(Ref(run), (NonBlocking(timer, nxt),)))
            tick = Binary("==", Ref(timer), Const(tw, 0))
        v0 = self.valids[k][0]
        updates: list[Stmt] = [NonBlocking(first, Const(1, 0))]
        if isinstance(loop, ForLoop):
            w = self._counter_width(loop)
            cnt = self.reg(f"r{k}_cnt", w, "control", f"for loop{_at(loop)}")
            cur = self.wire(f"r{k}_cur", w, Ternary(Ref(first), self.bound(loop.lo, w), Ref(cnt)))
            vw = loop.var.type.width
            self.logic.append(Assign(self.loop_var[id(loop.var)], Slice(cur, vw - 1, 0)))
            now = self.wire(
                f"r{k}_more_now", 1, Ternary(Ref(first), self.in_range(loop, Ref(cur)), Ref(more))
            )
            self.logic.append(Assign(v0, all_of([Ref(run), tick, Ref(now)])))
            nxt = self.wire(f"r{k}_next", w, self.stepped(loop, cur))
            more_next = Ternary(Ref(v0), self.in_range(loop, Ref(nxt)), Ref(now))
            updates.append(If(Ref(v0), (NonBlocking(cnt, Ref(nxt)),)))
        elif isinstance(loop, WhileLoop):
            now = self.wire(f"r{k}_more_now", 1, Binary("|", Ref(first), Ref(more)))
            self.logic.append(Assign(v0, all_of([Ref(run), tick, Ref(now)])))
            cond_node = self.producer[id(loop.cond_value)][1]
            cc = rs.solution.cycles[cond_node]
            cond = self.signal(k, cond_node, cc)
            more_next = Ternary(self.valid(k, cc), Ref(cond), Ref(now))
        else:
            self.logic.append(Assign(v0, Binary("&", Ref(run), Ref(first))))
            more_next = Const(1, 0)
        mn = self.wire(f"r{k}_more_next", 1, more_next)
        updates.append(NonBlocking(more, Ref(mn)))
        self.ctrl.append(If(Ref(run), tuple(updates)))
        fin = [Ref(run), Unary("~", Ref(mn))]
        fin += [Unary("~", self.valid(k, s)) for s in range(stages - 1)]
        self.fin[k] = self.wire(f"r{k}_fin", 1, all_of(fin))

    def layout(self, node: Control, cont: Callable[[], list[Stmt]]) -> list[Stmt]:
        """Record how `node` hands over to `cont`; return the statements that enter it."""
        if isinstance(node, Seq):
            nxt = cont
            for item in reversed(node.items):
                stmts = self.layout(item, nxt)
                nxt = _const_list(stmts)
            return nxt()
        if isinstance(node, Leaf):
            st = self.leaf_state[node.index]
            self.exits[st] = [If(Ref(self.fin[node.index]), tuple(cont()))]
            return [self.goto(st), *self.entry[node.index]]
        if isinstance(node, OuterFor):
            loop = node.loop
            st = self.state(f"for_{loop.var.name}")
            cnt, first = self.outer[id(loop)]
            w = self.counter_width[id(loop)]
            cur = self.wire(
                f"{loop.var.name}_cur", w, Ternary(Ref(first), self.bound(loop.lo, w), Ref(cnt))
            )
            step = self.stepped(loop, cnt)
            body = self.layout(node.body, lambda: [NonBlocking(cnt, step), self.goto(st)])
            self.exits[st] = [
                NonBlocking(cnt, Ref(cur)),
                NonBlocking(first, Const(1, 0)),
                If(self.in_range(loop, Ref(cur)), tuple(body), tuple(cont())),
            ]
            return [self.goto(st), NonBlocking(first, Const(1, 1))]
        if isinstance(node, OuterWhile):
            st = self.state("while")
            cond_entry = self.layout(node.cond, lambda: [self.goto(st)])
            body = self.layout(node.body, lambda: list(cond_entry))
            test = Ref(self.external(node.loop.cond_value))
            self.exits[st] = [If(test, tuple(body), tuple(cont()))]
            return list(cond_entry)
        st = self.state("if")
        then = self.layout(node.then, cont)
        orelse = self.layout(node.orelse, cont)
        self.exits[st] = [If(Ref(self.external(node.stmt.cond)), tuple(then), tuple(orelse))]
        return [self.goto(st)]


def _walk_control(node: Control):
    yield node
    if isinstance(node, Seq):
        for it in node.items:
            yield from _walk_control(it)
    elif isinstance(node, OuterFor):
        yield from _walk_control(node.body)
    elif isinstance(node, OuterWhile):
        yield from _walk_control(node.cond)
        yield from _walk_control(node.body)
    elif isinstance(node, Branch):
        yield from _walk_control(node.then)
        yield from _walk_control(node.orelse)


def _const_list(stmts: list[Stmt]) -> Callable[[], list[Stmt]]:
    return lambda: list(stmts)


def _at(loop) -> str:
    return f" at {loop.place}" if loop.place else ""
