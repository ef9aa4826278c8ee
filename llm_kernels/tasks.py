"""A seeded synthetic corpus for the tiny base model: predictable records (for Medusa, Cai et
al. 2024, whose heads guess several tokens ahead) mixed with key-value retrieval (for SnapKV,
Li et al. 2024, measured on long prompts whose answer sits far back in the cache).

Nothing is downloaded: every batch comes from a `torch.Generator`, so a seed fixes the corpus.

Token layout (vocabulary 256)::

    0 PAD   1 BOS   2 SEP (ends every item)   3 QUERY
    4..11   record kinds: 4 step +1, 5 step +2, 6 step +3, 7 step -1, 8 step +5,
            9 period 2, 10 period 3, 11 copy of an earlier record in the document
    12..24  record length tokens, content lengths 4..16
    32..95  keys (64; unique within a document)
    96..255 symbols (160), the content of records and values

Items (a document is BOS then items, cut at the sequence length)::

    record  KIND LEN s_0 .. s_{L-1} SEP   s_i = s_0 + i*step (mod 160), a repeated period of
                                          2 or 3 random symbols, or an earlier record's content
    pair    KEY v_0 v_1 SEP               binds a key to a two-symbol value
    query   QUERY KEY v_0 v_1 SEP         repeats the value bound to KEY earlier on

Once a record's kind, length and first symbols are seen, the rest of it and its SEP follow;
only the kind, length, first symbols, keys and values are random. A retrieval prompt
(`kv_retrieval_batch`) is BOS, records and pairs in random order, then `QUERY KEY`; the answer
is the key's two value symbols.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import torch

from kiln.base.errors import KilnError

if TYPE_CHECKING:
    from kiln.llm_kernels.model import TinyLM

PAD, BOS, SEP, QUERY = 0, 1, 2, 3
KIND_BASE, LENGTH_BASE, KEY_BASE, SYMBOL_BASE = 4, 12, 32, 96
N_KEYS, N_SYMBOLS, VOCAB = 64, 160, 256
MIN_LEN, MAX_LEN = 4, 16
VALUE_LEN = 2
# kind index -> step of an arithmetic record, or period of a repeating one
STEPS = {0: 1, 1: 2, 2: 3, 3: -1, 4: 5}
PERIODS = {5: 2, 6: 3}
COPY = 7
# Skewed on purpose: a clear most likely kind and length lets a guess ahead (a Medusa head)
# agree with the base model's greedy choice even where the text itself is random.
KIND_WEIGHTS = (6, 2, 2, 2, 2, 2, 2, 2)
LENGTH_WEIGHTS = (1, 1, 1, 1, 2, 2, 2, 3, 8, 3, 2, 1, 1)  # lengths 4..16, mode 12
# item probabilities in training documents: record, pair, query; drills practise retrieval
ITEM_WEIGHTS = (70, 15, 15)
DRILL_WEIGHTS = (20, 40, 40)
RECORD_TOKENS = (MIN_LEN + 3, MAX_LEN + 3)  # KIND LEN ... SEP


def _rng(generator: torch.Generator) -> random.Random:
    return random.Random(int(torch.randint(0, 2**62, (1,), generator=generator)))


class _Document:
    """One document's state: its earlier records (for copies) and its key bindings."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.records: list[list[int]] = []
        self.free_keys = list(range(N_KEYS))
        rng.shuffle(self.free_keys)
        self.bound: dict[int, list[int]] = {}
        self.asked: set[int] = set()  # keys queried so far

    def record(self, length: int | None = None) -> list[int]:
        rng = self.rng
        kind = rng.choices(range(len(KIND_WEIGHTS)), KIND_WEIGHTS)[0]
        lengths = range(MIN_LEN, MAX_LEN + 1)
        length = length or rng.choices(lengths, LENGTH_WEIGHTS)[0]
        sources = [r for r in self.records if len(r) == length]
        if kind == COPY and sources:
            content = list(rng.choice(sources))
        else:
            kind = 0 if kind == COPY else kind
            start = rng.randrange(N_SYMBOLS)
            if kind in STEPS:
                content = [(start + i * STEPS[kind]) % N_SYMBOLS for i in range(length)]
            else:
                seed = [start] + [rng.randrange(N_SYMBOLS) for _ in range(PERIODS[kind] - 1)]
                content = [seed[i % len(seed)] for i in range(length)]
        self.records.append(content)
        header = [KIND_BASE + kind, LENGTH_BASE + length - MIN_LEN]
        return header + [SYMBOL_BASE + s for s in content] + [SEP]

    def pair(self) -> list[int]:
        key = self.free_keys.pop()
        value = [SYMBOL_BASE + self.rng.randrange(N_SYMBOLS) for _ in range(VALUE_LEN)]
        self.bound[key] = value
        return [KEY_BASE + key, *value, SEP]

    def query(self, key: int | None = None) -> list[int]:
        key = self.rng.choice(list(self.bound)) if key is None else key
        self.asked.add(key)
        return [QUERY, KEY_BASE + key, *self.bound[key], SEP]

    def unasked(self) -> list[int]:
        return [k for k in self.bound if k not in self.asked]


