"""Refactors of the backend leave the Verilog of three corpus kernels byte-identical: dense
(banked and completely partitioned arrays), fir (a pipelined loop) and gcd (a while loop).

After a change meant to alter the output, regenerate and review the diff:

    KILN_REGEN_GOLDEN=1 .venv/bin/pytest tests/backend/test_golden_rtl.py
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from kiln.backend.kernel_rtl import emit_kernel_rtl
from kiln.backend.verilog_ast import render_design
from kiln.frontend.c.check import load_c
from kiln.ir.passes import COMPILE_FLOW
from kiln.scheduler.kernel_schedule import schedule_kernel

REPO = Path(__file__).resolve().parents[2]
KERNELS = REPO / "datasets" / "kernels"
MANIFEST = {k["name"]: k for k in json.loads((KERNELS / "manifest.json").read_text())["kernels"]}
GOLDEN = Path(__file__).parent / "golden"
ENV = "KILN_REGEN_GOLDEN"
REGEN = f"{ENV}=1 .venv/bin/pytest tests/backend/test_golden_rtl.py"


@pytest.mark.parametrize("name", ["dense", "fir", "gcd"])
def test_corpus_kernel_verilog_is_unchanged(name):
    e = MANIFEST[name]
    kernel = load_c(KERNELS / e["file"], e["top"], passes=COMPILE_FLOW).kernel
    rtl = emit_kernel_rtl(kernel, schedule_kernel(kernel, 2500.0))
    assert render_design([rtl.module]) == rtl.verilog  # the object model prints the same text
    verilog = rtl.verilog.replace(str(REPO), "<repo>")  # source paths, wherever the checkout is
    golden = GOLDEN / f"{name}.v"
    if os.environ.get(ENV):  # fails even so: CI never regenerates quietly
        same = golden.exists() and golden.read_text() == verilog
        golden.write_text(verilog)
        what = "unchanged" if same else "rewritten"
        pytest.fail(f"regenerated {golden} ({what}); review the diff, rerun without {ENV}")
    want = golden.read_text()
    if verilog != want:
        diff = difflib.unified_diff(
            want.splitlines(), verilog.splitlines(), str(golden), "emitted", lineterm=""
        )
        shown = "\n".join(list(diff)[:40])
        pytest.fail(f"{name}: the Verilog changed:\n{shown}\nif meant, regenerate: {REGEN}")
