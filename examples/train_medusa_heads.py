"""Train Medusa-1 heads on the frozen tiny base model by self-distillation (Cai et al. 2024,
"Medusa", sections 2.2.1 and 2.3.2).

    .venv/bin/python examples/train_medusa_heads.py [--heads 4] [--epochs 5] [--out PATH]

The training text is the base model's own greedy continuation of prompts from its training
language (`tasks.eval_prompts`), so every target is a base-model prediction, never corpus
text: that is what greedy verification accepts. The backbone runs once, without gradients,
to give the hidden states; head k (1-based) at position t learns the token at t + k + 1 with
cross-entropy weighted by 0.8**k (the paper's lambda_k). Writes float16 heads (about 0.4 MB)
to llm_kernels/weights/medusa_heads.pt and prints each head's top-1 agreement on held-out
text, and the acceleration rate of greedy Medusa decoding. The heads' top-k accuracies are
saved with them (`heads.meta["accuracy"]`) for `medusa_tree.sparse_tree`.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import torch

from kiln.llm_kernels.medusa import MedusaHeads, medusa_generate
from kiln.llm_kernels.medusa_tree import MC_SIM_7B_63, expected_accept_length, sparse_tree
from kiln.llm_kernels.model import WEIGHTS, TinyLM, greedy_generate
from kiln.llm_kernels.tasks import eval_prompts

OUT = WEIGHTS.parent / "medusa_heads.pt"
DECAY = 0.8  # lambda_k = 0.8 ** k, the paper's head weights


@torch.no_grad()
def self_distilled(
    model: TinyLM, n: int, prompt_len: int, n_new: int, seed: int, batch: int = 64
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences (n, prompt_len + n_new): prompts then the base model's greedy continuation,
    and the base model's final hidden states over them (n, prompt_len + n_new, d_model)."""
    prompts = eval_prompts(n, prompt_len, torch.Generator().manual_seed(seed))
    seqs, hidden = [], []
    for chunk in prompts.split(batch):
        seq = torch.cat([chunk, greedy_generate(model, chunk, n_new)], dim=1)
        seqs.append(seq)
        hidden.append(model(seq).hidden)
    return torch.cat(seqs), torch.cat(hidden)


def head_targets(seqs: torch.Tensor, prompt_len: int, n_heads: int) -> torch.Tensor:
    """(n_heads, n, T) target tokens, -100 (ignored) where the target would be prompt text or
    past the end: head k at position t targets token t + k + 1, t + 1 being generated."""
    n, length = seqs.shape
    targets = torch.full((n_heads, n, length), -100, dtype=torch.long)
    for k in range(1, n_heads + 1):
        targets[k - 1, :, prompt_len - 1 : length - k - 1] = seqs[:, prompt_len + k : length]
    return targets


def loss_fn(heads: MedusaHeads, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = heads(hidden)  # (n_heads, b, T, vocab)
    losses = [
        DECAY ** (k + 1)
        * torch.nn.functional.cross_entropy(logits[k].flatten(0, 1), targets[k].flatten())
        for k in range(heads.n_heads)
    ]
    return torch.stack(losses).sum()


@torch.no_grad()
def rank_accuracy(
    heads: MedusaHeads, hidden: torch.Tensor, targets: torch.Tensor, top_k: int = 10
) -> torch.Tensor:
    """(n_heads, top_k): how often head k's rank-r pick is the target, the input of
    `sparse_tree` (the paper's calibration of the tree)."""
    valid = targets != -100
    rows = []
    for k in range(heads.n_heads):
        picks = heads.heads[k](hidden[valid[k]]).topk(top_k, dim=-1).indices
        rows.append((picks == targets[k][valid[k]][:, None]).float().mean(0))
    return torch.stack(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--sequences", type=int, default=256)
    ap.add_argument("--prompt-len", type=int, default=64)
    ap.add_argument("--new", type=int, default=128, help="generated tokens per sequence")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8, help="sequences per optimizer step")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="1: steady on a shared machine")
    ap.add_argument("--base", type=Path, default=WEIGHTS, help="the frozen TinyLM's weights")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    start = time.perf_counter()
    model = TinyLM.load(args.base)
    for p in model.parameters():
        p.requires_grad_(False)
    seqs, hidden = self_distilled(model, args.sequences, args.prompt_len, args.new, args.seed)
    held_seqs, held_hidden = self_distilled(model, 64, args.prompt_len, args.new, args.seed + 1)
    targets = head_targets(seqs, args.prompt_len, args.heads)
    held_targets = head_targets(held_seqs, args.prompt_len, args.heads)
    print(f"self-distilled {seqs.numel()} tokens in {time.perf_counter() - start:.1f} s")

    heads = MedusaHeads.from_model(model, args.heads)
    steps = args.epochs * -(-len(seqs) // args.batch)
    opt = torch.optim.AdamW(heads.parameters(), lr=args.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=steps)
    order_gen = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        total = 0.0
        for rows in torch.randperm(len(seqs), generator=order_gen).split(args.batch):
            loss = loss_fn(heads, hidden[rows], targets[:, rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            total += loss.item() * len(rows)
        accuracy = rank_accuracy(heads, held_hidden, held_targets)
        shown = " ".join(f"{a:.3f}" for a in accuracy[:, 0].tolist())
        print(f"epoch {epoch + 1}: loss {total / len(seqs):.4f}, held-out top-1 per head {shown}")

    heads.eval()
    prompts = eval_prompts(8, args.prompt_len, torch.Generator().manual_seed(args.seed + 2))
    for name, tree in (("mc_sim_7b_63", MC_SIM_7B_63), ("fitted 16", sparse_tree(accuracy, 16))):
        rates = [medusa_generate(model, heads, p, 96, tree).acceleration_rate for p in prompts]
        expected = expected_accept_length(tree, accuracy) + 1
        print(
            f"tree {name}: acceleration rate on 8 held-out prompts {sum(rates) / 8:.2f} "
            f"(independent-heads estimate {expected:.2f})"
        )
    meta = {
        "accuracy": accuracy.tolist(),  # [head][rank] on held-out self-distilled text
        "base_sha256": hashlib.sha256(args.base.read_bytes()).hexdigest(),
        "training": {k: str(v) for k, v in vars(args).items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    heads.save(args.out, meta=meta)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.2f} MB) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
