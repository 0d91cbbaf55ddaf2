"""Sparse weights on the systolic array: storage size and fold counts on a real mask.

Convention: a weight mask has shape (K, N) = (in_features, out_features), as in
Y[M, N] = X[M, K] . W[K, N]; True = kept (non-zero) weight. ``rows`` (R) and
``cols`` (C) are the array's PE rows and columns.

Storage (:func:`format_bytes`)
------------------------------
``a`` = kept elements. Sizes in bytes (bits / 8, not rounded):

* dense: K*N values.
* csr: a values + a column indices + (K + 1) row pointers (2a + K + 1 numbers).
* csc: a values + a row indices + (N + 1) column pointers.
* bitmap: a values + K*N one-bit flags.
* nm: a values + a * ceil(log2 m) index bits (position inside its group of m).
* block_csr with block (bh, bw): every block of the (padded) grid holding any
  kept element is stored whole (bh*bw values, edge blocks padded to full size)
  + one block-column index per stored block + (ceil(K/bh) + 1) block-row pointers.

Folds (:func:`sparse_fold_stats`), consistent with ``mapping.systolic``
-----------------------------------------------------------------------
A *weight tile* is an R x C block of W over the (K, N) grid (edge tiles are
ragged). A *column strip* is the C output columns of one tile column.

Weight-stationary (WS): a fold is one weight tile; dense cost per fold
2R + C + M - 2 (full R even for a ragged last K-tile, as systolic.py charges).
A fold's *depth* d is the number of weight rows it loads (R when dense):

* ``none``: every fold, d = R.
* ``tile``: an all-zero tile is skipped (0 cycles); others d = R.
* ``vector``: d = R - z, z = the tile's all-zero *real* rows (padding rows of a
  ragged last K-tile are charged whenever that fold runs, never skipped, so an
  all-True mask reproduces systolic.py exactly); cost 2d + C + M - 2, and d = 0
  (tile empty) costs 0.
* ``element``: per tile, the columns' non-zeros are compacted to the top; the
  densest column c_max sets the depth: d = min(d_vector, R - kr + min(kr,
  ceil(c_max * load_imbalance))) with kr the tile's real rows.
* ``compact_k=True`` (vector/element): the surviving rows of a column strip are
  re-packed across K-folds. Strip depth D = sum of its folds' depths d (vector),
  or for element min(sum d, ceil(c_strip * load_imbalance) + P) where c_strip is
  the strip's densest column over all K and P the padding rows of the ragged
  last K-tile when that tile is non-empty. The strip runs f = ceil(D / R) folds:
  f - 1 full ones and a last one of depth D - (f - 1) R. Compaction never costs
  more than the per-fold rule.

Output-stationary (OS): a fold is an R x C block of Y; folds = ceil(M/R) x
strips; cost R + C + K_eff - 2 with K_eff the length of the strip's K-stream:

* ``none``: K_eff = K.
* ``tile``: K_eff = K - the real rows of the strip's all-zero weight tiles
  (the stream skips whole zero tiles).
* ``vector``: K_eff = the strip's K-rows holding any non-zero (zero rows of its
  W column block are skipped; the X column is skipped with them).
* ``element``: K_eff = min(vector K_eff, ceil(c_strip * load_imbalance)).
* A strip with K_eff = 0 (whole W strip zero) is skipped: those folds are the
  OS *empty folds*. ``compact_k`` is ignored (OS compacts by nature).

MACs: ``dense_macs`` = M*K*N; ``nonzero_macs`` = M * (kept weights), the MACs a
``gate_zero_macs`` array spends dynamic energy on. ``work_fraction`` =
depth_sum / dense depth_sum (WS: folds x R; OS: strips x K) is the share of the
dense array work that still runs: the cost model scales executed MACs and the
array's operand reads by it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .systolic import ceil_div

FORMATS = ("dense", "csr", "csc", "bitmap", "nm", "block_csr")
SKIPS = ("none", "tile", "vector", "element")


def _as_mask(mask) -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D (K, N), got shape {m.shape}")
    return m if m.dtype == np.bool_ else m != 0


def _pad_to(mask: np.ndarray, kp: int, np_: int) -> np.ndarray:
    k, n = mask.shape
    if (k, n) == (kp, np_):
        return mask
    out = np.zeros((kp, np_), dtype=bool)
    out[:k, :n] = mask
    return out


def format_bytes(mask, fmt: str, value_bits: int, index_bits: int, pointer_bits: int,
                 block: tuple[int, int] | None = None, m: int | None = None) -> float:
    """Exact storage size in bytes of a weight matrix with this mask (K, N) in
    format ``fmt`` (see the module docstring). ``block`` = (bh, bw) for
    block_csr; ``m`` = group size for nm."""
    mk = _as_mask(mask)
    k, n = mk.shape
    a = int(np.count_nonzero(mk))
    if fmt == "dense":
        bits = k * n * value_bits
    elif fmt == "csr":
        bits = a * value_bits + a * index_bits + (k + 1) * pointer_bits
    elif fmt == "csc":
        bits = a * value_bits + a * index_bits + (n + 1) * pointer_bits
    elif fmt == "bitmap":
        bits = a * value_bits + k * n
    elif fmt == "nm":
        if m is None or m < 1:
            raise ValueError("format_bytes: nm storage needs the group size m")
        bits = a * value_bits + a * math.ceil(math.log2(m)) if m > 1 else a * value_bits
    elif fmt == "block_csr":
        if block is None:
            raise ValueError("format_bytes: block_csr storage needs block=(bh, bw)")
        bh, bw = int(block[0]), int(block[1])
        kb, nb = ceil_div(k, bh), ceil_div(n, bw)
        tiles = _pad_to(mk, kb * bh, nb * bw).reshape(kb, bh, nb, bw).any(axis=(1, 3))
        nblk = int(np.count_nonzero(tiles))
        bits = nblk * bh * bw * value_bits + nblk * index_bits + (kb + 1) * pointer_bits
    else:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    return bits / 8.0


def structural_shape(mask) -> tuple[int, int]:
    """(K', N') after removing all-zero rows and all-zero columns: the matmul shape
    a ``structured_shrink`` accelerator runs for head/channel-pruned weights."""
    mk = _as_mask(mask)
    return int(np.count_nonzero(mk.any(axis=1))), int(np.count_nonzero(mk.any(axis=0)))


@dataclass(frozen=True)
class SparseFoldStats:
    """Fold and cycle counts of one matmul with a masked weight (see module doc).

    ``active_units`` and ``depth_sum`` do not depend on M, so :meth:`cycles_for`
    re-prices the same mask for another M or an M tiling:
    WS: cycles = 2*depth_sum + active_units*(C + M - 2) (units = folds run);
    OS: cycles = ceil(M/R) * (active_units*(R + C - 2) + depth_sum) (units =
    column strips run, depth = K-stream length).
    """

    dataflow: str
    skip: str
    rows: int
    cols: int
    m_rows: int
    k: int
    n: int
    load_imbalance: float
    compact_k: bool
    weight_tiles: int
    """R x C tiles of W over (K, N): ceil(K/R)*ceil(N/C)."""
    empty_weight_tiles: int
    """Weight tiles with no kept element."""
    dense_folds: int
    """Folds of the dense matmul (systolic.folds)."""
    empty_folds: int
    """Folds skippable whole under tile skipping (WS: empty tiles; OS: ceil(M/R)
    x all-zero column strips)."""
    active_folds: int
    """Folds that run under this skip mode (WS compact: after re-packing)."""
    active_units: int
    """WS: folds run; OS: column strips run."""
    depth_sum: int
    """WS: weight rows loaded, summed over folds run; OS: K-stream length summed
    over strips run (per block of R output rows)."""
    dense_cycles: int
    """systolic.array_cycles of the dense matmul."""
    cycles: int
    """Compute cycles under this skip mode."""
    nnz: int
    """Kept weights."""
    dense_macs: int
    """M*K*N."""
    nonzero_macs: int
    """M * nnz: MACs with a non-zero weight."""

    @property
    def density(self) -> float:
        return self.nnz / (self.k * self.n) if self.k * self.n else 0.0

    @property
    def mean_depth(self) -> float:
        """WS: mean weight rows per fold run (<= R); OS: mean K-stream length per
        fold run (<= K). 0 if nothing runs."""
        return self.depth_sum / self.active_units if self.active_units else 0.0

    @property
    def dense_depth_sum(self) -> int:
        """``depth_sum`` of the dense matmul: WS dense_folds x R; OS strips x K."""
        if self.dataflow == "WS":
            return self.dense_folds * self.rows
        return ceil_div(self.n, self.cols) * self.k

    @property
    def work_fraction(self) -> float:
        """depth_sum / dense_depth_sum: the share of the dense array work (weight
        rows loaded x folds, or K-stream x strips) that still runs; scales the
        MACs the array executes and the operands it streams (1 = nothing skipped)."""
        d = self.dense_depth_sum
        return self.depth_sum / d if d else 0.0

    @property
    def speedup(self) -> float:
        """dense_cycles / cycles (inf if nothing runs)."""
        return self.dense_cycles / self.cycles if self.cycles else math.inf

    def cycles_for(self, m_rows: int, m_tile: int | None = None) -> int:
        """Cycles of the same mask for M = ``m_rows``, optionally cut into M tiles
        of ``m_tile`` (as systolic.tiled_array_cycles with K/N tiles that are
        multiples of the array)."""
        r, c = self.rows, self.cols
        mt = m_rows if m_tile is None else m_tile
        full, rem = divmod(m_rows, mt)
        if self.dataflow == "WS":
            n_mt = full + (rem > 0)
            return int(n_mt * (2 * self.depth_sum + self.active_units * (c - 2))
                       + self.active_units * m_rows)
        fm = full * ceil_div(mt, r) + ceil_div(rem, r)
        return int(fm * (self.active_units * (r + c - 2) + self.depth_sum))

    def to_dict(self) -> dict:
        return asdict(self)


def sparse_fold_stats(mask, m_rows: int, rows: int, cols: int, dataflow: str,
                      skip: str = "none", load_imbalance: float = 1.0,
                      compact_k: bool = False) -> SparseFoldStats:
    """Folds and compute cycles of Y[M, N] = X[M, K] . W[K, N] on an R x C array
    when W has this (K, N) mask and the array skips zeros at ``skip`` granularity
    (none | tile | vector | element). Rules in the module docstring."""
    if dataflow not in ("WS", "OS"):
        raise ValueError(f"dataflow must be 'WS' or 'OS', got {dataflow!r}")
    if skip not in SKIPS:
        raise ValueError(f"skip must be one of {SKIPS}, got {skip!r}")
    if load_imbalance < 1.0:
        raise ValueError(f"load_imbalance must be >= 1, got {load_imbalance}")
    mk = _as_mask(mask)
    k, n = mk.shape
    r, c, m = int(rows), int(cols), int(m_rows)
    kb, nb = ceil_div(k, r), ceil_div(n, c)
    v = _pad_to(mk, kb * r, nb * c).reshape(kb, r, nb, c)
    nnz = int(np.count_nonzero(mk))

    row_nz = v.any(axis=3)                         # (kb, r, nb): weight row of a tile has a kept element
    live_rows = row_nz.sum(axis=1, dtype=np.int64)  # (kb, nb) real non-zero rows per tile
    tile_nz = live_rows > 0                        # (kb, nb)
    empty_tiles = int(kb * nb - np.count_nonzero(tile_nz))
    kr = np.minimum(r, k - np.arange(kb) * r)[:, None]  # (kb, 1) real rows per K-tile
    need_cols = skip == "element"
    if need_cols:
        col_cnt = v.sum(axis=1, dtype=np.int64)    # (kb, nb, c) kept per tile column
    strip_empty = ~tile_nz.any(axis=0)             # (nb,)

    if dataflow == "WS":
        dense_folds = kb * nb
        dense_cycles = dense_folds * (2 * r + c + m - 2)
        if skip == "none":
            depth = np.full((kb, nb), r, dtype=np.int64)
        elif skip == "tile":
            depth = np.where(tile_nz, r, 0)
        else:
            depth = np.where(tile_nz, r - (kr - live_rows), 0)     # vector
            if skip == "element":
                lam = np.ceil(col_cnt.max(axis=2) * load_imbalance).astype(np.int64)
                d_el = r - kr + np.minimum(kr, lam)
                depth = np.where(tile_nz, np.minimum(depth, d_el), 0)
        if compact_k and skip in ("vector", "element"):
            strip_d = depth.sum(axis=0)                            # (nb,)
            if skip == "element":
                pad_rows = kb * r - k
                last_nz = tile_nz[-1]
                c_strip = col_cnt.sum(axis=0).max(axis=1)          # (nb,)
                alt = np.ceil(c_strip * load_imbalance).astype(np.int64)
                alt = np.minimum(alt, k) + np.where(last_nz, pad_rows, 0)
                strip_d = np.where(strip_d > 0, np.minimum(strip_d, alt), 0)
            f = ceil_div(strip_d, r)
            active = int(f.sum())
            depth_sum = int(strip_d.sum())
        else:
            active = int(np.count_nonzero(depth))
            depth_sum = int(depth.sum())
        cycles = 2 * depth_sum + active * (c + m - 2)
        empty_folds = empty_tiles
        active_folds = active
        active_units = active
    else:  # OS
        fm = ceil_div(m, r)
        dense_folds = fm * nb
        dense_cycles = dense_folds * (r + c + k - 2)
        if skip == "none":
            keff = np.full(nb, k, dtype=np.int64)
        elif skip == "tile":
            keff = k - (np.where(tile_nz, 0, kr)).sum(axis=0)
        else:
            keff = live_rows.sum(axis=0)
            if skip == "element":
                c_strip = col_cnt.sum(axis=0).max(axis=1)
                keff = np.minimum(keff, np.ceil(c_strip * load_imbalance).astype(np.int64))
        run = keff > 0
        active_units = int(np.count_nonzero(run))
        depth_sum = int(keff[run].sum())
        cycles = fm * (active_units * (r + c - 2) + depth_sum)
        empty_folds = fm * int(np.count_nonzero(strip_empty))
        active_folds = fm * active_units

    return SparseFoldStats(
        dataflow=dataflow, skip=skip, rows=r, cols=c, m_rows=m, k=k, n=n,
        load_imbalance=float(load_imbalance), compact_k=bool(compact_k and dataflow == "WS"),
        weight_tiles=kb * nb, empty_weight_tiles=empty_tiles, dense_folds=int(dense_folds),
        empty_folds=int(empty_folds), active_folds=int(active_folds), active_units=int(active_units),
        depth_sum=int(depth_sum), dense_cycles=int(dense_cycles), cycles=int(cycles), nnz=nnz,
        dense_macs=m * k * n, nonzero_macs=m * nnz,
    )
