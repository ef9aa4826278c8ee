"""Which schedule nodes are one signal in the circuit, so registers are counted as logic
synthesis keeps them.

The backend's pipeline registers have no enable: two registers fed by one signal hold
the same bits, and synthesis merges them; so it merges two copies of one operator on the
same signals. A term names each node's signal in the stage it is made:

- ("const", value, type); ("value", node): a value from outside the region; ("var", id):
  a variable's register; ("port", class, port): a memory port's output, which every load
  through that port reads; ("rf", id, index terms): the read register of a completely
  partitioned array's element; ("node", region, node): anything else one of a kind;
- ("op", opcode, attrs, type, operand terms): an operator on the operands' signals in its
  stage, the same wherever and whenever it is made;
- ("D", root, clocks, bits): the low `bits` of `root` that many clocks ago (a pipeline
  register); ("X", D, width): such a register widened back to the value's width.

The backend builds the circuit by the same rules (`kiln.backend.kernel_rtl`), so its
registers are the ones counted here. Extensions and truncations only rewire bits: their
low bits are their operand's, and a register of either is a register of the operand.
"""

from __future__ import annotations

from kiln.ir.kernel import Op
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


class Signals:
    """Terms of the nodes of a kernel's scheduled regions (`RegionSchedule`s)."""

    def __init__(self, regions, ports: dict[tuple[int, str], dict[str, int]]):
        self.regions, self.ports = regions, ports
        self.terms: dict[tuple[int, str], tuple] = {}
        self.rewired: dict[tuple, tuple[tuple, int]] = {}  # term -> (operand term, its width)
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

    def made(self, k: int, node: str) -> int:
        """The stage where the node's signal first exists."""
        rs = self.regions[k]
        if node.startswith("in:"):
            return 0
        load = rs.region.ir_ops[node].opcode == "load"
        return rs.solution.cycles[node] + (rs.region.problem.ops[node].latency if load else 0)

    def term(self, k: int, node: str) -> tuple:
        if node.startswith("in:"):
            return ("value", node)
        return self.terms[(k, node)]

    def at(self, k: int, node: str, stage: int) -> tuple:
        """The node's signal as read in `stage`: itself, or a register some clocks later."""
        t = self.term(k, node)
        made = self.made(k, node)
        p = self.regions[k].region.problem
        width = p.ops[node].width
        if t[0] == "const" or stage == made or (node.startswith("in:") and not width):
            return t
        full = self.full(k, node)
        kept = width if 0 < width < full else full
        root, clocks = self.root(t, kept)
        d = ("D", root, clocks + stage - made, kept)
        if kept == full:
            return d
        x = ("X", d, full)
        self.rewired[x] = (d, kept)
        return x

    def root(self, t: tuple, kept: int) -> tuple[tuple, int]:
        """(root term, clocks): the signal whose low `kept` bits `t` carries, so late."""
        clocks = 0
        while True:
            if t in self.rewired and self.rewired[t][1] >= kept:
                t = self.rewired[t][0]
            elif t[0] == "D" and t[3] >= kept:
                clocks += t[2]
                t = t[1]
            else:
                return t, clocks

    def full(self, k: int, node: str) -> int:
        r = self.regions[k].region
        if node.startswith("in:"):
            return self.inputs[(k, node)].type.width
        op = r.ir_ops[node]
        return op.storage.elem.width if op.opcode == "write" else op.result.type.width

    def _term(self, k: int, node: str, op: Op, current: dict[int, str]) -> tuple:
        rs = self.regions[k]
        c = rs.solution.cycles[node]
        if op.opcode == "const":
            return ("const", op.attrs["value"], str(op.result.type))
        if op.opcode == "load":
            ports = self.ports.get((k, node), {})
            if len(ports) == 1:
                return ("port", *next(iter(ports.items())))
            if not rs.region.problem.ops[node].resources:  # a register file's element
                rank = len(op.storage.type.shape)
                where = tuple(self.at(k, self._source(k, v), c) for v in op.operands[:rank])
                return ("rf", id(op.storage), where)
            return ("node", k, node)
        if op.opcode == "read":
            w = current.get(id(op.storage))
            return self.at(k, w, c) if w is not None else ("var", id(op.storage))
        if op.opcode == "write":
            if rs.region.guards[node]:
                return ("node", k, node)
            return self.at(k, self._source(k, op.operands[0]), c)
        if op.result is None:
            return ("node", k, node)
        args = tuple(self.at(k, self._source(k, v), c) for v in op.operands)
        t = ("op", op.opcode, tuple(sorted(op.attrs.items())), str(op.result.type), args)
        if rewires(op):
            self.rewired[t] = (args[0], op.operands[0].type.width)
        return t

    def _source(self, k: int, v) -> str:
        if id(v) in self.producer[k]:
            return self.producer[k][id(v)]
        self.inputs[(k, f"in:{v.name}")] = v
        return f"in:{v.name}"
