"""SnapKV (Li et al. 2024) on the trained tiny model: KV memory, decode speed and key-value
retrieval accuracy on 4,096-token prompts, per cache capacity.

    .venv/bin/python benchmarks/snapkv_model.py [--quick] [--device auto|cpu|cuda] [--weights PT]
                                                [--json PATH]

Each prompt of the model's retrieval task (`kv_retrieval_batch`: records and key-value pairs,
then `QUERY KEY`) is prefilled once with full attention, asking the model for the last w
queries of every layer. Each layer's cache is then compressed with `snapkv_compress` to each
capacity C (window w, max pooling), in the official per-query-head mode (the cache grows from
n_kv_heads to n_heads heads) and in our grouped variant (n_kv_heads heads kept); "full" is the
uncompressed cache. As in SnapKV, the first answer token comes from the full-attention prefill
and compression acts from the second token on: a retrieval counts as correct when both value
tokens are right, so the drop against full is the second token's, read from the compressed
cache at the true position 4,096 (explicit positions, since the cache is shorter).

Decode time: one prompt, the tokens that greedy decoding with the full cache generates, fed
one per step to every configuration (identical work apart from the cache length); a warm-up
pass, then `--repeats` timed passes interleaved across configurations, reporting the median
of the passes' mean per-token times (on the CPU with one thread, `--decode-threads`: a step
is too small to split, and on a shared machine extra threads make it noisy). "agree" counts
the steps whose greedy choice equals the full cache's. The paper's figures, for context: 8.2x
memory and 3.6x decode speed at 16K tokens on an A100 (a 7B model, where reading the cache
dominates a step); this model has 4 layers of 2 kv heads x 32 channels, so on a CPU a step
is mostly fixed overhead.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from kiln.llm_kernels.device import pick_device
from kiln.llm_kernels.model import KVCache, TinyLM, load_pretrained
from kiln.llm_kernels.snapkv import snapkv_compress
from kiln.llm_kernels.tasks import kv_retrieval_batch

FULL = "full"


def compress_cache(
    cache: KVCache, queries: list[torch.Tensor], capacity: int, args: argparse.Namespace, gqa: str
) -> KVCache:
    """A new cache whose every layer is `cache`'s layer compressed by SnapKV to `capacity`."""
    out = KVCache(k=list(cache.k), v=list(cache.v))
    for layer, q in enumerate(queries):
        k, v = snapkv_compress(
            q, cache.k[layer], cache.v[layer], capacity, args.window, args.kernel, "max", gqa
        )
        out.replace(layer, k, v)
    return out


def build_configs(
    cache: KVCache, queries: list[torch.Tensor], args: argparse.Namespace, device: torch.device
) -> tuple[dict[str, KVCache], dict[str, float]]:
    """Name -> cache (the full one first, then each mode and capacity) and the milliseconds
    each compression took."""
    configs, compress_ms = {FULL: cache}, {FULL: 0.0}
    for gqa in ("per-query-head", "grouped"):
        for capacity in args.capacities:
            _sync(device)
            t0 = time.perf_counter()
            configs[f"C={capacity} {gqa}"] = compress_cache(cache, queries, capacity, args, gqa)
            _sync(device)
            compress_ms[f"C={capacity} {gqa}"] = 1e3 * (time.perf_counter() - t0)
    return configs, compress_ms


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def decode_pass(
    model: TinyLM, cache: KVCache, tokens: torch.Tensor, start: int, device: torch.device
) -> tuple[list[float], torch.Tensor]:
    """Feed `tokens` (1, n) one per step after `cache` (left intact) at true positions
    start, start+1, ...; returns each step's seconds and the greedy choices (n,)."""
    work = KVCache(k=list(cache.k), v=list(cache.v))
    seconds, choices = [], []
    for i in range(tokens.shape[1]):
        pos = torch.tensor([[start + i]], device=device)
        _sync(device)
        t0 = time.perf_counter()
        out = model(tokens[:, i : i + 1], cache=work, positions=pos)
        _sync(device)
        seconds.append(time.perf_counter() - t0)
        choices.append(out.logits[0, -1].argmax())
    return seconds, torch.stack(choices).cpu()


@torch.no_grad()
def accuracy(model: TinyLM, args: argparse.Namespace, device: torch.device) -> dict[str, dict]:
    """Per configuration: prompts whose whole answer greedy decoding gets right."""
    gen = torch.Generator().manual_seed(args.seed)
    correct: dict[str, int] = {}
    done = 0
    while done < args.prompts:
        batch = min(args.batch, args.prompts - done)
        prompts, answers, _ = kv_retrieval_batch(batch, args.prompt_len, gen)
        prompts, answers = prompts.to(device), answers.to(device)
        out = model(prompts, window_queries=args.window)
        first = out.logits[:, -1].argmax(-1)
        position = torch.full((batch, 1), args.prompt_len, device=device)
        configs, _ = build_configs(out.cache, out.queries or [], args, device)
        for name, cache in configs.items():
            work = KVCache(k=list(cache.k), v=list(cache.v))
            second = model(answers[:, :1], cache=work, positions=position).logits[:, -1]
            right = (first == answers[:, 0]) & (second.argmax(-1) == answers[:, 1])
            correct[name] = correct.get(name, 0) + int(right.sum())
        done += batch
        print(f"  accuracy: {done}/{args.prompts} prompts", flush=True)
    return {name: {"correct": n, "accuracy": n / args.prompts} for name, n in correct.items()}


