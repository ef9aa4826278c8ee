"""Splits by base kernel, and the normalized hashes that prove no sample is in two splits.

Splitting by kernel (not by sample) keeps every variant of one kernel in one split, so a
model cannot meet the test kernel's golden code in training. The normalized hash strips
comments and all whitespace, so a rewrite that only reformats counts as the same code.
"""

from __future__ import annotations

import hashlib
import random
import re

SPLITS = ("train", "validation", "test")
RATIOS = (0.8, 0.1, 0.1)

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_SPACE = re.compile(r"\s+")


def split_kernels(names: list[str], seed: int) -> dict[str, str]:
    """kernel name -> split, 80/10/10 by a seeded shuffle; every split gets at least one
    kernel when there are three or more."""
    order = sorted(names)
    random.Random(f"kiln-dataset-split:{seed}").shuffle(order)
    n = len(order)
    n_val = max(1, round(n * RATIOS[1])) if n >= 3 else 0
    n_test = max(1, round(n * RATIOS[2])) if n >= 3 else 0
    n_train = n - n_val - n_test
    out = {}
    for i, name in enumerate(order):
        out[name] = "train" if i < n_train else "validation" if i < n_train + n_val else "test"
    return out


def normalized(code: str) -> str:
    """The code without comments and whitespace (string literals are rare in kernels and
    kept as they are)."""
    return _SPACE.sub("", _COMMENT.sub(" ", code))


def normalized_hash(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()


def leaks(samples: list[dict]) -> list[tuple[str, str, str]]:
    """(hash, split, split) for every normalized code that occurs in two splits."""
    seen: dict[str, str] = {}
    out = []
    for s in samples:
        h = normalized_hash(s["buggy_code"])
        if h in seen and seen[h] != s["split"]:
            out.append((h, seen[h], s["split"]))
        seen.setdefault(h, s["split"])
    return out
