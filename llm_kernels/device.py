"""Where the references run: CUDA when present (`auto`), or the device the user names."""

from __future__ import annotations

import torch

from kiln.base.errors import KilnError

DEVICES = ("auto", "cuda", "cpu")


def pick_device(name: str = "auto") -> torch.device:
    """`auto` is CUDA when torch sees a GPU, else the CPU; `cuda` without a GPU is an error."""
    if name not in DEVICES:
        raise KilnError(f"unknown device {name!r}", hint=f"choose one of: {', '.join(DEVICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise KilnError(
            "--device cuda asked for a GPU, but torch sees none",
            hint="use --device auto (CUDA when present) or --device cpu; a CUDA build of "
            "torch and a visible GPU are needed for cuda",
        )
    return torch.device(name)


__all__ = ["DEVICES", "pick_device"]
