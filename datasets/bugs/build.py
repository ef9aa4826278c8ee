"""Build the dataset: plan the buckets, run jobs on a process pool or Ray, accept results in
plan order, and write the canonical JSONL.

Every job's result is written to `OUT/work/results/` atomically as soon as it arrives, and
acceptance happens in synchronous rounds in each bucket's stream order, so an interrupted
build resumes from the cache and reaches the byte-identical dataset, and the number of
workers changes nothing but the time taken.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiln.base.errors import KilnError
from kiln.base.files import write_atomically
from kiln.base.parallel import check_executor, run_all
from kiln.datasets.bugs.jobs import KERNELS, Job, candidates, manifest, run_job
from kiln.datasets.bugs.plan import CLEAN_RATIO, TWO_BUG_RATIO, Bucket, buckets
from kiln.datasets.bugs.splits import normalized_hash, split_kernels

GENERATOR_VERSION = "kiln-bugs-1"
SAMPLES_FILE = "samples.jsonl"
BUILD_FILE = "build.json"
ROUND_JOBS = 600  # jobs queued per round, shared among the open buckets


def _key(job: Job) -> str:
    return hashlib.sha256(job.id.encode()).hexdigest()[:24]


class ResultCache:
    """One JSON file per finished job, so a killed build loses at most the jobs in flight."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def get(self, job: Job) -> dict | None:
        p = self.folder / f"{_key(job)}.json"
        if not p.exists():
            return None
        result = json.loads(p.read_text())
        return result if result.get("job") == job.id else None

    def put(self, job: Job, result: dict) -> None:
        write_atomically(self.folder / f"{_key(job)}.json", json.dumps(result, sort_keys=True))


# --- the build -------------------------------------------------------------------------


@dataclass
class Progress:
    jobs_run: int = 0
    jobs_cached: int = 0
    accepted: int = 0
    target: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        minutes = max(1e-9, (time.monotonic() - self.started) / 60)
        width = 30
        done = min(width, int(width * self.accepted / max(1, self.target)))
        bar = "#" * done + "-" * (width - done)
        return (
            f"[{bar}] {self.accepted}/{self.target} samples, {self.jobs_run} jobs run "
            f"({self.jobs_cached} cached), {self.jobs_run / minutes:.0f} jobs/min"
        )


def _stderr_progress(p: Progress) -> None:
    end = "\r" if sys.stderr.isatty() else "\n"
    print(p.line(), file=sys.stderr, end=end, flush=True)


