"""Reading the components' bundled CSV files (``data/*.csv``, ``#`` lines are comments)."""

from __future__ import annotations

import csv
from functools import cache

from ..paths import bundled_dir


@cache
def read_rows(name: str) -> tuple[dict[str, str], ...]:
    """Rows of the bundled CSV ``name`` as dicts of stripped strings (read once)."""
    path = bundled_dir("data") / name
    if not path.is_file():
        raise FileNotFoundError(f"bundled data file {name!r} not found in {path.parent}")
    with open(path, newline="") as fh:
        rows = csv.DictReader(line for line in fh if line.strip() and not line.startswith("#"))
        return tuple({k.strip(): (v or "").strip() for k, v in row.items()} for row in rows)
