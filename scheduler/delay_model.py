"""Per-op combinational delays from characterized data, with measured overrides.

The data comes from `kiln characterize` (`kiln.feedback.characterize`): each timing-relevant
op synthesized alone at a range of widths on a cell library, its register-to-register
delay measured with OpenSTA and the register overhead (clock-to-Q plus setup) taken out.
The shipped file is for kiln's generic 45 nm-class library; `DelayModel.from_file` reads a
user's file, characterized for their PDK. Between measured widths the model interpolates
linearly, so it equals the measurement at every measured width; above the widest it
extrapolates along the last two points. Wiring (slice, concat, extensions, constants,
int-to-int casts) and memory/variable access cost 0 here: their latency is the
scheduler's business. The ISDC loop (`kiln.feedback.isdc`) adds delays measured by
synthesis on subgraphs of the design (`DelayModel.measure`): they replace summed op delays
on the paths through them (`kiln.scheduler.path_delays`).
"""

from __future__ import annotations

import functools
import json
from bisect import bisect_left
from pathlib import Path

from kiln.base.errors import KilnError
from kiln.ir.kernel import Op
from kiln.ir.ops import OPS
from kiln.ir.types import IntType
from kiln.scheduler.path_delays import MeasuredSubgraph

DATA_FORMAT = "kiln-delays"
DATA_VERSION = 1
DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "generic_delays.json"

# Ops whose logic depends on the operands' signedness; the others have one "any" variant.
# (mul is not among them: the low w bits of a product do not depend on signedness.)
SIGNED_OPS = frozenset({"div", "rem", "lt", "le", "gt", "ge", "shr"})
# mul's variant measured with w-bit operands and a 2w-bit result (`int16 * int16 -> int32`),
# keyed by w: a widening product is a smaller circuit than a w x w one of the result's width.
WIDENING = "widening"
# Op kinds with no logic of their own.
FREE_KINDS = frozenset({"bits", "const", "var", "memory"})


def _bad(path: Path | str, problem: str) -> KilnError:
    return KilnError(
        f"delay data {path}: {problem}",
        hint="regenerate it with `kiln characterize --out FILE` (add --liberty for your PDK)",
    )


def _check_points(path, where: str, points) -> list[tuple[int, float]]:
    if not isinstance(points, list) or not points:
        raise _bad(path, f"{where}: 'points' must be a non-empty list of [width, ps]")
    out = []
    for p in points:
        ok = isinstance(p, list) and len(p) == 2 and isinstance(p[0], int) and p[0] >= 1
        if not ok or not isinstance(p[1], int | float) or p[1] < 0:
            raise _bad(path, f"{where}: point {p!r} is not [width >= 1, delay_ps >= 0]")
        out.append((p[0], float(p[1])))
    out.sort()
    if len({w for w, _ in out}) != len(out):
        raise _bad(path, f"{where}: a width appears twice")
    return out


def parse_data(data: object, path: Path | str) -> dict:
    """Check a `kiln-delays` document and return {opcode: {variant: [(width, ps)]}} plus
    the header fields; every complaint names `path` and the entry at fault."""
    if not isinstance(data, dict):
        raise _bad(path, "not a JSON object")
    if data.get("format") != DATA_FORMAT:
        raise _bad(path, f"format is {data.get('format')!r}, expected {DATA_FORMAT!r}")
    if data.get("version") != DATA_VERSION:
        version = data.get("version")
        raise _bad(path, f"version {version!r} is not supported (this kiln reads {DATA_VERSION})")
    overhead = data.get("register_overhead_ps")
    if not isinstance(overhead, int | float) or overhead < 0:
        raise _bad(path, f"register_overhead_ps must be a number >= 0, got {overhead!r}")
    ops = data.get("ops")
    if not isinstance(ops, dict):
        raise _bad(path, "'ops' must be an object of opcode -> variants")
    table: dict[str, dict[str, list[tuple[int, float]]]] = {}
    for opcode, variants in ops.items():
        if opcode not in OPS:
            raise _bad(path, f"unknown op '{opcode}'")
        if not isinstance(variants, dict) or not variants:
            raise _bad(path, f"op '{opcode}': expected variants any/signed/unsigned")
        for variant, entry in variants.items():
            allowed = ("any", "signed", "unsigned", *((WIDENING,) if opcode == "mul" else ()))
            if variant not in allowed or not isinstance(entry, dict):
                raise _bad(path, f"op '{opcode}': bad variant {variant!r}")
            where = f"op '{opcode}' ({variant})"
            table.setdefault(opcode, {})[variant] = _check_points(path, where, entry.get("points"))
    return {
        "library": str(data.get("library", "unknown")),
        "register_overhead_ps": float(overhead),
        "ops": table,
    }


def _load(path: Path) -> dict:
    try:
        stat = path.stat()
    except OSError as err:
        raise _bad(path, f"cannot be read ({err.strerror or err})") from err
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)


