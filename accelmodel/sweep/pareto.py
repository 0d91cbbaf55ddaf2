"""Pareto fronts of sweep results over two or three objectives."""

from __future__ import annotations

from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..pareto import nondominated


def pareto_front(df: pd.DataFrame, objectives: Sequence[str] | Mapping[str, Literal["min", "max"]] = (
        "latency_s", "energy_j")) -> pd.DataFrame:
    """The non-dominated rows of ``df`` over 2 or 3 objective columns.

    ``objectives``: column names (all minimised), or a mapping name -> ``"min"``
    or ``"max"`` (e.g. ``{"tokens_per_s": "max", "area_mm2": "min"}``). Rows
    with a missing objective (failed designs, NaN) are left out. The front is
    returned sorted by the first objective, with the original index.
    """
    sense = dict(objectives) if isinstance(objectives, Mapping) else {c: "min" for c in objectives}
    if not 2 <= len(sense) <= 3:
        raise SpecError(f"pareto: give two or three objectives, got {len(sense)}")
    for c, s in sense.items():
        if c not in df.columns:
            raise SpecError(f"pareto: no column {c!r} in the results")
        if s not in ("min", "max"):
            raise SpecError(f"pareto: objective {c}: 'min' or 'max', got {s!r}")
    cols = list(sense)
    signed = df[cols].to_numpy(dtype=float) * np.array([1.0 if sense[c] == "min" else -1.0 for c in cols])
    front = df[nondominated(signed)]
    return front.sort_values(cols[0], ascending=sense[cols[0]] == "min", kind="stable")
