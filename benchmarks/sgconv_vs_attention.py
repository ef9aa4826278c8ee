"""SGConv (Li et al. 2022) against causal attention: forward time and peak memory, 1K-16K tokens.

    .venv/bin/python benchmarks/sgconv_vs_attention.py [--quick] [--device auto|cpu|cuda]
        [--lengths 1024,2048,...] [--channels 64] [--heads 1] [--kernel-dim 64] [--repeats 5]
        [--attention kiln|sdpa]

Both sides are whole layers on (1, L, channels) in float32 under `torch.no_grad()`:
- SGConv: `kiln.llm_kernels.sgconv.SGConv` in FFT mode (kernel built from its sub-kernels on
  every call, as in training, then the 2L-point FFT convolution, D skip, GELU, output Linear);
- attention: `kiln.llm_kernels.attention.MultiHeadAttention`, causal (q/k/v/o projections around
  kiln's `attention`, which forms the full (L, L) score matrix, as the reference does). One
  head by default: the fewest elementwise passes over the score matrix, the case most
  favourable to attention at a given width. `--attention sdpa` swaps the core for
  `torch.nn.functional.scaled_dot_product_attention(is_causal=True)` (same projections), a
  fused kernel that never holds the score matrix: the stronger baseline.

Time is the median of `--repeats` forward calls after one warm-up call. Peak memory is what
the forward adds on top of the built layer and its input: on CUDA `max_memory_allocated`
minus the allocation before the calls; on the CPU every point runs in its own process and the
figure is the rise of `ru_maxrss` (the process's resident high-water mark) across the calls.
Ratio columns are attention / SGConv. The JSON keeps the 1-minute load average before and
after the run: on a shared machine it says how much the times can be trusted. There, `--threads
1` gives steadier figures: with more threads than idle cores every parallel op waits at its
barrier for a descheduled thread, which hurts SGConv's many short ops far more than attention's
few long ones (measured: 2 threads under load 10 made SGConv's 16K forward 3x slower).
Results go to `benchmarks/results/sgconv_vs_attention.json`
(`--quick`, lengths 256-1024, adds `_quick` to the name and `--attention sdpa` adds `_sdpa`, so
neither overwrites the default run).

Acceptance (issue [llm-kernels]): at L = 16K SGConv is faster than attention; the exit status
is 0 when that holds or 16K was not measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from kiln.llm_kernels.attention import MultiHeadAttention
from kiln.llm_kernels.device import pick_device
from kiln.llm_kernels.sgconv import SGConv

LENGTHS = (1024, 2048, 4096, 8192, 16384)
QUICK_LENGTHS = (256, 512, 1024)
TARGET_LENGTH = 16384
RESULTS = Path("benchmarks/results/sgconv_vs_attention.json")
ATTENTION_IMPL = {
    "kiln": "kiln.llm_kernels.attention.MultiHeadAttention (causal, full score matrix)",
    "sdpa": "MultiHeadAttention projections around F.scaled_dot_product_attention(is_causal)",
}


def build(model: str, length: int, args: argparse.Namespace, device: torch.device):
    torch.manual_seed(0)
    if model == "sgconv":
        layer = SGConv(args.channels, length, args.kernel_dim, device=device)
        layer.freeze_norm()

        def run(x: torch.Tensor) -> torch.Tensor:
            return layer(x)
    elif args.attention == "kiln":
        layer = MultiHeadAttention(args.channels, args.heads, device=device)

        def run(x: torch.Tensor) -> torch.Tensor:
            return layer(x, causal=True)
    else:
        layer = MultiHeadAttention(args.channels, args.heads, device=device)

        def run(x: torch.Tensor) -> torch.Tensor:
            b, s, _ = x.shape
            q, k, v = (
                p(x).view(b, s, args.heads, -1).transpose(1, 2)
                for p in (layer.q_proj, layer.k_proj, layer.v_proj)
            )
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return layer.o_proj(y.transpose(1, 2).reshape(b, s, -1))

    layer.eval()
    return run, torch.randn(1, length, args.channels, device=device)


def measure(model: str, length: int, args: argparse.Namespace) -> dict:
    """One point, in this process: median forward seconds and the forward's peak memory."""
    device = pick_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    run, x = build(model, length, args, device)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times = []
    with torch.no_grad():
        for i in range(args.repeats + 1):
            t0 = time.perf_counter()
            run(x)
            if cuda:
                torch.cuda.synchronize()
            if i:  # the first call is the warm-up
                times.append(time.perf_counter() - t0)
    if cuda:
        peak = torch.cuda.max_memory_allocated() - base
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    return {
        "model": model,
        "length": length,
        "median_ms": round(statistics.median(times) * 1e3, 3),
        "min_ms": round(min(times) * 1e3, 3),
        "peak_mb": round(max(peak, 0) / 2**20, 1),
        "threads": torch.get_num_threads(),
        "device": str(device),
    }


