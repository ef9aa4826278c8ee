"""The Chrysalis importer on fixtures written in its edit-script format (no Chrysalis data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.base.errors import KilnError
from kiln.datasets.bugs.chrysalis import apply_script, import_chrysalis

FIXTURES = Path(__file__).parent / "data" / "chrysalis"


def test_the_importer_counts_applied_ambiguous_and_missing_edits():
    report = import_chrysalis(FIXTURES)
    assert report.designs == 2 and report.bug_files == 6
    assert dict(report.files) == {"applied": 4, "failed": 1, "unreadable": 1}
    assert report.edits["ambiguous"] == 1 and report.edits["not found"] == 1
    assert report.buildable == 1  # mac_only has no testbench main
    by_file = {Path(r["bug_file"]).name: r for r in report.records if "design" in r}
    assert by_file["bug_OOB.txt"]["observable"]  # i <= N: the sanitizer sees it
    assert by_file["bug_INIT.txt"]["observable"]  # total = 1: the checksum changes
    ilnu = by_file["bug_ILNU.txt"]["bugs"][0]
    assert (ilnu["line_start"], ilnu["line_end"]) == (11, 12)  # both pragma lines
    assert by_file["bug_ILNU.txt"]["observable"]["static-pragma"].startswith("ILNU line 12")
    assert by_file["bug_ZERO.txt"]["observable"] is None  # not buildable: not run


def test_apply_script_labels_lines():
    text, labels, status = apply_script(
        "a\nb = 1;\nc\n",
        {
            "Error Specification": [
                {"Error Type": "INIT", "Original Code": "b = 1;", "Faulty Code": "b = 2;"}
            ]
        },
    )
    assert text == "a\nb = 2;\nc\n" and status == ["applied"]
    assert labels[0]["line_start"] == labels[0]["line_end"] == 2


def test_a_bad_path_is_a_clear_error(tmp_path):
    with pytest.raises(KilnError, match="not a folder"):
        import_chrysalis(tmp_path / "nope")
