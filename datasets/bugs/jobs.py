"""One unit of dataset work: build a candidate sample and put it before every oracle.

A job is a pure function of its description and the corpus files, so it can run in any
process (a local pool or a Ray worker) and its result can be cached on disk and reused
when a build resumes. The result says whether the sample is valid and, when it is, holds
the finished record (code, labels, evidence); acceptance into the dataset is decided
later, in plan order, by the builder.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from kiln.datasets.bugs.model import Edit, Mutation, apply_edits, line_of, unified_diff

KERNELS = Path(__file__).resolve().parents[1] / "kernels"


@dataclass(frozen=True)
class Job:
    """`picks` are (type code, candidate index) pairs; for clean jobs the code is "CLEAN"
    (indices into the kernel's rewrites) and no picks means the golden file itself."""

    kernel: str
    split: str
    kind: str  # "bug" or "clean"
    picks: tuple[tuple[str, int], ...]

    @property
    def id(self) -> str:
        picks = "+".join(f"{c}{i}" for c, i in self.picks) or "golden"
        return f"{self.kernel}:{self.kind}:{picks}"


@cache
def manifest(root: str) -> dict[str, dict]:
    data = json.loads((Path(root) / "manifest.json").read_text())
    return {k["name"]: k for k in data["kernels"]}


@cache
def source(root: str, name: str):
    from kiln.datasets.bugs.mutators import kernel_source

    return kernel_source(manifest(root)[name], Path(root))


@lru_cache(maxsize=4096)
def candidates(root: str, name: str, code: str) -> tuple[Mutation, ...]:
    from kiln.datasets.bugs.mutators import candidates as all_candidates
    from kiln.datasets.bugs.mutators import clean_rewrites

    src = source(root, name)
    if code == "CLEAN":
        return tuple(clean_rewrites(src))
    return tuple(all_candidates(src, code))


@lru_cache(maxsize=64)
def golden(root: str, name: str):
    from kiln.datasets.bugs.oracles import Golden

    src = source(root, name)
    return Golden(src.text, src.path)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts


def _region(golden: str, first: int, last: int, edits: list[Edit]) -> tuple[int, int, str, int]:
    """Golden lines first..last: their offsets, the text they become, and where that text
    starts in the buggy file."""
    starts = _line_starts(golden)
    a = starts[first - 1]
    b = starts[last] if last < len(starts) else len(golden)
    inside = [e for e in edits if a <= e.start and e.end <= b]
    if any(e.start < b and e.end > a for e in edits if e not in inside):
        raise ValueError("an edit straddles the label's lines")
    after = apply_edits(golden[a:b], [Edit(e.start - a, e.end - a, e.text) for e in inside])
    before = [e for e in edits if e.end <= a and e not in inside]
    moved = a + sum(len(e.text) - (e.end - e.start) for e in before)
    return a, b, after, moved


def _labels(golden_text: str, buggy: str, muts: list[Mutation]) -> list[dict]:
    """Each bug's whole lines: where they are in the buggy file, and the original and faulty
    text; widened until the original is unique in the golden file and the faulty text is
    not empty."""
    from kiln.datasets.bugs.taxonomy import TYPES

    edits = [e for m in muts for e in m.edits]
    n_lines = golden_text.count("\n") + (not golden_text.endswith("\n"))
    out = []
    for m in muts:
        start, end = m.span()
        first = line_of(golden_text, start)
        last = max(first, line_of(golden_text, max(start, end - 1)))
        while True:
            a, b, faulty, moved = _region(golden_text, first, last, edits)
            original = golden_text[a:b]
            if (golden_text.count(original) == 1 and faulty) or (first == 1 and last >= n_lines):
                break
            if golden_text.count(original) != 1 and first > 1:
                first -= 1
            elif last < n_lines:
                last += 1
            else:
                first -= 1
        if buggy[moved : moved + len(faulty)] != faulty:
            raise AssertionError(f"label text does not match the buggy file for {m.type}")
        line_start = line_of(buggy, moved)
        t = TYPES[m.type]
        out.append(
            {
                "type": m.type,
                "kind": t.kind,
                "observability": t.observability,
                "line_start": line_start,
                "line_end": line_start + max(0, faulty.count("\n") - faulty.endswith("\n")),
                "original": original,
                "faulty": faulty,
                "note": m.note,
                "edits": [[e.start, e.end, e.text] for e in m.edits],
            }
        )
    return out


def _overlaps(muts: list[Mutation]) -> bool:
    spans = sorted(e for m in muts for e in ((x.start, x.end) for x in m.edits))
    return any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False))


