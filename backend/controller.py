"""The control plan of a kernel module: the state names, the counters of loops that hold
loops, each region's issue logic (run, first, timer, counter, fin), and the state machine
that sequences regions, loops and branches.

Three phases of `kernel_rtl` live here: `plan_counters` runs before the region datapaths
(they read the loop variables), `plan_issue` and `plan_state_machine` after them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiln.backend.crossings import ValueHomes, walk_control
from kiln.backend.expressions import all_of, extend, signed_width
from kiln.backend.memories import address_width
from kiln.backend.module_body import ModuleBody
from kiln.backend.names import Namer
from kiln.backend.region_datapath import RegionPipe
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
from kiln.scheduler.kernel_schedule import KernelSchedule
from kiln.scheduler.regions import Control, Leaf, OuterFor, OuterWhile, Seq


@dataclass(frozen=True)
class StateNames:
    """The names the controller takes first: its register, the idle wire, the idle and
    done states and one state per region (a loop or branch adds its own later)."""

    register: str
    idle_wire: str
    idle: str
    done: str
    leaf: tuple[str, ...]  # region k's state

    @property
    def initial(self) -> tuple[str, ...]:
        return (self.idle, self.done, *self.leaf)


def name_states(namer: Namer, regions: int) -> StateNames:
    register, idle_wire = namer.fresh("state"), namer.fresh("is_idle")
    idle, done = _state_name(namer, "idle"), _state_name(namer, "done")
    leaf = tuple(_state_name(namer, f"r{k}") for k in range(regions))
    return StateNames(register, idle_wire, idle, done, leaf)


@dataclass(frozen=True)
class OuterCounter:
    cnt: str
    first: str  # set on entering the loop: the counter takes the lower bound
    width: int


@dataclass(frozen=True)
class LoopCounters:
    outer: Mapping[int, OuterCounter]  # id(loop that holds loops) -> its counter
    loop_vars: Mapping[int, str]  # id(loop variable) -> its signal


def plan_counters(ks: KernelSchedule, body: ModuleBody) -> LoopCounters:
    """Counters of loops that hold loops (regions inside read the loop variable), and the
    wire of each region loop's variable (its issue logic drives it)."""
    outer: dict[int, OuterCounter] = {}
    loop_vars: dict[int, str] = {}
    for node in walk_control(ks.control):
        if isinstance(node, OuterFor):
            loop = node.loop
            w = counter_width(loop)
            cnt = body.reg(f"{loop.var.name}_cnt", w, "control", f"for loop{_at(loop)}")
            first = body.reg(f"{loop.var.name}_first", 1, "control")
            body.ctrl_reset.append(NonBlocking(first, Const(1, 0)))
            outer[id(loop)] = OuterCounter(cnt, first, w)
            vw = loop.var.type.width
            loop_vars[id(loop.var)] = body.wire(loop.var.name, vw, Slice(cnt, vw - 1, 0))
        elif isinstance(node, Leaf):
            loop = ks.regions[node.index].region.loop
            if isinstance(loop, ForLoop):
                name = body.declared_wire(f"r{node.index}_{loop.var.name}", loop.var.type.width)
                loop_vars[id(loop.var)] = name
    return LoopCounters(outer, loop_vars)


def counter_width(loop: ForLoop) -> int:
    """Bits of a counter that holds every value of the loop variable and one step past."""
    widths = [signed_width(loop.var.type), abs(loop.step).bit_length() + 1]
    for b in (loop.lo, loop.hi):
        widths.append(signed_width(b.type) if isinstance(b, Value) else b.bit_length() + 1)
    return max(widths) + 1


@dataclass(frozen=True)
class IssuePlan:
    """Per region: the signals an iteration is issued on, the statements that enter the
    region's state, and `fin`, high once nothing is left to issue."""

    issue: Mapping[int, tuple[str, str]]  # region -> (stage-0 valid, first-issue flag)
    entry: Mapping[int, tuple[Stmt, ...]]
    fin: Mapping[int, str]


