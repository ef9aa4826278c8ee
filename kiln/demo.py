"""The demo: `y = sat((a*b + c) >> 3)` on 16-bit fixed point, compiled and proven in RTL."""

from __future__ import annotations

from pathlib import Path

from kiln.api import compile_ir
from kiln.config import CompileConfig
from kiln.design import Design
from kiln.ir import Kernel, KernelBuilder, fixed, u


def mac_sat_kernel() -> Kernel:
    """a, b, c: fixed<16,8>; y = saturate((a*b + c) >> 3) into fixed<16,8>."""
    q = fixed(16, 8)
    kb = KernelBuilder("mac_sat")
    a, b, c = kb.input("a", q), kb.input("b", q), kb.input("c", q)
    y = kb.output("y", fixed(16, 8, overflow="sat"))
    product = kb.mul(a, b, fixed(32, 16), name="product")  # exact: 16+16 bits, 8+8 frac
    total = kb.add(product, c, fixed(33, 16), name="sum")  # exact: one more integer bit
    shifted = kb.shr(total, kb.const(3, u(2), name="three"), name="shifted")
    kb.write(y, kb.cast(shifted, fixed(16, 8, overflow="sat"), name="y_sat"))
    return kb.build()


def run_demo(
    out_dir: Path,
    vectors: int = 1000,
    simulators: tuple[str, ...] = ("verilator", "icarus"),
    clock_ns: float = 2.0,
    echo=print,
) -> Design:
    echo(f"kiln demo: compiling mac_sat, y = sat((a*b + c) >> 3), at {clock_ns:g} ns")
    config = CompileConfig.make(
        clock_ns=clock_ns, vectors=vectors, simulate=False, synthesize=False
    )
    design = compile_ir(mac_sat_kernel(), out_dir, config, progress=lambda msg: None)
    echo(design.schedule.format())
    echo("lint: verilator --lint-only -Wall: no warnings")
    for sim in simulators:
        result = design.simulate(sim)
        echo(
            f"{sim}: bit-exact against the IR interpreter on {result.calls} random calls "
            f"in {result.seconds:.1f} s"
        )
    echo("outputs:")
    for kind, path in design.files.items():
        echo(f"  {kind:11} {path}")
    return design
