"""The exportable reference kernels by name, with their options, export and numerics check.

This is what `kiln kernels list|export|check` drives. Builders are imported when used, so
listing kernels costs no torch model construction.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from kiln.base.errors import KilnError
from kiln.llm_kernels.device import pick_device
from kiln.llm_kernels.export import (
    OPSET,
    Builder,
    ExportSpec,
    export_onnx,
    op_types,
    run_onnxruntime,
)


@dataclass(frozen=True)
class Kernel:
    """One exportable kernel; `target` names its builder as "module:function"."""

    name: str
    summary: str
    target: str

    def builder(self) -> Builder:
        module, function = self.target.split(":")
        return getattr(importlib.import_module(f"kiln.llm_kernels.{module}"), function)

    def options(self) -> dict[str, object]:
        """The builder's keyword options and their defaults (the default configuration)."""
        params = inspect.signature(self.builder()).parameters.values()
        return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


KERNELS = (
    Kernel("mha", "multi-head attention (causal or not, grouped-query)", "attention:mha_export"),
    Kernel("snapkv", "SnapKV prompt-cache selection and compression", "snapkv:snapkv_export"),
    Kernel(
        "medusa-heads",
        "Medusa decoding heads (residual SiLU block + LM head)",
        "medusa:medusa_heads_export",
    ),
    Kernel(
        "medusa-verify",
        "Medusa greedy tree verification (accept lengths, best path)",
        "medusa:medusa_verify_export",
    ),
    Kernel("sgconv", "SGConv long convolution layer (direct causal form)", "sgconv:sgconv_export"),
)


def find(name: str) -> Kernel:
    for kernel in KERNELS:
        if kernel.name == name:
            return kernel
    names = ", ".join(k.name for k in KERNELS)
    raise KilnError(f"no kernel named {name!r}", hint=f"kernels: {names} (kiln kernels list)")


def parse_options(kernel: Kernel, items: list[str] | None) -> dict[str, object]:
    """`key=value` items (several may share one argument, comma-separated) as builder options,
    each converted to the type of its default."""
    defaults = kernel.options()
    options: dict[str, object] = {}
    for item in (part for arg in items or [] for part in arg.split(",") if part):
        key, sep, text = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise KilnError(f"option {item!r} is not key=value", hint="e.g. --config seq=32")
        if key not in defaults:
            raise KilnError(
                f"kernel {kernel.name} has no option {key!r}",
                hint=f"options: {', '.join(defaults)} (kiln kernels list shows the defaults)",
            )
        options[key] = _convert(kernel.name, key, text.strip(), defaults[key])
    return options


def _convert(kernel: str, key: str, text: str, default: object) -> object:
    if text.lower() in ("none", "null"):
        return None
    try:
        if isinstance(default, bool):
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError(text)
            return text.lower() in ("true", "1")
        if isinstance(default, int) or default is None and text.lstrip("-").isdigit():
            return int(text)
        if isinstance(default, float):
            return float(text)
    except ValueError:
        kind = type(default).__name__
        raise KilnError(
            f"option {key}={text!r} of kernel {kernel} is not a valid {kind}",
            hint=f"the default is {default!r}",
        ) from None
    return text


def build(kernel: Kernel, options: dict[str, object]) -> ExportSpec:
    try:
        spec = kernel.builder()(**options)
    except (ValueError, RuntimeError, TypeError) as err:  # torch's word on impossible shapes
        shown = ", ".join(f"{k}={v}" for k, v in options.items()) or "the defaults"
        raise KilnError(
            f"kernel {kernel.name} cannot be built with {shown}: {err}",
            hint="kiln kernels list shows each option's default; sizes must divide evenly",
        ) from None
    spec.config = {**kernel.options(), **spec.config, **options}
    return spec


def export(name: str, options: dict[str, object], path: str | Path) -> tuple[ExportSpec, Path]:
    """Build kernel `name` with `options` and write it to `path` as checked ONNX."""
    spec = build(find(name), options)
    return spec, export_onnx(spec, path)


# ---- the numerics check ------------------------------------------------------------------


