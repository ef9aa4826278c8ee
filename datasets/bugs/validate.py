"""`kiln dataset validate`: re-run every oracle on every sample and confirm every label.

Nothing from the build is trusted: the golden code is rebuilt, each sample is recompiled
and rerun, each functional bug is shown again on its own, each pragma bug is flagged
again, the labels are re-derived from the edits, the schema is checked, the splits are
checked for shared code, and the canonical file's hash is compared with the build's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kiln.datasets.bugs.export import check_schema, read_samples
from kiln.datasets.bugs.model import Edit, apply_edits
from kiln.datasets.bugs.splits import leaks


@dataclass
class Report:
    samples: int = 0
    compiled: int = 0
    functional_labels: int = 0
    functional_confirmed: int = 0
    pragma_labels: int = 0
    pragma_confirmed: int = 0
    clean: int = 0
    clean_tripped: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return dict(self.__dict__) | {"ok": self.ok}


def check_sample(sample: dict) -> list[str]:
    """Problems with one sample (empty when every claim about it holds)."""
    from kiln.datasets.bugs.oracles import Golden, run_oracles
    from kiln.datasets.bugs.pragma_check import check_pragmas

    sid, golden, code = sample["id"], sample["golden_code"], sample["buggy_code"]
    problems = []
    edits = [Edit(*e) for b in sample["bugs"] for e in b["edits"]]
    if sample["bugs"] and apply_edits(golden, edits) != code:
        problems.append(f"{sid}: the bugs' edits do not turn golden_code into buggy_code")
    lines = code.splitlines(keepends=True)
    for b in sample["bugs"]:
        if "".join(lines[b["line_start"] - 1 : b["line_end"]]) != b["faulty"]:
            problems.append(
                f"{sid}: {b['type']} lines {b['line_start']}-{b['line_end']} "
                "are not its faulty text"
            )
        if golden.count(b["original"]) != 1:
            problems.append(f"{sid}: {b['type']} original text is not unique in golden_code")
    work = Path(tempfile.mkdtemp(prefix="kiln-validate-"))
    try:
        g = Golden(golden, f"{sample['kernel']}.c")
        verdict = run_oracles(g, code, work, run=True)
        if not verdict.compiled:
            return [*problems, f"{sid}: does not compile"]
        findings = check_pragmas(code, f"{sample['kernel']}.c", None)
        if sample["label"] == "clean":
            if verdict.fired or findings:
                problems.append(f"{sid}: clean sample trips {sorted(verdict.fired) or 'checker'}")
            return problems
        labelled = {b["type"] for b in sample["bugs"]}
        for code in sorted({f.code for f in findings} - labelled):
            problems.append(f"{sid}: the checker finds an unlabelled {code}")
        functional = [b for b in sample["bugs"] if b["kind"] == "functional"]
        for b in functional:
            fired = verdict.fired
            if len(functional) > 1:
                alone = apply_edits(golden, [Edit(*e) for e in b["edits"]])
                fired = run_oracles(g, alone, work, run=True).fired
            if not fired:
                problems.append(f"{sid}: functional {b['type']} is not shown by any oracle")
        for b in sample["bugs"]:
            if b["kind"] == "pragma" and not any(f.code == b["type"] for f in findings):
                problems.append(f"{sid}: pragma {b['type']} is not flagged by the checker")
        return problems
    finally:
        shutil.rmtree(work, ignore_errors=True)


def validate(folder: str | Path, workers: int = 2, progress=None) -> Report:
    folder = Path(folder)
    samples = read_samples(folder)
    report = Report(samples=len(samples))
    report.problems += check_schema(samples)[:50]
    report.problems += [f"normalized code {h[:12]} is in {a} and {b}" for h, a, b in leaks(samples)]
    build = folder / "build.json"
    if build.is_file():
        digest = hashlib.sha256((folder / "samples.jsonl").read_bytes()).hexdigest()
        if json.loads(build.read_text())["sha256"] != digest:
            report.problems.append("samples.jsonl does not match the SHA-256 in build.json")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for n, (sample, problems) in enumerate(
            zip(samples, pool.map(check_sample, samples, chunksize=8), strict=True), 1
        ):
            report.compiled += not any("does not compile" in p for p in problems)
            for b in sample["bugs"]:
                bad = any(f" {b['type']} is not" in p for p in problems)
                if b["kind"] == "functional":
                    report.functional_labels += 1
                    report.functional_confirmed += not bad
                else:
                    report.pragma_labels += 1
                    report.pragma_confirmed += not bad
            if sample["label"] == "clean":
                report.clean += 1
                report.clean_tripped += any("clean sample trips" in p for p in problems)
            report.problems += problems
            if progress and (n % 50 == 0 or n == len(samples)):
                progress(n, len(samples))
    return report
