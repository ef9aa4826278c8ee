"""Synthesis feedback for the scheduler (Yosys, OpenSTA, nextpnr on subgraphs; the ISDC loop)."""
