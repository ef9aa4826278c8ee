"""The package layout's promises: everything imports as `kiln.*` and nothing else is put on
users' import path, imports point one way (ARCHITECTURE.md), and every module says what it
is for in its first line."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
SUBPACKAGES = sorted(name for name in PACKAGE_DIRS if name != "kiln")
# The folders' own names, which must never be importable on their own.
BARE_NAMES = [
    "base",
    "datasets",
    "ir",
    "backend",
    "frontend",
    "scheduler",
    "feedback",
    "llm_kernels",
    "hw_tests",
]


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -c CODE` from `cwd`, with no PYTHONPATH: only what the install provides."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ---- the install: kiln.* only -----------------------------------------------------------


def test_every_subpackage_imports_as_kiln_dot_name(tmp_path: Path) -> None:
    assert sorted(f"kiln.{name}" for name in BARE_NAMES) == SUBPACKAGES
    code = (
        "import json, kiln.base, kiln.frontend, kiln.ir, kiln.scheduler, kiln.backend, "
        "kiln.feedback, kiln.llm_kernels, kiln.datasets, kiln.hw_tests, sys\n"
        f"print(json.dumps({{n: sys.modules[n].__file__ for n in {SUBPACKAGES!r}}}))\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)
    for name, file in files.items():
        # An editable install loads the repo folder (ir/), a wheel loads kiln/ir/; either
        # way the package is a real one, in a folder named for its last component.
        assert file is not None, f"{name} is a namespace package (no __init__.py)"
        assert Path(file).name == "__init__.py"
        assert Path(file).parent.name == name.rsplit(".", 1)[1]


def test_bare_folder_names_are_not_importable(tmp_path: Path) -> None:
    """Our folders never load as top-level packages (Hugging Face `datasets`, a dependency,
    may: that one is not ours)."""
    code = (
        "import importlib.util, json\n"
        f"names = {BARE_NAMES!r}\n"
        f"repo = {str(REPO)!r}\n"
        "def ours(n):\n"
        "    spec = importlib.util.find_spec(n)\n"
        "    return spec is not None and spec.origin == f'{repo}/{n}/__init__.py'\n"
        "print(json.dumps({n: ours(n) for n in names}))\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    found = [name for name, present in json.loads(result.stdout).items() if present]
    assert found == [], f"importable without kiln.: {found}"


def test_distribution_declares_only_kiln_as_top_level(tmp_path: Path) -> None:
    code = (
        "import importlib.metadata as md, json\n"
        "d = md.distribution('kiln-hls')\n"
        "top = d.read_text('top_level.txt')\n"
        "owned = sorted(k for k, v in md.packages_distributions().items() if 'kiln-hls' in v)\n"
        "print(json.dumps({'top_level': top, 'owned': owned}))\n"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    # Editable and wheel installs both write top_level.txt; packages_distributions() then
    # names the import names this distribution provides.
    if info["top_level"] is not None:
        assert info["top_level"].split() == ["kiln"]
    assert info["owned"] == ["kiln"]


def test_every_package_folder_is_listed_for_the_wheel() -> None:
    """A folder with an __init__.py that `packages` omits would be missing from a wheel
    (editable installs hide this: they load the repo folders directly)."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert set(PACKAGE_DIRS) <= listed
    on_disk = set()
    for package, folder in PACKAGE_DIRS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder).parts
            on_disk.add(".".join((package, *rel)))
    assert on_disk == listed  # every package folder listed, nothing listed that is not there


# ---- import direction -------------------------------------------------------------------