def child_args(args: argparse.Namespace, model: str, length: int) -> list[str]:
    return [
        sys.executable,
        __file__,
        "--point",
        f"{model}:{length}",
        "--device",
        args.device,
        "--channels",
        str(args.channels),
        "--heads",
        str(args.heads),
        "--kernel-dim",
        str(args.kernel_dim),
        "--repeats",
        str(args.repeats),
        "--attention",
        args.attention,
        "--threads",
        str(args.threads),
    ]


def point(args: argparse.Namespace, model: str, length: int) -> dict:
    """A fresh process per point on the CPU (ru_maxrss never falls); in-process on CUDA,
    where the allocator's peak counter can be reset."""
    if pick_device(args.device).type == "cuda":
        return measure(model, length, args)
    child = subprocess.run(child_args(args, model, length), capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"{model} at L={length} failed:\n{child.stderr}")
    return json.loads(child.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="lengths 256, 512, 1024")
    ap.add_argument("--lengths", help="comma-separated sequence lengths")
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--channels", type=int, default=64, help="d_model of both layers")
    ap.add_argument("--heads", type=int, default=1, help="attention heads")
    ap.add_argument("--kernel-dim", type=int, default=64, help="SGConv sub-kernel length d")
    ap.add_argument("--repeats", type=int, default=5, help="timed calls after one warm-up")
    ap.add_argument("--attention", default="kiln", choices=("kiln", "sdpa"), help="the core")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--json", help=f"default {RESULTS} ({RESULTS.stem}_quick.json with --quick)")
    ap.add_argument("--point", help=argparse.SUPPRESS)  # child: "model:length"
    args = ap.parse_args()
    if args.point:
        model, length = args.point.split(":")
        print(json.dumps(measure(model, int(length), args)))
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    lengths = QUICK_LENGTHS if args.quick else LENGTHS
    if args.lengths:
        lengths = tuple(int(n) for n in args.lengths.split(","))
    device = pick_device(args.device)
    print(
        f"SGConv (FFT, d={args.kernel_dim}) vs causal attention ({args.attention}, "
        f"{args.heads} head(s)), "
        f"d_model {args.channels}, batch 1, float32, {device}, {torch.get_num_threads()} threads"
    )
    head = (
        f"{'L':>6} {'SGConv ms':>10} {'attn ms':>10} {'time x':>7} "
        f"{'SGConv MB':>10} {'attn MB':>9} {'mem x':>7}"
    )
    print(head)
    rows = []
    load_before = os.getloadavg()[0]
    for length in lengths:
        sg, at = point(args, "sgconv", length), point(args, "attention", length)
        row = {
            "length": length,
            "sgconv_ms": sg["median_ms"],
            "attention_ms": at["median_ms"],
            "time_ratio": round(at["median_ms"] / sg["median_ms"], 2),
            "sgconv_peak_mb": sg["peak_mb"],
            "attention_peak_mb": at["peak_mb"],
            "memory_ratio": round(at["peak_mb"] / max(sg["peak_mb"], 0.1), 1),
            "sgconv_min_ms": sg["min_ms"],
            "attention_min_ms": at["min_ms"],
        }
        rows.append(row)
        print(
            f"{length:>6} {row['sgconv_ms']:>10.2f} {row['attention_ms']:>10.2f} "
            f"{row['time_ratio']:>7.1f} {row['sgconv_peak_mb']:>10.1f} "
            f"{row['attention_peak_mb']:>9.1f} {row['memory_ratio']:>7.1f}"
        )
    target = [r for r in rows if r["length"] == TARGET_LENGTH]
    met = all(r["sgconv_ms"] < r["attention_ms"] for r in target)
    if target:
        r = target[0]
        print(
            f"target: at L={TARGET_LENGTH} SGConv {r['sgconv_ms']:.1f} ms vs attention "
            f"{r['attention_ms']:.1f} ms: {'met' if met else 'MISSED'}"
        )
    out = Path(args.json) if args.json else RESULTS
    if not args.json and (args.quick or args.attention == "sdpa"):
        suffix = "_quick" if args.quick else ""
        suffix += "_sdpa" if args.attention == "sdpa" else ""
        out = RESULTS.with_name(f"{RESULTS.stem}{suffix}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "device": str(device),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "machine": platform.machine(),
        "channels": args.channels,
        "attention_heads": args.heads,
        "sgconv_kernel_dim": args.kernel_dim,
        "repeats": args.repeats,
        "attention": ATTENTION_IMPL[args.attention],
        "memory": "cuda max_memory_allocated" if device.type == "cuda" else "ru_maxrss rise",
        "cpus": os.cpu_count(),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    summary = {"config": config, "rows": rows, "target_length": TARGET_LENGTH, "target_met": met}
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