@torch.no_grad()
def timing(model: TinyLM, args: argparse.Namespace, device: torch.device) -> dict[str, dict]:
    """Per configuration: KV bytes, compression seconds, per-token decode seconds, agreement."""
    gen = torch.Generator().manual_seed(args.seed + 1)
    prompt, _, _ = kv_retrieval_batch(1, args.prompt_len, gen)
    out = model(prompt.to(device), window_queries=args.window)
    configs, compress_ms = build_configs(out.cache, out.queries or [], args, device)
    # the tokens greedy decoding generates with the full cache, fed to every configuration;
    # reference[i] is full greedy's choice after fed[i]
    tokens = [out.logits[:, -1].argmax(-1, keepdim=True)]
    work = KVCache(k=list(out.cache.k), v=list(out.cache.v))
    for i in range(args.decode_tokens):
        pos = torch.tensor([[args.prompt_len + i]], device=device)
        step = model(tokens[-1], cache=work, positions=pos)
        tokens.append(step.logits[:, -1].argmax(-1, keepdim=True))
    fed = torch.cat(tokens[:-1], dim=1)
    reference = torch.cat(tokens[1:], dim=1)[0].cpu()
    threads = torch.get_num_threads()
    if device.type == "cpu" and args.decode_threads:
        # A decode step is too small to split over threads; on a shared CPU a second thread
        # mostly waits for a core and makes the times noisy (measured: 4 ms vs 40-150 ms).
        torch.set_num_threads(args.decode_threads)
    for cache in configs.values():  # warm-up, untimed
        decode_pass(model, cache, fed, args.prompt_len, device)
    means: dict[str, list[float]] = {name: [] for name in configs}
    agree: dict[str, int] = {}
    for _ in range(args.repeats):
        for name, cache in configs.items():
            seconds, choices = decode_pass(model, cache, fed, args.prompt_len, device)
            means[name].append(statistics.fmean(seconds))
            agree[name] = int((choices == reference).sum())
    torch.set_num_threads(threads)
    full_bytes = out.cache.nbytes()
    return {
        name: {
            "cache_rows": cache.length,
            "cache_heads": cache.k[0].shape[1],
            "kv_bytes": cache.nbytes(),
            "memory_ratio": full_bytes / cache.nbytes(),
            "compress_ms": compress_ms[name],
            "decode_ms_per_token": 1e3 * statistics.median(means[name]),
            "decode_ms_passes": [1e3 * m for m in means[name]],
            "agree": agree[name],
        }
        for name, cache in configs.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 prompts, 2 repeats, 16 tokens")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--prompt-len", type=int, default=4096)
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--capacities", default="256,512,1024,2048")
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--kernel", type=int, default=7)
    ap.add_argument("--decode-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument(
        "--decode-threads",
        type=int,
        default=1,
        help="torch CPU threads while timing decode steps (0: torch's choice)",
    )
    ap.add_argument("--weights", help="a TinyLM file (default: the committed model)")
    ap.add_argument("--json", default="benchmarks/results/snapkv_model.json")
    args = ap.parse_args()
    if args.quick:
        args.prompts, args.repeats, args.decode_tokens = 8, 2, 16
    args.capacities = [int(c) for c in args.capacities.split(",")]
    device = pick_device(args.device)
    model = TinyLM.load(args.weights, device) if args.weights else load_pretrained(device)
    t0 = time.perf_counter()
    rows = timing(model, args, device)
    acc = accuracy(model, args, device)
    full_ms, full_acc = rows[FULL]["decode_ms_per_token"], acc[FULL]["accuracy"]
    header = f"{'cache':26} {'rows':>5} {'heads':>5} {'KV MiB':>7} {'ratio':>6} "
    print(header + f"{'ms/token':>8} {'speedup':>7} {'agree':>6} {'accuracy':>8} {'drop':>6}")
    for name, row in rows.items():
        row |= acc[name] | {
            "decode_speedup": full_ms / row["decode_ms_per_token"],
            "accuracy_drop": full_acc - acc[name]["accuracy"],
        }
        print(
            f"{name:26} {row['cache_rows']:5d} {row['cache_heads']:5d} "
            f"{row['kv_bytes'] / 2**20:7.2f} {row['memory_ratio']:5.1f}x "
            f"{row['decode_ms_per_token']:8.3f} {row['decode_speedup']:6.2f}x "
            f"{row['agree']:3d}/{args.decode_tokens:<2d} {row['accuracy']:8.3f} "
            f"{row['accuracy_drop']:+6.3f}"
        )
    settings = {k: v for k, v in vars(args).items() if k != "json"}
    settings |= {"device": str(device), "pooling": "max"}
    settings["prefill_threads"] = torch.get_num_threads()
    result = {"settings": settings, "seconds": time.perf_counter() - t0, "rows": rows}
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
