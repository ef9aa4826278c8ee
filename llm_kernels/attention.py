"""Scaled dot-product multi-head attention with grouped-query heads (Vaswani et al. 2017,
"Attention Is All You Need"; GQA: Ainslie et al. 2023), the reference the other kernels use.

Shapes follow the shared model: q is (batch, n_heads, sq, head_dim), k and v are
(batch, n_kv_heads, sk, head_dim), and query head h reads kv head h // (n_heads // n_kv_heads).
The functions run on whatever device their inputs live on (CPU or CUDA).

Masking rules, in one place:
- `mask` is bool (True = may attend) or an additive float, broadcastable to (b, hq, sq, sk);
- `causal` aligns the queries with the end of the keys (decode with a cache): query i sees keys
  0 .. sk - sq + i, so it needs sq <= sk;
- a query row that can see no key at all (every score is -inf, e.g. an all-False bool row) has
  all-zero probabilities and a zero output. A plain softmax would give NaN there; zero is what
  "attend to nothing" means and keeps NaN for real numeric faults. An additive mask of large
  finite negatives (finfo.min) is not "masked": such a row gets the usual softmax.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from kiln.base.errors import KilnError
from kiln.llm_kernels.export import ExportSpec

__all__ = [
    "MultiHeadAttention",
    "attention",
    "attention_probs",
    "check_grouping",
    "causal_mask",
    "expand_kv",
    "mha_export",
    "naive_attention",
]


def expand_kv(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Repeat each of the kv heads of `x` (b, hkv, s, d) to serve its n_heads // hkv query heads.

    Written as expand + reshape (not repeat_interleave) so that it exports as plain ONNX
    Unsqueeze/Expand/Reshape."""
    b, hkv, s, d = x.shape
    if n_heads == hkv:
        return x
    group = n_heads // hkv
    return x[:, :, None].expand(b, hkv, group, s, d).reshape(b, n_heads, s, d)


