"""C written the way the classic academic benchmark suites write it (a shared header found
with -I, sizes picked with -D, array and loop-bound macros, runtime bounds, static helpers,
`#pragma scop`) translates, and the IR matches gcc bit for bit on every call, built plainly
and under ASan/UBSan."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.base.errors import CFrontendError
from kiln.frontend.c.check import check_c, load_c
from kiln.ir.kernel import WhileLoop, walk

DATA = Path(__file__).resolve().parent / "data" / "suite_style"
INCLUDE = (str(DATA / "include"),)

# file, top function, include dirs, defines
CASES = [
    ("syr2k.c", "kernel_syr2k", INCLUDE, ()),
    ("trisolv.c", "kernel_trisolv", INCLUDE, ()),
    ("conv2d_steps.c", "kernel_conv2d_steps", INCLUDE, ("MINI_DATASET",)),
    ("mvt.c", "kernel_mvt", (), ()),
    ("doitgen.c", "kernel_doitgen", INCLUDE, ()),
]
IDS = [c[0].removesuffix(".c") for c in CASES]


def _check(path, top, include_dirs, defines, workdir):
    result = check_c(path, top, include_dirs=include_dirs, defines=defines, workdir=workdir)
    assert set(result.replays) == {"gcc", "gcc+sanitizers"}
    for mode, report in result.replays.items():
        assert report.calls >= 2, mode
        assert report.values_compared > 0, mode
    assert "checksum:" in result.testbench_output
    return result


def test_suite_files_are_present():
    assert {c[0] for c in CASES} == {p.name for p in DATA.glob("*.c")}
    assert (DATA / "include" / "suite_style.h").is_file()


@pytest.mark.parametrize(("name", "top", "include_dirs", "defines"), CASES, ids=IDS)
def test_suite_kernel_matches_gcc(name, top, include_dirs, defines, tmp_path):
    _check(DATA / name, top, include_dirs, defines, tmp_path)


@pytest.mark.parametrize(
    ("name", "top", "array", "mini", "small"),
    [
        ("conv2d_steps.c", "kernel_conv2d_steps", "A", "i32[10][10]", "i32[20][20]"),
        ("syr2k.c", "kernel_syr2k", "C", "i32[8][8]", "i32[14][14]"),
    ],
)
def test_other_dataset_size_also_matches(name, top, array, mini, small, tmp_path):
    small_run = _check(DATA / name, top, INCLUDE, ("SMALL_DATASET",), tmp_path / "small")
    assert str(small_run.ckernel.kernel.param(array).type) == small
    mini_ir = load_c(DATA / name, top, include_dirs=INCLUDE, defines=("MINI_DATASET",))
    assert str(mini_ir.kernel.param(array).type) == mini


def test_constant_loop_bounds_macro_also_matches(tmp_path):
    _check(
        DATA / "doitgen.c",
        "kernel_doitgen",
        INCLUDE,
        ("SMALL_DATASET", "SS_USE_CONST_LB"),
        tmp_path,
    )


def test_missing_dataset_define_reports_the_error_directive():
    with pytest.raises(CFrontendError) as err:
        load_c(DATA / "conv2d_steps.c", "kernel_conv2d_steps", include_dirs=INCLUDE)
    assert "choose a data set" in str(err.value)
    assert "conv2d_steps.h:13" in str(err.value)


def test_relative_include_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(DATA)
    _check("syr2k.c", "kernel_syr2k", ("include",), (), tmp_path)


@pytest.mark.parametrize(
    ("name", "top", "include_dirs", "defines"),
    [
        pytest.param(*CASES[0], id="syr2k"),
        pytest.param(*CASES[1], id="trisolv"),
        pytest.param(*CASES[2], id="conv2d_steps"),
        pytest.param(*CASES[3], id="mvt"),
        pytest.param(*CASES[4], id="doitgen"),
    ],
)
def test_counted_loops_stay_for_loops(name, top, include_dirs, defines):
    """No kernel here leaves a loop early, so every loop is a counted IR for loop, runtime
    bound or not."""
    kernel = load_c(DATA / name, top, include_dirs=include_dirs, defines=defines).kernel
    whiles = [s.loc for s in walk(kernel.body) if isinstance(s, WhileLoop)]
    assert not whiles
