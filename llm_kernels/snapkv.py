"""SnapKV prompt-cache compression (Li et al. 2024, "SnapKV: LLM Knows What You are Looking for
Before Generation"): the last prompt queries vote for the prefix positions worth keeping.

The semantics follow the authors' code (FasterDecoding/SnapKV, `SnapKVCluster.update_kv`):
1. the observation window is the last w prompt queries; their attention over all L prompt keys
   (causal inside the window) is computed in float32 (float64 inputs stay float64), and the
   probabilities on the prefix keys [0, L - w) are summed over the window queries, per head;
2. the sums are pooled along the sequence (max or avg, odd kernel, stride 1, padding k // 2,
   so the length is kept; avg counts the zero padding, as torch's default does);
3. the C - w best prefix positions are kept and followed by the w window rows in order.
If C >= L nothing is dropped and the cache comes back unchanged (the same tensors). Only the
stored cache shrinks; the queries are inputs and are never compressed.

Choices of ours, where the official code leaves the result unspecified:
- ties are broken by the lowest position, by a stable sort on (-score, index): torch.topk does
  not promise any order among equal scores (its CPU kernel returns varying ones), so without
  this the kept set would depend on the backend. ONNX TopK does promise lowest index first,
  so the export uses torch.topk and matches the eager stable sort exactly;
- the kept prefix rows are in ascending position order (the official code keeps score order);
  attention does not depend on the row order, and ascending order keeps the cache readable.

GQA: `gqa="per-query-head"` is the official behaviour (k/v repeated to the query heads, each
query head keeps its own rows, so the cache has n_heads heads). `gqa="grouped"` is a deviation
from the official code: the pooled votes of the query heads in a group are summed and each kv
head keeps one row set, so the cache keeps n_kv_heads heads (n_heads / n_kv_heads less memory).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from kiln.base.errors import KilnError
from kiln.llm_kernels.attention import attention_probs, check_grouping, expand_kv
from kiln.llm_kernels.export import ExportSpec

__all__ = [
    "GQA_MODES",
    "POOLINGS",
    "check_args",
    "gather_rows",
    "pool_votes",
    "select_positions",
    "snapkv_compress",
    "snapkv_export",
    "snapkv_indices",
    "window_votes",
]

POOLINGS = ("max", "avg")
GQA_MODES = ("per-query-head", "grouped")


def check_args(
    capacity: int, window: int, kernel_size: int, pooling: str, gqa: str = "per-query-head"
) -> None:
    """Raise a KilnError naming the first bad SnapKV argument."""
    if window < 1:
        raise KilnError(
            f"SnapKV window w={window} must be at least 1",
            hint="the window is the last w prompt queries that vote (the paper uses 32)",
        )
    if capacity < window:
        raise KilnError(
            f"SnapKV capacity C={capacity} is smaller than the window w={window}",
            hint="C counts the kept prefix rows plus the w window rows, so C >= w",
        )
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise KilnError(
            f"SnapKV pooling kernel_size={kernel_size} must be odd and positive",
            hint="an odd kernel with padding k // 2 keeps the sequence length (the paper uses 5 "
            "or 7)",
        )
    if pooling not in POOLINGS:
        raise KilnError(f"unknown SnapKV pooling {pooling!r}", hint=f"choose one of: {POOLINGS}")
    if gqa not in GQA_MODES:
        raise KilnError(f"unknown SnapKV gqa mode {gqa!r}", hint=f"choose one of: {GQA_MODES}")


def _check_tensors(window_queries: torch.Tensor, k: torch.Tensor, window: int) -> None:
    if window_queries.dim() != 4 or k.dim() != 4:
        raise KilnError(
            f"SnapKV takes 4-D tensors, got queries {tuple(window_queries.shape)} and keys "
            f"{tuple(k.shape)}",
            hint="queries are (b, n_heads, >= w, d) and the cache (b, n_kv_heads, L, d)",
        )
    if window_queries.shape[2] < window:
        raise KilnError(
            f"SnapKV got {window_queries.shape[2]} window queries for a window of {window}",
            hint="pass (at least) the queries of the last w prompt tokens",
        )
    check_grouping(window_queries.shape[1], k.shape[1])


def window_votes(window_queries: torch.Tensor, k: torch.Tensor, window: int) -> torch.Tensor:
    """Attention of the last `window` queries summed over them: (b, n_heads, L - w) per prefix key.

    The queries are those of prompt positions L - w .. L - 1, so the causal mask is aligned with
    the end of the keys. Computed in float32 at least (half inputs are widened, as the official
    softmax is). The window's rows are added one by one in query order rather than by a sum
    kernel: a reduction kernel may group the additions differently for different keys, and
    then keys with equal attention columns got unequal votes (an arbitrary tie-break, and a
    different one in onnxruntime); in a fixed order, equal columns give equal votes."""
    dtype = torch.promote_types(window_queries.dtype, torch.float32)
    q = window_queries[:, :, -window:].to(dtype)
    probs = attention_probs(q, k.to(dtype), causal=True)[..., : k.shape[2] - window]
    votes = probs[:, :, 0]
    for i in range(1, window):
        votes = votes + probs[:, :, i]
    return votes


def pool_votes(votes: torch.Tensor, kernel_size: int, pooling: str) -> torch.Tensor:
    """Smooth (b, h, n) votes along n with stride 1 and padding k // 2, so n is kept.

    Pooling keeps the neighbours of a chosen position, which the paper finds preserves the
    information around it. Max pooling pads with -inf, avg pooling with zeros that count in
    the mean (torch's avg_pool1d default, which the official code uses). The average is summed
    as k shifted slices in a fixed order rather than by avg_pool1d: then equal neighbourhoods
    give bit-equal averages in torch and in the exported graph alike (ONNX AveragePool sums in
    its own order, which broke exact ties differently from torch in our tests)."""
    half = kernel_size // 2
    if pooling == "max":
        return F.max_pool1d(votes, kernel_size, stride=1, padding=half)
    n = votes.shape[-1]
    padded = F.pad(votes, (half, half))
    total = padded[..., 0:n]
    for shift in range(1, kernel_size):
        total = total + padded[..., shift : shift + n]
    return total / kernel_size


def select_positions(votes: torch.Tensor, keep: int) -> torch.Tensor:
    """The `keep` highest-voted positions along the last axis, ascending; ties go to the lowest
    position.

    Eagerly a stable descending sort gives (-score, index) order; under ONNX export the same
    selection is torch.topk, which exports to ONNX TopK whose ties resolve to the lowest index
    (torch's stable sort has no ONNX export)."""
    if keep > votes.shape[-1] or keep < 0:
        raise KilnError(
            f"cannot keep {keep} of {votes.shape[-1]} positions",
            hint="keep is C - w and at most the prefix length L - w",
        )
    if torch.onnx.is_in_onnx_export():
        best = torch.topk(votes, keep, dim=-1, largest=True, sorted=True).indices
    else:
        best = torch.sort(votes, dim=-1, descending=True, stable=True).indices[..., :keep]
    return torch.sort(best, dim=-1).values  # distinct indices: no ties left to order


def snapkv_indices(
    window_queries: torch.Tensor,
    k: torch.Tensor,
    capacity: int,
    window: int,
    kernel_size: int = 5,
    pooling: str = "max",
    gqa: str = "per-query-head",
) -> torch.Tensor:
    """The kept prefix positions, (b, heads, C - w) ascending, for C < L.

    heads is n_heads for per-query-head, n_kv_heads for grouped."""
    check_args(capacity, window, kernel_size, pooling, gqa)
    _check_tensors(window_queries, k, window)
    if capacity >= k.shape[2]:
        raise KilnError(
            f"capacity C={capacity} keeps the whole cache of L={k.shape[2]}: nothing to select",
            hint="snapkv_compress returns the cache unchanged when C >= L",
        )
    votes = pool_votes(window_votes(window_queries, k, window), kernel_size, pooling)
    if gqa == "grouped":
        b, hq, n = votes.shape
        votes = votes.view(b, k.shape[1], hq // k.shape[1], n).sum(dim=2)
    return select_positions(votes, capacity - window)


def gather_rows(
    k: torch.Tensor, v: torch.Tensor, indices: torch.Tensor, window: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The prefix rows at `indices` (b, h, C - w) followed by the last `window` rows, per head.

    k and v are repeated to h heads first when indices has more heads than they do."""
    b, heads, keep = indices.shape
    k, v = expand_kv(k, heads), expand_kv(v, heads)
    where = indices[..., None].expand(b, heads, keep, k.shape[3])
    prefix = k.shape[2] - window
    k_kept = torch.cat([k[:, :, :prefix].gather(2, where), k[:, :, prefix:]], dim=2)
    v_kept = torch.cat([v[:, :, :prefix].gather(2, where), v[:, :, prefix:]], dim=2)
    return k_kept, v_kept


def snapkv_compress(
    window_queries: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    capacity: int,
    window: int,
    kernel_size: int = 5,
    pooling: str = "max",
    gqa: str = "per-query-head",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Compress one layer's prompt cache k, v (b, n_kv_heads, L, d) to C rows per head.

    window_queries (b, n_heads, >= w, d) are the queries of the last prompt tokens (after the
    same position encoding as the keys). Returns (k, v) of shape (b, heads, C, d), heads as in
    `snapkv_indices`; when C >= L, the given k and v themselves."""
    check_args(capacity, window, kernel_size, pooling, gqa)
    _check_tensors(window_queries, k, window)
    if k.shape != v.shape:
        raise KilnError(
            f"k {tuple(k.shape)} and v {tuple(v.shape)} differ",
            hint="keys and values come in pairs of equal shape",
        )
    if capacity >= k.shape[2]:
        return k, v
    indices = snapkv_indices(window_queries, k, capacity, window, kernel_size, pooling, gqa)
    return gather_rows(k, v, indices, window)


class _SnapKVSelect(nn.Module):
    """(window queries, k, v) -> (kept prefix indices, compressed k, compressed v)."""

    def __init__(self, capacity: int, window: int, kernel_size: int, pooling: str) -> None:
        super().__init__()
        self.capacity, self.window = capacity, window
        self.kernel_size, self.pooling = kernel_size, pooling

    def forward(
        self, window_queries: torch.Tensor, k: torch.Tensor, v: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        indices = snapkv_indices(
            window_queries, k, self.capacity, self.window, self.kernel_size, self.pooling
        )
        k_kept, v_kept = gather_rows(k, v, indices, self.window)
        return indices, k_kept, v_kept


def snapkv_export(
    prompt: int = 64,
    window: int = 8,
    capacity: int = 32,
    n_heads: int = 2,
    head_dim: int = 16,
    kernel_size: int = 5,
    pooling: str = "max",
    seed: int = 0,
) -> ExportSpec:
    """The SnapKV selection as an ExportSpec: inputs q_window (1, h, w, d), k and v (1, h, L, d);
    outputs indices (1, h, C - w) int64, k_kept and v_kept (1, h, C, d), float32.

    Exports as MatMul/Softmax/Add, MaxPool (or Pad/Slice/Add/Div), TopK, GatherElements."""
    check_args(capacity, window, kernel_size, pooling)
    if capacity >= prompt:
        raise KilnError(
            f"capacity C={capacity} keeps the whole prompt of {prompt}: nothing to export",
            hint="choose C < prompt (e.g. prompt 64, capacity 32)",
        )
    gen = torch.Generator().manual_seed(seed)
    q = torch.randn(1, n_heads, window, head_dim, generator=gen)
    k = torch.randn(1, n_heads, prompt, head_dim, generator=gen)
    v = torch.randn(1, n_heads, prompt, head_dim, generator=gen)
    config = {
        "prompt": prompt,
        "window": window,
        "capacity": capacity,
        "n_heads": n_heads,
        "head_dim": head_dim,
        "kernel_size": kernel_size,
        "pooling": pooling,
        "seed": seed,
    }
    return ExportSpec(
        name="snapkv",
        module=_SnapKVSelect(capacity, window, kernel_size, pooling).eval(),
        inputs=(q, k, v),
        input_names=["q_window", "k", "v"],
        output_names=["indices", "k_kept", "v_kept"],
        config=config,
        summary=f"SnapKV: keep {capacity} of {prompt} cache rows per head "
        f"({prompt / capacity:.1f}x), window {window}, {pooling} pool {kernel_size}",
    )