def _items(
    doc: _Document,
    tokens: list[int],
    length: int,
    weights: tuple[int, ...] = ITEM_WEIGHTS,
    fresh: bool = False,
) -> list[int]:
    """Append random items to `tokens` until it holds at least `length` tokens. With
    `fresh`, a query asks only a key not asked before (a record when none is left)."""
    while len(tokens) < length:
        item = doc.rng.choices(("record", "pair", "query"), weights)[0]
        keys = doc.unasked() if fresh else list(doc.bound)
        if item == "pair" and doc.free_keys:
            tokens += doc.pair()
        elif item == "query" and keys:
            tokens += doc.query(doc.rng.choice(keys))
        else:
            tokens += doc.record()
    return tokens


def lm_batch(batch: int, seq_len: int, generator: torch.Generator) -> torch.Tensor:
    """Training text: (batch, seq_len) documents, each BOS then items, cut at seq_len."""
    _check_positive(batch=batch, seq_len=seq_len)
    rows = [_items(_Document(_rng(generator)), [BOS], seq_len)[:seq_len] for _ in range(batch)]
    return torch.tensor(rows, dtype=torch.long)


def retrieval_drill_batch(
    batch: int, seq_len: int, generator: torch.Generator, long: bool = False
) -> torch.Tensor:
    """Training text of the same language with pairs and queries far more frequent (40% each
    of the items, against 15% in `lm_batch`): dense practice for retrieval, kept apart so
    that `lm_batch` text, which greedy decoding imitates, stays mostly records.

    `long` drills retrieval across the whole sequence: items at `lm_batch`'s rates, and
    each query asks a key not asked before, so its answer sits at the pair however far
    back, never at a nearer query of the same key (with repeats allowed, a model can answer
    most queries of a long document by copying from a recent one and never learns the
    distance)."""
    _check_positive(batch=batch, seq_len=seq_len)
    weights = ITEM_WEIGHTS if long else DRILL_WEIGHTS
    rows = [
        _items(_Document(_rng(generator)), [BOS], seq_len, weights, fresh=long)[:seq_len]
        for _ in range(batch)
    ]
    return torch.tensor(rows, dtype=torch.long)


def eval_prompts(n: int, prompt_len: int, generator: torch.Generator) -> torch.Tensor:
    """Prompts (n, prompt_len) for generation benchmarks: documents of the training language
    whose last item ends exactly at prompt_len, so that decoding starts a fresh item."""
    _check_positive(n=n, prompt_len=prompt_len)
    if prompt_len < 1 + RECORD_TOKENS[0]:
        raise KilnError(
            f"prompt_len={prompt_len} is below {1 + RECORD_TOKENS[0]}, BOS and a record"
        )
    rows = []
    for _ in range(n):
        doc = _Document(_rng(generator))
        # free items while at least two records' room is left, then records that fit exactly
        tokens = _items(doc, [BOS], prompt_len - 2 * RECORD_TOKENS[1])
        for size in _record_lengths(doc.rng, prompt_len - len(tokens)):
            tokens += doc.record(size - 3)
        rows.append(tokens)
    return torch.tensor(rows, dtype=torch.long)


