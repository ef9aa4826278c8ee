"""The C golden model: build the kernel and its testbench with gcc, run the testbench, and
record the top function's inputs and outputs on every call.

The top function's definition is renamed in a copy of its file, and a wrapper with the
original name takes its place: it writes every port's values before the call, calls the
real function, and writes the outputs after. Callers (the testbench `main` in the same
file, or other files given with `--tb`) reach the wrapper without any change to them.
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pycparser import c_ast, c_generator

from kiln.base.errors import GoldenError, SourceLoc
from kiln.base.toolchain import run_tool
from kiln.frontend.c.c_types import elem_name
from kiln.frontend.c.lower import CKernel, Port
from kiln.frontend.c.parse import INCLUDE_DIR, cpp_flags
from kiln.ir.calls import Call
from kiln.ir.kernel import Direction
from kiln.ir.types import BOOL, FloatType, ScalarType

SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


@dataclass
class GoldenRun:
    calls: list[Call]
    stdout: str
    sanitized: bool
    workdir: Path


def _c_print(expr: str, t: ScalarType) -> str:
    """C statements printing one value of type `t` as its raw IR value."""
    if isinstance(t, FloatType):
        ctype, utype = (
            ("float", "unsigned int") if t.width == 32 else ("double", "unsigned long long")
        )
        return (
            f"{{ {ctype} kv = {expr}; {utype} kb; memcpy(&kb, &kv, sizeof kb); "
            f'fprintf(kiln_rec, " %llu", (unsigned long long)kb); }}'
        )
    if t == BOOL or t.signed:
        return f'fprintf(kiln_rec, " %lld", (long long)({expr}));'
    return f'fprintf(kiln_rec, " %llu", (unsigned long long)({expr}));'


def _port_dump(port: Port, tag: str) -> str:
    lines = [f'fprintf(kiln_rec, "{tag} {port.name}");']
    loops, expr = [], port.base
    k = 0
    for d in port.dims_before:
        loops.append(f"for (int kk{k} = 0; kk{k} < {d}; kk{k}++)")
        expr += f"[kk{k}]"
        k += 1
    expr += port.member
    for d in port.dims_after:
        loops.append(f"for (int kk{k} = 0; kk{k} < {d}; kk{k}++)")
        expr += f"[kk{k}]"
        k += 1
    if port.is_return:
        expr = "kiln_result"
    lines.append(" ".join(loops) + " " + _c_print(expr, port.elem))
    lines.append('fprintf(kiln_rec, "\\n");')
    return "\n    ".join(lines)


def _wrapper(ck: CKernel, impl: str) -> str:
    fdef = _top_def(ck)
    signature, prefix = _signature(fdef)
    params = [
        p.name
        for p in (fdef.decl.type.args.params if fdef.decl.type.args else [])
        if getattr(p, "name", None)
    ]
    ret = next((p for p in ck.ports if p.is_return), None)
    call = f"{impl}({', '.join(params)})"
    ins = [_port_dump(p, "in") for p in ck.ports if not p.is_return]
    outs = [_port_dump(p, "out") for p in ck.ports if p.direction is not Direction.IN]
    body = [
        'if (!kiln_rec) { const char *kp = getenv("KILN_RECORD"); '
        'kiln_rec = fopen(kp ? kp : "kiln_calls.txt", "w"); }',
        'fprintf(kiln_rec, "call\\n");',
        *ins,
        (f"{elem_name(ret.elem)} kiln_result = {call};" if ret else f"{call};"),
        *outs,
        'fprintf(kiln_rec, "end\\n"); fflush(kiln_rec);',
    ]
    if ret:
        body.append("return kiln_result;")
    inner = "\n    ".join(body)
    return (
        "\n/* ---- added by kiln: records each call of the kernel ---- */\n"
        "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
        f"static FILE *kiln_rec;\n{prefix}{signature}\n{{\n    {inner}\n}}\n"
    )


def _top_def(ck: CKernel):
    return next(
        f for f in ck.source.ast.ext if isinstance(f, c_ast.FuncDef) and f.decl.name == ck.top
    )


def _signature(fdef) -> tuple[str, str]:
    """The top function's declarator as C text, and 'static ' when it is static."""
    decl = copy.copy(fdef.decl)
    decl.storage, decl.funcspec = [], []
    prefix = "static " if "static" in (fdef.decl.storage or []) else ""
    return c_generator.CGenerator().visit(decl), prefix


def _function_end(text: str, start: int) -> int:
    """Offset just past the closing brace of the function whose name starts at `start`."""
    i, n, depth, seen = start, len(text), 0, False
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == "{":
            depth += 1
            seen = True
        elif c == "}":
            depth -= 1
            if seen and depth == 0:
                return i + 1
        i += 1
    return -1


