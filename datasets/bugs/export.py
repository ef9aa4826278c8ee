"""Exports of a built dataset: canonical splits, task views for training, and a Hugging Face
dataset folder with its card.

Task views turn each canonical record into one training example per task:
- detect: is there a bug? ("buggy" / "clean")
- classify: which bug types (comma-separated codes, or "none")
- localize: the buggy line ranges ("12-12, 30-31", or "none")
- repair: the golden file (for clean samples, the code as it is)
each in three layouts: chat `messages`, `prompt`/`completion`, and
`instruction`/`input`/`output`.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from kiln.base.errors import KilnError
from kiln.datasets.bugs.splits import SPLITS

FORMATS = ("jsonl", "messages", "prompt", "instruction", "hf")
TASKS = ("detect", "classify", "localize", "repair")
SCHEMA = Path(__file__).with_name("schema.json")
LICENSE = "apache-2.0"

_SYSTEM = "You are an expert in high-level synthesis (HLS) C code for FPGAs."
_QUESTIONS = {
    "detect": "Does this HLS kernel file contain a bug? Answer `buggy` or `clean`.",
    "classify": "Which bug types does this HLS kernel file contain? Answer with the "
    "comma-separated type codes, or `none`.",
    "localize": "Which lines of this HLS kernel file are buggy? Answer with line ranges "
    "like `12-12, 30-31`, or `none`.",
    "repair": "Fix every bug in this HLS kernel file. Answer with the whole corrected file.",
}
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d\w*|\S")


def read_samples(folder: str | Path) -> list[dict]:
    path = Path(folder) / "samples.jsonl"
    if not path.is_file():
        raise KilnError(f"{path}: no such file", hint="build first: kiln dataset build --out DIR")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise KilnError(
                f"{path}:{n}: not JSON ({err.msg})", hint="rebuild the dataset"
            ) from None
    return out


def check_schema(samples: list[dict]) -> list[str]:
    """Every schema violation, as 'id: message' lines (empty when all records conform)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    out = []
    for s in samples:
        for err in validator.iter_errors(s):
            where = "/".join(map(str, err.absolute_path)) or "(record)"
            out.append(f"{s.get('id', '?')}: {where}: {err.message}")
    return out


def answer(sample: dict, task: str) -> str:
    bugs = sample["bugs"]
    if task == "detect":
        return sample["label"]
    if task == "classify":
        return ", ".join(sorted({b["type"] for b in bugs})) or "none"
    if task == "localize":
        return ", ".join(f"{b['line_start']}-{b['line_end']}" for b in bugs) or "none"
    return sample["golden_code"] if bugs else sample["buggy_code"]


def _numbered(code: str) -> str:
    return "".join(f"{i:4d} | {line}" for i, line in enumerate(code.splitlines(True), 1))


def view(sample: dict, task: str, layout: str) -> dict:
    code = _numbered(sample["buggy_code"]) if task == "localize" else sample["buggy_code"]
    question, out = _QUESTIONS[task], answer(sample, task)
    meta = {"id": sample["id"], "task": task, "split": sample["split"]}
    if layout == "messages":
        user = f"{question}\n\n```c\n{code}```"
        return meta | {
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": user},
                {"role": "assistant", "content": out},
            ]
        }
    if layout == "prompt":
        return meta | {"prompt": f"{_SYSTEM}\n{question}\n\n```c\n{code}```\n", "completion": out}
    return meta | {"instruction": question, "input": code, "output": out}


def _write_jsonl(path: Path, records) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n")
            n += 1
    return n


def export(folder: str | Path, fmt: str, out: str | Path) -> list[Path]:
    """Write the export `fmt` of the dataset in `folder` to `out`; returns the files."""
    if fmt not in FORMATS:
        raise KilnError(f"unknown export format '{fmt}'", hint=f"formats: {', '.join(FORMATS)}")
    samples = read_samples(folder)
    out = Path(out)
    by_split = {s: [x for x in samples if x["split"] == s] for s in SPLITS}
    files = []
    if fmt in ("jsonl", "hf"):
        data = out / "data" if fmt == "hf" else out
        for split, rows in by_split.items():
            _write_jsonl(data / f"{split}.jsonl", rows)
            files.append(data / f"{split}.jsonl")
        if fmt == "hf":
            build = json.loads((Path(folder) / "build.json").read_text())
            (out / "README.md").write_text(card(samples, build), encoding="utf-8")
            files.append(out / "README.md")
        return files
    for split, rows in by_split.items():
        path = out / f"{split}.jsonl"
        _write_jsonl(path, (view(s, t, fmt) for s in rows for t in TASKS))
        files.append(path)
    return files


