"""The demo: `y = sat((a*b + c) >> 3)` on 16-bit fixed point, compiled and proven in RTL."""

from __future__ import annotations

from pathlib import Path

from kiln.flow import Design, compile_kernel
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
    clock_period_ps: float = 2000.0,
    echo=print,
) -> Design:
    echo(f"kiln demo: compiling mac_sat, y = sat((a*b + c) >> 3), at {clock_period_ps:g} ps")
    design = compile_kernel(mac_sat_kernel(), out_dir, clock_period_ps)
    echo(str(design.schedule))
    design.lint()
    echo("lint: verilator --lint-only -Wall: no warnings")
    for sim in simulators:
        result = design.simulate(sim, vectors)
        checked = ", ".join(f"{name} {r['checked']}" for name, r in result.report.items())
        echo(
            f"{sim}: bit-exact against the IR interpreter ({checked} vectors) "
            f"in {result.seconds:.1f} s"
        )
    echo("outputs:")
    for kind, path in design.files.items():
        echo(f"  {kind:9} {path}")
    return design
