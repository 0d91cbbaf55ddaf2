"""The repository stands alone: no citation of notes outside it, every hardware default
has a source in docs/sources.md, every citation key resolves in docs/references.md."""

from __future__ import annotations

import re
import subprocess
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from accelmodel.hardware.spec import Accelerator

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# spelled in pieces so this file does not match itself
FORBIDDEN = ("shared" + "/", "REFERENCE" + ".md", "DESIGN" + ".md")


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / f for f in out.splitlines() if (ROOT / f).is_file()]


def test_no_citation_of_files_outside_the_repository():
    hits = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files
        for n, line in enumerate(text.splitlines(), 1):
            if any(s in line for s in FORBIDDEN):
                hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert not hits, "cites files outside the repository:\n" + "\n".join(hits)


def _models(model: type[BaseModel], seen: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    """Every pydantic model reachable from ``model`` through its fields (union members too)."""
    if model.__name__ in seen:
        return seen
    seen[model.__name__] = model
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                _models(t, seen)
            stack.extend(typing.get_args(t))
    return seen


def numeric_defaults() -> list[str]:
    """``Class.field`` of every hardware-model field whose default is a number."""
    names = []
    for cls_name, cls in _models(Accelerator, {}).items():
        for fname, field in cls.model_fields.items():
            d = field.get_default(call_default_factory=False)
            if isinstance(d, (int, float)) and not isinstance(d, bool):
                names.append(f"{cls_name}.{fname}")
    return names


def test_walk_finds_the_models():
    names = numeric_defaults()
    # the walk reaches nested specs and every nonlinear unit kind of the union
    for expected in ("ArraySpec.rows", "CpuCycles.softmax", "EnergyTable.mac_pj", "LutUnit.power_mw",
                     "CrossRoadSoftmax.threshold", "SparsitySupport.index_bits", "Accelerator.clock_ghz"):
        assert expected in names
    assert len(names) > 60


def test_every_numeric_hardware_default_has_a_source():
    sources = (DOCS / "sources.md").read_text()
    missing = [n for n in numeric_defaults() if f"`{n}`" not in sources]
    assert not missing, f"no entry in docs/sources.md for: {', '.join(missing)}"


def _reference_keys() -> set[str]:
    return set(re.findall(r"^- \*\*\[([A-Za-z0-9-]+)\]\*\*", (DOCS / "references.md").read_text(), re.MULTILINE))


def test_citation_keys_resolve():
    keys = _reference_keys()
    assert {"Kim2023-survey", "Horowitz2014", "Genc2021-gemmini", "KimChung-crossroad"} <= keys
    pattern = re.compile(r"\[((?:[A-Z][A-Za-z]+)(?:\d{4})?(?:-[A-Za-z0-9]+)?)\]")
    unknown = set()
    for path in _tracked_files():
        if path.suffix not in (".py", ".md", ".yaml", ".csv", ".ipynb"):
            continue
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            citation_shaped = any(ch.isdigit() for ch in key) or "-" in key
            if citation_shaped and key not in keys and not key.startswith(("L", "W")):
                unknown.add(f"{path.relative_to(ROOT)}: [{key}]")
    assert not unknown, "citation keys missing from docs/references.md:\n" + "\n".join(sorted(unknown))


def test_docs_index_links_every_page():
    index = (DOCS / "README.md").read_text()
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not link {page.name}"