class Builder:
    def __init__(
        self,
        out: Path,
        seed: int,
        buggy: int,
        workers: int,
        executor: str,
        address: str | None,
        kernels: list[str] | None,
        clean_ratio: float,
        two_bug_ratio: float,
        progress: Callable[[Progress], None] | None,
    ):
        self.out, self.seed, self.workers = out, seed, workers
        self.executor, self.address = executor, address
        self.root = str(KERNELS)
        names = sorted(manifest(self.root))
        if kernels:
            unknown = sorted(set(kernels) - set(names))
            if unknown:
                raise KilnError(
                    f"no kernel named {unknown[0]} in the corpus manifest",
                    hint=f"kernels: {', '.join(names[:12])}, ... (datasets/kernels/manifest.json)",
                )
            names = sorted(kernels)
        from kiln.datasets.bugs.taxonomy import TYPES

        self.codes = sorted(TYPES)
        self.splits = split_kernels(names, seed)
        self.buckets = buckets(
            self.splits, self.codes, self._count, seed, buggy, clean_ratio, two_bug_ratio
        )
        self.queues: dict[str, list[Job]] = {b.name: [] for b in self.buckets}
        self.cursor: dict[str, int] = {b.name: 0 for b in self.buckets}
        self.cache = ResultCache(out / "work" / "results")
        self.seen_hashes: set[str] = set()
        self.reasons: dict[str, Counter] = defaultdict(Counter)
        self.progress = progress
        self.state = Progress(target=sum(b.quota for b in self.buckets))

    def _count(self, kernel: str, code: str) -> int:
        return len(candidates(self.root, kernel, code))

    def _pull(self, b: Bucket, cap: int | None = None) -> None:
        """Queue enough of the bucket's stream to fill its quota if about a fifth of the
        jobs are discarded, at most `cap` more at a time."""
        need = b.quota - len(b.accepted)
        pending = len(self.queues[b.name]) - self.cursor[b.name]
        want = max(0, int(need * 1.25) + 2 - pending)
        if cap is not None:
            want = min(want, cap)
        for _ in range(want):
            job = next(b.stream, None)
            if job is None:
                break
            self.queues[b.name].append(job)

    def _accept(self, b: Bucket) -> None:
        """Walk the bucket's queue in order while results are there and the quota is open."""
        q = self.queues[b.name]
        while self.cursor[b.name] < len(q) and len(b.accepted) < b.quota:
            job = q[self.cursor[b.name]]
            result = self.cache.get(job)
            if result is None:
                return
            self.cursor[b.name] += 1
            codes = [c for c, _ in job.picks if c != "CLEAN"] or [job.kind]
            if not result["ok"]:
                for c in codes:
                    self.reasons[c][result["reason"].split(" (")[0].split(":")[0]] += 1
                continue
            sample = result["sample"]
            h = normalized_hash(sample["buggy_code"])
            if h in self.seen_hashes:
                for c in codes:
                    self.reasons[c]["duplicate"] += 1
                continue
            self.seen_hashes.add(h)
            for c in codes:
                self.reasons[c]["accepted"] += 1
            b.accepted.append(sample | {"job": job.id})
            self.state.accepted += 1
        if self.cursor[b.name] >= len(q) and len(b.accepted) < b.quota:
            self._pull(b, cap=1)  # anything left in the stream?
            if self.cursor[b.name] >= len(self.queues[b.name]):
                b.exhausted = True

    def _redistribute(self) -> None:
        """A bucket whose stream ran dry passes its deficit to its split's other type buckets."""
        for b in self.buckets:
            if not b.exhausted or len(b.accepted) >= b.quota:
                continue
            deficit = b.quota - len(b.accepted)
            b.quota = len(b.accepted)
            others = [
                o
                for o in self.buckets
                if o.split == b.split and len(o.codes) == 1 and not o.exhausted
            ]
            if b.name.endswith("/clean") or not others:
                continue  # clean deficits are reported, never filled with bugs
            for i in range(deficit):
                others[i % len(others)].quota += 1

    def run(self) -> dict:
        t0 = time.monotonic()
        while True:
            for b in self.buckets:
                self._accept(b)
            self._redistribute()
            open_buckets = [
                b for b in self.buckets if len(b.accepted) < b.quota and not b.exhausted
            ]
            if not open_buckets:
                break
            todo = []
            cap = max(4, ROUND_JOBS // len(open_buckets))  # rounds of bounded size: the
            for b in open_buckets:  # progress line moves, and little work is lost to a kill
                self._pull(b, cap)
                q = self.queues[b.name]
                todo += [j for j in q[self.cursor[b.name] :] if self.cache.get(j) is None]
            todo = list(dict.fromkeys(todo))
            if not todo:
                continue
            args = [(job, self.root) for job in todo]
            runs = run_all(run_job, args, self.workers, self.executor, self.address)
            for i, result in runs:
                self.cache.put(todo[i], result)
                self.state.jobs_run += 1
                if self.progress and self.state.jobs_run % 10 == 0:
                    self.progress(self.state)
        if self.progress:
            self.progress(self.state)
        return self._write(time.monotonic() - t0)

    def _write(self, seconds: float) -> dict:
        lines = []
        for b in self.buckets:
            for s in b.accepted:
                job = s.pop("job")
                record = {
                    "id": f"kiln-{self.seed}-{hashlib.sha256(job.encode()).hexdigest()[:16]}",
                    **s,
                    "generator_version": GENERATOR_VERSION,
                    "seed": self.seed,
                    "job": job,
                }
                lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
        text = "\n".join(lines) + "\n"
        write_atomically(self.out / SAMPLES_FILE, text)
        stats = {
            "generator_version": GENERATOR_VERSION,
            "seed": self.seed,
            "samples": len(lines),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "splits": self.splits,
            "buckets": {
                b.name: {"quota": b.quota, "accepted": len(b.accepted), "exhausted": b.exhausted}
                for b in self.buckets
            },
            "outcomes": {c: dict(sorted(r.items())) for c, r in sorted(self.reasons.items())},
            "seconds": round(seconds, 1),
            "jobs_run": self.state.jobs_run,
        }
        write_atomically(self.out / BUILD_FILE, json.dumps(stats, indent=1, sort_keys=True) + "\n")
        return stats


def build(
    out: str | Path,
    seed: int = 0,
    buggy: int = 5000,
    workers: int = 2,
    executor: str = "process",
    address: str | None = None,
    kernels: list[str] | None = None,
    clean_ratio: float = CLEAN_RATIO,
    two_bug_ratio: float = TWO_BUG_RATIO,
    progress: Callable[[Progress], None] | None = _stderr_progress,
) -> dict:
    """Build (or resume) the dataset in `out`; returns the build statistics."""
    check_executor(executor)
    if buggy < 1 or workers < 1:
        raise KilnError("samples and workers must be at least 1")
    return Builder(
        Path(out),
        seed,
        buggy,
        workers,
        executor,
        address,
        kernels,
        clean_ratio,
        two_bug_ratio,
        progress,
    ).run()
