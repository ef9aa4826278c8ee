"""The base model's promises that Medusa and SnapKV rely on: cached decoding equals the full
forward, the tree mask and explicit positions mean what they say, the cache edits keep the
right rows, weights round-trip, and the committed model does retrieval."""

from __future__ import annotations

import pytest
import torch

from kiln.base.errors import KilnError
from kiln.llm_kernels import tasks
from kiln.llm_kernels.model import (
    KVCache,
    LMConfig,
    TinyLM,
    greedy_generate,
    load_pretrained,
)

SMALL = LMConfig(
    vocab=64, d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, d_ff=48, rotary_dim=4
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These tensors are tiny: one thread does them fastest, and on a loaded machine extra
    threads spin at every barrier (the module took 45 s with two threads, 10 s with one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def model() -> TinyLM:
    torch.manual_seed(0)
    return TinyLM(SMALL).double().eval()


def tokens(b: int, n: int, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, SMALL.vocab, (b, n), generator=torch.Generator().manual_seed(seed))


def test_cached_steps_equal_full_forward(model: TinyLM) -> None:
    x = tokens(2, 23)
    full = model(x)
    out = model(x[:, :5])
    pieces = [out.logits]
    for start in range(5, 23, 4):  # chunks of 4 then a single token: both masked paths
        out = model(x[:, start : start + 4], cache=out.cache)
        pieces.append(out.logits)
    assert out.cache.length == 23
    assert (torch.cat(pieces, dim=1) - full.logits).abs().max() < 1e-10
    assert (full.cache.k[1] - out.cache.k[1]).abs().max() < 1e-10


def test_causal_tree_mask_equals_default(model: TinyLM) -> None:
    x = tokens(1, 12)
    prefix = model(x[:, :7])
    default = model(x[:, 7:], cache=prefix.cache).logits
    prefix = model(x[:, :7])
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    masked = model(x[:, 7:], cache=prefix.cache, tree_mask=causal).logits
    assert (default - masked).abs().max() < 1e-12


def test_tree_branches_see_only_their_ancestors(model: TinyLM) -> None:
    """Two siblings at the same depth: each equals decoding it alone after the prefix."""
    x = tokens(1, 8)
    a, b = torch.tensor([[5]]), torch.tensor([[9]])
    tree = torch.tensor([[True, False], [False, True]])
    prefix = model(x)
    both = model(
        torch.cat([a, b], 1), cache=prefix.cache, tree_mask=tree, positions=torch.tensor([[8, 8]])
    )
    for i, tok in enumerate((a, b)):
        alone = model(tok, cache=model(x).cache).logits[:, 0]
        assert (both.logits[:, i] - alone).abs().max() < 1e-10


def test_explicit_positions_equal_default_and_matter(model: TinyLM) -> None:
    x = tokens(2, 10)
    default = model(x).logits
    explicit = model(x, positions=torch.arange(10).expand(2, 10)).logits
    shifted = model(x, positions=torch.arange(3, 13).expand(2, 10)).logits
    assert (default - explicit).abs().max() < 1e-12
    # rotary encoding is relative: a shift changes nothing in exact arithmetic ...
    assert (default - shifted).abs().max() < 1e-9
    # ... but positions that are not a shift do
    odd = torch.tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 20]).expand(2, 10)
    assert (default[:, -1] - model(x, positions=odd).logits[:, -1]).abs().max() > 1e-6


def test_cache_keep_tail_and_truncate() -> None:
    k = torch.arange(10.0).view(1, 1, 10, 1).expand(2, 2, 10, 3).clone()
    cache = KVCache([k.clone(), k.clone()], [k.clone() + 100, k.clone() + 100])
    cache.keep_tail(4, torch.tensor([3, 0, 5]))
    assert cache.length == 7
    assert cache.k[1][0, 0, :, 0].tolist() == [0, 1, 2, 3, 7, 4, 9]
    assert cache.v[0][1, 1, :, 2].tolist() == [100, 101, 102, 103, 107, 104, 109]
    cache.truncate(5)
    assert cache.k[0][0, 0, :, 0].tolist() == [0, 1, 2, 3, 7]
    assert cache.nbytes() == 4 * (2 * 2 * 5 * 3) * 4
    with pytest.raises(KilnError, match="outside 0..5"):
        cache.truncate(6)
    with pytest.raises(KilnError, match="indices must lie in 0..0"):
        cache.keep_tail(4, torch.tensor([1]))


