"""Which schedule nodes are one signal in the circuit, so registers are counted as logic
synthesis keeps them.

The backend's pipeline registers have no enable: two registers fed by one signal hold
the same bits, and synthesis merges them; so it merges two copies of one operator on the
same signals. A term names each node's signal in the stage it is made:

- ("const", value, type); ("value", node): a value from outside the region; ("var", id):
  a variable's register; ("port", class, port): a memory port's output, which every load
  through that port reads; ("rf", id, index terms): the read (a multiplexer) of a completely
  partitioned array's element; ("node", region, node): anything else one of a kind;
- ("op", opcode, attrs, type, operand terms): an operator on the operands' signals in its
  stage, the same wherever and whenever it is made; ("mux", guards, value, previous,
  width): a guarded write's value;
- ("D", root, clocks, bits): the low `bits` of `root` that many clocks ago (a pipeline
  register); ("X", D, width): such a register widened back to the value's width.

The backend builds the circuit by the same rules (`kiln.backend.kernel_rtl`), so its
registers are the ones counted here. Extensions and truncations only rewire bits: their
low bits are their operand's, and a register of either is a register of the operand.
"""

from __future__ import annotations

from collections import defaultdict

from kiln.ir.kernel import Op, StorageKind
from kiln.ir.types import FloatType, Overflow


def rewires(op: Op) -> bool:
    """Whether `op`'s result's low bits are its operand's low bits, unchanged."""
    if op.opcode == "slice":
        return op.attrs["lo"] == 0
    if op.opcode == "cast":  # between wrapping integers: an extension or a truncation
        a, r = op.operands[0].type, op.result.type
        ints = not isinstance(a, FloatType) and not isinstance(r, FloatType)
        return ints and a.frac == 0 and r.frac == 0 and r.overflow is Overflow.WRAP
    return op.opcode in ("zext", "sext", "trunc", "bitcast")


def registered_variables(regions) -> set[int]:
    """Variables whose register some region reads: one that a region reads before it has
    written it on every path (guarded writes that together cover every value of their
    guards, like the two arms of an if/else, write it on every path). Later reads take
    the value the region wrote, so a variable every region writes first needs none."""
    needed = set()
    for rs in regions:
        r = rs.region
        writes: dict[int, list] = defaultdict(list)  # guards of the writes so far
        done: set[int] = set()
        for node, op in r.ir_ops.items():
            st = op.storage
            if op.opcode not in ("read", "write") or id(st) in done:
                continue
            if op.opcode == "read":
                needed.add(id(st))
                done.add(id(st))
                continue
            writes[id(st)].append(r.guards[node])
            if _covers(writes[id(st)]):
                done.add(id(st))
    return needed


def _covers(guards: list[tuple], most: int = 8) -> bool:
    """Whether some guard list holds whatever values its conditions take (each guard is
    a conjunction of (condition, polarity)). More than `most` conditions: assume not."""
    conds = list({id(v): v for g in guards for v, _ in g}.values())
    if len(conds) > most:
        return False
    for pattern in range(1 << len(conds)):
        value = {id(v): bool(pattern >> i & 1) for i, v in enumerate(conds)}
        if not any(all(value[id(v)] == pol for v, pol in g) for g in guards):
            return False
    return True


