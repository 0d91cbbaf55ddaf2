"""Where ``accelmodel.numerics`` finds its bundled data files.

Mirrors ``accelmodel.paths.bundled_dir("data")`` (a wheel maps the repository's
``data/`` to ``accelmodel/bundled/data``; a source checkout reads ``data/`` next to
the package) without importing it, so that ``numerics`` stays below the rest of the package.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Directory of the bundled data files (``calibration.npz``, ``*.csv``)."""
    for candidate in (_PKG / "bundled" / "data", _PKG.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("bundled 'data' directory not found next to the accelmodel package")


def data_file(name: str) -> Path:
    """Path of one bundled data file; FileNotFoundError naming it if absent."""
    path = data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"bundled data file {name!r} not found in {path.parent}")
    return path
