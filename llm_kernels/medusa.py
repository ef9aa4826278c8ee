"""Medusa decoding heads, tree verification and generation (Cai et al. 2024, "Medusa: Simple LLM
Inference Acceleration Framework with Multiple Decoding Heads").

Head k reads the base model's last hidden state and guesses the token k + 1 places ahead.
Each decoding step runs the base model once over a tree of such guesses (`medusa_tree`),
accepts the longest path the base model agrees with, and keeps that path's KV entries, so
one forward pass can yield several tokens. At temperature 0 the output is exactly the base
model's greedy output, whatever the heads predict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

from kiln.base.errors import KilnError
from kiln.llm_kernels.export import ExportSpec
from kiln.llm_kernels.medusa_tree import (
    MC_SIM_7B_63,
    PAD,
    TreeBuffers,
    named_tree,
    tree_buffers,
)

if TYPE_CHECKING:
    from kiln.llm_kernels.model import TinyLM

# Typical acceptance defaults of the official code (posterior_threshold, posterior_alpha).
EPSILON = 0.09
DELTA = 0.3


# ---- heads ---------------------------------------------------------------------------------


class ResBlock(nn.Module):
    """`h + SiLU(W1 h + b1)`. W1 and b1 start at zero, so an untrained head is exactly its
    LM head (the paper zeroes W1; zeroing b1 as well makes the start the identity)."""

    def __init__(self, d_model: int):
        super().__init__()
        self.linear = nn.Linear(d_model, d_model)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + nn.functional.silu(self.linear(h))


class MedusaHeads(nn.Module):
    """K Medusa-1 heads over a frozen base model: each is residual blocks then an LM head."""

    def __init__(self, d_model: int, vocab: int, n_heads: int = 4, n_layers: int = 1):
        super().__init__()
        self.d_model, self.vocab, self.n_layers = d_model, vocab, n_layers
        self.meta: dict = {}
        self.heads = nn.ModuleList(
            nn.Sequential(
                *(ResBlock(d_model) for _ in range(n_layers)),
                nn.Linear(d_model, vocab, bias=False),
            )
            for _ in range(n_heads)
        )

    @property
    def n_heads(self) -> int:
        return len(self.heads)

    @classmethod
    def from_model(cls, model: TinyLM, n_heads: int = 4, n_layers: int = 1) -> MedusaHeads:
        """Heads for `model`, each LM head a copy of the base model's (as in Medusa-1)."""
        weight = model.lm_head.weight
        heads = cls(weight.shape[1], weight.shape[0], n_heads, n_layers)
        heads = heads.to(device=weight.device, dtype=weight.dtype)
        with torch.no_grad():
            for head in heads.heads:
                head[-1].weight.copy_(weight)
        return heads

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """Hidden states (..., d_model) to logits (n_heads, ..., vocab)."""
        return torch.stack([head(hidden) for head in self.heads])

    def save(
        self, path: str | Path, dtype: torch.dtype = torch.float16, meta: dict | None = None
    ) -> None:
        """Weights (float16 by default) and `meta`, e.g. the heads' measured top-k accuracy."""
        config = {"d_model": self.d_model, "vocab": self.vocab, "n_heads": self.n_heads}
        state = {k: v.detach().to("cpu", dtype) for k, v in self.state_dict().items()}
        blob = {"config": config | {"n_layers": self.n_layers}, "state": state}
        torch.save(blob | {"meta": meta or {}}, path)

    @classmethod
    def load(cls, path: str | Path, device: torch.device | str = "cpu") -> MedusaHeads:
        """Heads in eval mode, float32, with the saved `meta` dict as `.meta`."""
        if not Path(path).is_file():
            raise KilnError(
                f"no Medusa heads at {path}",
                hint="python examples/train_medusa_heads.py writes llm_kernels/weights/"
                "medusa_heads.pt",
            )
        saved = torch.load(path, map_location="cpu", weights_only=True)
        heads = cls(**saved["config"])
        heads.load_state_dict({k: v.float() for k, v in saved["state"].items()})
        heads.meta = saved.get("meta", {})
        return heads.to(device).eval()


# ---- verification --------------------------------------------------------------------------


def accept_lengths(accepted: torch.Tensor) -> torch.Tensor:
    """Leading accepted tokens per path, (paths, depth) bool -> (paths,) int64.

    Counted as `sum(cumsum(1 - accepted) == 0)`: the running count of rejections is zero
    exactly over the accepted prefix. (The official cumprod form has no ONNX export of
    integer cumprod; CumSum is a plain opset-11 op.)
    """
    rejections = torch.cumsum(1 - accepted.to(torch.int64), dim=-1)
    return (rejections == 0).to(torch.int64).sum(dim=-1)


