"""SnapKV: the official selection semantics, exact shapes and rows, ties, GQA modes, ONNX."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from kiln.base.errors import KilnError
from kiln.llm_kernels.attention import attention
from kiln.llm_kernels.export import ExportSpec, export_onnx, op_types, run_onnxruntime
from kiln.llm_kernels.snapkv import (
    select_positions,
    snapkv_compress,
    snapkv_export,
    snapkv_indices,
    window_votes,
)


def _cache(b=2, hq=4, hkv=2, w=4, length=24, d=8, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(b, hq, w, d, generator=gen, dtype=dtype)
    k = torch.randn(b, hkv, length, d, generator=gen, dtype=dtype)
    v = torch.randn(b, hkv, length, d, generator=gen, dtype=dtype)
    return q, k, v


def _loop_indices(q, k, capacity, window, kernel_size, pooling):
    """Per (batch, query head): votes, pooling and (-score, index) selection as plain loops."""
    b, hq, _, d = q.shape
    length, group = k.shape[2], hq // k.shape[1]
    prefix, half = length - window, kernel_size // 2
    out = []
    for bi in range(b):
        rows = []
        for h in range(hq):
            votes = [0.0] * prefix
            for i in range(window):
                qi = q[bi, h, q.shape[2] - window + i]
                seen = range(prefix + i + 1)  # causal inside the window
                s = [float(qi @ k[bi, h // group, j]) / math.sqrt(d) for j in seen]
                top = max(s)
                total = sum(math.exp(x - top) for x in s)
                for j in range(prefix):
                    votes[j] += math.exp(s[j] - top) / total
            pooled = []
            for j in range(prefix):
                near = [votes[t] for t in range(j - half, j + half + 1) if 0 <= t < prefix]
                pooled.append(max(near) if pooling == "max" else sum(near) / kernel_size)
            best = sorted(range(prefix), key=lambda j: (-pooled[j], j))[: capacity - window]
            rows.append(sorted(best))
        out.append(rows)
    return torch.tensor(out)


@pytest.mark.parametrize("pooling,kernel_size", [("max", 5), ("avg", 3), ("max", 1)])
def test_selection_matches_loop_reference(pooling, kernel_size):
    q, k, _ = _cache(w=6, length=30, seed=3)
    got = snapkv_indices(q, k, 14, 4, kernel_size, pooling)  # uses the last 4 of 6 queries
    assert torch.equal(got, _loop_indices(q, k, 14, 4, kernel_size, pooling))


@pytest.mark.parametrize("gqa", ["per-query-head", "grouped"])
def test_capacity_at_least_length_returns_cache_unchanged(gqa):
    q, k, v = _cache(length=16)
    for capacity in (16, 40):
        k2, v2 = snapkv_compress(q, k, v, capacity, 4, gqa=gqa)
        assert k2 is k and v2 is v


def test_capacity_equal_length_decode_equals_full_attention():
    q, k, v = _cache(length=16)
    kc, vc = snapkv_compress(q, k, v, 16, 4)
    new_q = torch.randn(2, 4, 1, 8, dtype=torch.float64)
    full = attention(new_q, k, v)
    assert float((attention(new_q, kc, vc) - full).abs().max()) < 1e-12


@pytest.mark.parametrize("gqa,heads", [("per-query-head", 4), ("grouped", 2)])
def test_compressed_cache_rows(gqa, heads):
    window, capacity, length = 4, 10, 24
    q, k, v = _cache(length=length)
    kc, vc = snapkv_compress(q, k, v, capacity, window, gqa=gqa)
    assert kc.shape == vc.shape == (2, heads, capacity, 8)
    idx = snapkv_indices(q, k, capacity, window, gqa=gqa)
    assert idx.shape == (2, heads, capacity - window)
    group = heads // k.shape[1]
    for bi in range(2):
        for h in range(heads):
            src_k, src_v = k[bi, h // group], v[bi, h // group]
            assert torch.equal(kc[bi, h, -window:], src_k[-window:])  # the window, in order
            assert torch.equal(vc[bi, h, -window:], src_v[-window:])
            rows = idx[bi, h].tolist()
            assert rows == sorted(set(rows)) and rows[-1] < length - window  # distinct prefix
            assert torch.equal(kc[bi, h, :-window], src_k[rows])
            assert torch.equal(vc[bi, h, :-window], src_v[rows])


def test_per_query_head_selects_per_head_and_grouped_sums_votes():
    q, k, v = _cache(hq=4, hkv=2, length=32, seed=5)
    per_head = snapkv_indices(q, k, 12, 4)
    for h in range(4):  # each query head alone, against its kv head, picks the same rows
        alone = snapkv_indices(q[:, h : h + 1], k[:, h // 2 : h // 2 + 1], 12, 4)
        assert torch.equal(per_head[:, h : h + 1], alone)
    assert not torch.equal(per_head[:, 0], per_head[:, 1])  # heads of a group do differ
    # grouped: with one query head per kv head it is the official per-head selection
    k4 = torch.randn(2, 4, 32, 8, dtype=torch.float64)
    assert torch.equal(snapkv_indices(q, k4, 12, 4, gqa="grouped"), snapkv_indices(q, k4, 12, 4))
    # ... and a group whose heads are copies votes like one head
    q_copy = q[:, [0, 0, 2, 2]]
    grouped = snapkv_indices(q_copy, k, 12, 4, gqa="grouped")
    assert torch.equal(grouped, per_head[:, [0, 2]])


def test_constant_votes_select_the_first_positions():
    votes = torch.full((2, 3, 20), 0.25)
    assert torch.equal(select_positions(votes, 7), torch.arange(7).expand(2, 3, 7))
    # zero queries attend uniformly: every prefix key gets the same vote
    q, k, v = _cache(length=20)
    zeros = torch.zeros_like(q)
    assert torch.equal(snapkv_indices(zeros, k, 10, 4), torch.arange(6).expand(2, 4, 6))
    # avg pooling counts the zero padding, so the two edge positions lose to the interior
    avg = snapkv_indices(zeros, k, 10, 4, kernel_size=5, pooling="avg")
    assert torch.equal(avg, torch.arange(2, 8).expand(2, 4, 6))


@pytest.mark.parametrize("seed", range(4))
def test_ties_go_to_the_lowest_position(seed):
    gen = torch.Generator().manual_seed(seed)
    votes = torch.randint(0, 3, (4, 40), generator=gen).float()
    got = select_positions(votes, 15)
    for row, want in zip(got.tolist(), votes.tolist(), strict=True):
        assert row == sorted(sorted(range(40), key=lambda j: (-want[j], j))[:15])


def test_half_precision_votes_in_float32():
    q, k, v = _cache(length=40, dtype=torch.bfloat16)
    kc, _ = snapkv_compress(q, k, v, 16, 4)
    assert kc.dtype == torch.bfloat16 and kc.shape == (2, 4, 16, 8)
    widened = snapkv_indices(q.float(), k.float(), 16, 4)
    assert torch.equal(snapkv_indices(q, k, 16, 4), widened)


def _tie_heavy(spec: ExportSpec, seed: int) -> ExportSpec:
    """Keys of three kinds (one-hot rows); each window query sees only keys of its own kind
    (score 0) and none of the others (score -250, whose exp is exactly 0 in float32). Every key
    of a kind then gets the same vote, bit for bit, in any backend: votes are sums of 1/n."""
    gen = torch.Generator().manual_seed(seed)
    q, k, v = spec.inputs
    d = k.shape[-1]
    kinds = torch.eye(d)[:3]
    k_kind = kinds[torch.randint(0, 3, k.shape[:3], generator=gen)]
    q_kind = kinds[torch.randint(0, 3, q.shape[:3], generator=gen)]
    q_new = -1000.0 * (kinds.sum(0) - q_kind)  # 0 on its own kind, -1000 on the two others
    return dataclasses.replace(spec, inputs=(q_new, k_kind, torch.randn(v.shape, generator=gen)))


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_onnx_selection_equals_torch_on_ties(tmp_path, pooling):
    spec = snapkv_export(pooling=pooling)
    path = export_onnx(spec, tmp_path / "snapkv.onnx")
    ops = op_types(path)
    assert "TopK" in ops and "Attention" not in ops
    assert ("MaxPool" in ops) == (pooling == "max")
    for seed in range(8):
        case = spec if seed == 0 else _tie_heavy(spec, seed)
        indices, k_kept, v_kept = run_onnxruntime(path, case)
        if seed:  # one vote per kind and head: most of the selection is tie-breaking
            votes = window_votes(case.inputs[0], case.inputs[1], 8)
            assert all(len(torch.unique(votes[0, h])) <= 3 for h in range(2))
        with torch.no_grad():
            want = case.module(*case.inputs)
        assert indices.shape == (1, 2, 24) and k_kept.shape == (1, 2, 32, 16)
        assert torch.equal(torch.from_numpy(indices), want[0]), f"seed {seed}"
        assert torch.equal(torch.from_numpy(k_kept), want[1])
        assert torch.equal(torch.from_numpy(v_kept), want[2])


class _Select(nn.Module):
    def forward(self, votes: torch.Tensor) -> torch.Tensor:
        return select_positions(votes, 9)


def test_onnx_topk_ties_equal_stable_sort(tmp_path):
    votes = torch.zeros(3, 30)
    spec = ExportSpec("select", _Select(), (votes,), ["votes"], ["indices"])
    path = export_onnx(spec, tmp_path / "select.onnx")
    for seed in range(6):
        gen = torch.Generator().manual_seed(seed)
        case = dataclasses.replace(
            spec, inputs=(torch.randint(0, 1 + seed, (3, 30), generator=gen).float(),)
        )
        (got,) = run_onnxruntime(path, case)
        assert torch.equal(torch.from_numpy(got), _Select()(*case.inputs)), f"seed {seed}"


@pytest.mark.parametrize(
    "args,message",
    [
        ({"capacity": 3, "window": 4}, "capacity C=3 is smaller than the window w=4"),
        ({"kernel_size": 4}, "kernel_size=4 must be odd"),
        ({"pooling": "min"}, "unknown SnapKV pooling 'min'"),
        ({"gqa": "shared"}, "unknown SnapKV gqa mode 'shared'"),
        ({"window": 0}, "window w=0 must be at least 1"),
        ({"window": 8}, "got 4 window queries for a window of 8"),
    ],
)
def test_bad_arguments_raise_with_hint(args, message):
    q, k, v = _cache()
    options = {"capacity": 10, "window": 4} | args
    with pytest.raises(KilnError, match=message) as err:
        snapkv_compress(q, k, v, **options)
    assert err.value.hint


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA-only check: no GPU visible")
def test_cuda_selection_matches_cpu():
    q, k, v = _cache(length=64, dtype=torch.float32)
    kc, vc = snapkv_compress(q.cuda(), k.cuda(), v.cuda(), 24, 4)
    assert kc.device.type == "cuda"
    assert torch.equal(snapkv_indices(q.cuda(), k.cuda(), 24, 4).cpu(), snapkv_indices(q, k, 24, 4))
    assert torch.equal(vc.cpu(), snapkv_compress(q, k, v, 24, 4)[1])


def test_compressed_caches_decode_in_the_model():
    from kiln.llm_kernels.model import KVCache, LMConfig, TinyLM

    torch.manual_seed(0)
    config = LMConfig(
        d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, head_dim=8, d_ff=64, rotary_dim=4
    )
    model = TinyLM(config).eval()
    prompt = torch.randint(4, 256, (2, 40))
    nxt = torch.randint(4, 256, (2, 1))
    at = torch.full((2, 1), 40)  # the true position, whatever the cache length
    with torch.no_grad():
        out = model(prompt, window_queries=8)
        full = model(nxt, cache=KVCache(list(out.cache.k), list(out.cache.v)), positions=at)
        for capacity, gqa, heads in [
            (40, "grouped", 2),
            (16, "per-query-head", 4),
            (16, "grouped", 2),
        ]:
            cache = KVCache()
            for layer, q in enumerate(out.queries):
                k, v = snapkv_compress(
                    q, out.cache.k[layer], out.cache.v[layer], capacity, 8, gqa=gqa
                )
                cache.append(layer, k, v)
            assert cache.length == capacity and cache.k[0].shape[1] == heads
            step = model(nxt, cache=cache, positions=at)
            assert step.cache.length == capacity + 1
            if capacity == 40:  # nothing dropped: the very same logits
                assert torch.equal(step.logits, full.logits)
            else:
                assert torch.isfinite(step.logits).all()
                assert not torch.equal(step.logits, full.logits)
