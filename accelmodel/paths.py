"""Where the bundled data lives (hardware configs, workload presets, data files).

The YAML/JSON files live at the top of the repository (``hw_configs/``,
``workloads/``, ``data/``) so users can read and copy them. A wheel install maps
them into the package as ``accelmodel/bundled/...`` (see ``pyproject.toml``); an
editable install or a source checkout reads them from the repository. Paths are
resolved from this file, never from the working directory.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_NAMES = ("hw_configs", "workloads", "data")


def bundled_dir(name: str) -> Path:
    """Directory of bundled files: ``hw_configs``, ``workloads`` or ``data``."""
    if name not in _NAMES:
        raise ValueError(f"bundled directory must be one of {_NAMES}, got {name!r}")
    installed = _PKG / "bundled" / name
    if installed.is_dir():
        return installed
    source = _PKG.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"bundled directory {name!r} not found next to the accelmodel package")


def bundled_file(name: str, folder: str) -> Path | None:
    """The bundled YAML called ``name`` (with or without ``.yaml``) in ``folder``
    (e.g. ``"hw_configs"``, ``"hw_configs/sweeps"``, ``"workloads/pruning"``), or
    None if ``name`` is a path (has a ``/``) or no such file is bundled."""
    top, _, sub = folder.partition("/")
    if "/" in name:
        return None
    p = bundled_dir(top) / sub / (name if name.endswith((".yaml", ".yml")) else f"{name}.yaml")
    return p if p.is_file() else None


def find_file(name_or_path: str | Path, folder: str, what: str, noun: str, root: Path | None = None) -> Path:
    """A file given by path (relative to ``root`` when given), else a bundled
    YAML of ``folder`` given by name. ``SpecError`` naming ``what`` and listing
    the bundled ``noun`` files otherwise."""
    from .errors import SpecError

    s = str(name_or_path)
    p = Path(s) if root is None or Path(s).is_absolute() else root / s
    if p.is_file():
        return p
    if p.is_dir():
        raise SpecError(f"{what}: {s} is a directory, not a file")
    bundled = bundled_file(s, folder)
    if bundled is not None:
        return bundled
    top, _, sub = folder.partition("/")
    known = ", ".join(sorted(q.stem for q in (bundled_dir(top) / sub).glob("*.yaml")))
    shown = repr(s) if len(s) <= 80 else repr(s[:80]) + f"... ({len(s)} characters)"
    raise SpecError(f"{what}: no such file or bundled {noun} {shown} (bundled: {known})")
