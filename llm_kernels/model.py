"""A small decoder-only transformer (pre-norm, rotary positions as in Su et al. 2021 RoFormer,
grouped-query attention as in Ainslie et al. 2023) with an explicit KV cache, the base model
that the Medusa and SnapKV references decode with.

Positions are explicit inputs: after SnapKV compression the cache is shorter than the true
prompt, and Medusa's tree nodes sit at `cache length + depth`, so neither can be derived from
the cache length. The cache stores k and v after the rotary encoding, so a compressed or
pruned cache needs no re-encoding.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from kiln.base.errors import KilnError

WEIGHTS = Path(__file__).resolve().parent / "weights" / "tiny_lm.pt"
FORMAT = 1  # bumped when the saved layout changes


@dataclass(frozen=True)
class LMConfig:
    """Sizes of a `TinyLM`; `max_len` is the largest position the model accepts."""

    vocab: int = 256
    d_model: int = 128
    n_layers: int = 4
    n_heads: int = 4
    n_kv_heads: int = 2
    head_dim: int = 32
    d_ff: int = 256
    max_len: int = 8192
    rope_base: float = 10000.0
    # Channels per head that rotate; the rest carry content alone, which matches keys at any
    # distance (GPT-NeoX's partial rotary, Black et al. 2022). 0 means all of head_dim.
    rotary_dim: int = 16

    def check(self) -> None:
        for name in ("vocab", "d_model", "n_layers", "n_heads", "n_kv_heads", "head_dim"):
            if getattr(self, name) < 1:
                raise KilnError(f"LMConfig.{name} must be positive, got {getattr(self, name)}")
        if self.n_heads % self.n_kv_heads:
            raise KilnError(
                f"LMConfig.n_heads={self.n_heads} is not a multiple of "
                f"n_kv_heads={self.n_kv_heads}",
                hint="grouped-query attention shares each k/v head among n_heads/n_kv_heads "
                "query heads",
            )
        if self.rotary_dim % 2 or not 0 <= self.rotary_dim <= self.head_dim:
            raise KilnError(
                f"LMConfig.rotary_dim={self.rotary_dim} must be even and at most "
                f"head_dim={self.head_dim}",
                hint="rotary encoding rotates pairs of channels; 0 rotates all of head_dim",
            )

    @property
    def rotary_channels(self) -> int:
        return self.rotary_dim or self.head_dim


@dataclass
class KVCache:
    """Per layer, k and v of shape (batch, kv heads, length, head_dim), after rotary encoding.

    The head count is `n_kv_heads`, or `n_heads` once a compression keeps rows per query head
    (SnapKV); the model accepts both."""

    k: list[torch.Tensor] = field(default_factory=list)
    v: list[torch.Tensor] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.k[0].shape[2] if self.k else 0

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Concatenate new k, v on the sequence axis; returns the layer's full k and v."""
        if layer == len(self.k):
            self.k.append(k)
            self.v.append(v)
        elif layer < len(self.k):
            self.k[layer] = torch.cat([self.k[layer], k], dim=2)
            self.v[layer] = torch.cat([self.v[layer], v], dim=2)
        else:
            raise KilnError(f"KVCache.append: layer {layer} before layer {len(self.k)}")
        return self.k[layer], self.v[layer]

    def truncate(self, length: int) -> None:
        """Keep the first `length` entries of every layer (drop rejected speculation)."""
        if not 0 <= length <= self.length:
            raise KilnError(f"KVCache.truncate({length}) outside 0..{self.length}")
        self.k = [k[:, :, :length] for k in self.k]
        self.v = [v[:, :, :length] for v in self.v]

    def keep_tail(self, start: int, indices: torch.Tensor) -> None:
        """Keep entries [0, start) followed by entries `start + indices` in that order: the
        accepted path of a Medusa tree, whose nodes were appended after `start`."""
        if not 0 <= start <= self.length:
            raise KilnError(f"KVCache.keep_tail start {start} outside 0..{self.length}")
        indices = torch.as_tensor(indices, dtype=torch.long)
        if indices.dim() != 1:
            raise KilnError(f"KVCache.keep_tail indices must be 1-D, got {tuple(indices.shape)}")
        tail = self.length - start
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= tail):
            raise KilnError(f"KVCache.keep_tail indices must lie in 0..{tail - 1}")

        def pick(t: torch.Tensor) -> torch.Tensor:
            rows = t[:, :, start:].index_select(2, indices.to(t.device))
            return torch.cat([t[:, :, :start], rows], dim=2)

        self.k = [pick(k) for k in self.k]
        self.v = [pick(v) for v in self.v]

    def replace(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        """Put a whole layer's k and v (e.g. SnapKV's compressed rows) in place."""
        if k.shape != v.shape:
            raise KilnError(f"KVCache.replace: k {tuple(k.shape)} and v {tuple(v.shape)} differ")
        self.k[layer], self.v[layer] = k, v

    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.k + self.v)