class Signals:
    """Terms of the nodes of a kernel's scheduled regions (`RegionSchedule`s)."""

    def __init__(self, regions, ports: dict[tuple[int, str], dict[str, int]]):
        self.regions, self.ports = regions, ports
        self.consumers = [rs.region.problem.consumers() for rs in regions]
        self._chains: dict[tuple[int, str], list[int]] = {}
        self.registered = registered_variables(regions)
        # Terms are interned: each is a number, and a term's parts name its operands by
        # number, so comparing and hashing never walk a deep expression.
        self.table: dict[tuple, int] = {}
        self.parts: list[tuple] = []
        self.terms: dict[tuple[int, str], int] = {}
        self.rewired: dict[int, tuple[int, int]] = {}  # term -> (operand term, its width)
        self.inputs: dict[tuple[int, str], object] = {}  # (region, "in:" node) -> value
        self.producer: list[dict[int, str]] = []  # per region: id(value) -> node
        for k, rs in enumerate(regions):
            ops = rs.region.ir_ops
            self.producer.append({id(op.result): n for n, op in ops.items() if op.result})
            current: dict[int, str] = {}  # id(variable) -> the write holding its value
            for node, op in rs.region.ir_ops.items():
                for v in [*op.operands, *(g for g, _ in rs.region.guards[node])]:
                    self._source(k, v)
                self.terms[(k, node)] = self._term(k, node, op, current)
                if op.opcode == "write":
                    current[id(op.storage)] = node

    def chain_bits(self, k: int, node: str) -> list[int]:
        """Bits of each register behind `node` in turn: the most any use after it reads
        (a value used whole early and only in part later needs narrower registers late)."""
        if (k, node) not in self._chains:
            rs = self.regions[k]
            sol, r = rs.solution, rs.region
            kept = self.kept(k, node)
            uses = [
                (
                    sol.cycles[d.dst] + sol.ii * d.distance,
                    min(kept, r.reads.get((node, d.dst), kept)),
                )
                for d in self.consumers[k].get(node, [])
            ]
            made = self.made(k, node)
            last = max([made, *(stage for stage, _ in uses)])
            self._chains[(k, node)] = [
                max([1, *(b for stage, b in uses if stage >= made + j)])
                for j in range(1, last - made + 1)
            ]
        return self._chains[(k, node)]

    def kept(self, k: int, node: str) -> int:
        """The bits the node's registers hold at most."""
        width, full = self.regions[k].region.problem.ops[node].width, self.full(k, node)
        return width if 0 < width < full else full

    def made(self, k: int, node: str) -> int:
        """The stage where the node's signal first exists."""
        rs = self.regions[k]
        if node.startswith("in:"):
            return 0
        load = rs.region.ir_ops[node].opcode == "load"
        return rs.solution.cycles[node] + (rs.region.problem.ops[node].latency if load else 0)

    def intern(self, *parts) -> int:
        if parts not in self.table:
            self.table[parts] = len(self.parts)
            self.parts.append(parts)
        return self.table[parts]

    def kind(self, t: int) -> str:
        return self.parts[t][0]

    def term(self, k: int, node: str) -> int:
        if node.startswith("in:"):
            return self.intern("value", node)
        return self.terms[(k, node)]

    def at(self, k: int, node: str, stage: int) -> int:
        """The node's signal as read in `stage`: itself, or a register some clocks later."""
        t = self.term(k, node)
        made = self.made(k, node)
        p = self.regions[k].region.problem
        width = p.ops[node].width
        if self.kind(t) == "const" or stage == made or (node.startswith("in:") and not width):
            return t
        full, kept = self.full(k, node), self.kept(k, node)
        root, clocks = self.root(t, kept)
        bits = self.chain_bits(k, node)[stage - made - 1]
        d = self.intern("D", root, clocks + stage - made, bits)
        if bits == full:
            return d
        x = self.intern("X", d, full)
        self.rewired[x] = (d, bits)
        return x

    def root(self, t: int, kept: int) -> tuple[int, int]:
        """(root term, clocks): the signal whose low `kept` bits `t` carries, so late."""
        clocks = 0
        while True:
            if t in self.rewired and self.rewired[t][1] >= kept:
                t = self.rewired[t][0]
            elif self.kind(t) == "D" and self.parts[t][3] >= kept:
                _, t, d, _ = self.parts[t]
                clocks += d
            else:
                return t, clocks

    def full(self, k: int, node: str) -> int:
        r = self.regions[k].region
        if node.startswith("in:"):
            return self.inputs[(k, node)].type.width
        op = r.ir_ops[node]
        return op.storage.elem.width if op.opcode == "write" else op.result.type.width

    def _term(self, k: int, node: str, op: Op, current: dict[int, str]) -> int:
        rs = self.regions[k]
        c = rs.solution.cycles[node]
        if op.opcode == "const":
            return self.intern("const", op.attrs["value"], str(op.result.type))
        if op.opcode == "load":
            ports = self.ports.get((k, node), {})
            if len(ports) == 1:
                return self.intern("port", *next(iter(ports.items())))
            if not rs.region.problem.ops[node].resources:  # a register file's element
                rank = len(op.storage.type.shape)
                where = tuple(self.at(k, self._source(k, v), c) for v in op.operands[:rank])
                return self.intern("rf", id(op.storage), where)
            return self.intern("node", k, node)
        if op.opcode == "read":
            w = current.get(id(op.storage))
            return self.at(k, w, c) if w is not None else self._variable(op.storage)
        if op.opcode == "write":
            value = self.at(k, self._source(k, op.operands[0]), c)
            guards = rs.region.guards[node]
            if not guards:
                return value
            w = current.get(id(op.storage))
            prev = self.at(k, w, c) if w is not None else self._variable(op.storage)
            when = tuple((self.at(k, self._source(k, g), c), pol) for g, pol in guards)
            return self.intern("mux", when, value, prev, op.storage.elem.width)
        if op.result is None:
            return self.intern("node", k, node)
        args = tuple(self.at(k, self._source(k, v), c) for v in op.operands)
        attrs = tuple(sorted(op.attrs.items()))
        t = self.intern("op", op.opcode, attrs, str(op.result.type), args)
        if rewires(op):
            self.rewired[t] = (args[0], op.operands[0].type.width)
        return t

    def _variable(self, st) -> int:
        """A variable's register, or a constant 0 where no region reads the register."""
        if id(st) in self.registered or st.kind is StorageKind.PARAM:
            return self.intern("var", id(st))
        return self.intern("const", 0, str(st.elem))

    def _source(self, k: int, v) -> str:
        if id(v) in self.producer[k]:
            return self.producer[k][id(v)]
        self.inputs[(k, f"in:{v.name}")] = v
        return f"in:{v.name}"