def test_cache_with_one_row_set_per_query_head(model: TinyLM) -> None:
    """A cache expanded to n_heads heads (SnapKV keeps rows per query head) decodes the same."""
    x = tokens(1, 9)
    prefix = model(x[:, :8])
    expected = model(x[:, 8:], cache=prefix.cache).logits
    prefix = model(x[:, :8])
    group = SMALL.n_heads // SMALL.n_kv_heads
    for layer in range(SMALL.n_layers):
        k, v = prefix.cache.k[layer], prefix.cache.v[layer]
        prefix.cache.replace(layer, k.repeat_interleave(group, 1), v.repeat_interleave(group, 1))
    out = model(x[:, 8:], cache=prefix.cache)
    assert (out.logits - expected).abs().max() < 1e-12
    assert out.cache.k[0].shape == (1, SMALL.n_heads, 9, SMALL.head_dim)


def test_window_queries(model: TinyLM) -> None:
    out = model(tokens(2, 10), window_queries=3)
    assert out.queries is not None and len(out.queries) == SMALL.n_layers
    assert out.queries[0].shape == (2, SMALL.n_heads, 3, SMALL.head_dim)
    assert model(tokens(2, 10)).queries is None


def test_greedy_generate_matches_full_argmax(model: TinyLM) -> None:
    x = tokens(2, 6)
    new = greedy_generate(model, x, 5)
    assert new.shape == (2, 5)
    seq = x
    for _ in range(5):
        seq = torch.cat([seq, model(seq).logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(seq[:, 6:], new)


def test_user_errors_are_kiln_errors(model: TinyLM) -> None:
    with pytest.raises(KilnError, match="token ids must lie in 0..63"):
        model(torch.tensor([[64]]))
    with pytest.raises(KilnError, match="diagonal"):
        model(tokens(1, 3), tree_mask=torch.zeros(3, 3, dtype=torch.bool))
    with pytest.raises(KilnError, match="not a multiple"):
        TinyLM(LMConfig(n_heads=4, n_kv_heads=3))


def test_save_load_round_trip(model: TinyLM, tmp_path) -> None:
    path = model.float().save(tmp_path / "m.pt")
    loaded = TinyLM.load(path)
    assert loaded.config == SMALL
    x = tokens(1, 12)
    # float16 storage: logits agree to the storage precision
    assert (loaded(x).logits - model(x).logits).abs().max() < 1e-2
    assert path.stat().st_size < 2 * sum(p.numel() for p in model.parameters()) + 20_000
    with pytest.raises(KilnError, match="no model weights"):
        TinyLM.load(tmp_path / "missing.pt")


# ---- the corpus --------------------------------------------------------------------------


def check_items(row: list[int], answers: bool = True) -> int:
    """Walk a document item by item, asserting each follows its rule (a query's value too,
    if `answers`); returns the number of whole queries."""
    assert row[0] == tasks.BOS
    bound: dict[int, list[int]] = {}
    records: list[list[int]] = []
    i, queries = 1, 0
    while i < len(row):
        head = row[i]
        if head == tasks.QUERY:
            item = row[i : i + 5]
            if len(item) == 5:
                assert item[1] in bound and item[4] == tasks.SEP
                assert item[2:4] == bound[item[1]] or not answers
                queries += 1
            i += 5
        elif tasks.KEY_BASE <= head < tasks.KEY_BASE + tasks.N_KEYS:
            assert head not in bound, "keys are unique within a document"
            bound[head] = row[i + 1 : i + 3]
            i += 4
        else:
            kind, length = head - 4, row[i + 1] - 12 + 4
            assert 0 <= kind < 8 and 4 <= length <= 16
            content = [t - tasks.SYMBOL_BASE for t in row[i + 2 : i + 2 + length]]
            if i + 2 + length < len(row):  # a whole record
                assert row[i + 2 + length] == tasks.SEP
                steps = {0: 1, 1: 2, 2: 3, 3: -1, 4: 5}
                if kind in steps:
                    expected = [(content[0] + j * steps[kind]) % 160 for j in range(length)]
                    assert content == expected
                elif kind in (5, 6):
                    period = kind - 3
                    assert content == [content[j % period] for j in range(length)]
                else:
                    assert content in records
                records.append(content)
            i += length + 3
    return queries


def test_lm_batch_follows_the_documented_layout_and_is_seeded() -> None:
    batch = tasks.lm_batch(4, 700, torch.Generator().manual_seed(3))
    again = tasks.lm_batch(4, 700, torch.Generator().manual_seed(3))
    assert batch.shape == (4, 700) and batch.dtype == torch.long and torch.equal(batch, again)
    assert int(batch.max()) < tasks.VOCAB
    assert sum(check_items(row) for row in batch.tolist()) > 0
    drills = tasks.retrieval_drill_batch(4, 700, torch.Generator().manual_seed(3))
    assert sum(check_items(row) for row in drills.tolist()) > 2 * sum(
        check_items(row) for row in batch.tolist()
    )


def test_long_drills_ask_each_key_once_at_every_distance() -> None:
    """Long drills: every query asks a key bound earlier and never asked before, so its
    answer sits at the pair itself, some over a thousand tokens back."""
    drills = tasks.retrieval_drill_batch(2, 4096, torch.Generator().manual_seed(6), long=True)
    distances = []
    for row in drills.tolist():
        check_items(row)
        bound_at: dict[int, int] = {}
        asked: set[int] = set()
        for i, t in enumerate(row[:-1]):
            key = row[i + 1]
            if t == tasks.QUERY:
                assert key not in asked, "a long drill asks each key once"
                asked.add(key)
                distances.append(i - bound_at[key])
            elif tasks.KEY_BASE <= t < tasks.KEY_BASE + tasks.N_KEYS and row[i - 1] != tasks.QUERY:
                bound_at[t] = i
    assert len(distances) > 40 and max(distances) > 1024


def test_kv_retrieval_prompt_holds_its_answer_once() -> None:
    prompts, answers, n_answer = tasks.kv_retrieval_batch(2, 4096, torch.Generator().manual_seed(4))
    assert prompts.shape == (2, 4096) and answers.shape == (2, 2) and n_answer == 2
    for row, answer in zip(prompts.tolist(), answers.tolist(), strict=True):
        assert row[-2] == tasks.QUERY
        check_items(row[:-2])
        at = [i for i, t in enumerate(row[:-1]) if t == row[-1]]
        assert len(at) == 1 and row[at[0] + 1 : at[0] + 3] == answer
    with pytest.raises(KilnError, match="cannot hold 1 pairs"):
        tasks.kv_retrieval_batch(1, 10, torch.Generator())


def test_eval_prompts_end_after_an_item() -> None:
    prompts = tasks.eval_prompts(3, 300, torch.Generator().manual_seed(5))
    assert prompts.shape == (3, 300) and (prompts[:, -1] == tasks.SEP).all()
    for row in prompts.tolist():
        check_items(row)


def test_pretrained_model_continues_records() -> None:
    """Greedy text follows the record rules: the predictability Medusa's heads exploit."""
    model = load_pretrained()
    prompts = tasks.eval_prompts(2, 100, torch.Generator().manual_seed(7))
    new = greedy_generate(model, prompts, 40)
    for prompt, row in zip(prompts.tolist(), new.tolist(), strict=True):
        check_items(prompt + row, answers=False)


def test_pretrained_model_retrieves() -> None:
    model = load_pretrained()
    assert model.config == LMConfig()
    assert model.lm_head.weight.dtype == torch.float32
    prompts, answers, _ = tasks.kv_retrieval_batch(16, 256, torch.Generator().manual_seed(6))
    accuracy = tasks.retrieval_correct(model, prompts, answers).float().mean().item()
    assert accuracy >= 0.75  # chance: 1 / 160**2


def test_pretrained_model_retrieves_across_4096_tokens() -> None:
    """SnapKV's accuracy drop is measured at 4,096 tokens: the full cache must retrieve
    there, or every capacity scores the same zero (66% on 32 prompts when trained)."""
    model = load_pretrained()
    generator = torch.Generator().manual_seed(7)
    correct = sum(
        int(tasks.retrieval_correct(model, *tasks.kv_retrieval_batch(2, 4096, generator)[:2]).sum())
        for _ in range(4)
    )
    assert correct >= 3, f"{correct} of 8 prompts answered at 4,096 tokens"
