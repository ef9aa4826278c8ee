"""onnx's own backend node tests (onnx.backend.test) through `kiln.onnx_backend`: every
case whose ops are all in kiln's table runs, except those listed with a reason in
backend_exclusions.txt; the exclusions stay under 15% of those cases."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import onnx.backend.test
from onnx.backend.test.loader import load_model_tests

from kiln import onnx_backend
from kiln.ir.graph_ops import TABLE

EXCLUSIONS = Path(__file__).with_name("backend_exclusions.txt")
MAX_EXCLUDED_SHARE = 0.15


def exclusions() -> list[tuple[str, str]]:
    """(pattern, reason) pairs: one per line, `pattern  # reason`."""
    pairs = []
    for line in EXCLUSIONS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, _, reason = line.partition("#")
            pairs.append((pattern.strip(), reason.strip()))
    return pairs


def supported_cases() -> list[str]:
    """The node cases whose every op is in kiln's table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = load_model_tests(kind="node")
    return sorted(
        c.name for c in cases if c.model and all(n.op_type in TABLE for n in c.model.graph.node)
    )


CASES = supported_cases()
EXCLUDED = [(p, r) for p, r in exclusions()]


def is_excluded(name: str) -> bool:
    return any(re.fullmatch(p, name) for p, _ in EXCLUDED)


def test_exclusions_stay_under_15_percent_and_each_has_a_reason() -> None:
    assert all(reason for _, reason in EXCLUDED), "every exclusion says why"
    excluded = [c for c in CASES if is_excluded(c)]
    share = len(excluded) / len(CASES)
    print(f"{len(CASES)} cases of supported ops, {len(excluded)} excluded ({share:.1%})")
    assert share < MAX_EXCLUDED_SHARE, f"{len(excluded)} of {len(CASES)} excluded"
    unused = [p for p, _ in EXCLUDED if not any(re.fullmatch(p, c) for c in CASES)]
    assert not unused, f"exclusions that match no case of a supported op: {unused}"


# The runner makes a test per case and device; keep only the included CPU ones, so that
# what pytest reports is exactly kiln's cases (nothing skipped stands in for a case).
runner = onnx.backend.test.BackendTest(onnx_backend.KilnBackend, __name__)
RUN = {f"{c}_cpu" for c in CASES if not is_excluded(c)}
for _cls_name, _cls in runner.test_cases.items():
    for _attr in [a for a in vars(_cls) if a.startswith("test_") and a not in RUN]:
        delattr(_cls, _attr)
    globals()[_cls_name] = _cls