def causal_mask(sq: int, sk: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Bool (sq, sk) mask, True where query i may see key j, i.e. j <= sk - sq + i."""
    if sq > sk:
        raise KilnError(
            f"causal attention needs no more queries than keys, got sq={sq} > sk={sk}",
            hint="causal queries are aligned with the last keys; pass the cached keys too",
        )
    return torch.ones(sq, sk, dtype=torch.bool, device=device).tril(sk - sq)


def check_grouping(n_heads: int, n_kv_heads: int) -> None:
    """Grouped-query attention shares each kv head among n_heads // n_kv_heads query heads."""
    if n_heads % n_kv_heads != 0:
        raise KilnError(
            f"{n_heads} query heads cannot be grouped over {n_kv_heads} kv heads",
            hint="grouped-query attention needs n_heads % n_kv_heads == 0",
        )


def _check_shapes(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise KilnError(
            f"attention takes 4-D tensors, got q {tuple(q.shape)}, k {tuple(k.shape)}, "
            f"v {tuple(v.shape)}",
            hint="shapes are (batch, heads, seq, head_dim)",
        )
    if k.shape != v.shape:
        raise KilnError(
            f"k {tuple(k.shape)} and v {tuple(v.shape)} differ",
            hint="keys and values come in pairs of equal shape",
        )
    if q.shape[0] != k.shape[0] or q.shape[3] != k.shape[3]:
        raise KilnError(
            f"q {tuple(q.shape)} and k {tuple(k.shape)} disagree in batch or head_dim",
            hint="q is (b, hq, sq, d) and k, v are (b, hkv, sk, d)",
        )
    check_grouping(q.shape[1], k.shape[1])


def _scores(
    q: torch.Tensor,
    k: torch.Tensor,
    causal: bool,
    mask: torch.Tensor | None,
    scale: float | None,
) -> torch.Tensor:
    """Masked scores (b, hq, sq, sk); masked-out entries are -inf."""
    _check_shapes(q, k, k)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = torch.matmul(q, expand_kv(k, q.shape[1]).transpose(-1, -2)) * scale
    if causal:
        allowed = causal_mask(q.shape[2], k.shape[2], device=q.device)
        scores = scores.masked_fill(~allowed, float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return scores


def _softmax_rows(scores: torch.Tensor, may_be_empty: bool) -> torch.Tensor:
    """Softmax over the last axis; a row of all -inf gives zeros (see the module docstring)."""
    if not may_be_empty:
        return torch.softmax(scores, dim=-1)
    # `!=`, not `>`: a NaN score counts as visible, so NaN inputs still give NaN outputs.
    visible = (scores != float("-inf")).any(dim=-1, keepdim=True)
    safe = torch.where(visible, scores, torch.zeros_like(scores))
    return torch.softmax(safe, dim=-1) * visible


def attention_probs(
    q: torch.Tensor,
    k: torch.Tensor,
    *,
    causal: bool = False,
    mask: torch.Tensor | None = None,
    scale: float | None = None,
) -> torch.Tensor:
    """Attention probabilities (b, hq, sq, sk); rows sum to 1, or to 0 where nothing is visible.

    `scale` defaults to 1/sqrt(head_dim)."""
    scores = _scores(q, k, causal, mask, scale)
    # Causal rows always see at least key 0 (sq <= sk), so only a user mask can empty a row;
    # skipping the guard then keeps the exported causal graph to the usual ops.
    return _softmax_rows(scores, may_be_empty=mask is not None)


def attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool = False,
    mask: torch.Tensor | None = None,
    scale: float | None = None,
) -> torch.Tensor:
    """softmax(q k^T * scale + mask) v, output (b, hq, sq, head_dim)."""
    _check_shapes(q, k, v)
    probs = attention_probs(q, k, causal=causal, mask=mask, scale=scale)
    return torch.matmul(probs, expand_kv(v, q.shape[1]))


def naive_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    causal: bool = False,
    mask: torch.Tensor | None = None,
    scale: float | None = None,
) -> torch.Tensor:
    """The same contract as `attention`, as explicit loops over batch, head, query and key.

    Only the tests use it: an independent statement of the semantics (GQA head mapping, causal
    alignment, mask kinds, empty rows) to hold the vectorized version to. Slow by design."""
    _check_shapes(q, k, v)
    b, hq, sq, d = q.shape
    hkv, sk = k.shape[1], k.shape[2]
    group = hq // hkv
    scale = 1.0 / math.sqrt(d) if scale is None else scale
    full_mask = None if mask is None else mask.expand(b, hq, sq, sk)
    out = torch.zeros_like(q)
    for bi in range(b):
        for h in range(hq):
            kv_head = h // group
            for i in range(sq):
                scores: list[float] = []
                for j in range(sk):
                    score = float(torch.dot(q[bi, h, i], k[bi, kv_head, j])) * scale
                    if causal and j > sk - sq + i:
                        score = -math.inf
                    if full_mask is not None:
                        entry = full_mask[bi, h, i, j]
                        if full_mask.dtype == torch.bool:
                            score = score if bool(entry) else -math.inf
                        else:
                            score += float(entry)
                    scores.append(score)
                top = max(scores)
                if top == -math.inf:
                    continue  # nothing visible: the output row stays zero
                weights = [math.exp(s - top) for s in scores]
                total = sum(weights)
                for j in range(sk):
                    out[bi, h, i] += (weights[j] / total) * v[bi, kv_head, j]
    return out


class MultiHeadAttention(nn.Module):
    """Projections around `attention`: x (b, n, d_model) -> y (b, n, d_model), no biases.

    n_kv_heads < n_heads gives grouped-query attention (fewer k/v projections)."""

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        n_kv_heads: int | None = None,
        head_dim: int | None = None,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        n_kv_heads = n_heads if n_kv_heads is None else n_kv_heads
        head_dim = d_model // n_heads if head_dim is None else head_dim
        if min(d_model, n_heads, n_kv_heads, head_dim) < 1:
            raise KilnError(
                f"attention sizes must be positive: d_model={d_model}, n_heads={n_heads}, "
                f"n_kv_heads={n_kv_heads}, head_dim={head_dim}",
                hint="give head_dim explicitly when d_model < n_heads",
            )
        if n_heads % n_kv_heads != 0:
            raise KilnError(
                f"n_heads={n_heads} is not a multiple of n_kv_heads={n_kv_heads}",
                hint="grouped-query attention shares each kv head among n_heads // n_kv_heads "
                "query heads",
            )
        self.n_heads, self.n_kv_heads, self.head_dim = n_heads, n_kv_heads, head_dim
        opts = {"device": device, "dtype": dtype, "bias": False}
        self.q_proj = nn.Linear(d_model, n_heads * head_dim, **opts)
        self.k_proj = nn.Linear(d_model, n_kv_heads * head_dim, **opts)
        self.v_proj = nn.Linear(d_model, n_kv_heads * head_dim, **opts)
        self.o_proj = nn.Linear(n_heads * head_dim, d_model, **opts)

    def _heads(self, x: torch.Tensor, n: int) -> torch.Tensor:
        b, s, _ = x.shape
        return x.view(b, s, n, self.head_dim).transpose(1, 2)

    def forward(
        self, x: torch.Tensor, *, causal: bool = True, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        q = self._heads(self.q_proj(x), self.n_heads)
        k = self._heads(self.k_proj(x), self.n_kv_heads)
        v = self._heads(self.v_proj(x), self.n_kv_heads)
        y = attention(q, k, v, causal=causal, mask=mask)
        b, _, s, _ = y.shape
        return self.o_proj(y.transpose(1, 2).reshape(b, s, self.n_heads * self.head_dim))


class _CausalFlag(nn.Module):
    """Binds `causal` so the exporter sees a one-input module."""

    def __init__(self, mha: MultiHeadAttention, causal: bool) -> None:
        super().__init__()
        self.mha, self.causal = mha, causal

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mha(x, causal=self.causal)


def mha_export(
    seq: int = 16,
    d_model: int = 32,
    n_heads: int = 2,
    n_kv_heads: int | None = None,
    head_dim: int = 16,
    causal: bool = True,
    seed: int = 0,
) -> ExportSpec:
    """A float32 `MultiHeadAttention` with seeded weights and input x (1, seq, d_model) -> y.

    Hardware-sized defaults (sensible ranges: seq 8-64, head_dim 8-32, heads 1-4). The causal
    mask exports as plain ops (Trilu/Where on a constant-shaped mask), never a fused Attention."""
    if seq < 1:
        raise KilnError(f"seq must be positive, got {seq}", hint="seq is the token count, 8-64")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        mha = MultiHeadAttention(d_model, n_heads, n_kv_heads, head_dim).eval()
    x = torch.randn(1, seq, d_model, generator=gen)
    kv = n_heads if n_kv_heads is None else n_kv_heads
    config = {
        "seq": seq,
        "d_model": d_model,
        "n_heads": n_heads,
        "n_kv_heads": kv,
        "head_dim": head_dim,
        "causal": causal,
        "seed": seed,
    }
    return ExportSpec(
        name="mha",
        module=_CausalFlag(mha, causal).eval(),
        inputs=(x,),
        input_names=["x"],
        output_names=["y"],
        config=config,
        summary=f"{'causal ' if causal else ''}multi-head attention, {n_heads} query heads over "
        f"{kv} kv heads, head_dim {head_dim}, {seq} tokens",
    )
