"""What a build asks for: per split, buckets of samples with quotas and seeded job streams.

Buckets: one per (split, bug type) for single-bug samples, one per split for two-bug
samples (type pairs taken round robin, so every type appears about equally), and one per
split for clean samples (each golden kernel first, then semantics-preserving rewrites, one
to three at a time). A stream is the bucket's candidate jobs in a seeded order; the builder
takes jobs from the front until the quota is met, so the result depends only on the seed
and the oracles' verdicts, never on timing or the number of workers.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from kiln.datasets.bugs.jobs import Job

CLEAN_RATIO = 0.30  # of all samples, in every split
TWO_BUG_RATIO = 0.25  # of buggy samples


@dataclass
class Bucket:
    name: str  # e.g. "train/OOB", "test/two-bug", "validation/clean"
    split: str
    quota: int
    stream: Iterator[Job]
    codes: tuple[str, ...] = ()
    accepted: list[dict] = field(default_factory=list)
    exhausted: bool = False


def _rng(seed: int, *parts) -> random.Random:
    return random.Random(":".join(map(str, ("kiln-dataset", seed, *parts))))


def _single_stream(split, code, kernels, counts, seed) -> Iterator[Job]:
    jobs = [Job(k, split, "bug", ((code, i),)) for k in kernels for i in range(counts(k, code))]
    _rng(seed, split, code).shuffle(jobs)
    yield from jobs


def _pair_stream(split, codes, kernels, counts, seed) -> Iterator[Job]:
    rng = _rng(seed, split, "pairs")
    pairs = [p for p in itertools.combinations(codes, 2)]
    rng.shuffle(pairs)
    used: set[tuple] = set()
    for _round in range(64):
        for a, b in pairs:
            hosts = [k for k in kernels if counts(k, a) and counts(k, b)]
            if not hosts:
                continue
            k = rng.choice(hosts)
            picks = ((a, rng.randrange(counts(k, a))), (b, rng.randrange(counts(k, b))))
            if (k, picks) in used:
                continue
            used.add((k, picks))
            yield Job(k, split, "bug", picks)


def _clean_stream(split, kernels, counts, seed) -> Iterator[Job]:
    for k in kernels:
        yield Job(k, split, "clean", ())
    rng = _rng(seed, split, "clean")
    per_kernel = {}
    for k in kernels:
        n = counts(k, "CLEAN")
        combos = [(i,) for i in range(n)]
        combos += [c for c in itertools.combinations(range(n), 2)]
        combos += [c for c in itertools.combinations(range(n), 3)][: 4 * n]
        rng.shuffle(combos)
        per_kernel[k] = combos
    for r in range(max((len(c) for c in per_kernel.values()), default=0)):
        for k in kernels:
            if r < len(per_kernel[k]):
                yield Job(k, split, "clean", tuple(("CLEAN", i) for i in per_kernel[k][r]))


def buckets(
    splits: dict[str, str],
    codes: list[str],
    counts,
    seed: int,
    buggy: int,
    clean_ratio: float = CLEAN_RATIO,
    two_bug_ratio: float = TWO_BUG_RATIO,
) -> list[Bucket]:
    """Every bucket of the build, in the order results are accepted and written.

    `counts(kernel, code)` is how many candidates the mutators give for a kernel and type
    ("CLEAN": rewrites). Buggy samples are shared among splits by their kernel counts.
    """
    out = []
    total = len(splits)
    for split in ("train", "validation", "test"):
        kernels = sorted(k for k, s in splits.items() if s == split)
        if not kernels:
            continue
        split_buggy = round(buggy * len(kernels) / total)
        two = round(split_buggy * two_bug_ratio)
        single = split_buggy - two
        clean = math.ceil(split_buggy * clean_ratio / (1 - clean_ratio))
        for i, code in enumerate(codes):
            quota = single // len(codes) + (1 if i < single % len(codes) else 0)
            stream = _single_stream(split, code, kernels, counts, seed)
            out.append(Bucket(f"{split}/{code}", split, quota, stream, (code,)))
        out.append(
            Bucket(
                f"{split}/two-bug", split, two, _pair_stream(split, codes, kernels, counts, seed)
            )
        )
        out.append(
            Bucket(f"{split}/clean", split, clean, _clean_stream(split, kernels, counts, seed))
        )
    return out
