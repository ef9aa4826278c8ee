"""Reading kernels from files: the checks every command that takes a path shares."""

from __future__ import annotations

from pathlib import Path

from kiln.base.errors import KilnError


def read_ir(path: str):
    """The IR module in a .kir text file, with clear errors for a bad path or encoding."""
    from kiln.ir.parser import parse

    p = Path(path)
    if not p.exists():
        raise KilnError(f"{path}: no such file", hint="give the path of a .kir IR text file")
    if not p.is_file():
        raise KilnError(f"{path}: not a file", hint="give the path of a .kir IR text file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise KilnError(
            f"{path}: not UTF-8 text (byte {err.start})", hint="IR files are UTF-8 text"
        ) from None
    return parse(text, str(p))


def pick_kernel(module, name: str | None):
    """The kernel `name` of `module` (the first when name is None)."""
    try:
        return module.kernel(name)
    except KeyError:
        names = ", ".join(f"@{k.name}" for k in module.kernels)
        raise KilnError(f"no kernel @{name} in the file", hint=f"kernels: {names}") from None