def plan_issue(
    ks: KernelSchedule,
    pipes: tuple[RegionPipe, ...],
    counters: LoopCounters,
    homes: ValueHomes,
    states: StateNames,
    body: ModuleBody,
) -> IssuePlan:
    """Stage 0 of each region: issue an iteration every II clocks while the loop goes on;
    `fin` when nothing is left to issue and only the last stage may be busy."""
    issue: dict[int, tuple[str, str]] = {}
    entry: dict[int, tuple[Stmt, ...]] = {}
    fin: dict[int, str] = {}
    for k, rs in enumerate(ks.regions):
        pipe = pipes[k]
        loop = rs.region.loop
        in_state = Binary("==", Ref(states.register), Ref(states.leaf[k]))
        run = body.wire(f"r{k}_run", 1, in_state)
        first = body.reg(f"r{k}_first", 1, "control")
        more = body.reg(f"r{k}_more", 1, "control")
        v0 = pipe.valids[0]
        issue[k] = (v0, first)
        body.ctrl_reset.append(NonBlocking(first, Const(1, 0)))
        enter: list[Stmt] = [NonBlocking(first, Const(1, 1))]
        tick: Expr = Const(1, 1)
        if pipe.ii > 1:
            tw = address_width(pipe.ii)
            timer = body.reg(f"r{k}_timer", tw, "control")
            enter.append(NonBlocking(timer, Const(tw, 0)))
            wrap = Binary("==", Ref(timer), Const(tw, pipe.ii - 1))
            nxt = Ternary(wrap, Const(tw, 0), Binary("+", Ref(timer), Const(tw, 1)))
            body.ctrl.append(If(Ref(run), (NonBlocking(timer, nxt),)))
            tick = Binary("==", Ref(timer), Const(tw, 0))
        entry[k] = tuple(enter)
        updates: list[Stmt] = [NonBlocking(first, Const(1, 0))]
        if isinstance(loop, ForLoop):
            w = counter_width(loop)
            cnt = body.reg(f"r{k}_cnt", w, "control", f"for loop{_at(loop)}")
            lo = _bound(homes, loop.lo, w)
            cur = body.wire(f"r{k}_cur", w, Ternary(Ref(first), lo, Ref(cnt)))
            vw = loop.var.type.width
            body.logic.append(Assign(counters.loop_vars[id(loop.var)], Slice(cur, vw - 1, 0)))
            in_range = _in_range(homes, loop, w, Ref(cur))
            now = body.wire(f"r{k}_more_now", 1, Ternary(Ref(first), in_range, Ref(more)))
            body.logic.append(Assign(v0, all_of([Ref(run), tick, Ref(now)])))
            nxt = body.wire(f"r{k}_next", w, _stepped(loop, w, cur))
            more_next = Ternary(Ref(v0), _in_range(homes, loop, w, Ref(nxt)), Ref(now))
            updates.append(If(Ref(v0), (NonBlocking(cnt, Ref(nxt)),)))
        elif isinstance(loop, WhileLoop):
            now = body.wire(f"r{k}_more_now", 1, Binary("|", Ref(first), Ref(more)))
            body.logic.append(Assign(v0, all_of([Ref(run), tick, Ref(now)])))
            cond, stage = pipe.cond
            more_next = Ternary(Ref(pipe.valids[stage]), Ref(cond), Ref(now))
        else:
            body.logic.append(Assign(v0, Binary("&", Ref(run), Ref(first))))
            more_next = Const(1, 0)
        mn = body.wire(f"r{k}_more_next", 1, more_next)
        updates.append(NonBlocking(more, Ref(mn)))
        body.ctrl.append(If(Ref(run), tuple(updates)))
        done = [Ref(run), Unary("~", Ref(mn))]
        done += [Unary("~", Ref(pipe.valids[s])) for s in range(pipe.stages - 1)]
        fin[k] = body.wire(f"r{k}_fin", 1, all_of(done))
    return IssuePlan(issue, entry, fin)


@dataclass(frozen=True)
class StateMachine:
    """Every state in order, and the statements each state runs (its transitions)."""

    states: tuple[str, ...]
    exits: Mapping[str, tuple[Stmt, ...]]


def plan_state_machine(
    ks: KernelSchedule,
    issue: IssuePlan,
    counters: LoopCounters,
    homes: ValueHomes,
    states: StateNames,
    body: ModuleBody,
) -> StateMachine:
    """The states that run the control tree from idle, on start, to done."""
    return _Layout(issue, counters, homes, states, body).run(ks.control)


