"""Pareto fronts of sweep results over two or three objectives."""

from __future__ import annotations

from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import SpecError


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Rows of ``values`` (points x objectives, all minimised) that no other row
    dominates (no worse in every objective and better in one). Equal rows are
    all kept."""
    v = np.asarray(values, dtype=float)
    n, k = v.shape
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    if k == 2:  # O(n log n): sort by a, then b; keep b below every b of a strictly smaller a
        order = np.lexsort((v[:, 1], v[:, 0]))
        a, b = v[order, 0], v[order, 1]
        starts = np.r_[True, a[1:] != a[:-1]]
        gid = np.cumsum(starts) - 1
        gmin = np.minimum.reduceat(b, np.flatnonzero(starts))
        before = np.r_[np.inf, np.minimum.accumulate(gmin)[:-1]]
        keep[order] = (b == gmin[gid]) & (b < before[gid])
        return keep
    order = np.lexsort(v.T[::-1])  # by the first objective, then the second, ...
    front = np.empty((0, k))
    for i in order:
        p = v[i]
        if len(front) and np.any(np.all(front <= p, axis=1) & np.any(front < p, axis=1)):
            continue
        keep[i] = True
        front = np.vstack([front, p])
    return keep


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
    vals = df[cols].to_numpy(dtype=float)
    ok = ~np.isnan(vals).any(axis=1)
    signed = vals[ok] * np.array([1.0 if sense[c] == "min" else -1.0 for c in cols])
    mask = np.zeros(len(df), dtype=bool)
    mask[np.flatnonzero(ok)[pareto_mask(signed)]] = True
    front = df[mask]
    return front.sort_values(cols[0], ascending=sense[cols[0]] == "min", kind="stable")
