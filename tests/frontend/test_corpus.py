"""Every kernel of the corpus translates, and the IR interpreter matches gcc bit for bit on
every call its testbench makes, built plainly and under ASan/UBSan."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kiln.frontend.c.check import check_c

KERNELS = Path(__file__).resolve().parents[2] / "datasets" / "kernels"
MANIFEST = json.loads((KERNELS / "manifest.json").read_text())["kernels"]
FIELDS = {"name", "file", "top", "family", "description", "uses_float"}
# every family holds at least 4 kernels
FAMILIES = (
    "linalg",
    "stencil",
    "signal",
    "sort",
    "crypto",
    "image",
    "dp",
    "control",
    "ml",
    "strings",
)


def test_manifest_lists_the_corpus():
    assert len(MANIFEST) >= 40
    names = [k["name"] for k in MANIFEST]
    assert len(names) == len(set(names))
    for k in MANIFEST:
        assert set(k) == FIELDS, k["name"]
        assert (KERNELS / k["file"]).is_file(), k["file"]
        assert k["file"].startswith(k["family"] + "/")
    on_disk = {str(p.relative_to(KERNELS)) for p in KERNELS.glob("*/*.c")}
    assert on_disk == {k["file"] for k in MANIFEST}, "every .c file is in the manifest"
    families = Counter(k["family"] for k in MANIFEST)
    for family in FAMILIES:
        assert families[family] >= 4, family
    assert any(k["uses_float"] for k in MANIFEST)


@pytest.mark.parametrize("entry", MANIFEST, ids=[k["name"] for k in MANIFEST])
def test_kernel_matches_gcc(entry, tmp_path):
    result = check_c(KERNELS / entry["file"], entry["top"], workdir=tmp_path)
    assert set(result.replays) == {"gcc", "gcc+sanitizers"}
    for report in result.replays.values():
        assert report.calls >= 1
        assert report.values_compared >= 1
    assert "checksum:" in result.testbench_output