def instrument(ck: CKernel, workdir: Path) -> Path:
    """A copy of the file defining the top function, with the definition renamed and the
    recording wrapper added; `#line` keeps gcc's messages pointing at the original."""
    fdef = _top_def(ck)
    src_path = Path(fdef.decl.coord.file)
    loc = SourceLoc(str(src_path), fdef.decl.coord.line)
    if src_path.resolve() != ck.source.path.resolve():
        raise GoldenError(
            f"the top function '{ck.top}' is defined in an included file",
            loc,
            "define the kernel in the .c file given to kiln",
        )
    text = ck.source.path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    line_start = sum(len(x) for x in lines[: fdef.decl.coord.line - 1])
    line = lines[fdef.decl.coord.line - 1] if fdef.decl.coord.line <= len(lines) else ""
    m = re.search(rf"\b{re.escape(ck.top)}\s*\(", line)
    if m is None:
        raise GoldenError(
            f"cannot find the name '{ck.top}' on its definition line (made by a macro?)",
            loc,
            "write the kernel's name literally in its definition",
        )
    impl = f"kiln_impl_{ck.top}"
    name_at = line_start + m.start()
    end = _function_end(text, name_at)
    if end < 0:
        raise GoldenError(f"cannot find the end of function '{ck.top}'", loc)
    signature, prefix = _signature(fdef)
    new = (
        text[:name_at]
        + impl
        + text[name_at + len(ck.top) : end]
        + f" {prefix}{signature};"
        + text[end:]
        + _wrapper(ck, impl)
    )
    out = workdir / ck.source.path.name
    out.write_text(f'#line 1 "{ck.source.path.resolve()}"\n' + new, encoding="utf-8")
    return out


def run_golden(
    ck: CKernel,
    tb_sources: tuple[str, ...] = (),
    *,
    sanitize: bool = False,
    workdir: Path | None = None,
    timeout_s: float = 120,
    cflags: tuple[str, ...] = (),
) -> GoldenRun:
    """Build kernel + testbench with gcc (optionally with ASan/UBSan), run it, and read back
    the recorded calls. Raises GoldenError when the build or the testbench fails."""
    work = Path(workdir or tempfile.mkdtemp(prefix="kiln-golden-"))
    work.mkdir(parents=True, exist_ok=True)
    src = instrument(ck, work)
    exe = work / ("golden_san" if sanitize else "golden")
    flags = [
        "-std=gnu99",
        "-O1",
        "-g",
        "-fno-strict-aliasing",
        "-ffp-contract=off",
        "-Wno-unknown-pragmas",
        "-iquote",
        str(ck.source.path.resolve().parent),
        "-idirafter",
        str(INCLUDE_DIR),
        *cpp_flags(
            tuple(str(Path(d).resolve()) for d in ck.source.include_dirs), ck.source.defines
        ),
    ]
    flags += list(cflags)
    if sanitize:
        flags += SANITIZE
    tbs = [str(Path(t).resolve()) for t in tb_sources]
    build = run_tool(
        "gcc",
        [*flags, "-o", str(exe), str(src), *tbs, "-lm"],
        cwd=work,
        log_path=work / f"{exe.name}.build.log",
        timeout_s=timeout_s,
        check=False,
    )
    if build.returncode != 0:
        raise GoldenError(
            f"gcc could not build the kernel with its testbench:\n{_tail(build.stdout)}",
            SourceLoc(str(ck.source.path)),
            "the testbench needs a main() calling the kernel (in the file or given with --tb)",
        )
    record = work / ("calls_san.txt" if sanitize else "calls.txt")
    record.unlink(missing_ok=True)
    env = {
        "KILN_RECORD": str(record),
        "ASAN_OPTIONS": "detect_leaks=0",
        "UBSAN_OPTIONS": "print_stacktrace=1",
    }
    from kiln.base.toolchain import run_command

    run = run_command(
        "testbench",
        [str(exe)],
        cwd=work,
        log_path=work / f"{exe.name}.run.log",
        timeout_s=timeout_s,
        env=env,
        check=False,
    )
    if run.returncode != 0:
        what = (
            "the sanitizers stopped it"
            if sanitize and ("runtime error" in run.stdout or "AddressSanitizer" in run.stdout)
            else (f"it exited with status {run.returncode}")
        )
        raise GoldenError(
            f"the testbench failed under gcc: {what}:\n{_tail(run.stdout)}",
            SourceLoc(str(ck.source.path)),
            f"the full log is {run.log_path}",
        )
    calls = parse_record(record.read_text() if record.exists() else "")
    if not calls:
        raise GoldenError(
            f"the testbench never called '{ck.top}'",
            SourceLoc(str(ck.source.path)),
            "main() must call the kernel at least once",
        )
    return GoldenRun(calls, run.stdout, sanitize, work)


def parse_record(text: str) -> list[Call]:
    calls: list[Call] = []
    cur: Call | None = None
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "call":
            cur = Call()
        elif words[0] == "end" and cur is not None:
            calls.append(cur)
            cur = None
        elif words[0] in ("in", "out") and cur is not None:
            target = cur.inputs if words[0] == "in" else cur.outputs
            target[words[1]] = [int(w) for w in words[2:]]
    return calls


def _tail(text: str, n: int = 12) -> str:
    lines = text.strip().splitlines()[-n:]
    return "\n".join("    " + x for x in lines) or "    (no output)"
