"""Seconds to import each acceptance model of the ONNX frontend, against onnx.load alone.

    .venv/bin/python benchmarks/onnx_import.py [--repeat N] [--json PATH]

Builds the models of tests/frontend/onnx/onnx_models.py (the five reference kernels,
MultiheadAttention from both torch exporters, a TinyLM decoder block, a QDQ MLP), then for
each times `import_onnx` (load, upgrade, onnx shape inference, typing by kiln's rules,
folding, QDQ formats, verification), best of N, and the baseline `onnx.load` of the same
file in the same run. The target: the largest graph (by node count) imports in under 2 s;
the exit status is 0 when it does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "frontend" / "onnx"))
import onnx_models  # noqa: E402

from kiln.frontend.onnx import import_onnx  # noqa: E402

TARGET_S = 2.0


def best_of(repeat: int, fn) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", default="benchmarks/results/onnx_import.json")
    args = ap.parse_args()
    builders = {
        **{k: (lambda f, k=k: onnx_models.kernel(k, f)) for k in onnx_models.KERNELS},
        "mha-torchscript": lambda f: onnx_models.multihead_attention(f, False),
        "mha-dynamo": lambda f: onnx_models.multihead_attention(f, True),
        "decoder-block": onnx_models.decoder_block,
        "decoder-block-23": lambda f: onnx_models.decoder_block(f, opset=23),
        "qdq-mlp": onnx_models.qdq_mlp,
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in builders.items():
            path, _ = build(Path(tmp))
            load_s, model = best_of(args.repeat, lambda p=path: onnx.load(str(p)))
            import_s, graph = best_of(args.repeat, lambda p=path: import_onnx(p))
            rows.append(
                {
                    "model": name,
                    "onnx_nodes": len(model.graph.node),
                    "kiln_nodes": len(graph.nodes),
                    "bytes": path.stat().st_size,
                    "onnx_load_s": load_s,
                    "import_s": import_s,
                    "ratio": import_s / load_s,
                }
            )
    print(
        f"{'model':<16} {'nodes':>6} {'kiln':>5} {'KiB':>7} {'onnx.load s':>12} "
        f"{'import s':>9} {'ratio':>7}"
    )
    for r in rows:
        print(
            f"{r['model']:<16} {r['onnx_nodes']:>6} {r['kiln_nodes']:>5} {r['bytes'] / 1024:>7.0f} "
            f"{r['onnx_load_s']:>12.4f} {r['import_s']:>9.4f} {r['ratio']:>7.1f}"
        )
    largest = max(rows, key=lambda r: r["onnx_nodes"])
    ok = largest["import_s"] < TARGET_S
    print(
        f"largest graph: {largest['model']} ({largest['onnx_nodes']} nodes) imports in "
        f"{largest['import_s']:.3f} s: {'meets' if ok else 'MISSES'} the {TARGET_S:.0f} s target"
    )
    path = Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"target_s": TARGET_S, "largest": largest["model"], "meets_target": ok, "rows": rows}
    path.write_text(json.dumps(result, indent=1) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
