"""RTL checks of generated designs: Verilator lint, and co-simulation with cocotb (Verilator
or Icarus) that replays recorded or random calls on a design's harness."""

from kiln.hw_tests.lint import LintResult, lint_verilog
from kiln.hw_tests.simulate import SIMULATORS, CosimResult, cosimulate

__all__ = ["SIMULATORS", "CosimResult", "LintResult", "cosimulate", "lint_verilog"]
