"""Pareto fronts: which points no other point dominates.

One numpy-only function shared by the sweeps, the pruning study and the plots
(it imports nothing else from accelmodel, so any layer may use it).
"""

from __future__ import annotations

import numpy as np


def nondominated(values) -> np.ndarray:
    """Boolean mask of the rows of ``values`` (points x objectives, every
    objective minimised) that no other row dominates: no other row is no worse
    in every objective and strictly better in one. Equal rows are all kept;
    rows with a NaN are never on the front. Two objectives take O(n log n);
    more use an incremental check in lexicographic order."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise ValueError("values must be a 2-D array (points x objectives)")
    n, k = v.shape
    keep = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(~np.isnan(v).any(axis=1))
    if idx.size == 0:
        return keep
    w = v[idx]
    if k == 2:  # sort by a, then b; keep b below every b of a strictly smaller a
        order = np.lexsort((w[:, 1], w[:, 0]))
        a, b = w[order, 0], w[order, 1]
        starts = np.r_[True, a[1:] != a[:-1]]
        gid = np.cumsum(starts) - 1
        gmin = np.minimum.reduceat(b, np.flatnonzero(starts))
        before = np.r_[np.inf, np.minimum.accumulate(gmin)[:-1]]
        keep[idx[order]] = (b == gmin[gid]) & (b < before[gid])
        return keep
    # a dominating row comes earlier in lexicographic order, and a row dominated by
    # a dropped row is dominated by a kept one, so checking the kept rows suffices
    order = np.lexsort(w.T[::-1])
    front = np.empty((0, k))
    for i in order:
        p = w[i]
        if len(front) and np.any(np.all(front <= p, axis=1) & np.any(front < p, axis=1)):
            continue
        keep[idx[i]] = True
        front = np.vstack([front, p])
    return keep
