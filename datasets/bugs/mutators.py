"""The mutator registry: a corpus kernel as `KernelSource`, and every mutation of one taxonomy
type that it admits, as exact character edits confined to the kernel's lines."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pycparser import c_ast

from kiln.datasets.bugs import ctext, mutate_clean, mutate_functional, mutate_pragma
from kiln.datasets.bugs.model import KernelSource, Mutation
from kiln.datasets.bugs.mutate_facts import Facts, build, kernel_funcs, parse_text, used_globals

Mutator = Callable[[Facts], list[Mutation]]

MUTATORS: dict[str, Mutator] = {
    **mutate_functional.MUTATORS,
    **mutate_pragma.MUTATORS,
}


def kernel_source(entry: dict, root: Path) -> KernelSource:
    """The manifest entry's kernel, with the line span of its top function, the functions it
    calls and the globals they use (never the testbench)."""
    path = Path(root) / entry["file"]
    text = path.read_text()
    return KernelSource(
        entry["name"],
        entry["family"],
        str(path),
        entry["top"],
        text,
        kernel_span(text, entry["top"]),
    )


def kernel_span(text: str, top: str) -> tuple[int, int]:
    """1-based first and last line of the kernel code in C `text`."""
    ast, fname = parse_text(text)
    funcs = kernel_funcs(ast, fname, top)
    code = ctext.code_tokens(ctext.tokenize(text))
    first, last = [], []
    for node in [*funcs, *used_globals(ast, fname, funcs)]:
        decl = node.decl if isinstance(node, c_ast.FuncDef) else node
        line = decl.coord.line
        i = next(k for k, t in enumerate(code) if t.line == line and t.text == decl.name)
        j = i
        while j > 0 and code[j - 1].text not in (";", "}") and code[j - 1].line >= line - 3:
            j -= 1
        first.append(code[j].line)
        if isinstance(node, c_ast.FuncDef):
            open_ = ctext.match(code, i + 1) + 1
            last.append(code[ctext.match(code, open_)].line)
        else:
            last.append(code[ctext.stmt_end(code, j)].line)
    return min(first), max(last)


@lru_cache(maxsize=128)
def _facts(text: str, top: str, name: str, family: str, path: str) -> Facts:
    src = KernelSource(name, family, path, top, text, kernel_span(text, top))
    return build(src)


def facts(src: KernelSource) -> Facts:
    """The analysed kernel (cached by its text)."""
    return _facts(src.text, src.top, src.name, src.family, src.path)


def _finish(src: KernelSource, muts: list[Mutation]) -> list[Mutation]:
    """Drop no-op and duplicate mutations and any edit outside the kernel lines; sort."""
    lo, hi = src.kernel_lines
    offsets = ctext.line_offsets(src.text)
    start_off = offsets[lo - 1]
    end_off = offsets[hi] if hi < len(offsets) else len(src.text)
    seen, out = set(), []
    for m in muts:
        key = tuple(sorted((e.start, e.end, e.text) for e in m.edits))
        if key in seen or not m.edits:
            continue
        if any(e.start < start_off or e.end > end_off for e in m.edits):
            continue
        if all(src.text[e.start : e.end] == e.text for e in m.edits):
            continue
        seen.add(key)
        out.append(m)
    return sorted(out, key=lambda m: (m.span(), tuple((e.start, e.end, e.text) for e in m.edits)))


def candidates(src: KernelSource, code: str) -> list[Mutation]:
    """Every mutation of taxonomy type `code` that the kernel admits, sorted by offset."""
    if code not in MUTATORS:
        raise KeyError(f"no mutator for bug type {code!r}; known: {', '.join(sorted(MUTATORS))}")
    return _finish(src, MUTATORS[code](facts(src)))


def clean_rewrites(src: KernelSource) -> list[Mutation]:
    """Semantics-preserving rewrites of the kernel (type CLEAN), sorted by offset."""
    return _finish(src, mutate_clean.rewrites(facts(src)))
