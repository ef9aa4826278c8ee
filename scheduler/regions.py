"""From kernel IR to scheduling problems: one `Region` per straight-line stretch or loop body.

A region is a run of ops (branches included: their ops become one dataflow graph, pure
ops speculated, stores and variable writes guarded by their conditions) with no loop
inside. The body of an innermost loop is one region; a loop that still holds a loop is
split around it. Values from outside a region (scalar inputs, loop counters, values of
enclosing blocks) enter as inputs pinned to its first cycle.

Dependences: SSA def-use; scalar variables are forwarded within a region (a read after a
write takes the written value combinationally) and carried across iterations through
their register; arrays are ordered by an affine dependence test (`affine`), which also
gives loop-carried distances. Memory loads take `mem_latency` cycles, except from a
completely partitioned array, whose elements are registers read in the same clock;
multipliers and dividers slower than a stage become pipelined units.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from kiln.base.errors import SourceLoc
from kiln.ir.demanded import held_bits, operand_bits
from kiln.ir.kernel import (
    Block,
    Direction,
    ForLoop,
    IfElse,
    Kernel,
    Op,
    StorageKind,
    Value,
    WhileLoop,
    walk,
    walk_ops,
)
from kiln.ir.ops import OPS
from kiln.scheduler.affine import AffineForms, carried_distance, never_equal
from kiln.scheduler.delay_model import DelayModel
from kiln.scheduler.problem import Dep, Problem, SchedOp, stage_budget_ps

PIPELINED_KINDS = ("mul", "div")


@dataclass
class Options:
    """What the region builder assumes about the hardware. Documented in the CLI help."""

    clock_period_ps: float = 2000.0
    mem_latency: int = 1  # cycles from a load's address to its data (RAMs, not register files)
    param_ports: int = 1  # ports per bank of an array parameter (a single-port RAM)
    local_ports: int = 2  # ports per bank of a local, static or const array (dual-port RAM)
    limits: dict[str, int] = field(default_factory=dict)  # e.g. {"mul": 2}
    ii: int | None = None  # pipeline every innermost loop at this target II
    pipeline_units: bool = True  # mul/div slower than a stage become pipelined units


@dataclass
class Region:
    """One problem, the IR ops behind its nodes, and what kind of code it came from."""

    problem: Problem
    ir_ops: dict[str, Op]  # node name -> IR op (inputs have none)
    loop: ForLoop | WhileLoop | None = None
    target_ii: int = 0  # 0: not pipelined
    note: str | None = None  # why a loop marked for pipelining is not
    # node -> the conditions its effect waits on, each (value, polarity), outermost first
    guards: dict[str, tuple[tuple[Value, bool], ...]] = field(default_factory=dict)
    # (source, user) -> the low bits of the source's value the user reads (a register
    # behind the source holds what the users after it read); absent: all it holds
    reads: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def pipelined(self) -> bool:
        return self.target_ii > 0


@dataclass
class Leaf:
    """Run region `index` once (straight code) or as its loop (`Region.loop`)."""

    index: int


@dataclass
class Seq:
    items: list[Leaf | Seq | OuterFor | OuterWhile | Branch] = field(default_factory=list)


@dataclass
class OuterFor:
    """A for loop that still holds a loop: its body is a sequence, not one region."""

    loop: ForLoop
    body: Seq


@dataclass
class OuterWhile:
    loop: WhileLoop
    cond: Seq
    body: Seq


@dataclass
class Branch:
    """An if whose branches hold loops (a loop-free if is part of its region)."""

    stmt: IfElse
    then: Seq
    orelse: Seq


Control = Leaf | Seq | OuterFor | OuterWhile | Branch


def _has_loop(block: Block) -> bool:
    return any(isinstance(s, ForLoop | WhileLoop) for s in walk(block))


def _where(loc: SourceLoc | None) -> str:
    return f" at {loc}" if loc else ""


class _Builder:
    def __init__(self, kernel: Kernel, delays: DelayModel, opts: Options):
        self.kernel, self.delays, self.opts = kernel, delays, opts
        self.regions: list[Region] = []
        self.notes: list[str] = []
        self.limits = dict(opts.limits)  # grows with one entry per memory bank seen
        self.forms = AffineForms({}, _const_value)
        # Constants anywhere in the kernel (an unrolled loop's offsets sit before the loop).
        self.constants = {
            id(op.result): _const_value(op) for op in walk_ops(kernel.body) if op.opcode == "const"
        }
        self.counted: ForLoop | None = None  # the region's loop, when its start is a constant
        # Register widths: the bits some use reads that the value's range leaves open.
        self.held = held_bits(kernel)
        self.demanded = {vid: bits for vid, (bits, _) in self.held.values.items()}

    # --- walking the kernel ---------------------------------------------------------
    def block(self, block: Block, where: str) -> Seq:
        """The block as control: its regions, loops and branches in program order."""
        seq, run = Seq(), []
        for s in block.stmts:
            if isinstance(s, Op) or (isinstance(s, IfElse) and not self._if_has_loop(s)):
                run.append(s)
                continue
            self.flush(run, where, seq)
            run = []
            if isinstance(s, IfElse):
                then = self.block(s.then, f"then-branch{_where(s.place)}")
                orelse = Seq()
                if s.orelse is not None:
                    orelse = self.block(s.orelse, f"else-branch{_where(s.place)}")
                seq.items.append(Branch(s, then, orelse))
            else:
                seq.items.append(self.loop(s))
        self.flush(run, where, seq)
        return seq

    def _if_has_loop(self, s: IfElse) -> bool:
        return _has_loop(s.then) or (s.orelse is not None and _has_loop(s.orelse))

    def flush(self, run: list, where: str, seq: Seq) -> None:
        if any(True for s in run for _ in _ops_of(s)):
            seq.items.append(Leaf(len(self.regions)))
            self.regions.append(self.region(run, f"{where}", None, 0))

    def loop(self, loop: ForLoop | WhileLoop) -> Control:
        kind = "for" if isinstance(loop, ForLoop) else "while"
        name = f"{kind} loop{_where(loop.place)}"
        stmts = (
            loop.body.stmts if isinstance(loop, ForLoop) else [*loop.cond.stmts, *loop.body.stmts]
        )
        target = self.opts.ii if self.opts.ii is not None else loop.directives.pipeline
        inner = isinstance(loop, ForLoop) and _has_loop(loop.body)
        inner = inner or (
            isinstance(loop, WhileLoop) and (_has_loop(loop.body) or _has_loop(loop.cond))
        )
        if inner:
            if loop.directives.pipeline:
                nested = next(s for s in walk(loop.body) if isinstance(s, ForLoop | WhileLoop))
                note = (
                    f"{name} is not pipelined: it holds a loop{_where(nested.place)} that is "
                    "still a loop after unrolling (only loops with a constant trip count unroll)"
                )
                self.notes.append(note)
            if isinstance(loop, ForLoop):
                return OuterFor(loop, self.block(loop.body, f"{name} (outer)"))
            cond = self.block(loop.cond, f"{name} (outer)")
            return OuterWhile(loop, cond, self.block(loop.body, f"{name} (outer)"))
        self.regions.append(self.region(stmts, name, loop, target))
        return Leaf(len(self.regions) - 1)

    # --- one region -----------------------------------------------------------------
    def region(self, stmts: list, name: str, loop, target_ii: int) -> Region:
        p = Problem(
            clock_period_ps=self.opts.clock_period_ps,
            register_overhead_ps=self.delays.register_overhead_ps,
            name=name,
            ii=target_ii,
            measured=tuple(getattr(self.delays, "measured", {}).get(len(self.regions), ())),
        )
        flat = [(op, guards) for s in stmts for op, guards in _ops_of(s)]
        if isinstance(loop, WhileLoop):
            # The body runs only while the condition holds: its effects wait on it.
            n_cond = sum(1 for s in loop.cond.stmts for _ in _ops_of(s))
            live = ((loop.cond_value, True),)
            flat = flat[:n_cond] + [(op, live + g) for op, g in flat[n_cond:]]
        self.forms = AffineForms(
            {id(op.result): op for op, _ in flat if op.result is not None},
            _const_value,
            self.constants,
        )
        self.counted = loop if isinstance(loop, ForLoop) and isinstance(loop.lo, int) else None
        r = Region(p, {}, loop, target_ii)
        names: dict[int, str] = {}  # id(op) -> node
        producer: dict[int, str] = {}  # id(value) -> node
        counts: dict[str, int] = defaultdict(int)
        for op, guards in flat:
            base = op.result.name if op.result is not None else f"{op.opcode}.{op.storage.name}"
            counts[base] += 1
            node = base if counts[base] == 1 else f"{base}#{counts[base]}"
            names[id(op)] = node
            r.ir_ops[node] = op
            r.guards[node] = guards
            p.add_op(self.sched_op(node, op))
            if op.result is not None:
                producer[id(op.result)] = node

        def source(v: Value) -> str:
            if id(v) not in producer:
                node = f"in:{v.name}"
                if node not in p.ops:
                    # A constant made outside is a wire: nothing to register.
                    width = 0 if id(v) in self.constants else self.demanded.get(id(v), 0)
                    p.add_op(SchedOp(node, width=width, label=f"input %{v.name}"))
                    p.pins[node] = "first"
                producer[id(v)] = node
            return producer[id(v)]

        for op, guards in flat:
            node = names[id(op)]
            d = self.demanded.get(id(op.result), 0) if op.result is not None else 0
            for v, bits in zip(op.operands, operand_bits(op, d), strict=True):
                src = source(v)
                p.add_dep(Dep(src, node, p.ops[src].latency))
                r.reads[(src, node)] = max(r.reads.get((src, node), 1), bits)
            if op.opcode in ("store", "write"):
                for g, _ in guards:
                    src = source(g)
                    p.add_dep(Dep(src, node, p.ops[src].latency, why="is guarded by"))
        self.variables(p, flat, names, loop is not None and target_ii > 0)
        self.memories(p, flat, names, loop, target_ii > 0)
        if isinstance(loop, WhileLoop) and target_ii > 0:
            # The next iteration starts only once this one's condition is known: its
            # condition is computed at least one cycle before the next iteration's first op.
            cond = source(loop.cond_value)
            for node in list(p.ops):
                p.add_dep(Dep(cond, node, 1, 1, value=False, why="starts after the condition of"))
        if loop is None:
            for op, _ in flat:
                st = op.storage
                out = st is not None and st.direction in (Direction.OUT, Direction.INOUT)
                if op.opcode == "write" and st.kind == StorageKind.PARAM and out:
                    p.pins[names[id(op)]] = "last"
        return r

    def sched_op(self, node: str, op: Op) -> SchedOp:
        delay = self.delays.delay_ps(op)
        if op.opcode in ("shl", "shr") and id(op.operands[1]) in self.constants:
            delay = 0.0  # a shift by a constant is wiring: no logic of its own
        latency, resources = 0, ()
        budget = stage_budget_ps(self.opts.clock_period_ps, self.delays.register_overhead_ps)
        kind = OPS[op.opcode].kind
        if op.opcode == "load":
            latency = self.opts.mem_latency
        if kind in PIPELINED_KINDS:
            resources = (kind,)
            if self.opts.pipeline_units and delay > budget > 0:
                latency = math.ceil(delay / budget)
                self.notes.append(
                    f"'%{op.result.name} = {op.opcode}'{_where(op.place)} takes {delay:.0f} ps, "
                    f"more than the {budget:.0f} ps a stage leaves: it runs as a {latency}-cycle "
                    "unit, which the backend builds as one block of logic ahead of its "
                    "registers, so the design meets the clock only if synthesis retimes them "
                    "(or at a longer clock)"
                )
                delay = 0.0
        if op.storage is not None and op.storage.is_array:
            resources = self.banks(op)
            if op.opcode == "load" and not resources:
                latency, delay = 0, self.register_file_read_ps(op)
        width = 0
        if op.result is not None and kind != "const":
            width = self.demanded.get(id(op.result), 0)
        if op.opcode == "write":  # later reads in the region take the value from here
            width = self.held.variables.get(id(op.storage), (op.operands[-1].type.width,))[0]
        text = f"%{op.result.name} = {op.opcode}" if op.result is not None else op.opcode
        if op.storage is not None:
            text += f" @{op.storage.name}"
        return SchedOp(node, delay, latency, width, resources, 1, op.place, text)

    def register_file_read_ps(self, op: Op) -> float:
        """A completely partitioned array is a register per element, read in the clock its
        index is known: wiring for constant indices, else a tree of 2:1 multiplexers over
        the elements the variable indices can reach."""
        shape = op.storage.type.shape
        indices = op.operands[: len(shape)]
        reach = math.prod(
            size for v, size in zip(indices, shape, strict=True) if id(v) not in self.constants
        )
        if reach <= 1:
            return 0.0
        levels = math.ceil(math.log2(reach))
        return levels * self.delays.op_delay_ps("select", op.storage.elem.width)

    # --- memories -------------------------------------------------------------------
    def banks(self, op: Op) -> tuple[str, ...]:
        """The port classes an array access occupies; sets their limits on first sight."""
        st = op.storage
        part = st.partition
        shape = st.type.shape
        ports = self.opts.param_ports if st.kind == StorageKind.PARAM else self.opts.local_ports
        if part is None:
            classes = [f"@{st.name}"]
        else:
            cut = range(len(shape)) if part.dim == -1 else [part.dim]
            if part.kind == "complete" and len(cut) == len(shape):
                return ()  # every element its own register: no port to share
            per_dim: list[list[int | None]] = []
            for d, size in enumerate(shape):
                form = self.forms.of(op.operands[d]) if d in cut else None
                if d not in cut:
                    per_dim.append([None])
                elif form is not None and not form.terms:
                    per_dim.append([_bank(part, size, form.const)])
                elif (bank := self._cyclic_bank(part, form)) is not None:
                    per_dim.append([bank])
                else:
                    per_dim.append(list(range(_bank_count(part, size))))
            classes = [
                f"@{st.name}[" + ",".join("*" if b is None else str(b) for b in combo) + "]"
                for combo in _product(per_dim)
            ]
        for c in classes:
            self.limits.setdefault(c, ports)
        return tuple(classes)

    def _cyclic_bank(self, part, form) -> int | None:
        """The one bank a cyclic-partitioned index `c + a*i` hits in every iteration of the
        region's loop over i (from a constant start), when a*step is a multiple of the
        factor: e.g. `x[i + 1]` with i stepping by 4 over 4 banks (an unrolled loop)."""
        loop = self.counted
        if part.kind != "cyclic" or form is None or loop is None:
            return None
        var = id(loop.var)
        if form.without(var) or (form.coef(var) * loop.step) % part.factor:
            return None
        return (form.const + form.coef(var) * loop.lo) % part.factor

    def memories(self, p: Problem, flat, names, loop, pipelined: bool) -> None:
        forms = self.forms
        by_array: dict[int, list[Op]] = defaultdict(list)
        for op, _ in flat:
            if op.opcode in ("load", "store"):
                by_array[id(op.storage)].append(op)
        var = id(loop.var) if isinstance(loop, ForLoop) else None
        step = loop.step if isinstance(loop, ForLoop) else 0
        for accesses in by_array.values():
            rank = len(accesses[0].storage.type.shape)
            idx = {id(a): [forms.of(v) for v in a.operands[:rank]] for a in accesses}
            for i, a in enumerate(accesses):
                for b in accesses[i + 1 :]:
                    if a.opcode == "load" and b.opcode == "load":
                        continue
                    if not never_equal(idx[id(a)], idx[id(b)]):
                        p.add_dep(_mem_dep(names[id(a)], names[id(b)], a, b, 0))
            if not pipelined:
                continue
            for a in accesses:
                for b in accesses:
                    if a.opcode == "load" and b.opcode == "load":
                        continue
                    d = carried_distance(idx[id(a)], idx[id(b)], var, step)
                    if d is not None:
                        p.add_dep(_mem_dep(names[id(a)], names[id(b)], a, b, d))
        for k in list(p.ops.values()):
            for c in k.resources:
                if c in self.limits:
                    p.limits[c] = self.limits[c]

    # --- scalar variables -----------------------------------------------------------
    def variables(self, p: Problem, flat, names, pipelined: bool) -> None:
        writes: dict[int, list[tuple[str, bool]]] = defaultdict(list)  # since last full write
        incoming_reads: dict[int, list[str]] = defaultdict(list)
        reads_since: dict[int, list[str]] = defaultdict(list)
        first_writes: dict[int, list[str]] = defaultdict(list)
        for op, guards in flat:
            st = op.storage
            if st is None or st.is_array:
                continue
            key, node = id(st), names[id(op)]
            latest = writes[key][-1][0] if writes[key] else None
            if op.opcode == "read":
                # The value comes from the latest write (a guarded write's mux folds in
                # the earlier ones); earlier writes only order.
                for w, _ in writes[key]:
                    why = f"reads @{st.name}, forwarded from"
                    p.add_dep(Dep(w, node, 0, value=w == latest, why=why))
                if not any(full for _, full in writes[key]):
                    incoming_reads[key].append(node)
                reads_since[key].append(node)
            else:
                for r in reads_since[key]:
                    p.add_dep(Dep(r, node, 0, value=False, why=f"overwrites @{st.name} read by"))
                for w, _ in writes[key]:
                    # A guarded write muxes its value with the latest one before it.
                    keeps = bool(guards) and w == latest
                    p.add_dep(Dep(w, node, 0, value=keeps, why=f"writes @{st.name} after"))
                if not any(full for _, full in writes[key]):
                    first_writes[key].append(node)
                    if guards:  # a guarded write keeps the old value when its guard is off
                        incoming_reads[key].append(node)
                full = not guards
                writes[key] = [(node, full)] if full else [*writes[key], (node, full)]
                reads_since[key] = []
        if not pipelined:
            return
        for key, reads in incoming_reads.items():
            for w, _ in writes.get(key, []):
                for r in reads:
                    name = p.ops[r].label.split("@")[-1]
                    # Ordering only: the value waits in the variable's own register.
                    p.add_dep(
                        Dep(
                            w,
                            r,
                            1,
                            1,
                            value=False,
                            why=f"reads @{name} written in the previous iteration by",
                        )
                    )
                for r in reads:
                    for fw in first_writes[key]:
                        p.add_dep(Dep(r, fw, 0, 1, value=False, why="overwrites, next iteration,"))


def _mem_dep(an: str, bn: str, a: Op, b: Op, distance: int) -> Dep:
    """a (earlier) and b (later, `distance` iterations on) may touch the same element."""
    name = a.storage.name
    if a.opcode == "store" and b.opcode == "load":
        return Dep(an, bn, 1, distance, value=False, why=f"loads @{name} stored by")
    if a.opcode == "load":
        return Dep(an, bn, 0, distance, value=False, why=f"stores @{name} read by")
    return Dep(an, bn, 1, distance, value=False, why=f"stores @{name} after")


def _ops_of(s, guards: tuple[tuple[Value, bool], ...] = ()):
    """(op, the conditions guarding it as (value, polarity)) for each op of a loop-free
    statement, in order."""
    if isinstance(s, Op):
        yield s, guards
        return
    then = (*guards, (s.cond, True))
    yield from ((op, g) for t in s.then.stmts for op, g in _ops_of(t, then))
    if s.orelse is not None:
        orelse = (*guards, (s.cond, False))
        yield from ((op, g) for t in s.orelse.stmts for op, g in _ops_of(t, orelse))


def _const_value(op: Op) -> int:
    return op.attrs["value"]


def _bank_count(part, size: int) -> int:
    return size if part.kind == "complete" else min(part.factor, size)


def _bank(part, size: int, idx: int) -> int:
    if part.kind == "complete":
        return idx
    if part.kind == "cyclic":
        return idx % part.factor
    return idx // math.ceil(size / part.factor)


def _product(lists):
    out = [()]
    for options in lists:
        out = [(*o, x) for o in out for x in options]
    return out


def kernel_control(
    kernel: Kernel, delays: DelayModel, opts: Options
) -> tuple[list[Region], Seq, list[str]]:
    """The regions of `kernel` in program order, the control structure that runs them
    (which the backend turns into a controller), and notes on loops left unpipelined."""
    b = _Builder(kernel, delays, opts)
    control = b.block(kernel.body, f"kernel {kernel.name}")
    return b.regions, control, b.notes


def kernel_regions(
    kernel: Kernel, delays: DelayModel, opts: Options
) -> tuple[list[Region], list[str]]:
    """The regions of `kernel` in program order, and notes on loops left unpipelined."""
    regions, _, notes = kernel_control(kernel, delays, opts)
    return regions, notes
