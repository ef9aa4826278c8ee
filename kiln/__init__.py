"""kiln: compile C kernels and ONNX graphs to scheduled Verilog, verified bit for bit.

The public surface is below; names load on first use so that `import kiln.ir` stays light.

    import kiln
    design = kiln.compile_c("fir.c", "fir", "out", kiln.CompileConfig.make(clock_ns=2.5))
    print(design.schedule.format())      # per-region stages, II, registers, op cycles
    design.simulate("icarus")            # replay every recorded call on the RTL again
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "compile_c": "kiln.api",
    "compile_ir": "kiln.api",
    "compile_design": "kiln.api",
    "load_kernel": "kiln.api",
    "schedule": "kiln.api",
    "CompileConfig": "kiln.config",
    "Design": "kiln.design",
    "Target": "kiln.feedback.targets",
    "KernelBuilder": "kiln.ir",
    "interpret": "kiln.ir",
    "parse": "kiln.ir",
    "print_ir": "kiln.ir",
    "KilnError": "kiln.base.errors",
    "SourceLoc": "kiln.base.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kiln' has no attribute {name!r}")
