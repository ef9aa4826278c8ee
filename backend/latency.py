"""Clock counts that follow from a schedule and the controller's rules (see `kernel_rtl`).

A region run once takes its stage count; a loop region of n trips takes (n-1)*II + S
clocks (1 when it has no trip); a loop holding loops spends one head clock per trip and
one to leave; a call adds one clock for the start handshake. Loops with bounds known only
at run time, while loops and branches around loops make the count data-dependent: then
there is no single prediction (None), and reports give the measured range.
"""

from __future__ import annotations

from kiln.ir.kernel import ForLoop
from kiln.scheduler.regions import Control, Leaf, OuterFor, Seq


def trips(loop: ForLoop) -> int | None:
    if not isinstance(loop.lo, int) or not isinstance(loop.hi, int):
        return None
    return len(range(loop.lo, loop.hi, loop.step))


def control_cycles(node: Control, stages: dict[int, int], iis: dict[int, int], loops) -> int | None:
    """Clocks `node` takes, or None when that depends on the data. `loops[k]` is region
    k's loop (None for straight code)."""
    if isinstance(node, Seq):
        total = 0
        for it in node.items:
            c = control_cycles(it, stages, iis, loops)
            if c is None:
                return None
            total += c
        return total
    if isinstance(node, Leaf):
        k = node.index
        loop = loops[k]
        if loop is None:
            return stages[k]
        n = trips(loop) if isinstance(loop, ForLoop) else None
        if n is None:
            return None
        return 1 if n == 0 else (n - 1) * iis[k] + stages[k]
    if isinstance(node, OuterFor):
        n = trips(node.loop)
        body = control_cycles(node.body, stages, iis, loops)
        if n is None or body is None:
            return None
        return n * (1 + body) + 1
    return None  # while loops and branches around loops


def call_cycles(node: Seq, stages, iis, loops) -> int | None:
    """Clocks from the start handshake to done for one call."""
    body = control_cycles(node, stages, iis, loops)
    return None if body is None else body + 1