class _Layout:
    def __init__(self, issue, counters, homes, names: StateNames, body: ModuleBody):
        self.issue, self.counters, self.homes, self.names = issue, counters, homes, names
        self.body = body
        self.states = list(names.initial)
        self.exits: dict[str, list[Stmt]] = {}

    def run(self, control: Control) -> StateMachine:
        names = self.names
        entry = self.layout(control, lambda: [self.goto(names.done)])
        self.exits[names.idle] = [If(Ref("start"), tuple(entry))]
        self.exits[names.done] = [self.goto(names.idle)]
        exits = {s: tuple(stmts) for s, stmts in self.exits.items()}
        return StateMachine(tuple(self.states), exits)

    def state(self, hint: str) -> str:
        name = _state_name(self.body.namer, hint)
        self.states.append(name)
        return name

    def goto(self, st: str) -> NonBlocking:
        return NonBlocking(self.names.register, Ref(st))

    def layout(self, node: Control, cont: Callable[[], list[Stmt]]) -> list[Stmt]:
        """Record how `node` hands over to `cont`; return the statements that enter it."""
        if isinstance(node, Seq):
            nxt = cont
            for item in reversed(node.items):
                stmts = self.layout(item, nxt)
                nxt = _const_list(stmts)
            return nxt()
        if isinstance(node, Leaf):
            st = self.names.leaf[node.index]
            self.exits[st] = [If(Ref(self.issue.fin[node.index]), tuple(cont()))]
            return [self.goto(st), *self.issue.entry[node.index]]
        if isinstance(node, OuterFor):
            loop = node.loop
            st = self.state(f"for_{loop.var.name}")
            counter = self.counters.outer[id(loop)]
            cnt, first, w = counter.cnt, counter.first, counter.width
            lo = _bound(self.homes, loop.lo, w)
            cur = self.body.wire(f"{loop.var.name}_cur", w, Ternary(Ref(first), lo, Ref(cnt)))
            step = _stepped(loop, w, cnt)
            body = self.layout(node.body, lambda: [NonBlocking(cnt, step), self.goto(st)])
            self.exits[st] = [
                NonBlocking(cnt, Ref(cur)),
                NonBlocking(first, Const(1, 0)),
                If(_in_range(self.homes, loop, w, Ref(cur)), tuple(body), tuple(cont())),
            ]
            return [self.goto(st), NonBlocking(first, Const(1, 1))]
        if isinstance(node, OuterWhile):
            st = self.state("while")
            cond_entry = self.layout(node.cond, lambda: [self.goto(st)])
            body = self.layout(node.body, lambda: list(cond_entry))
            test = Ref(self.homes.of(node.loop.cond_value))
            self.exits[st] = [If(test, tuple(body), tuple(cont()))]
            return list(cond_entry)
        st = self.state("if")
        then = self.layout(node.then, cont)
        orelse = self.layout(node.orelse, cont)
        self.exits[st] = [If(Ref(self.homes.of(node.stmt.cond)), tuple(then), tuple(orelse))]
        return [self.goto(st)]


def _bound(homes: ValueHomes, b: int | Value, w: int) -> Expr:
    if isinstance(b, Value):
        return extend(homes.of(b), b.type.width, w, b.type.signed)
    return Const(w, b % (1 << w))


def _in_range(homes: ValueHomes, loop: ForLoop, w: int, x: Expr) -> Expr:
    sym = "<" if loop.step > 0 else ">"
    return Binary(sym, Call("$signed", x), Call("$signed", _bound(homes, loop.hi, w)))


def _stepped(loop: ForLoop, w: int, x: str) -> Expr:
    return Binary("+", Ref(x), Const(w, loop.step % (1 << w)))


def _state_name(namer: Namer, hint: str) -> str:
    return namer.fresh(f"S_{hint}".upper())


def _const_list(stmts: list[Stmt]) -> Callable[[], list[Stmt]]:
    return lambda: list(stmts)


def _at(loop) -> str:
    return f" at {loop.place}" if loop.place else ""