def greedy_accepted(
    tree_tokens: torch.Tensor, tree_logits: torch.Tensor, buffers: TreeBuffers
) -> torch.Tensor:
    """(paths, depth) bool: a path's token is accepted iff it is the base model's argmax at
    its parent node."""
    paths = buffers.path_tokens(tree_tokens)
    predicted = buffers.path_rows(torch.argmax(tree_logits, dim=-1))
    return paths[:, 1:] == predicted[:, :-1]


def typical_accepted(
    tree_tokens: torch.Tensor,
    tree_logits: torch.Tensor,
    buffers: TreeBuffers,
    temperature: float,
    epsilon: float = EPSILON,
    delta: float = DELTA,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Typical acceptance (paper section 2.3.1): a token is accepted iff its probability under
    the base model at its parent, p, exceeds min(epsilon, delta * exp(-H)), H being the entropy
    of that distribution. Returns the (paths, depth) accepted mask and the log p of each."""
    log_probs = torch.log_softmax(tree_logits / temperature, dim=-1)
    entropy = -(log_probs.exp() * log_probs).sum(dim=-1)
    threshold = torch.clamp(delta * torch.exp(-entropy), max=epsilon)
    paths = buffers.path_tokens(tree_tokens)
    parents = buffers.retrieve[:, :-1].clamp_min(0)
    log_p = log_probs[parents, paths[:, 1:].clamp_min(0)]
    accepted = (log_p.exp() > threshold[parents]) & (paths[:, 1:] != PAD)
    return accepted, log_p


@dataclass(frozen=True)
class Verdict:
    best_path: int  # row of `buffers.retrieve`
    accept_length: int  # candidate tokens accepted after the root, 0..depth


def verify(
    tree_tokens: torch.Tensor,
    tree_logits: torch.Tensor,
    buffers: TreeBuffers,
    temperature: float = 0.0,
    epsilon: float = EPSILON,
    delta: float = DELTA,
) -> Verdict:
    """Pick the path with the longest accepted prefix.

    Ties: at temperature 0 the lowest path index (all tied paths then share the same accepted
    nodes, since sibling tokens differ); with typical acceptance the tied path whose accepted
    tokens have the highest total log-probability, then the lowest index (the official rule).
    """
    if temperature == 0:
        lengths = accept_lengths(greedy_accepted(tree_tokens, tree_logits, buffers))
        best = int(torch.argmax(lengths))
        return Verdict(best, int(lengths[best]))
    accepted, log_p = typical_accepted(
        tree_tokens, tree_logits, buffers, temperature, epsilon, delta
    )
    lengths = accept_lengths(accepted)
    longest = lengths.max()
    prefix = torch.arange(buffers.depth, device=lengths.device) < longest
    score = torch.where(prefix, log_p, torch.zeros_like(log_p)).sum(dim=-1)
    score = torch.where(lengths == longest, score, torch.full_like(score, -torch.inf))
    best = int(torch.argmax(score))
    return Verdict(best, int(longest))


# ---- generation ----------------------------------------------------------------------------


@dataclass
class MedusaOutput:
    tokens: list[int]  # the n_new generated tokens
    accept_lengths: list[int] = field(default_factory=list)  # one per decoding step

    @property
    def steps(self) -> int:
        return len(self.accept_lengths)

    @property
    def acceleration_rate(self) -> float:
        """Tokens per decoding step (each step yields its accept length plus one)."""
        return sum(a + 1 for a in self.accept_lengths) / max(self.steps, 1)


@torch.no_grad()
def medusa_generate(
    model: TinyLM,
    heads: MedusaHeads,
    prompt: Sequence[int] | torch.Tensor,
    n_new: int,
    choices: Sequence[Sequence[int]] = MC_SIM_7B_63,
    temperature: float = 0.0,
    epsilon: float = EPSILON,
    delta: float = DELTA,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
) -> MedusaOutput:
    """Generate `n_new` tokens after `prompt` (batch 1) with Medusa tree decoding.

    Each step: the root is the base model's next token (argmax, or a sample at temperature
    T > 0 drawn with `generator`); the heads' top-k picks fill the tree; one base forward
    pass over the tree (tree mask, positions = cache length + depth) scores every node; the
    best path's accepted prefix is emitted and its KV entries kept, so the cache grows by
    accept length + 1.
    """
    device = model.lm_head.weight.device
    buffers = tree_buffers(choices, top_k, device)
    prompt = torch.as_tensor(prompt, dtype=torch.long, device=device).reshape(1, -1)
    _check_request(model, prompt.shape[1], n_new, buffers.depth, temperature)
    out = model(prompt)
    cache, logits, hidden = out.cache, out.logits[0, -1], out.hidden[0, -1]
    result = MedusaOutput([])
    while len(result.tokens) < n_new:
        root = _next_token(logits, temperature, generator)
        tree_tokens = buffers.candidates(root, heads(hidden))
        start = cache.length
        out = model(
            tree_tokens[None],
            cache=cache,
            positions=(start + buffers.positions)[None],
            tree_mask=buffers.attn_mask,
        )
        verdict = verify(tree_tokens, out.logits[0], buffers, temperature, epsilon, delta)
        nodes = buffers.retrieve[verdict.best_path, : verdict.accept_length + 1]
        cache = out.cache
        cache.keep_tail(start, nodes)
        result.tokens += tree_tokens[nodes].tolist()
        result.accept_lengths.append(verdict.accept_length)
        logits, hidden = out.logits[0, nodes[-1]], out.hidden[0, nodes[-1]]
    result.tokens = result.tokens[:n_new]
    return result


def _next_token(
    logits: torch.Tensor, temperature: float, generator: torch.Generator | None
) -> torch.Tensor:
    if temperature == 0:
        return torch.argmax(logits)
    probs = torch.softmax(logits.double() / temperature, dim=-1)
    return torch.multinomial(probs, 1, generator=generator)[0]


def _check_request(model: TinyLM, prompt: int, n_new: int, depth: int, temperature: float) -> None:
    if temperature < 0:
        raise KilnError(
            f"temperature={temperature} is negative",
            hint="0 decodes greedily; T > 0 samples with typical acceptance",
        )
    if prompt < 1 or n_new < 0:
        raise KilnError(
            f"generation needs a non-empty prompt and n_new >= 0, got {prompt} prompt tokens "
            f"and n_new={n_new}",
            hint="pass at least one prompt token",
        )
    need = prompt + n_new + depth  # the deepest tree node of the last step sits below this
    if need > model.config.max_len:
        raise KilnError(
            f"{prompt} prompt tokens + {n_new} new tokens + a tree of depth {depth} need "
            f"{need} positions, beyond the model's max_len {model.config.max_len}",
            hint="shorten the prompt or n_new, or use a smaller tree",
        )


# ---- ONNX export ---------------------------------------------------------------------------


class GreedyVerify(nn.Module):
    """Greedy verification of one tree as a graph: tree tokens (n,) and the base model's
    logits at each node (n, vocab) to per-path accept lengths, the best path and its length."""

    def __init__(self, buffers: TreeBuffers):
        super().__init__()
        self.register_buffer("retrieve", buffers.retrieve.clamp_min(0))
        self.register_buffer("valid", buffers.retrieve >= 0)

    def forward(
        self, tree_tokens: torch.Tensor, tree_logits: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        paths = torch.where(self.valid, tree_tokens[self.retrieve], PAD)
        predicted = torch.argmax(tree_logits, dim=-1)[self.retrieve]
        lengths = accept_lengths(paths[:, 1:] == predicted[:, :-1])
        best = torch.argmax(lengths)
        return lengths, best, lengths[best]


def medusa_heads_export(hidden: int = 32, vocab: int = 64, n_heads: int = 3, seed: int = 0):
    """The heads at a hardware size, on one hidden state; weights are random (W1 too, so the
    graph's residual branch is exercised rather than zero)."""
    torch.manual_seed(seed)
    heads = MedusaHeads(hidden, vocab, n_heads).eval()
    with torch.no_grad():
        for p in heads.parameters():
            p.copy_(torch.randn_like(p) / hidden**0.5)
    return ExportSpec(
        name="medusa-heads",
        module=heads,
        inputs=(torch.randn(1, hidden),),
        input_names=["hidden"],
        output_names=["head_logits"],
        config={"hidden": hidden, "vocab": vocab, "n_heads": n_heads, "seed": seed},
        summary="Medusa-1 heads: h + SiLU(W1 h + b1), then an LM head, per head",
    )


def medusa_verify_export(vocab: int = 64, tree: str = "mc_sim_7b_63", seed: int = 0):
    """Greedy verification of a named tree; the example tokens follow the argmax at about half
    of the nodes, so accept lengths beyond zero occur."""
    buffers = tree_buffers(named_tree(tree))
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(buffers.n_nodes, vocab, generator=gen)
    tokens = torch.randint(0, vocab, (buffers.n_nodes,), generator=gen)
    follow = torch.rand(buffers.n_nodes, generator=gen) < 0.5
    tokens = torch.where(follow, torch.argmax(logits, -1)[buffers.parents], tokens)
    return ExportSpec(
        name="medusa-verify",
        module=GreedyVerify(buffers).eval(),
        inputs=(tokens, logits),
        input_names=["tree_tokens", "tree_logits"],
        output_names=["accept_lengths", "best_path", "accept_length"],
        config={"vocab": vocab, "tree": tree, "seed": seed, "nodes": buffers.n_nodes},
        summary="Medusa greedy verification: CumSum accept lengths, best path",
    )


__all__ = [
    "DELTA",
    "EPSILON",
    "GreedyVerify",
    "MedusaHeads",
    "MedusaOutput",
    "ResBlock",
    "Verdict",
    "accept_lengths",
    "greedy_accepted",
    "medusa_generate",
    "medusa_heads_export",
    "medusa_verify_export",
    "typical_accepted",
    "verify",
]
