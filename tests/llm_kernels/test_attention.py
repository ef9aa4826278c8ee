"""Attention reference: loops agree with the vectorized form, causality, empty rows, ONNX."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from kiln.base.errors import KilnError
from kiln.llm_kernels.attention import (
    MultiHeadAttention,
    attention,
    attention_probs,
    mha_export,
    naive_attention,
)
from kiln.llm_kernels.export import export_onnx, op_types, run_onnxruntime, torch_outputs


def _qkv(b=2, hq=4, hkv=4, sq=5, sk=7, d=8, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(b, hq, sq, d, generator=gen, dtype=dtype)
    k = torch.randn(b, hkv, sk, d, generator=gen, dtype=dtype)
    v = torch.randn(b, hkv, sk, d, generator=gen, dtype=dtype)
    return q, k, v


def _max_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


@pytest.mark.parametrize("sq,sk", [(7, 7), (3, 7), (1, 7)])
def test_causal_matches_loops(sq, sk):
    q, k, v = _qkv(sq=sq, sk=sk)
    assert _max_err(attention(q, k, v, causal=True), naive_attention(q, k, v, causal=True)) < 1e-12


def test_bool_mask_broadcast_matches_loops():
    q, k, v = _qkv()
    gen = torch.Generator().manual_seed(1)
    mask = torch.rand(2, 1, 5, 7, generator=gen) > 0.3  # broadcast over heads
    mask[..., 0] = True
    assert _max_err(attention(q, k, v, mask=mask), naive_attention(q, k, v, mask=mask)) < 1e-12


def test_additive_mask_and_scale_match_loops():
    q, k, v = _qkv()
    gen = torch.Generator().manual_seed(2)
    bias = torch.randn(5, 7, generator=gen, dtype=torch.float64)  # broadcast over batch, heads
    got = attention(q, k, v, mask=bias, scale=0.3)
    assert _max_err(got, naive_attention(q, k, v, mask=bias, scale=0.3)) < 1e-12


def test_gqa_matches_loops_and_head_mapping():
    q, k, v = _qkv(hq=6, hkv=2)
    got = attention(q, k, v, causal=True)
    assert _max_err(got, naive_attention(q, k, v, causal=True)) < 1e-12
    # query head 4 belongs to kv head 4 // 3 = 1
    alone = attention(q[:, 4:5], k[:, 1:2], v[:, 1:2], causal=True)
    assert torch.equal(got[:, 4:5], alone)


def test_fully_masked_row_gives_zeros_not_nan():
    q, k, v = _qkv(b=1, hq=2, hkv=2, sq=3, sk=4)
    mask = torch.ones(3, 4, dtype=torch.bool)
    mask[1] = False  # query 1 may see nothing
    out = attention(q, k, v, mask=mask)
    probs = attention_probs(q, k, mask=mask)
    assert not torch.isnan(out).any()
    assert torch.equal(out[:, :, 1], torch.zeros_like(out[:, :, 1]))
    assert torch.equal(probs[:, :, 1], torch.zeros_like(probs[:, :, 1]))
    assert torch.allclose(probs[:, :, [0, 2]].sum(-1), torch.ones(1, 2, 2, dtype=torch.float64))
    assert _max_err(out, naive_attention(q, k, v, mask=mask)) < 1e-12
    additive = torch.zeros(3, 4, dtype=torch.float64).masked_fill(~mask, float("-inf"))
    assert torch.equal(attention(q, k, v, mask=additive), out)


def test_nan_inputs_are_not_hidden():
    q, k, v = _qkv(b=1, hq=1, hkv=1, sq=2, sk=2)
    q[0, 0, 0, 0] = float("nan")
    assert torch.isnan(attention(q, k, v, mask=torch.ones(2, 2, dtype=torch.bool))[0, 0, 0]).all()


def test_causality_future_tokens_leave_past_bit_identical():
    torch.manual_seed(0)
    mha = MultiHeadAttention(d_model=24, n_heads=4, n_kv_heads=2, head_dim=8).double()
    x = torch.randn(2, 10, 24, dtype=torch.float64)
    changed = x.clone()
    changed[:, 6:] = torch.randn(2, 4, 24, dtype=torch.float64)
    with torch.no_grad():
        a, b = mha(x), mha(changed)
    assert torch.equal(a[:, :6], b[:, :6])
    assert not torch.equal(a[:, 6:], b[:, 6:])


def test_mha_matches_loops_per_head():
    torch.manual_seed(1)
    mha = MultiHeadAttention(d_model=16, n_heads=4, n_kv_heads=2, head_dim=4).double()
    x = torch.randn(1, 6, 16, dtype=torch.float64)
    with torch.no_grad():
        q = mha.q_proj(x).view(1, 6, 4, 4).transpose(1, 2)
        k = mha.k_proj(x).view(1, 6, 2, 4).transpose(1, 2)
        v = mha.v_proj(x).view(1, 6, 2, 4).transpose(1, 2)
        ref = naive_attention(q, k, v, causal=True).transpose(1, 2).reshape(1, 6, 16)
        assert _max_err(mha(x), mha.o_proj(ref)) < 1e-12


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"n_heads": 4, "n_kv_heads": 2, "head_dim": 8, "seq": 32},
        {"causal": False, "n_heads": 1, "seq": 8, "head_dim": 32},
    ],
)
def test_onnx_matches_torch(tmp_path, options):
    spec = mha_export(**options)
    path = export_onnx(spec, tmp_path / "mha.onnx")
    assert "Attention" not in op_types(path)
    (got,) = run_onnxruntime(path, spec)
    (want,) = torch_outputs(spec)
    assert got.shape == (1, spec.config["seq"], spec.config["d_model"])
    assert float(abs(torch.from_numpy(got) - want).max()) < 1e-6
    # The graph computes attention, not a constant: other inputs give other outputs.
    other = dataclasses.replace(spec, inputs=(torch.randn_like(spec.inputs[0]),))
    (got_other,) = run_onnxruntime(path, other)
    (want_other,) = torch_outputs(other)
    assert float(abs(torch.from_numpy(got_other) - want_other).max()) < 1e-6


def test_export_is_seeded():
    a, b = mha_export(seed=3), mha_export(seed=3)
    assert torch.equal(torch_outputs(a)[0], torch_outputs(b)[0])
    assert not torch.equal(torch_outputs(a)[0], torch_outputs(mha_export(seed=4))[0])


def test_errors_carry_hints():
    q, k, v = _qkv(hq=3, hkv=2)
    with pytest.raises(KilnError, match="3 query heads cannot be grouped over 2") as err:
        attention(q, k, v)
    assert err.value.hint
    q, k, v = _qkv(sq=8, sk=4)
    with pytest.raises(KilnError, match="sq=8 > sk=4"):
        attention(q, k, v, causal=True)
    with pytest.raises(KilnError, match="n_heads=4 is not a multiple of n_kv_heads=3"):
        MultiHeadAttention(16, 4, 3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA-only check: no GPU visible")
def test_cuda_matches_cpu():
    q, k, v = _qkv(hq=4, hkv=2, dtype=torch.float32)
    mask = torch.ones(5, 7, dtype=torch.bool)
    mask[2] = False
    cpu = attention(q, k, v, causal=True, mask=mask)
    gpu = attention(q.cuda(), k.cuda(), v.cuda(), causal=True, mask=mask.cuda())
    assert gpu.device.type == "cuda"
    assert _max_err(gpu.cpu(), cpu) < 1e-5
