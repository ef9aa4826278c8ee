"""The dataset builder end to end on a small build: quotas, validation, determinism, resume
after a kill, Ray, splits without leakage, exports that Hugging Face `datasets` loads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiln.datasets.bugs.build import SAMPLES_FILE, build
from kiln.datasets.bugs.export import check_schema, export, read_samples, statistics
from kiln.datasets.bugs.splits import leaks, normalized_hash, split_kernels
from kiln.datasets.bugs.taxonomy import TYPES
from kiln.datasets.bugs.validate import validate

# Kernels with loops, arrays, shifts, divisions and pragmas: every type has candidates.
SMALL = [
    "gemm",
    "fir",
    "crc32",
    "histogram",
    "jacobi1d",
    "gcd",
    "sobel",
    "radix_sort",
    "dct8x8",
    "edit_distance",
]
TINY = ["gemm", "fir", "crc32", "gcd"]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    build(out, seed=0, buggy=160, workers=2, kernels=SMALL, progress=None)
    return out


def test_splits_are_by_kernel_and_seeded():
    names = [f"k{i}" for i in range(60)]
    a, b = split_kernels(names, 0), split_kernels(names, 0)
    assert a == b and split_kernels(names, 1) != a
    counts = {s: sum(1 for v in a.values() if v == s) for s in ("train", "validation", "test")}
    assert counts == {"train": 48, "validation": 6, "test": 6}


def test_normalized_hash_ignores_comments_and_layout():
    assert normalized_hash("int x = 1; // one\n") == normalized_hash("int  x=1;/* one */")
    assert normalized_hash("int x = 1;") != normalized_hash("int x = 2;")
    rows = [{"buggy_code": "a", "split": "train"}, {"buggy_code": " a ", "split": "test"}]
    assert leaks(rows) and not leaks(rows[:1])


def test_a_small_build_meets_its_quotas_and_validates(small):
    samples = read_samples(small)
    st = statistics(samples)
    assert st["buggy"] >= 150
    assert check_schema(samples) == []
    assert leaks(samples) == []
    for split, ratio in st["clean_ratio"].items():
        assert ratio >= 0.25, split
    assert 0.10 <= st["two_bug_share_of_buggy"] <= 0.40
    assert set(st["per_type"]) == set(TYPES)  # every type is represented
    kernels = {s["kernel"]: s["split"] for s in samples}
    for s in samples:
        assert kernels[s["kernel"]] == s["split"]  # a kernel lives in one split
        for bug in s["bugs"]:
            assert bug["oracle"], s["id"]
    report = validate(small, workers=2)
    assert report.ok, report.problems[:5]
    assert report.functional_confirmed == report.functional_labels > 0
    assert report.pragma_confirmed == report.pragma_labels > 0
    assert report.clean_tripped == 0 and report.clean > 0


def test_labels_point_at_the_faulty_lines(small):
    for s in read_samples(small):
        lines = s["buggy_code"].splitlines(keepends=True)
        for bug in s["bugs"]:
            assert "".join(lines[bug["line_start"] - 1 : bug["line_end"]]) == bug["faulty"]
            assert s["golden_code"].count(bug["original"]) == 1
            assert bug["original"] != bug["faulty"]


def _load(files: list[Path], cwd: Path) -> dict:
    """Load with Hugging Face `datasets` in a child without the repo on sys.path (our own
    `datasets/` folder would shadow the library when the repo root is the working dir)."""
    code = (
        "import datasets, json, sys\n"
        "files = json.loads(sys.argv[1])\n"
        "d = datasets.load_dataset('json', data_files=files)\n"
        "print(json.dumps({k: len(v) for k, v in d.items()}))\n"
    )
    data = {p.stem: str(p) for p in files}
    run = subprocess.run(
        [sys.executable, "-P", "-c", code, json.dumps(data)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("fmt", ["jsonl", "messages", "prompt", "instruction", "hf"])
def test_every_export_loads_with_hugging_face_datasets(small, fmt, tmp_path):
    files = export(small, fmt, tmp_path / fmt)
    data = [f for f in files if f.suffix == ".jsonl"]
    counts = _load(data, tmp_path)
    per_split = statistics(read_samples(small))["per_split"]
    factor = 1 if fmt in ("jsonl", "hf") else 4  # one row per task in the task views
    assert counts == {s: n * factor for s, n in per_split.items()}
    if fmt == "hf":
        card = (tmp_path / "hf" / "README.md").read_text()
        assert card.startswith("---\nlicense: apache-2.0") and "path: data/train.jsonl" in card
        assert "| OOB |" in card and "SHA-256" in card


def test_same_seed_gives_byte_identical_jsonl_and_a_kill_resumes_to_it(tmp_path):
    reference = tmp_path / "ref"
    build(reference, seed=3, buggy=40, workers=2, kernels=TINY, progress=None)
    expected = (reference / SAMPLES_FILE).read_bytes()
    again = tmp_path / "again"
    build(again, seed=3, buggy=40, workers=1, kernels=TINY, progress=None)
    assert (again / SAMPLES_FILE).read_bytes() == expected  # workers change nothing

    killed = tmp_path / "killed"
    code = (
        "import sys; from kiln.datasets.bugs.build import build\n"
        f"build({str(killed)!r}, seed=3, buggy=40, workers=2, kernels={TINY!r}, progress=None)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    results = killed / "work" / "results"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(results.glob("*.json"))) < 15:
        time.sleep(0.2)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert not (killed / SAMPLES_FILE).exists(), "killed too late to test a resume"
    build(killed, seed=3, buggy=40, workers=2, kernels=TINY, progress=None)
    assert (killed / SAMPLES_FILE).read_bytes() == expected


def test_the_ray_executor_builds_the_same_dataset(tmp_path):
    a, b = tmp_path / "process", tmp_path / "ray"
    build(a, seed=5, buggy=12, workers=2, kernels=TINY[:3], progress=None)
    build(b, seed=5, buggy=12, workers=2, kernels=TINY[:3], executor="ray", progress=None)
    assert (a / SAMPLES_FILE).read_bytes() == (b / SAMPLES_FILE).read_bytes()


def test_build_stats_are_written(small):
    stats = json.loads((small / "build.json").read_text())
    assert stats["samples"] == len(read_samples(small))
    assert set(stats["outcomes"]) >= {"OOB", "clean"}