@functools.cache
def _load_cached(path: Path, mtime_ns: int, size: int) -> dict:
    """The parsed file; mtime and size are in the key so a rewritten file is read again."""
    try:
        text = path.read_text()
    except OSError as err:
        raise _bad(path, f"cannot be read ({err.strerror or err})") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _bad(path, f"is not valid JSON (line {err.lineno}: {err.msg})") from err
    return parse_data(data, path)


def interpolate(points: list[tuple[int, float]], width: int) -> float:
    """Piecewise-linear in width through the measured points: exact at each of them, flat
    below the narrowest. Above the widest it grows along the chord from half the widest
    width, since neighbouring widths are too noisy (synthesis is not smooth) for a slope."""
    widths = [w for w, _ in points]
    if width <= widths[0] or len(points) == 1:
        return points[0][1] if width <= widths[0] else points[-1][1]
    i = bisect_left(widths, width)
    if i < len(points) and widths[i] == width:
        return points[i][1]
    if i == len(points):
        w1, d1 = points[-1]
        w0, d0 = min(points[:-1], key=lambda p: abs(p[0] - w1 / 2))
        return d1 + max(0.0, (d1 - d0) / (w1 - w0)) * (width - w1)
    (w0, d0), (w1, d1) = points[i - 1 : i + 1]
    return max(0.0, d0 + (d1 - d0) * (width - w0) / (w1 - w0))


def op_width(op: Op) -> int:
    """The widest operand or result: the width an op's delay is looked up at."""
    widths = [v.type.width for v in op.operands]
    if op.result is not None:
        widths.append(op.result.type.width)
    return max(widths, default=1)


class DelayModel:
    """Delays in picoseconds from characterized data, unless a measurement overrides them.

    Overrides key on the op's result name (or its opcode for ops without a result), so a
    measurement taken on one schedule carries over to the next run of the same kernel.
    """

    def __init__(self, path: Path | str | None = None, overrides: dict[str, float] | None = None):
        self.path = Path(path) if path is not None else DEFAULT_DATA
        data = _load(self.path.absolute())
        self.library: str = data["library"]
        self.register_overhead_ps: float = data["register_overhead_ps"]
        self._ops: dict[str, dict[str, list[tuple[int, float]]]] = data["ops"]
        self.overrides: dict[str, float] = dict(overrides or {})
        # region index (program order) -> subgraphs measured in it, oldest first
        self.measured: dict[int, list[MeasuredSubgraph]] = {}

    @classmethod
    def from_file(cls, path: Path | str) -> DelayModel:
        """The model of a `kiln characterize` output file; KilnError naming the file if it
        is missing, not JSON, or not a `kiln-delays` file of a version this kiln reads."""
        return cls(path)

    def op_delay_ps(self, opcode: str, width: int, signed: bool = False) -> float:
        """The delay of `opcode` on `width`-bit operands, without overrides."""
        if opcode not in OPS:
            raise KilnError(f"no delay for unknown op '{opcode}'")
        if width < 1:
            raise KilnError(f"op '{opcode}': width must be >= 1, got {width}")
        if OPS[opcode].kind in FREE_KINDS or opcode == "cast":
            return 0.0
        variants = self._ops.get(opcode)
        if variants is None:
            raise _bad(self.path, f"has no entry for op '{opcode}'")
        order = ("signed", "any", "unsigned") if signed else ("unsigned", "any", "signed")
        points = next(variants[v] for v in order if v in variants)
        return interpolate(points, width)

    def delay_ps(self, op: Op) -> float:
        """`op`'s delay: its override if measured, else the characterized figure for its
        opcode, signedness (any signed operand) and widest operand or result."""
        key = op.result.name if op.result is not None else op.opcode
        if key in self.overrides:
            return self.overrides[key]
        if op.opcode == "cast":
            types = [*(v.type for v in op.operands), op.result.type]
            if all(type(t) is IntType for t in types):
                return 0.0  # int -> int: extension or truncation, wiring only
            return self.op_delay_ps("add", op_width(op), any(t.signed for t in types))
        signed = any(getattr(v.type, "signed", False) for v in op.operands)
        width = op_width(op)
        if op.opcode == "mul" and WIDENING in self._ops.get("mul", {}):
            narrow = max(v.type.width for v in op.operands)
            if narrow < width:  # both shapes hold this op's logic: the smaller bound is closer
                wide = interpolate(self._ops["mul"][WIDENING], narrow)
                return min(wide, self.op_delay_ps("mul", width, signed))
        return self.op_delay_ps(op.opcode, width, signed)

    def override(self, key: str, delay_ps: float) -> None:
        self.overrides[key] = delay_ps

    def measure(self, region: int, subgraph: MeasuredSubgraph) -> None:
        """Time paths through `subgraph` of region `region` (its index in program order)
        by its measured delays from now on; it replaces older ones it overlaps."""
        self.measured.setdefault(region, []).append(subgraph)
