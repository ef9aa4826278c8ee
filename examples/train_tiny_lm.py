"""Train the tiny base model on the seeded synthetic corpus, on the CPU, in minutes.

    .venv/bin/python examples/train_tiny_lm.py [--seed 0] [--out llm_kernels/weights/tiny_lm.pt]

Phases run from short to long sequences: short ones teach the record language and retrieval
cheaply, the long ones teach retrieval across 4,096 positions (SnapKV is measured there, and a
model that never saw such distances does not reach them). Steps alternate between plain text
(`lm_batch`) and retrieval drills (`retrieval_drill_batch`): dense drills in the short phases,
`long` drills (each key asked once, so every answer sits at its pair, however far back) in the
phases marked `:long`. Every phase is a fixed number of steps, so the run is deterministic for
a seed and a thread count. Writes the float16 weights and, beside them, a JSON file with the
config, the corpus seed and the measured figures.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import torch
import torch.nn.functional as F

from kiln.llm_kernels.model import WEIGHTS, LMConfig, TinyLM
from kiln.llm_kernels.tasks import (
    kv_retrieval_batch,
    lm_batch,
    retrieval_correct,
    retrieval_drill_batch,
)

# (steps, batch, seq_len, long drills) per phase
# Retrieval forms (abruptly, after ~1,500 steps) on short sequences; lengths then grow in steps,
# since a jump from 128 to 512 tokens costs the model much of what it had learned. Dense drills
# repeat keys, so on long sequences most answers sit at a recent query: there the drills are
# `long` ones, without which retrieval at 4,096 tokens stayed at 0%.
PHASES = (
    (2800, 8, 128, False), (150, 4, 256, False), (150, 2, 512, False),
    (200, 2, 1024, True), (200, 1, 2048, True), (300, 1, 4096, True),
)  # fmt: skip
EVAL_LENGTHS = ((256, 128), (1024, 64), (2048, 32), (4096, 32))  # (prompt length, prompts)


def parse_phases(text: str) -> tuple[tuple[int, int, int, bool], ...]:
    """`STEPSxBATCHxLEN[:long],...`, e.g. `2800x8x128,300x1x4096:long`."""
    phases = []
    for part in text.split(","):
        sizes, _, kind = part.partition(":")
        if kind not in ("", "long"):
            raise argparse.ArgumentTypeError(f"phase '{part}': the only suffix is ':long'")
        steps, batch, seq_len = (int(x) for x in sizes.split("x"))
        phases.append((steps, batch, seq_len, kind == "long"))
    return tuple(phases)


def format_phases(phases) -> str:
    return ",".join(f"{s}x{b}x{n}" + (":long" if long else "") for s, b, n, long in phases)


def lr_at(step: int, total: int, peak: float, warmup: int = 100) -> float:
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def lm_loss(model: TinyLM, tokens: torch.Tensor) -> torch.Tensor:
    logits = model(tokens[:, :-1]).logits
    return F.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten())


def train(model: TinyLM, phases, seed: int, peak_lr: float) -> dict:
    data = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=peak_lr, betas=(0.9, 0.95), weight_decay=0.01
    )
    total = sum(steps for steps, *_ in phases)
    step, tokens_seen, start = 0, 0, time.perf_counter()
    model.train()
    for steps, batch, seq_len, long in phases:
        every = max(2, min(50, steps // 10) // 2 * 2)
        window_loss, window_tokens, window_start = [0.0, 0.0], 0, time.perf_counter()
        for i in range(steps):
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step, total, peak_lr)
            if i % 2:  # alternate text and drills
                tokens = retrieval_drill_batch(batch, seq_len + 1, data, long=long)
            else:
                tokens = lm_batch(batch, seq_len + 1, data)
            loss = lm_loss(model, tokens)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            tokens_seen += batch * seq_len
            window_loss[i % 2] += loss.item()
            window_tokens += batch * seq_len
            if (i + 1) % every == 0 or i + 1 == steps:
                now = time.perf_counter()
                n = (i % every) + 1
                text, drill = window_loss[0] / ((n + 1) // 2), window_loss[1] / max(1, n // 2)
                print(
                    f"step {step:5d}/{total} len {seq_len:4d} loss text {text:.4f} "
                    f"drill {drill:.4f} "
                    f"{window_tokens / (now - window_start):7.0f} tok/s "
                    f"{now - start:6.0f} s",
                    flush=True,
                )
                window_loss, window_tokens, window_start = [0.0, 0.0], 0, now
        probe = kv_retrieval_batch(32, 128, torch.Generator().manual_seed(seed + 7))
        model.eval()
        print(f"  retrieval at 128: {retrieval_correct(model, *probe[:2]).float().mean():.3f}")
        model.train()
    model.eval()
    return {"steps": step, "tokens": tokens_seen, "seconds": round(time.perf_counter() - start)}


@torch.no_grad()
def evaluate(model: TinyLM, seed: int) -> dict:
    """Held-out LM loss at 512 tokens and retrieval accuracy (whole answer, greedy) by length."""
    held_out = torch.Generator().manual_seed(seed + 1_000_003)
    loss = sum(lm_loss(model, lm_batch(8, 513, held_out)).item() for _ in range(4)) / 4
    figures: dict = {"lm_loss_512": round(loss, 4), "retrieval": {}}
    for length, n in EVAL_LENGTHS:
        batch = max(1, 8192 // length)
        correct = 0
        for first in range(0, n, batch):
            prompts, answers, _ = kv_retrieval_batch(min(batch, n - first), length, held_out)
            correct += int(retrieval_correct(model, prompts, answers).sum())
        figures["retrieval"][str(length)] = {"prompts": n, "accuracy": correct / n}
        print(f"retrieval at {length}: {correct}/{n} = {correct / n:.3f}", flush=True)
    print(f"held-out LM loss at 512: {loss:.4f} nats/token", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: the weights then do not depend on the core count, "
        "and a shared machine does not stall threads at every barrier)",
    )
    parser.add_argument(
        "--phases",
        type=parse_phases,
        default=PHASES,
        help="STEPSxBATCHxLEN, ':long' for long drills, comma-separated "
        f"(default: {format_phases(PHASES)})",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = TinyLM(LMConfig())
    params = sum(p.numel() for p in model.parameters())
    print(
        f"TinyLM {params} parameters, {torch.get_num_threads()} threads, "
        f"phases {format_phases(args.phases)}"
    )
    figures = train(model, args.phases, args.seed, args.lr)
    figures |= evaluate(model, args.seed)
    path = model.save(args.out)
    meta = {
        "config": asdict(model.config),
        "parameters": params,
        "corpus_seed": args.seed,
        "phases": format_phases(args.phases),
        "peak_lr": args.lr,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "bytes": path.stat().st_size,
        **figures,
    }
    path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {path} ({meta['bytes']} bytes) and {path.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
