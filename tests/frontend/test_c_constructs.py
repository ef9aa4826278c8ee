"""Constructs beyond the corpus's habits, each proven against gcc through `kiln c`."""

from __future__ import annotations

from pathlib import Path

from kiln.cli import main

DATA = Path(__file__).parent / "data"


def test_grab_bag_matches_gcc_through_the_cli(capsys):
    rc = main(["c", str(DATA / "constructs.c"), "--top", "k", "--interpret"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "gcc: IR interpreter == gcc on 5 call(s)" in out
    assert "gcc+sanitizers: IR interpreter == gcc on 5 call(s)" in out


def test_kiln_c_prints_verified_ir(capsys):
    rc = main(["c", str(DATA / "constructs.c"), "--top", "k"])
    text = capsys.readouterr().out
    assert rc == 0
    assert text.startswith("kernel @k(")
    assert "inout @m: i32[4][4]" in text  # T (*m)[4] with interface depth=4
    assert "inout @z.re: i16[4]" in text  # array of structs, flattened per field
    assert "out @return: i32" in text