def run_job(job: Job, root: str) -> dict:
    """The job's verdict and, when valid, its finished sample. A failure inside kiln is the
    job's result (counted in build.json as "internal error"), not the end of the build."""
    try:
        return _run_job(job, root)
    except Exception as err:  # noqa: BLE001 - reported per job, with its type and message
        return {
            "job": job.id,
            "kernel": job.kernel,
            "split": job.split,
            "kind": job.kind,
            "ok": False,
            "reason": f"internal error: {type(err).__name__}: {err}",
        }


def _run_job(job: Job, root: str) -> dict:
    from kiln.datasets.bugs.oracles import kiln_oracle, run_oracles
    from kiln.datasets.bugs.pragma_check import check_pragmas
    from kiln.datasets.bugs.taxonomy import TYPES

    src = source(root, job.kernel)
    muts = [candidates(root, job.kernel, code)[i] for code, i in job.picks]
    base = {"job": job.id, "kernel": job.kernel, "split": job.split, "kind": job.kind}
    if _overlaps(muts):
        return {**base, "ok": False, "reason": "overlapping edits"}
    edits = tuple(e for m in muts for e in m.edits)
    text = apply_edits(src.text, edits)
    if muts and text == src.text:
        return {**base, "ok": False, "reason": "no change"}
    bugs = [m for m in muts if m.type != "CLEAN"]
    functional = [m for m in bugs if TYPES[m.type].kind == "functional"]
    pragma = [m for m in bugs if TYPES[m.type].kind == "pragma"]
    work = Path(tempfile.mkdtemp(prefix="kiln-ds-"))
    try:
        g = golden(root, job.kernel)
        # Pragma edits change no C semantics: compiling is the only run they need.
        verdict = run_oracles(g, text, work, run=bool(functional) or job.kind == "clean")
        if not verdict.compiled:
            return {
                **base,
                "ok": False,
                "reason": "does not compile",
                "evidence": verdict.to_json(),
            }
        findings = check_pragmas(text, src.path, src.top)
        evidence = dict(verdict.fired)
        per_bug: list[dict] = []
        if job.kind == "clean" and (verdict.fired or findings):
            why = verdict.fired or {"static-pragma": findings[0].message}
            return {**base, "ok": False, "reason": f"clean rewrite trips {why}"}
        unlabelled = sorted({f.code for f in findings} - {m.type for m in pragma})
        if (
            job.kind == "bug" and unlabelled
        ):  # e.g. a new loop bound that an unroll no longer divides
            return {**base, "ok": False, "reason": f"unlabelled pragma finding {unlabelled[0]}"}
        for m in functional:
            fired = verdict.fired
            if len(functional) > 1:  # each bug of a two-bug sample must show on its own
                alone = run_oracles(g, apply_edits(src.text, m.edits), work, run=True)
                fired = alone.fired
            if not fired:
                return {**base, "ok": False, "reason": f"equivalent: no oracle fired ({m.type})"}
            per_bug.append({"oracle": sorted(fired), "evidence": fired})
        for m in pragma:
            hits = [f for f in findings if f.code == m.type]
            if not hits:
                return {**base, "ok": False, "reason": f"checker did not flag {m.type}"}
            msg = kiln_oracle(text, src.top)
            ev = {"static-pragma": f"line {hits[0].line}: {hits[0].message}"}
            if msg:
                ev["kiln"] = msg
            per_bug.append({"oracle": sorted(ev), "evidence": ev})
            evidence.update(ev)
        labels = _labels(src.text, text, functional + pragma)
        for label, ev in zip(labels, per_bug, strict=True):
            label.update(ev)
        sample = {
            "kernel": job.kernel,
            "family": src.family,
            "split": job.split,
            "label": "buggy" if bugs else "clean",
            "bugs": labels,
            "buggy_code": text,
            "golden_code": src.text,
            "diff": unified_diff(src.text, text, Path(src.path).name),
            "evidence": evidence,
            "warnings": verdict.warnings,
            "rewrites": [m.note for m in muts if m.type == "CLEAN"],
        }
        return {**base, "ok": True, "sample": sample}
    finally:
        shutil.rmtree(work, ignore_errors=True)


__all__ = ["Job", "run_job"]
