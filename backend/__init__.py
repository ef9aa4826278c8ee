"""Verilog generation from scheduled kernel IR."""

from kiln.backend.emit import EmittedModule, PortMap, emit_kernel

__all__ = ["EmittedModule", "PortMap", "emit_kernel"]
