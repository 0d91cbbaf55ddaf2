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
