"""Verilog generation from scheduled kernel IR: the kernel module, its co-simulation
harness and the compile report."""

from kiln.backend.kernel_rtl import KernelRtl, emit_kernel_rtl

__all__ = ["KernelRtl", "emit_kernel_rtl"]