@dataclass
class OutputCheck:
    """One output: its float errors (max |a - b|) or, for integer outputs, mismatches."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    torch_vs_f64: float  # the float32 reference on the chosen device against float64 on the CPU
    onnx_vs_f64: float
    onnx_vs_torch: float

    def to_json(self) -> dict:
        return self.__dict__ | {"shape": list(self.shape)}


@dataclass
class CheckReport:
    kernel: str
    device: str
    opset: int
    ops: list[str]
    config: dict
    outputs: list[OutputCheck] = field(default_factory=list)
    # The fixed-point interpreter joins the table once the ONNX frontend lowers these graphs.
    interpreter: str = "not run: kiln has no ONNX frontend yet"

    def to_json(self) -> dict:
        return self.__dict__ | {"outputs": [o.to_json() for o in self.outputs]}

    def table(self) -> str:
        head = ("output", "shape", "dtype", "torch f32 vs f64", "onnxrt vs f64", "onnxrt vs torch")
        rows = [head]
        for o in self.outputs:
            fmt = (lambda x: f"{int(x)} differ") if o.dtype.startswith("int") else "{:.3g}".format
            rows.append((o.name, "x".join(map(str, o.shape)), o.dtype, *map(fmt, _errors(o))))
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(
            [
                f"kernel {self.kernel} on {self.device}, ONNX opset {self.opset}: "
                + ", ".join(self.ops),
                *lines,
                f"fixed-point interpreter: {self.interpreter}",
            ]
        )


def _errors(o: OutputCheck) -> tuple[float, float, float]:
    return o.torch_vs_f64, o.onnx_vs_f64, o.onnx_vs_torch


def check(name: str, options: dict[str, object], device: str = "auto") -> CheckReport:
    """Run the reference (float32 on `device`, float64 on the CPU) and onnxruntime on the
    exported graph, and compare every output."""
    kernel = find(name)
    spec = build(kernel, options)
    where = pick_device(device)
    # Export first, while module and inputs are both on the CPU; the references then run on
    # copies, so neither the device nor float64 reaches the exported graph.
    with tempfile.TemporaryDirectory(prefix="kiln-kernel-") as scratch:
        path = export_onnx(spec, Path(scratch) / f"{name}.onnx")
        ops = op_types(path)
        ort = [torch.from_numpy(a) for a in run_onnxruntime(path, spec)]
    ref32 = _run(copy.deepcopy(spec.module), spec.inputs, where, None)
    ref64 = _run(copy.deepcopy(spec.module), spec.inputs, torch.device("cpu"), torch.float64)
    report = CheckReport(name, str(where), OPSET, ops, spec.config)
    for out_name, a32, a64, a_ort in zip(spec.output_names, ref32, ref64, ort, strict=True):
        report.outputs.append(
            OutputCheck(
                out_name,
                tuple(a32.shape),
                str(a32.dtype).removeprefix("torch."),
                _diff(a32, a64),
                _diff(a_ort, a64),
                _diff(a_ort, a32),
            )
        )
    return report


def _run(module, inputs, device, dtype) -> list[torch.Tensor]:
    def cast(t: torch.Tensor) -> torch.Tensor:
        t = t.to(device)
        return t.to(dtype) if dtype is not None and t.is_floating_point() else t

    module = module.to(device)
    if dtype is not None:
        module = module.to(dtype)
    with torch.no_grad():
        out = module(*(cast(t) for t in inputs))
    outs = list(out) if isinstance(out, tuple | list) else [out]
    return [o.detach().cpu() for o in outs]


def _diff(a: torch.Tensor, b: torch.Tensor) -> float:
    """Max absolute difference of float outputs; the number of differing integer elements."""
    if a.shape != b.shape:
        raise KilnError(f"output shapes differ: {tuple(a.shape)} against {tuple(b.shape)}")
    if not (a.is_floating_point() or b.is_floating_point()):
        return float((a.to(torch.int64) != b.to(torch.int64)).sum())
    if a.numel() == 0:
        return 0.0
    return float((a.double() - b.double()).abs().max())


__all__ = ["KERNELS", "CheckReport", "Kernel", "build", "check", "export", "find", "parse_options"]