@dataclass
class LMOutput:
    """`hidden`: final-norm states (b, n, d_model); `logits`: (b, n, vocab); `queries`: per
    layer the rotary queries (b, n_heads, w, head_dim) of the last w inputs, when asked."""

    hidden: torch.Tensor
    logits: torch.Tensor
    cache: KVCache
    queries: list[torch.Tensor] | None = None


def rotate(x: torch.Tensor, positions: torch.Tensor, base: float, dims: int) -> torch.Tensor:
    """Rotary encoding (RoFormer, half-split pairing) of the first `dims` channels of
    x (b, h, n, d) at positions (b, n); the other channels pass through."""
    half = dims // 2
    exponent = torch.arange(half, dtype=x.dtype, device=x.device) / half
    inv_freq = base**-exponent
    angle = positions.to(x.dtype)[:, None, :, None] * inv_freq
    cos, sin = angle.cos(), angle.sin()
    x1, x2, rest = x[..., :half], x[..., half:dims], x[..., dims:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin, rest], dim=-1)


class Attention(nn.Module):
    """Grouped-query self-attention over the cache plus the new inputs."""

    def __init__(self, config: LMConfig):
        super().__init__()
        self.config = config
        c = config
        self.q = nn.Linear(c.d_model, c.n_heads * c.head_dim, bias=False)
        self.k = nn.Linear(c.d_model, c.n_kv_heads * c.head_dim, bias=False)
        self.v = nn.Linear(c.d_model, c.n_kv_heads * c.head_dim, bias=False)
        self.o = nn.Linear(c.n_heads * c.head_dim, c.d_model, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        layer: int,
        cache: KVCache,
        positions: torch.Tensor,
        mask: torch.Tensor | None,
        window_queries: int,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        c = self.config
        b, n, _ = x.shape
        q = self.q(x).view(b, n, c.n_heads, c.head_dim).transpose(1, 2)
        k = self.k(x).view(b, n, c.n_kv_heads, c.head_dim).transpose(1, 2)
        v = self.v(x).view(b, n, c.n_kv_heads, c.head_dim).transpose(1, 2)
        q = rotate(q, positions, c.rope_base, c.rotary_channels)
        k = rotate(k, positions, c.rope_base, c.rotary_channels)
        group = c.n_heads // c.n_kv_heads
        if layer < len(cache.k) and cache.k[layer].shape[1] != c.n_kv_heads:
            if cache.k[layer].shape[1] != c.n_heads:
                raise KilnError(
                    f"cached k of layer {layer} has {cache.k[layer].shape[1]} heads",
                    hint=f"a cache holds n_kv_heads={c.n_kv_heads} or n_heads={c.n_heads} heads",
                )
            k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
        k_all, v_all = cache.append(layer, k, v)
        if k_all.shape[1] != c.n_heads:  # query head h reads k/v head h // group
            k_all, v_all = k_all.repeat_interleave(group, 1), v_all.repeat_interleave(group, 1)
        if mask is None:  # no cache before these inputs: plain causal (the fast kernel)
            out = F.scaled_dot_product_attention(q, k_all, v_all, is_causal=n > 1)
        else:
            out = F.scaled_dot_product_attention(q, k_all, v_all, attn_mask=mask)
        out = self.o(out.transpose(1, 2).reshape(b, n, c.n_heads * c.head_dim))
        return out, (q[:, :, n - window_queries :] if window_queries else None)


class Block(nn.Module):
    """Pre-norm residual block: RMSNorm, attention, RMSNorm, SiLU-gated MLP (SwiGLU)."""

    def __init__(self, config: LMConfig):
        super().__init__()
        self.norm1 = nn.RMSNorm(config.d_model, eps=1e-6)
        self.attn = Attention(config)
        self.norm2 = nn.RMSNorm(config.d_model, eps=1e-6)
        self.gate = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.up = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.down = nn.Linear(config.d_ff, config.d_model, bias=False)

    def forward(self, x, layer, cache, positions, mask, window_queries):
        attended, queries = self.attn(self.norm1(x), layer, cache, positions, mask, window_queries)
        x = x + attended
        h = self.norm2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), queries