def _record_lengths(rng: random.Random, total: int) -> list[int]:
    """Record sizes (in tokens, KIND..SEP) that add up to exactly `total`."""
    low, high = RECORD_TOKENS
    sizes: list[int] = []
    while total:
        if low <= total <= high:
            size = total
        else:
            size = rng.choices(range(low, high + 1), LENGTH_WEIGHTS)[0]
            if total - size < low:
                continue
        sizes.append(size)
        total -= size
    return sizes


def kv_retrieval_batch(
    batch: int, prompt_len: int, generator: torch.Generator, n_pairs: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Retrieval prompts (batch, prompt_len), BOS, records and `n_pairs` pairs (default
    prompt_len // 64, at most 64) in random order, then `QUERY KEY`; returns the prompts, the
    answers (batch, 2), the queried key's value, and the answer length 2."""
    _check_positive(batch=batch, prompt_len=prompt_len)
    n_pairs = min(N_KEYS, max(1, prompt_len // 64)) if n_pairs is None else n_pairs
    if not 1 <= n_pairs <= N_KEYS:
        raise KilnError(f"n_pairs={n_pairs} outside 1..{N_KEYS}", hint="keys are unique")
    filler = prompt_len - 3 - n_pairs * (VALUE_LEN + 2)
    if filler < 0 or 0 < filler < RECORD_TOKENS[0]:
        raise KilnError(
            f"prompt_len={prompt_len} cannot hold {n_pairs} pairs and whole records",
            hint=f"BOS, QUERY, KEY and {VALUE_LEN + 2} tokens per pair leave either nothing or "
            f"at least {RECORD_TOKENS[0]} tokens for records",
        )
    prompts, answers = [], []
    for _ in range(batch):
        doc = _Document(_rng(generator))
        rng = doc.rng
        plan: list[int] = _record_lengths(rng, filler) + [0] * n_pairs  # 0: a pair
        rng.shuffle(plan)
        tokens = [BOS]
        for size in plan:
            tokens += doc.record(size - 3) if size else doc.pair()
        key = rng.choice(list(doc.bound))
        tokens += doc.query(key)[:2]
        prompts.append(tokens)
        answers.append(doc.bound[key])
    return torch.tensor(prompts), torch.tensor(answers), VALUE_LEN


@torch.no_grad()
def retrieval_correct(model: TinyLM, prompts: torch.Tensor, answers: torch.Tensor) -> torch.Tensor:
    """(batch,) bool: greedy decoding after each prompt yields its whole answer. One forward
    over prompt + answer[:-1] suffices: greedy reaches answer token i only if tokens before
    it were right, and then it sees exactly this teacher-forced context."""
    tokens = torch.cat([prompts, answers[:, :-1]], dim=1).to(model.lm_head.weight.device)
    logits = model(tokens).logits[:, -answers.shape[1] :]
    return (logits.argmax(-1).cpu() == answers).all(dim=1)


def _check_positive(**sizes: int) -> None:
    for name, value in sizes.items():
        if value < 1:
            raise KilnError(f"{name}={value} must be positive")


__all__ = [
    "BOS",
    "KEY_BASE",
    "N_KEYS",
    "N_SYMBOLS",
    "PAD",
    "QUERY",
    "SEP",
    "SYMBOL_BASE",
    "VALUE_LEN",
    "VOCAB",
    "eval_prompts",
    "kv_retrieval_batch",
    "lm_batch",
    "retrieval_correct",
    "retrieval_drill_batch",
]
