"""The compile flow: passes run on a copy, the report says what they did, and the RTL
still matches the user's own kernel."""

from __future__ import annotations

import json

import pytest

from kiln.errors import KilnError
from kiln.flow import compile_kernel
from kiln.ir import parse_kernel, print_ir

SOURCE = """kernel @k(in %a: i16, out @y: i16) {
  %0 = const 6 : i16
  %1 = const 7 : i16
  %2 = mul %0, %1 : i16
  %3 = add %a, %2 : i16
  %4 = sub %a, %a : i16
  write @y, %3
}
"""


@pytest.mark.icarus
def test_passes_rewrite_a_copy_and_the_rtl_matches_the_original(tmp_path):
    kernel = parse_kernel(SOURCE)
    design = compile_kernel(kernel, tmp_path)
    assert print_ir(kernel) == SOURCE  # the user's kernel is untouched
    compiled = design.files["ir"].read_text()
    assert "%2 = const 42 : i16" in compiled and "sub" not in compiled
    report = json.loads(design.files["report"].read_text())
    assert [(p["name"], p["changed"]) for p in report["passes"]] == [
        ("const-fold", True),
        ("dce", True),
    ]
    result = design.simulate("icarus", vectors=100)
    assert all(r["mismatch_count"] == 0 for r in result.report.values())


def test_no_passes_compiles_the_kernel_as_written(tmp_path):
    design = compile_kernel(parse_kernel(SOURCE), tmp_path, passes=())
    assert design.files["ir"].read_text() == SOURCE
    assert json.loads(design.files["report"].read_text())["passes"] == []


def test_an_unknown_pass_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(KilnError, match="unknown pass 'no-such-pass'"):
        compile_kernel(parse_kernel(SOURCE), tmp_path / "out", passes=("no-such-pass",))
    assert not (tmp_path / "out").exists()
