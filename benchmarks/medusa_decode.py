"""Greedy Medusa decoding against plain greedy decoding on the tiny pretrained model.

    .venv/bin/python benchmarks/medusa_decode.py [--prompts 8] [--new 128] [--device auto]
        [--json benchmarks/results/medusa_decode.json]

Cai et al. 2024 ("Medusa") report about 2.2x wall-clock speedup for Medusa-1 on Vicuna-7B.
Both decoders run on the same prompts in the same run (held-out prompts of the base model's
training language, `tasks.eval_prompts`, seeded apart from training). Trees: the named ones,
and trees fitted to the heads' measured top-k accuracy by `sparse_tree` (as the paper fits
its trees). For each, the table gives the acceleration rate (generated tokens per decoding
step, a step being one base-model forward pass after the prompt), the wall-clock speedup over
greedy decoding with a KV cache, and whether every output equals greedy decoding token for
token (it must, at temperature 0).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from kiln.llm_kernels.device import pick_device
from kiln.llm_kernels.medusa import MedusaHeads, medusa_generate
from kiln.llm_kernels.medusa_tree import TREES, named_tree, sparse_tree, tree_buffers
from kiln.llm_kernels.model import WEIGHTS, TinyLM, greedy_generate
from kiln.llm_kernels.tasks import eval_prompts

HEADS = WEIGHTS.parent / "medusa_heads.pt"
PROMPT_SEED = 1234  # training used seeds 0..2


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _timed(device: torch.device, fn, *args):
    _sync(device)
    start = time.perf_counter()
    result = fn(*args)
    _sync(device)
    return result, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--prompt-len", type=int, default=64)
    ap.add_argument("--new", type=int, default=128)
    ap.add_argument("--trees", default=",".join(TREES), help=f"from: {', '.join(TREES)}")
    ap.add_argument(
        "--fitted",
        default="8,16,32",
        help="sizes of trees fitted to the heads' measured accuracy (sparse_tree)",
    )
    ap.add_argument("--base", type=Path, default=WEIGHTS, help="TinyLM weights")
    ap.add_argument("--heads", type=Path, default=HEADS, help="Medusa heads")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=1, help="1: steady on a shared machine")
    ap.add_argument("--json", default="benchmarks/results/medusa_decode.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    model = TinyLM.load(args.base, device)
    heads = MedusaHeads.load(args.heads, device)
    prompts = eval_prompts(
        args.prompts, args.prompt_len, torch.Generator().manual_seed(PROMPT_SEED)
    )
    prompts = prompts.to(device)
    trees = {name: named_tree(name) for name in args.trees.split(",") if name}
    accuracy = torch.tensor(heads.meta.get("accuracy", []))
    for size in (int(n) for n in args.fitted.split(",") if n and accuracy.numel()):
        trees[f"fitted{size}"] = sparse_tree(accuracy, size)

    # Warm-up (allocator, kernels) on the first prompt, untimed.
    greedy_generate(model, prompts[:1], 8)
    medusa_generate(model, heads, prompts[0], 8, next(iter(trees.values())))

    reference, greedy_s = [], 0.0
    for prompt in prompts:
        tokens, seconds = _timed(device, greedy_generate, model, prompt[None], args.new)
        reference.append(tokens[0].tolist())
        greedy_s += seconds
    rows = [_row("greedy", 1, args.prompts * args.new, args.prompts * args.new, greedy_s, greedy_s)]
    rows[0]["identical"] = True
    for name, choices in trees.items():
        outputs, seconds = [], 0.0
        for prompt in prompts:
            out, t = _timed(device, medusa_generate, model, heads, prompt, args.new, choices)
            outputs.append(out)
            seconds += t
        row = _row(
            name,
            tree_buffers(choices).n_nodes,
            sum(sum(a + 1 for a in o.accept_lengths) for o in outputs),
            sum(o.steps for o in outputs),
            seconds,
            greedy_s,
        )
        row["identical"] = all(o.tokens == r for o, r in zip(outputs, reference, strict=True))
        rows.append(row)

    print(
        f"{args.prompts} prompts of {args.prompt_len} tokens, {args.new} new tokens each, "
        f"on {device} ({args.threads} threads)"
    )
    head = f"{'decoder':20} {'nodes':>5} {'steps':>6} {'tokens/step':>11} {'seconds':>8} "
    print(head + f"{'speedup':>8} {'identical':>9}")
    for r in rows:
        print(
            f"{r['decoder']:20} {r['tree_nodes']:5d} {r['steps']:6d} "
            f"{r['acceleration_rate']:11.2f} {r['seconds']:8.2f} {r['speedup']:7.2f}x "
            f"{'yes' if r['identical'] else 'NO':>9}"
        )
    result = {
        "paper": "Cai et al. 2024, Medusa; ~2.2x speedup for Medusa-1 on Vicuna-7B",
        "device": str(device),
        "threads": args.threads,
        "load_average_1min": os.getloadavg()[0],  # the machine is shared; timings vary with it
        "prompts": args.prompts,
        "prompt_len": args.prompt_len,
        "new_tokens": args.new,
        "heads": heads.n_heads,
        "rows": rows,
        "trees": {name: [list(c) for c in choices] for name, choices in trees.items()},
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.json}")


def _row(name: str, nodes: int, tokens: int, steps: int, seconds: float, greedy_s: float) -> dict:
    return {
        "decoder": f"medusa {name}" if name != "greedy" else name,
        "tree_nodes": nodes,
        "tokens": tokens,
        "steps": steps,
        "acceleration_rate": tokens / steps,
        "seconds": seconds,
        "speedup": greedy_s / seconds,
    }


if __name__ == "__main__":
    main()
