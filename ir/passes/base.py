"""What a pass is, and the manager that runs an ordered list of them.

A pass rewrites a kernel in place and says whether it changed anything. In checked mode
(the default) the manager runs the verifier after every pass that changed the kernel, so
a broken pass is caught at the pass, not three stages later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiln.base.errors import VerifyError
from kiln.ir.kernel import Kernel, walk_ops
from kiln.ir.verifier import verify_kernel


@dataclass(frozen=True)
class Pass:
    """A named rewrite: `run(kernel)` changes the kernel in place and returns whether it did."""

    name: str
    summary: str
    run: Callable[[Kernel], bool]


@dataclass(frozen=True)
class PassRun:
    name: str
    changed: bool
    ops_before: int
    ops_after: int


def run_passes(kernel: Kernel, passes: Sequence[Pass], checked: bool = True) -> list[PassRun]:
    """Run `passes` in order; returns what each did, for reports."""
    log = []
    for p in passes:
        before = sum(1 for _ in walk_ops(kernel.body))
        changed = p.run(kernel)
        if changed and checked:
            try:
                verify_kernel(kernel)
            except VerifyError as err:
                raise VerifyError(
                    f"after pass '{p.name}': {err.message}",
                    err.loc,
                    "this is a bug in the pass; rerun with the pass left out to work around it",
                ) from err
        log.append(PassRun(p.name, changed, before, sum(1 for _ in walk_ops(kernel.body))))
    return log
