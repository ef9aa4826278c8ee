"""Preprocess C with gcc against kiln's own headers, then parse it with pycparser.

Kernels and their testbenches include the usual libc headers; kiln ships small versions of
them (`include/`) holding declarations only, so any C file parses the same on any machine
and the parse never sees a system header's compiler extensions.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pycparser import c_ast, c_parser

from kiln.base.errors import CFrontendError, SourceLoc, ToolError
from kiln.base.toolchain import run_tool

INCLUDE_DIR = Path(__file__).parent / "include"
HEADERS = sorted(p.name for p in INCLUDE_DIR.glob("*.h"))
_GCC_DIAG = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?:fatal )?error: (?P<msg>.*)$", re.M
)
_PARSE_DIAG = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$", re.S)


@dataclass
class CSource:
    """A parsed C file: its AST and how it was preprocessed."""

    path: Path
    ast: c_ast.FileAST
    include_dirs: tuple[str, ...]
    defines: tuple[str, ...]


def cpp_flags(include_dirs: tuple[str, ...], defines: tuple[str, ...]) -> list[str]:
    """The -I/-D flags shared by the parse and the golden gcc build."""
    flags = [f"-I{d}" for d in include_dirs]
    for d in defines:
        flags.append(f"-D{d}")
    return flags


def preprocess(path: Path, include_dirs=(), defines=(), workdir: Path | None = None) -> str:
    """The preprocessed text; without `workdir`, the scratch folder is removed afterwards."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="kiln-cpp-") as scratch:
            return preprocess(path, include_dirs, defines, Path(scratch))
    work = Path(workdir)
    out = work / (path.stem + ".i")
    run = run_tool(
        "gcc",
        [
            "-E",
            "-std=gnu99",
            "-nostdinc",
            "-isystem",
            str(INCLUDE_DIR),
            "-DKILN_HLS=1",
            *cpp_flags(tuple(include_dirs), tuple(defines)),
            "-o",
            str(out),
            str(path),
        ],
        cwd=Path.cwd(),  # paths in line markers (and so in messages) stay as the user gave them
        log_path=work / "preprocess.log",
        timeout_s=60,
        check=False,
    )
    if run.returncode != 0:
        m = _GCC_DIAG.search(run.stdout)
        if m:
            msg = m["msg"]
            hint = "check the #include and #define lines"
            if "No such file" in msg:
                hint = (
                    "kiln parses against its own libc headers ("
                    + ", ".join(HEADERS)
                    + "); add -I DIR for your own headers"
                )
            raise CFrontendError(
                f"preprocessor: {msg}",
                SourceLoc(m["file"], int(m["line"]), int(m["col"]) if m["col"] else None),
                hint,
            )
        raise ToolError(f"gcc -E failed:\n{run.stdout}", tool="gcc", log=str(run.log_path))
    return out.read_text(encoding="utf-8", errors="replace")


def parse_c(path: str | Path, include_dirs=(), defines=()) -> CSource:
    """Preprocess and parse one C file; syntax errors become `CFrontendError` at their line."""
    p = Path(path)
    if not p.is_file():
        raise CFrontendError(f"{path}: no such C file", hint="give the path of a .c file")
    text = preprocess(p, include_dirs, defines)
    try:
        ast = c_parser.CParser().parse(text, filename=str(p))
    except c_parser.ParseError as err:
        m = _PARSE_DIAG.match(str(err))
        if m is None:
            raise CFrontendError(f"C syntax error: {err}", SourceLoc(str(p))) from None
        msg = m["msg"]
        if msg.startswith("before:"):
            msg = f"syntax error before '{msg[7:].strip()}'"
        raise CFrontendError(
            f"C syntax error: {msg}",
            SourceLoc(m["file"], int(m["line"]), int(m["col"])),
            "kiln reads C99; GNU extensions and C++ are not accepted (an unknown type "
            "name also shows up here: is its header included?)",
        ) from None
    return CSource(p, ast, tuple(map(str, include_dirs)), tuple(defines))


def loc_of(node) -> SourceLoc | None:
    c = getattr(node, "coord", None)
    if c is None:
        return None
    return SourceLoc(c.file, c.line, c.column)