def statistics(samples: list[dict]) -> dict:
    per_type: dict[str, Counter] = defaultdict(Counter)
    observability: Counter = Counter()
    clean: Counter = Counter()
    total: Counter = Counter()
    two_bug: Counter = Counter()
    for s in samples:
        total[s["split"]] += 1
        if s["label"] == "clean":
            clean[s["split"]] += 1
        if len(s["bugs"]) == 2:
            two_bug[s["split"]] += 1
        for b in s["bugs"]:
            per_type[b["type"]][s["split"]] += 1
            observability[b["observability"]] += 1
    lengths = sorted(len(_TOKEN.findall(s["buggy_code"])) for s in samples)

    def pct(p: float) -> int:
        return lengths[min(len(lengths) - 1, int(p / 100 * len(lengths)))] if lengths else 0

    buggy = sum(total.values()) - sum(clean.values())
    return {
        "samples": sum(total.values()),
        "buggy": buggy,
        "per_split": dict(total),
        "clean_ratio": {s: round(clean[s] / total[s], 4) for s in total},
        "two_bug_share_of_buggy": round(sum(two_bug.values()) / max(1, buggy), 4),
        "per_type": {t: dict(c) | {"all": sum(c.values())} for t, c in sorted(per_type.items())},
        "max_type_share_of_buggy": round(
            max((sum(c.values()) for c in per_type.values()), default=0) / max(1, buggy), 4
        ),
        "observability": dict(observability),
        "tokens": {f"p{p}": pct(p) for p in (5, 25, 50, 75, 95, 100)},
    }


def card(samples: list[dict], build: dict) -> str:
    """The Hugging Face dataset card: YAML front matter declaring the split files, then
    counts, observability mix, clean ratio, token lengths, provenance and licence."""
    from kiln.datasets.bugs.taxonomy import TYPES

    st = statistics(samples)
    head = [
        "---",
        f"license: {LICENSE}",
        "pretty_name: kiln HLS bug dataset",
        "task_categories:",
        "- text-classification",
        "- text-generation",
        "tags:",
        "- hls",
        "- fpga",
        "- c",
        "- bug-detection",
        "- program-repair",
        "configs:",
        "- config_name: default",
        "  data_files:",
        *(f"  - split: {s}\n    path: data/{s}.jsonl" for s in SPLITS),
        "---",
        "",
    ]
    rows = [
        "| type | kind | observability | " + " | ".join(SPLITS) + " | all |",
        "|---|---|---|" + "---|" * (len(SPLITS) + 1),
    ]
    for code, counts in st["per_type"].items():
        t = TYPES[code]
        cells = " | ".join(str(counts.get(s, 0)) for s in SPLITS)
        rows.append(f"| {code} | {t.kind} | {t.observability} | {cells} | {counts['all']} |")
    body = [
        "# kiln HLS bug dataset",
        "",
        "Buggy and bug-free HLS C kernels, each label proven by execution: every sample "
        "compiles with gcc; every functional bug makes an oracle fire (output mismatch against "
        "the golden kernel on seeded inputs, AddressSanitizer/UBSan, or a hang); every pragma "
        "bug is flagged by kiln's static pragma checker; clean samples pass every oracle. "
        "Splits are by base kernel. Generated by kiln "
        f"({build['generator_version']}, seed {build['seed']}); the canonical file's SHA-256 "
        f"is `{build['sha256']}`.",
        "",
        f"Samples: {st['samples']} ({st['buggy']} buggy); per split: "
        + ", ".join(f"{s} {st['per_split'].get(s, 0)}" for s in SPLITS),
        "",
        "Clean ratio per split: "
        + ", ".join(f"{s} {st['clean_ratio'].get(s, 0):.1%}" for s in SPLITS)
        + f". Two-bug samples: {st['two_bug_share_of_buggy']:.1%} of buggy ones.",
        "",
        "## Bugs per type and split",
        "",
        *rows,
        "",
        "## Observability",
        "",
        *(f"- {k}: {v}" for k, v in sorted(st["observability"].items())),
        "",
        "## Length (C tokens per sample)",
        "",
        ", ".join(f"{k}: {v}" for k, v in st["tokens"].items()),
        "",
        "## Fields",
        "",
        "Each record: id, kernel, family, split, label, bugs[] (type, kind, observability, "
        "line_start, line_end, original, faulty, note, edits, oracle, evidence), buggy_code, "
        "golden_code, diff, evidence, warnings, rewrites, generator_version, seed, job. The "
        "JSON Schema ships with kiln (`kiln/datasets/bugs/schema.json`).",
        "",
        "## Licence",
        "",
        "Apache-2.0. All kernels and testbenches were written for kiln.",
        "",
    ]
    return "\n".join(head + body)
