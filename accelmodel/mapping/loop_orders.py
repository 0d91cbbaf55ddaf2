"""Loop orders of a tiled matmul: how often each operand crosses the buffer boundary.

Y[M,N] = X[M,K] . W[K,N] is cut into tiles (Mt, Kt, Nt), Tm x Tk x Tn of them.
A loop order names the three tile loops outer to inner (``"mkn"``: m outermost,
n innermost). The scratchpad holds one X tile and one W tile, the accumulator
one Y tile (double buffering aside). Loops of one tile (T = 1) do not exist.

Each operand depends on two of the three loops; the third (X: n, W: m, Y: k)
is its *reuse loop*. If the reuse loop sits inside every (non-trivial) loop the
operand depends on, its tile stays resident while the reuse loop runs and the
operand crosses the boundary once; otherwise the whole operand crosses once per
iteration of the reuse loop (``T_reuse`` times). For Y a crossing after the
first is a *visit*: the partial sums were written out (spilled) at accumulator
width when the tile was left and are read back (reloaded) when it is revisited,
so ``V = Tk`` visits cost ``2 (V - 1) M N acc_bytes`` of traffic.

An L2 serves an operand's repeated crossings if the operand's *working set*
fits: the part of it touched by one iteration of its reuse loop (full extent
along the loops inside the reuse loop, one tile along those outside). With
several re-read operands, the subset whose working sets fit together and that
saves the most DRAM bytes is kept (:func:`l2_savings`).

All functions take numpy arrays of tile counts / sizes and broadcast.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

LOOP_ORDERS: tuple[str, ...] = ("mnk", "nmk", "mkn", "kmn", "nkm", "knm")
"""Loop orders, outer to inner; tables store their index into this tuple."""

K_INNER_ORDERS = ("mnk", "nmk")
"""Orders that finish each output tile before moving on (no partial-sum spills)."""

# operand -> (its two loops, its reuse loop)
_OPERAND_LOOPS = {"x": (("m", "k"), "n"), "w": (("k", "n"), "m"), "y": (("m", "n"), "k")}


def reuse_factor(order: str, operand: str, counts: Mapping[str, ArrayLike]) -> np.ndarray:
    """How many times ``operand`` (``"x"``, ``"w"`` or ``"y"``) crosses the buffer
    boundary in full under ``order``: ``T_reuse`` if one of its own non-trivial
    loops sits inside its reuse loop, else 1. ``counts`` maps m/k/n to tile counts."""
    own, reuse = _OPERAND_LOOPS[operand]
    inner = [d for d in own if order.index(d) > order.index(reuse)]
    reuse_count = np.asarray(counts[reuse])
    crossed = np.zeros(reuse_count.shape, dtype=bool)
    for d in inner:
        crossed |= np.asarray(counts[d]) > 1
    return np.where(crossed, reuse_count, 1)


# every subset of (X, W, partial sums) the L2 may keep, most kept first
_SUBSETS = np.array([(x, w, p) for x in (1, 0) for w in (1, 0) for p in (1, 0)], dtype=bool)
_SUBSETS_F = _SUBSETS.astype(float)


def l2_savings(saved: tuple[np.ndarray, np.ndarray, np.ndarray], ws: tuple[np.ndarray, np.ndarray, np.ndarray],
               capacity: float) -> tuple[np.ndarray, np.ndarray]:
    """DRAM bytes the L2 saves and whether it keeps W, per candidate.

    ``saved``: the bytes each of X, W and the partial sums would save if kept
    (their re-crossings beyond the compulsory traffic); ``ws``: their working
    sets, bytes. An operand with nothing to save takes no L2 space. The kept
    subset is the one that fits ``capacity`` and saves the most (ties: the
    first in ``_SUBSETS`` order)."""
    s = np.array(np.broadcast_arrays(*saved), dtype=float)      # (3, N)
    need = np.where(s > 0, np.broadcast_arrays(*ws), 0.0)
    gain = np.where(_SUBSETS_F @ need <= capacity, _SUBSETS_F @ s, -1.0)   # (8, N)
    best = gain.argmax(axis=0)
    return gain.max(axis=0), _SUBSETS[best, 1]


# Order tables, indexed by [order, pattern] with pattern = 4 (Tm > 1) + 2 (Tk > 1) + (Tn > 1).
_PATTERN_COUNTS = [{"m": 1 + (p >> 2 & 1), "k": 1 + (p >> 1 & 1), "n": 1 + (p & 1)} for p in range(8)]
# does the operand cross the buffer boundary once per tile of its reuse loop (reuse_factor)?
CROSSES = {op: np.array([[reuse_factor(o, op, c) > 1 for c in _PATTERN_COUNTS] for o in LOOP_ORDERS])
           for op in ("x", "w", "y")}
# orders that run the same schedule (same crossings of every operand) when all three loops have
# several tiles, and differ only in their L2 working sets: the one with less DRAM traffic wins
TWINS = ((0, 1), (2, 3), (4, 5))


def _canonical_orders(drop_twins: bool) -> np.ndarray:
    """[order, pattern] -> is this order the first in :data:`LOOP_ORDERS` with its
    sequence of non-trivial loops? Orders that differ only in where a one-tile
    loop sits are the same schedule. ``drop_twins``: also drop the second of
    each twin pair when every loop has several tiles (right without an L2, where
    twins move the same bytes)."""
    canon = np.zeros((len(LOOP_ORDERS), 8), dtype=bool)
    for p, counts in enumerate(_PATTERN_COUNTS):
        seen: set[str] = set()
        for i, o in enumerate(LOOP_ORDERS):
            reduced = "".join(d for d in o if counts[d] > 1)
            canon[i, p] = reduced not in seen
            seen.add(reduced)
    if drop_twins:
        canon[[b for _, b in TWINS], 7] = False
    return canon


CANONICAL = {twins: _canonical_orders(twins) for twins in (False, True)}
# working sets: is the operand's extent along each of its loops full (the loop is inside its reuse
# loop) or one tile? [order, column], columns: X (m, k), W (k, n), partial sums (m, n)
WS_FULL = np.array([[o.index(a) > o.index(r) for a, r in (("m", "n"), ("k", "n"), ("k", "m"), ("n", "m"),
                                                         ("m", "k"), ("n", "k"))] for o in LOOP_ORDERS])
