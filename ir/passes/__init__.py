"""IR passes, one per file, listed by short name in one registry, and the default flow."""

from kiln.base.errors import KilnError
from kiln.ir.passes.base import Pass, PassRun, run_passes
from kiln.ir.passes.const_fold import fold_constants
from kiln.ir.passes.cse import eliminate_common_subexpressions
from kiln.ir.passes.dce import eliminate_dead_code
from kiln.ir.passes.dead_vars import eliminate_dead_variables
from kiln.ir.passes.forward import forward_stores
from kiln.ir.passes.narrow_mul import narrow_multiplies
from kiln.ir.passes.unroll import unroll_loops

PASSES: dict[str, Pass] = {
    p.name: p
    for p in (
        Pass("const-fold", "pure ops on constants become constants", fold_constants),
        Pass("dce", "drop effect-free ops whose results are unused", eliminate_dead_code),
        Pass(
            "dead-vars",
            "drop writes to local variables that nothing reads",
            eliminate_dead_variables,
        ),
        Pass(
            "cse",
            "a pure op equal to a visible one reuses its value",
            eliminate_common_subexpressions,
        ),
        Pass(
            "forward",
            "a read of a variable takes the value last written in view; overwritten writes go",
            forward_stores,
        ),
        Pass(
            "narrow-mul",
            "a wrapping mul of widened integers multiplies the narrow values",
            narrow_multiplies,
        ),
        Pass(
            "unroll",
            "copy the bodies of loops marked unroll or nested in a pipelined loop",
            unroll_loops,
        ),
    )
}

# What translation runs to tidy a kernel for reading (`kiln c`) and for the C checks.
DEFAULT_FLOW: tuple[str, ...] = ("const-fold", "dce")

# What every compile runs before scheduling, in order, for C and IR alike: unrolling first
# (pipelined loops unroll their inner loops), then forwarding the variables the copies
# write and read, folding the unrolled index arithmetic into constants (the dependence test
# and the bank choice read them), and sharing the arithmetic they repeat.
COMPILE_FLOW: tuple[str, ...] = (
    "const-fold", "unroll", "forward", "const-fold", "narrow-mul", "cse", "dead-vars", "dce",
)  # fmt: skip


def passes_named(names: tuple[str, ...] | list[str]) -> list[Pass]:
    """The passes for `names`, in that order; an unknown name is a KilnError."""
    unknown = [n for n in names if n not in PASSES]
    if unknown:
        raise KilnError(f"unknown pass '{unknown[0]}'", hint=f"passes: {', '.join(PASSES)}")
    return [PASSES[n] for n in names]


__all__ = [
    "COMPILE_FLOW",
    "DEFAULT_FLOW",
    "PASSES",
    "Pass",
    "PassRun",
    "passes_named",
    "run_passes",
]