class TinyLM(nn.Module):
    """The base language model; `forward` appends the new inputs' k and v to the cache."""

    def __init__(self, config: LMConfig | None = None):
        super().__init__()
        self.config = config or LMConfig()
        self.config.check()
        c = self.config
        self.embed = nn.Embedding(c.vocab, c.d_model)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.n_layers))
        self.norm = nn.RMSNorm(c.d_model, eps=1e-6)
        self.lm_head = nn.Linear(c.d_model, c.vocab, bias=False)
        for module in self.modules():
            if isinstance(module, nn.Linear | nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)
        for block in self.blocks:  # residual branches scaled down (GPT-2's initialisation)
            for weight in (block.attn.o.weight, block.down.weight):
                nn.init.normal_(weight, std=0.02 / math.sqrt(2 * c.n_layers))

    def forward(
        self,
        tokens: torch.Tensor,
        cache: KVCache | None = None,
        positions: torch.Tensor | None = None,
        tree_mask: torch.Tensor | None = None,
        window_queries: int = 0,
    ) -> LMOutput:
        """Run `tokens` (b, n) after `cache` (a fresh one if None); see the module docstring
        for `positions` (default `cache.length + arange(n)`). `tree_mask` (n, n), True where
        new input i may attend to new input j, replaces the causal mask among the new inputs;
        cached entries are always visible."""
        cache = KVCache() if cache is None else cache
        self._check_inputs(tokens, cache, positions, tree_mask, window_queries)
        b, n = tokens.shape
        past = cache.length
        if positions is None:
            positions = torch.arange(past, past + n, device=tokens.device).expand(b, n)
        mask = None  # None: causal among the inputs with no cache, or one input after a cache
        if tree_mask is not None or (past and n > 1):
            among = tree_mask
            if among is None:
                among = torch.ones(n, n, dtype=torch.bool, device=tokens.device).tril()
            seen = torch.ones(n, past, dtype=torch.bool, device=tokens.device)
            mask = torch.cat([seen, among.to(tokens.device)], dim=1)
        x = self.embed(tokens)
        queries: list[torch.Tensor] = []
        for layer, block in enumerate(self.blocks):
            x, q = block(x, layer, cache, positions, mask, window_queries)
            if q is not None:
                queries.append(q)
        hidden = self.norm(x)
        return LMOutput(hidden, self.lm_head(hidden), cache, queries if window_queries else None)

    def _check_inputs(self, tokens, cache, positions, tree_mask, window_queries) -> None:
        c = self.config
        if tokens.dim() != 2 or tokens.dtype != torch.long:
            raise KilnError(
                f"TinyLM takes tokens as a (batch, n) LongTensor, got {tuple(tokens.shape)} "
                f"{tokens.dtype}"
            )
        b, n = tokens.shape
        if n == 0:
            raise KilnError("TinyLM got no tokens (n = 0)")
        if int(tokens.min()) < 0 or int(tokens.max()) >= c.vocab:
            raise KilnError(f"token ids must lie in 0..{c.vocab - 1}")
        if cache.k and cache.k[0].shape[0] != b:
            raise KilnError(f"cache batch {cache.k[0].shape[0]} differs from tokens batch {b}")
        if positions is not None:
            if tuple(positions.shape) != (b, n):
                raise KilnError(f"positions {tuple(positions.shape)} must be (batch, n)=({b}, {n})")
            if int(positions.min()) < 0 or int(positions.max()) >= c.max_len:
                raise KilnError(f"positions must lie in 0..{c.max_len - 1} (LMConfig.max_len)")
        elif cache.length + n > c.max_len:
            raise KilnError(f"{cache.length + n} positions exceed LMConfig.max_len={c.max_len}")
        if tree_mask is not None:
            if tuple(tree_mask.shape) != (n, n) or tree_mask.dtype != torch.bool:
                raise KilnError(f"tree_mask must be a ({n}, {n}) BoolTensor")
            if not bool(tree_mask.diagonal().all()):
                raise KilnError(
                    "tree_mask must let every input attend to itself (its diagonal is True)"
                )
        if not 0 <= window_queries <= n:
            raise KilnError(f"window_queries={window_queries} outside 0..{n}")

    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write config and float16 weights (compact; loaded back to float32)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {name: t.detach().to("cpu", torch.float16) for name, t in self.state_dict().items()}
        blob = {"format": FORMAT, "config": asdict(self.config), "state": state}
        torch.save(blob | ({"extra": extra} if extra else {}), path)
        return path

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu") -> TinyLM:
        path = Path(path)
        if not path.is_file():
            raise KilnError(
                f"no model weights at {path}",
                hint="python examples/train_tiny_lm.py writes llm_kernels/weights/tiny_lm.pt",
            )
        blob = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(blob, dict) or blob.get("format") != FORMAT:
            raise KilnError(f"{path} is not a TinyLM file of format {FORMAT}")
        model = cls(LMConfig(**blob["config"]))
        model.load_state_dict({k: v.float() for k, v in blob["state"].items()})
        return model.to(device).eval()


def load_pretrained(device: str | torch.device = "cpu") -> TinyLM:
    """The committed model trained by `examples/train_tiny_lm.py` (eval mode, float32)."""
    return TinyLM.load(WEIGHTS, device)


@torch.no_grad()
def greedy_generate(model: TinyLM, prompt: torch.Tensor, n_new: int) -> torch.Tensor:
    """The `n_new` tokens (b, n_new) greedy decoding appends to `prompt` (b, n), one token per
    forward step over the cache: the reference speculative decoding must reproduce."""
    if n_new < 0:
        raise KilnError(f"greedy_generate: n_new={n_new} is negative")
    out = model(prompt)
    new: list[torch.Tensor] = []
    for step in range(n_new):
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        new.append(token)
        if step + 1 < n_new:
            out = model(token, cache=out.cache)
    if not new:
        return prompt.new_zeros(prompt.shape[0], 0)
    return torch.cat(new, dim=1)


__all__ = [
    "WEIGHTS",
    "KVCache",
    "LMConfig",
    "LMOutput",
    "TinyLM",
    "greedy_generate",
    "load_pretrained",
    "rotate",
]
