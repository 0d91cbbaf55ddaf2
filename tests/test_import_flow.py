"""The package's imports follow the one-way flow (docs/model.md): specs and
workloads know nothing of cost; numerics is pure numpy; cost knows nothing of
plots, sweeps or the CLI; no library module imports ``accelmodel.commands``.
Every import counts, module-level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import accelmodel

PKG = Path(accelmodel.__file__).resolve().parent
BASE = ("accelmodel.errors", "accelmodel.paths", "accelmodel.inputs", "accelmodel.specbase",
        "accelmodel.unit_kinds")
"""Shared bases, below everything else."""

# module prefix -> the accelmodel modules it may import (prefixes)
ALLOWED = {
    "accelmodel.numerics": ("accelmodel.numerics", "accelmodel.errors", "accelmodel.unit_kinds"),
    "accelmodel.hardware": ("accelmodel.hardware",) + BASE,
    "accelmodel.workload": ("accelmodel.workload",) + BASE,
}
# module prefix -> modules it must not import
FORBIDDEN = {
    "accelmodel.cost": ("accelmodel.plots", "accelmodel.sweep", "accelmodel.commands", "accelmodel.cli",
                        "accelmodel.simulation", "accelmodel.report"),
    "accelmodel.mapping": ("accelmodel.cost", "accelmodel.plots", "accelmodel.sweep", "accelmodel.commands",
                           "accelmodel.cli", "accelmodel.simulation", "accelmodel.report"),
    "accelmodel.plots": ("accelmodel.sweep", "accelmodel.commands", "accelmodel.cli", "accelmodel.simulation",
                         "accelmodel.cost.engine", "accelmodel.cost.demand"),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # "from . import x" names submodules
    return {m for m in out if m.startswith("accelmodel")}


def _under(mod: str, prefixes) -> bool:
    return any(mod == p or mod.startswith(p + ".") for p in prefixes)


def edges() -> list[tuple[str, str]]:
    return [(module_name(p), m) for p in sorted(PKG.rglob("*.py")) for m in sorted(imports_of(p))]


def test_no_library_module_imports_commands():
    bad = [(a, b) for a, b in edges()
           if _under(b, ("accelmodel.commands", "accelmodel.cli")) and not _under(a, ("accelmodel.commands",
                                                                                     "accelmodel.cli"))]
    assert bad == []


def test_lower_layers_import_only_what_is_below_them():
    bad = []
    for a, b in edges():
        for prefix, allowed in ALLOWED.items():
            if _under(a, (prefix,)) and not _under(b, allowed) and b != "accelmodel":
                bad.append((a, b))
        for prefix, forbidden in FORBIDDEN.items():
            if _under(a, (prefix,)) and _under(b, forbidden):
                bad.append((a, b))
    assert bad == []


def test_the_checker_sees_imports():
    """The parser finds a known edge (so the tests above cannot pass vacuously)."""
    assert ("accelmodel.simulation", "accelmodel.cost.engine") in set(edges())
