"""Compute cycles of a matmul on an R x C systolic array, SCALE-Sim's convention.

Y[M, N] = X[M, K] . W[K, N].

Weight-stationary (WS): the array holds a K-by-N block of W (K along the R rows,
N along the C columns). A *fold* is one such block: folds = ceil(K/R) * ceil(N/C).
Each fold preloads the block (R cycles), streams the M rows of X through it and
drains the last partial sum: 2R + C + M - 2 cycles per fold.

Output-stationary (OS): each PE holds one output; a fold is an R-by-C block of Y:
folds = ceil(M/R) * ceil(N/C). Operands stream K deep, skewed in from two edges:
R + C + K - 2 cycles per fold; SCALE-Sim overlaps the output drain with the next
fold's fill.

These per-fold counts follow SCALE-Sim (its ``compute_systolic_*`` operand
matrices); the totals here are folds x per-fold cycles. ``accelmodel.validation``
compares them with the package itself.

Weight preload (WS only, ``weight_preload``):

* ``serial`` (SCALE-Sim): a fold's preload waits for the previous fold to drain,
  2R + C + M - 2 cycles per fold.
* ``overlapped`` (Gemmini): each PE holds two weight registers (``c1``/``c2`` in
  Gemmini's ``PE.scala``; the ``propagate`` bit that travels with the data picks
  the one multiplied while the other is loaded), so the next fold's R-cycle
  preload runs under the current fold's M-row stream and the systolic skew of
  consecutive folds overlaps too. A fold then costs max(M, R) cycles, and each
  tile pays once the first preload and the last drain: 2R + C - 2. A tile of f
  folds: f * max(M, R) + 2R + C - 2 (vs f * (2R + C + M - 2) serial); for
  M >= R the ratio tends to M / (2R + C + M - 2).

All functions accept numpy arrays (broadcast) as well as ints.
"""

from __future__ import annotations

import numpy as np


def ceil_div(a, b):
    """Integer ceil(a / b) for ints or integer numpy arrays."""
    return -(-np.asarray(a) // np.asarray(b)) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) else -(-a // b)


def folds(m, k, n, rows, cols, dataflow: str):
    """Number of folds (array-sized blocks processed one after another)."""
    if dataflow == "WS":
        return ceil_div(k, rows) * ceil_div(n, cols)
    if dataflow == "OS":
        return ceil_div(m, rows) * ceil_div(n, cols)
    raise ValueError(f"dataflow must be 'WS' or 'OS', got {dataflow!r}")


def cycles_per_fold(m, k, n, rows, cols, dataflow: str):
    """Cycles one fold takes."""
    if dataflow == "WS":
        return 2 * rows + cols + m - 2
    if dataflow == "OS":
        return rows + cols + k - 2
    raise ValueError(f"dataflow must be 'WS' or 'OS', got {dataflow!r}")


def array_cycles(m, k, n, rows, cols, dataflow: str):
    """Compute cycles of one untiled M x K x N matmul (folds x cycles per fold)."""
    return folds(m, k, n, rows, cols, dataflow) * cycles_per_fold(m, k, n, rows, cols, dataflow)


WEIGHT_PRELOADS = ("serial", "overlapped")


def tiled_array_cycles(m, k, n, mt, kt, nt, rows, cols, dataflow: str, k_visits=1,
                       weight_preload: str = "serial"):
    """Compute cycles when the matmul is cut into tiles of (mt, kt, nt).

    Each tile is a matmul of its own on the array (the array state does not
    survive a tile change), except that in OS the K tiles of one output tile
    keep accumulating in the PEs while the tile stays, so K tiling adds no
    fill/drain there. ``k_visits`` (OS only): how many times each output tile is
    entered (1 if the K loop is innermost, Tk if the partial sums are spilled
    and reloaded between K tiles); every further visit pays one more fill and
    drain, R + C - 2 cycles per output fold. Tiles at the edges are smaller;
    the sum is exact over the ragged tiling. ``weight_preload`` (WS only):
    ``serial`` or ``overlapped`` (module docstring).
    """
    if weight_preload not in WEIGHT_PRELOADS:
        raise ValueError(f"weight_preload must be one of {WEIGHT_PRELOADS}, got {weight_preload!r}")
    tm_full, m_rem = np.divmod(m, mt)
    tk_full, k_rem = np.divmod(k, kt)
    tn_full, n_rem = np.divmod(n, nt)
    tm = tm_full + (m_rem > 0)
    if dataflow == "WS":
        # folds over (K, N) are summed over K and N tiles; each M tile re-runs them
        fk = tk_full * ceil_div(kt, rows) + ceil_div(k_rem, rows)
        fn = tn_full * ceil_div(nt, cols) + ceil_div(n_rem, cols)
        f = fk * fn
        if weight_preload == "overlapped":
            # per tile: folds x max(m_i, R) + one preload and one drain (2R + C - 2)
            tk = tk_full + (k_rem > 0)
            tn = tn_full + (n_rem > 0)
            streamed = tm_full * np.maximum(mt, rows) + np.where(m_rem > 0, np.maximum(m_rem, rows), 0)
            return f * streamed + tm * tk * tn * (2 * rows + cols - 2)
        # sum over M tiles of (2R + C + m_i - 2)
        return f * (tm * (2 * rows + cols - 2) + m)
    if dataflow == "OS":
        fm = tm_full * ceil_div(mt, rows) + ceil_div(m_rem, rows)
        fn = tn_full * ceil_div(nt, cols) + ceil_div(n_rem, cols)
        return fm * fn * (k_visits * (rows + cols - 2) + k)
    raise ValueError(f"dataflow must be 'WS' or 'OS', got {dataflow!r}")
