"""Every error kiln raises on purpose, each carrying where in the user's source it arose.

The CLI catches `KilnError` and prints `str(err)` (location, message, hint) without a
traceback; anything else escaping is a bug in kiln.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLoc:
    """A place in a user's source: a C file and line, an IR text line, or an ONNX node."""

    file: str
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.col is not None:
                text += f":{self.col}"
        return text


class KilnError(Exception):
    """Base of kiln's deliberate errors: a message, an optional location and a hint."""

    def __init__(self, message: str, loc: SourceLoc | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.loc}: {self.message}" if self.loc else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class IRTypeError(KilnError):
    """A type that cannot exist (zero width, negative fractional bits, unknown mode)."""


class IRParseError(KilnError):
    """IR text that does not follow the grammar; `loc` is the file, line and column."""


class VerifyError(KilnError):
    """IR that parses but breaks a rule; the message names the op and the rule."""


class CFrontendError(KilnError):
    """C source outside the supported subset, or malformed; points at the C line and column."""


class GoldenError(KilnError):
    """The C golden model (kernel + testbench under gcc) did not build, failed its own
    checks, or disagreed with the IR interpreter."""


class InterpretError(KilnError):
    """A run of the interpreter that cannot go on (missing input, index out of bounds)."""


class ScheduleError(KilnError):
    """A schedule that cannot be built or does not meet its constraints."""


class BackendError(KilnError):
    """IR the Verilog backend cannot emit yet."""


class ToolError(KilnError):
    """An external tool is missing, too old, timed out or failed; names the log and the fix."""

    def __init__(
        self,
        message: str,
        *,
        tool: str,
        command: list[str] | None = None,
        log: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, None, hint)
        self.tool = tool
        self.command = command
        self.log = log

    def __reduce__(self):  # keyword-only arguments: rebuild through a helper (process pools)
        return (_tool_error, (self.message, self.tool, self.command, self.log, self.hint))

    def __str__(self) -> str:
        text = f"{self.tool}: {self.message}"
        if self.command:
            text += f"\n  command: {' '.join(self.command)}"
        if self.log:
            text += f"\n  log: {self.log}"
        if self.hint:
            text += f"\n  fix: {self.hint}"
        return text


def _tool_error(message, tool, command, log, hint) -> ToolError:
    return ToolError(message, tool=tool, command=command, log=log, hint=hint)


class SimulationError(KilnError):
    """RTL simulation disagreed with the reference or did not finish."""


class ConfigError(KilnError):
    """A compile option out of range: the message names the option and the value."""


class OnnxImportError(KilnError):
    """An ONNX model kiln cannot import: not ONNX, an opset or op outside kiln's table, an
    unsupported attribute, an unbound dynamic shape; names the file, node and a hint."""