# One declared order, lowest first (ARCHITECTURE.md, Boundaries). A module may import its
# own package and the packages of lower layers, never one of its own layer or above; the
# modules of kiln/ itself are the composers, the top layer, and nothing below imports them.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("kiln.base",),  # errors, toolchain, files, parallel: imports nothing else of kiln
    ("kiln.ir",),
    ("kiln.frontend", "kiln.scheduler", "kiln.llm_kernels"),
    ("kiln.backend", "kiln.datasets"),
    ("kiln.feedback", "kiln.hw_tests"),
)
COMPOSER_LAYER = len(LAYERS)
# What some packages must not import beyond the order: the IR and the scheduler run no
# external tool ("scheduler/ ... never runs a tool"); the LLM references need only torch
# and onnx, and kiln's errors.
EXTRA_FORBIDDEN: dict[str, tuple[str, ...]] = {
    "kiln.ir": ("kiln.base.toolchain", "subprocess"),
    "kiln.scheduler": ("kiln.base.toolchain", "subprocess"),
    "kiln.llm_kernels": ("kiln.base.toolchain", "kiln.base.parallel", "kiln.base.files"),
}


def package_of(module: str) -> str:
    """The package a kiln module belongs to for layering: kiln.ir.kernel -> kiln.ir;
    kiln.api (a module of kiln/ itself) -> kiln.api, a composer."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def layer_of(package: str) -> int:
    for level, names in enumerate(LAYERS):
        if package in names:
            return level
    return COMPOSER_LAYER  # kiln/ itself (and `kiln`, its __init__)


def module_name(path: Path) -> str:
    """The dotted name of a file under one of the mapped folders: ir/kernel.py -> kiln.ir.kernel."""
    rel = path.relative_to(REPO)
    package = next(
        p for p, folder in sorted(PACKAGE_DIRS.items(), key=lambda kv: -len(kv[1]))
        if rel.parts[0] == folder
    )  # fmt: skip
    parts = [package, *rel.parts[1:-1]]
    if rel.stem != "__init__":
        parts.append(rel.stem)
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool) -> list[tuple[str, list[str]]]:
    """Per import statement of `source`: the module it names (relative imports resolved
    against `module`) and, for `from a import b`, the names `a.b` (b may be a submodule)."""
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((target, [f"{target}.{alias.name}" for alias in node.names]))
    return found


def imported_names(source: str, module: str, is_package: bool) -> set[str]:
    return {n for target, subs in imports(source, module, is_package) for n in (target, *subs)}


def forbidden_for(module: str, name: str) -> bool:
    """Whether `module` may not import `name` (a module or a `from` name)."""
    own = package_of(module)
    if any(name == b or name.startswith(b + ".") for b in EXTRA_FORBIDDEN.get(own, ())):
        return True
    if name != "kiln" and not name.startswith("kiln."):
        return False
    if own == "kiln" or layer_of(own) == COMPOSER_LAYER:
        return False  # composers compose everything
    other = package_of(name)
    if name == "kiln" or other == own:
        return name == "kiln"  # its own package is fine; the top package never is
    return layer_of(other) >= layer_of(own)


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """`MODULE imports NAME` for each forbidden import: the statement's module if it is
    forbidden itself, else each forbidden `a.b` of a `from a import b`."""
    found = []
    for target, subs in imports(source, module, is_package):
        if target == "kiln" and subs:  # from kiln import x: judge each x
            found += [n for n in subs if forbidden_for(module, n)]
        elif forbidden_for(module, target):
            found.append(target)
        else:
            found += [n for n in subs if forbidden_for(module, n)]
    return sorted(f"{module} imports {name}" for name in found)


def checked_files() -> list[Path]:
    return sorted(f for folder in PACKAGE_DIRS.values() for f in (REPO / folder).rglob("*.py"))


def test_the_layers_name_every_package_once() -> None:
    """The order covers every package kiln ships; the composers are what is left of kiln/."""
    listed = [p for layer in LAYERS for p in layer]
    assert sorted(listed) == sorted(p for p in PACKAGE_DIRS if p != "kiln")
    composers = {module_name(f) for f in (REPO / "kiln").glob("*.py")}
    assert {"kiln.api", "kiln.cli", "kiln.config", "kiln.design"} <= composers


def test_the_import_scanner_sees_real_imports() -> None:
    """Guards against a vacuous pass: the scanner must find imports known to exist."""
    cosim = REPO / "backend" / "cosim.py"
    names = imported_names(cosim.read_text(), "kiln.backend.cosim", False)
    assert "kiln.ir.semantics" in names  # allowed: ir <- backend
    report = REPO / "backend" / "report.py"
    found = imported_names(report.read_text(), "kiln.backend.report", False)
    assert "kiln.scheduler.kernel_schedule" in found
    assert module_name(REPO / "base" / "errors.py") == "kiln.base.errors"
    seen = {package_of(module_name(f)) for f in checked_files()}
    assert set(PACKAGE_DIRS) - {"kiln"} <= seen and "kiln.api" in seen  # kiln/ too


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        (
            "from kiln.backend.kernel_rtl import emit_kernel_rtl\n",
            "kiln.scheduler.regions",
            ["kiln.scheduler.regions imports kiln.backend.kernel_rtl"],
        ),
        (
            "from ..backend import cosim\n",
            "kiln.scheduler.regions",
            ["kiln.scheduler.regions imports kiln.backend"],
        ),
        ("from kiln import api\n", "kiln.ir.kernel", ["kiln.ir.kernel imports kiln.api"]),
        ("import kiln\n", "kiln.backend.cosim", ["kiln.backend.cosim imports kiln"]),
        ("import subprocess\n", "kiln.scheduler.sdc", ["kiln.scheduler.sdc imports subprocess"]),
        (
            "def f():\n    import kiln.cli\n",
            "kiln.feedback.isdc",
            ["kiln.feedback.isdc imports kiln.cli"],
        ),
        (
            "from kiln.api import compile_c\n",
            "kiln.datasets.bugs.oracles",
            ["kiln.datasets.bugs.oracles imports kiln.api"],
        ),
        (
            "from kiln.design import Design\n",
            "kiln.hw_tests.simulate",
            ["kiln.hw_tests.simulate imports kiln.design"],
        ),
        (
            "from kiln.scheduler import DelayModel\n",
            "kiln.frontend.c.lower",
            ["kiln.frontend.c.lower imports kiln.scheduler"],
        ),
        (
            "from kiln.ir import Kernel\n",
            "kiln.base.errors",
            ["kiln.base.errors imports kiln.ir"],
        ),
        (
            "from kiln.base import toolchain\n",
            "kiln.llm_kernels.export",
            ["kiln.llm_kernels.export imports kiln.base.toolchain"],
        ),
        ("from kiln.ir.interpreter import interpret\n", "kiln.backend.cosim", []),
        ("from kiln.backend.subgraph_rtl import subgraph_module\n", "kiln.feedback.isdc", []),
        ("from kiln.frontend.c.check import load_c\n", "kiln.datasets.bugs.oracles", []),
        ("from kiln.feedback.targets import Target\n", "kiln.config", []),
    ],
    ids=[
        "absolute", "relative", "from_kiln", "top_package", "subprocess", "nested",
        "dataset_composer", "hw_tests_composer", "same_layer", "foundation",
        "llm_kernels_tools", "allowed", "downstream", "dataset_frontend", "composer",
    ],
)  # fmt: skip
def test_the_import_rules_flag_what_they_should(
    source: str, module: str, expected: list[str]
) -> None:
    assert violations(source, module) == expected


def test_imports_point_one_way() -> None:
    found = []
    for path in checked_files():
        module = module_name(path)
        found += violations(path.read_text(), module, path.name == "__init__.py")
    assert found == []


# ---- module docstrings ------------------------------------------------------------------


def all_module_files() -> list[Path]:
    return sorted(f for folder in PACKAGE_DIRS.values() for f in (REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("path", all_module_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_module_starts_with_a_sentence_of_purpose(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text()))
    assert doc, f"{path.relative_to(REPO)}: no module docstring"
    first_paragraph = doc.split("\n\n")[0].strip()
    assert first_paragraph.endswith("."), f"{path.relative_to(REPO)}: {first_paragraph!r}"
