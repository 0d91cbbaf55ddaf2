"""The wheel must carry every subpackage and the bundled data (pyproject lists packages explicitly)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(cfg["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "accelmodel").rglob("__init__.py")}
    assert found - listed == set()
    for pkg, folder in cfg["package-dir"].items():
        assert pkg in listed and (ROOT / folder).is_dir(), (pkg, folder)


def test_bundled_folders_are_mapped():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = set(cfg["package-dir"].values())
    for top in ("hw_configs", "workloads", "data"):
        for d in [ROOT / top, *[p for p in (ROOT / top).rglob("*") if p.is_dir() and p.name != "__pycache__"]]:
            if any(f.suffix in (".yaml", ".json", ".npz", ".csv") for f in d.iterdir()):
                assert str(d.relative_to(ROOT)) in mapped, d
