"""Synthesis feedback for the scheduler: targets and their synthesizers (Yosys, OpenSTA,
nextpnr), op characterization, whole-design synthesis, and the ISDC loop.

Names load on first use, so that `kiln.feedback.targets` stays light for the config.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Target": "kiln.feedback.targets",
    "GENERIC": "kiln.feedback.targets",
    "Synthesizer": "kiln.feedback.synthesizer",
    "SignOff": "kiln.feedback.synthesizer",
    "IsdcOptions": "kiln.feedback.isdc",
    "IsdcResult": "kiln.feedback.isdc",
    "isdc_schedule": "kiln.feedback.isdc",
    "characterize": "kiln.feedback.characterize",
    "synthesize": "kiln.feedback.synthesis",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kiln.feedback' has no attribute {name!r}")
