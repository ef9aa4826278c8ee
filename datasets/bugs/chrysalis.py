"""`kiln dataset import-chrysalis`: map Chrysalis-HLS edit scripts onto kiln's labels.

Chrysalis keeps, per design, `Source_Code/<design>.c[pp]` and `Bugs/bug_<TYPES>.txt`, each a
JSON edit script: {"Error Size": n, "Error Specification": [{"Error Type", "Original Code",
"Faulty Code"}, ...]}. An edit is *applied* when its original text occurs exactly once in the
source, *ambiguous* when it occurs more than once, *not found* otherwise. Applied bug files
become buggy code with line labels; when the design carries a testbench `main` that our
harness can build, kiln's oracles say whether the bug is observable.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kiln.base.errors import KilnError

SOURCE_SUFFIXES = (".c", ".cpp", ".cc")


@dataclass
class ImportReport:
    designs: int = 0
    bug_files: int = 0
    edits: Counter = field(default_factory=Counter)  # applied / ambiguous / not found
    files: Counter = field(default_factory=Counter)  # applied / partial / failed / unreadable
    buildable: int = 0
    observable: int = 0
    per_type: dict[str, Counter] = field(default_factory=dict)
    records: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "designs": self.designs,
            "bug_files": self.bug_files,
            "edits": dict(self.edits),
            "files": dict(self.files),
            "buildable": self.buildable,
            "observable": self.observable,
            "per_type": {k: dict(v) for k, v in sorted(self.per_type.items())},
        }


def _designs(root: Path):
    for src_dir in sorted(root.rglob("Source_Code")):
        sources = sorted(p for p in src_dir.iterdir() if p.suffix in SOURCE_SUFFIXES)
        bugs = sorted((src_dir.parent / "Bugs").glob("bug_*.txt"))
        if sources:
            yield src_dir.parent.name, sources[0], bugs


def apply_script(source: str, script: dict) -> tuple[str | None, list[dict], list[str]]:
    """The buggy text (None unless every edit applied), the labels, and each edit's status."""
    specs = script.get("Error Specification")
    if not isinstance(specs, list) or not specs:
        raise ValueError("no 'Error Specification' list")
    text, labels, status = source, [], []
    for spec in specs:
        original, faulty = spec.get("Original Code"), spec.get("Faulty Code")
        if not isinstance(original, str) or not isinstance(faulty, str):
            raise ValueError("an edit lacks 'Original Code' or 'Faulty Code'")
        n = text.count(original)
        if n != 1:
            status.append("ambiguous" if n > 1 else "not found")
            continue
        at = text.index(original)
        line = text.count("\n", 0, at) + 1
        text = text[:at] + faulty + text[at + len(original) :]
        status.append("applied")
        labels.append(
            {
                "type": str(spec.get("Error Type", "?")),
                "line_start": line,
                "line_end": line + faulty.count("\n") - faulty.endswith("\n"),
                "original": original,
                "faulty": faulty,
            }
        )
    return (text if all(s == "applied" for s in status) else None), labels, status


def import_chrysalis(path: str | Path, run_oracles_on_buildable: bool = True) -> ImportReport:
    from kiln.datasets.bugs.taxonomy import TYPES

    root = Path(path)
    if not root.is_dir():
        raise KilnError(
            f"{path}: not a folder",
            hint="give the Chrysalis-HLS checkout (or its HLS_Bug_Dataset folder)",
        )
    report = ImportReport()
    for design, source_path, bug_files in _designs(root):
        report.designs += 1
        source = source_path.read_text(encoding="utf-8", errors="replace")
        golden = None
        if run_oracles_on_buildable and "main(" in source:
            golden = _golden(source, source_path)
            report.buildable += golden is not None
        for bug in bug_files:
            report.bug_files += 1
            try:
                script = json.loads(bug.read_text(encoding="utf-8"))
                buggy, labels, status = apply_script(source, script)
            except (ValueError, json.JSONDecodeError) as err:
                report.files["unreadable"] += 1
                report.records.append({"design": design, "bug_file": str(bug), "error": str(err)})
                continue
            report.edits.update(status)
            outcome = "applied" if buggy is not None else "partial" if labels else "failed"
            report.files[outcome] += 1
            observable = None
            if buggy is not None and golden is not None:
                observable = _observable(golden, buggy, labels, source_path)
                report.observable += bool(observable)
            for label in labels:
                label["kiln_type"] = label["type"] if label["type"] in TYPES else None
                report.per_type.setdefault(label["type"], Counter())[outcome] += 1
            report.records.append(
                {
                    "design": design,
                    "source": str(source_path),
                    "bug_file": str(bug),
                    "status": status,
                    "outcome": outcome,
                    "bugs": labels,
                    "buggy_code": buggy,
                    "observable": observable,
                }
            )
    return report


def _golden(source: str, path: Path):
    from kiln.datasets.bugs.oracles import Golden

    try:
        return Golden(source, path.name)
    except Exception:  # a design our harness cannot build or run: counted as not buildable
        return None


def _observable(golden, buggy: str, labels: list[dict], path: Path) -> dict | None:
    from kiln.datasets.bugs.oracles import run_oracles
    from kiln.datasets.bugs.pragma_check import check_pragmas

    work = Path(tempfile.mkdtemp(prefix="kiln-chrysalis-"))
    try:
        verdict = run_oracles(golden, buggy, work, run=True)
        fired = dict(verdict.fired)
        for f in check_pragmas(buggy, path.name, None):
            fired.setdefault("static-pragma", f"{f.code} line {f.line}: {f.message}")
        return fired or None
    finally:
        shutil.rmtree(work, ignore_errors=True)
