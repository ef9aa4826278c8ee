"""RTL simulation with cocotb (Verilator or Icarus): generated designs against the IR."""
