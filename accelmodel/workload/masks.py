"""Pruning masks: real boolean masks of a weight matrix for each pattern of a
:class:`~accelmodel.workload.pruning.PruningPlan` (by magnitude when weights are
given, else from seeded scores), and what they contain (vector counts, the
row/column direction strength). Conventions: ``accelmodel.workload.pruning``."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .pruning import (MIXED_COVERAGE, NM, Block, Channel, Direction, Head, MatrixPruning,
                      PruningPlan, Unstructured, Vector)


# ---------------------------------------------------------------------------
# masks
# ---------------------------------------------------------------------------
def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def pruned_heads(n_heads: int, ratio: float) -> int:
    """Heads **kept** when pruning ``ratio`` of ``n_heads``: n_heads -
    round_half_up(ratio * n_heads), never fewer than 1."""
    if n_heads < 1:
        raise ValueError(f"n_heads must be >= 1, got {n_heads}")
    if not 0.0 <= ratio < 1.0:
        raise ValueError(f"ratio must be in [0, 1), got {ratio}")
    return max(1, n_heads - _round_half_up(ratio * n_heads))


def direction_strength(mask) -> float:
    """Signed direction of a mask: (var_r - var_c) / (var_r + var_c), where var_r
    is the variance of the row densities (fraction kept per row) and var_c of
    the column densities. +1: row-structured (whole rows kept or pruned), -1:
    column-structured, 0: neither (or a uniform mask)."""
    mk = np.asarray(mask, dtype=bool)
    vr = float(np.var(mk.mean(axis=1)))
    vc = float(np.var(mk.mean(axis=0)))
    tot = vr + vc
    return 0.0 if tot <= 0.0 else (vr - vc) / tot


def pick_direction(mask) -> str:
    """'row' if row densities vary at least as much as column densities (vectors
    along rows then follow the mask), else 'column' (TF-MVP)."""
    return "row" if direction_strength(mask) >= 0.0 else "column"


def _scores(shape, weights, rng) -> np.ndarray:
    if weights is not None:
        w = np.asarray(weights)
        if w.shape != tuple(shape):
            raise ValueError(f"weights shape {w.shape} does not match mask shape {tuple(shape)}")
        return np.abs(w).astype(np.float32, copy=False)
    rng = rng if rng is not None else np.random.default_rng(0)
    return rng.random(shape, dtype=np.float32)


def _prune_lowest(scores: np.ndarray, sizes: np.ndarray | None, target: float) -> np.ndarray:
    """Boolean 'pruned' over units (flat), taking the weakest first (see module doc)."""
    u = scores.size
    if u == 0:
        return np.zeros(0, dtype=bool)
    if sizes is None or np.all(sizes == sizes.flat[0]):
        s = 1 if sizes is None else int(sizes.flat[0])
        k = min(u, _round_half_up(target / s))
        pruned = np.zeros(u, dtype=bool)
        if k > 0:
            idx = np.argpartition(scores, k - 1)[:k] if k < u else np.arange(u)
            pruned[idx] = True
        return pruned
    order = np.argsort(scores, kind="stable")
    cum = np.concatenate([[0], np.cumsum(sizes[order])])
    diff = np.abs(cum - target)
    k = len(diff) - 1 - int(np.argmin(diff[::-1]))
    pruned = np.zeros(u, dtype=bool)
    pruned[order[:k]] = True
    return pruned


def _unstructured(s: np.ndarray, ratio: float) -> np.ndarray:
    flat = s.ravel()
    pruned = _prune_lowest(flat, None, ratio * flat.size)
    return ~pruned.reshape(s.shape)


def _block(s: np.ndarray, bh: int, bw: int, ratio: float) -> np.ndarray:
    k, n = s.shape
    kb, nb = -(-k // bh), -(-n // bw)
    sq = np.square(s, dtype=np.float32)
    if (kb * bh, nb * bw) != (k, n):
        sq = np.zeros((kb * bh, nb * bw), dtype=np.float32)
        sq[:k, :n] = np.square(s, dtype=np.float32)
    sums = sq.reshape(kb, bh, nb, bw).sum(axis=3, dtype=np.float64).sum(axis=1)
    rk = np.minimum(bh, k - np.arange(kb) * bh)
    rn = np.minimum(bw, n - np.arange(nb) * bw)
    sizes = np.outer(rk, rn)
    pruned = _prune_lowest((sums / sizes).ravel(), sizes.ravel(), ratio * k * n).reshape(kb, nb)
    keep = np.repeat(np.repeat(~pruned, bh, axis=0), bw, axis=1)
    return np.ascontiguousarray(keep[:k, :n])


def _nm(s: np.ndarray, n_keep: int, m: int) -> np.ndarray:
    k, n = s.shape
    if n_keep >= m:
        return np.ones((k, n), dtype=bool)
    g = -(-k // m)
    pad = np.full((g * m, n), -np.inf, dtype=np.float32)
    pad[:k] = s
    grp = pad.reshape(g, m, n)
    if m <= 8:
        # rank inside the group by pairwise comparison (ties: earlier row wins)
        keep = np.empty((g, m, n), dtype=bool)
        for i in range(m):
            rank = np.zeros((g, n), dtype=np.int16)
            for j in range(m):
                if j != i:
                    rank += (grp[:, j] >= grp[:, i]) if j < i else (grp[:, j] > grp[:, i])
            keep[:, i] = rank < n_keep
    else:
        order = np.argsort(-grp, axis=1, kind="stable")  # descending
        keep = np.zeros_like(grp, dtype=bool)
        np.put_along_axis(keep, order[:, :n_keep, :], True, axis=1)
    return np.ascontiguousarray(keep.reshape(g * m, n)[:k])


def _pad_cols(a: np.ndarray, width: int) -> np.ndarray:
    if a.shape[1] == width:
        return a
    out = np.zeros((a.shape[0], width), dtype=a.dtype)
    out[:, : a.shape[1]] = a
    return out


def _mixed_rows(s: np.ndarray, fine_pruned: np.ndarray, lengths: tuple[int, ...], ratio: float) -> np.ndarray:
    """Mixed-length 1 x L vectors along rows of s (see module doc). Returns keep mask."""
    nr, ln = s.shape
    lmax, lmin = lengths[0], lengths[-1]
    lp = -(-ln // lmax) * lmax
    nseg = lp // lmin
    seg_sq = _pad_cols(np.square(s), lp).reshape(nr, nseg, lmin).sum(axis=2, dtype=np.float64)
    seg_fp = _pad_cols(fine_pruned, lp).reshape(nr, nseg, lmin).sum(axis=2, dtype=np.int32)
    full_seg = (np.minimum(lmin, ln - np.arange(nseg) * lmin) == lmin)  # (nseg,)
    pruned = np.zeros((nr, nseg), dtype=bool)
    remaining = _round_half_up(ratio * nr * ln)
    for length in lengths[:-1]:
        g = length // lmin
        shape3 = (nr, nseg // g, g)
        ok = (~pruned).reshape(shape3).all(axis=2) & full_seg.reshape(-1, g).all(axis=1)[None, :]
        cover = seg_fp.reshape(shape3).sum(axis=2) / length
        cand = ok & (cover >= MIXED_COVERAGE)
        cap = remaining // length
        idx = np.flatnonzero(cand)
        if idx.size > cap:
            sqv = seg_sq.reshape(shape3).sum(axis=2).ravel()[idx]
            order = np.lexsort((sqv, -cover.ravel()[idx]))  # most covered first, then weakest
            idx = idx[order[:cap]]
        view = pruned.reshape(nr, nseg // g, g)
        rr, cc = np.unravel_index(idx, (nr, nseg // g))
        view[rr, cc, :] = True
        remaining -= idx.size * length
    avail = (~pruned) & full_seg[None, :]
    aidx = np.flatnonzero(avail)
    k = min(aidx.size, max(0, _round_half_up(remaining / lmin)))
    if k > 0:
        sc = seg_sq.ravel()[aidx]
        chosen = aidx[np.argpartition(sc, k - 1)[:k]] if k < aidx.size else aidx
        pruned.ravel()[chosen] = True
    keep = ~np.repeat(pruned, lmin, axis=1)
    return np.ascontiguousarray(keep[:, :ln])


def _vector(s: np.ndarray, p: Vector, ratio: float) -> np.ndarray:
    direction: str = p.direction
    lengths = p.all_lengths
    if direction != "auto" and len(lengths) == 1:
        L = lengths[0]
        return _block(s, 1, L, ratio) if direction == "row" else _block(s, L, 1, ratio)
    fine = _unstructured(s, ratio)
    if direction == "auto":
        direction = pick_direction(fine)
    if len(lengths) == 1:
        L = lengths[0]
        return _block(s, 1, L, ratio) if direction == "row" else _block(s, L, 1, ratio)
    if direction == "row":
        return _mixed_rows(s, ~fine, lengths, ratio)
    return np.ascontiguousarray(_mixed_rows(s.T, ~fine.T, lengths, ratio).T)


def _head(shape, s_or_w, rng, ratio: float, head_dim: int | None, head_axis: str, groups: int) -> np.ndarray:
    k, n = shape
    if head_dim is None:
        raise ValueError("head pruning needs head_dim")
    if head_axis not in ("N", "K"):
        raise ValueError(f"head_axis must be 'N' or 'K', got {head_axis!r}")
    dim = n if head_axis == "N" else k
    if groups < 1 or dim % (groups * head_dim):
        raise ValueError(f"head pruning: {head_axis}={dim} is not {groups} x n_heads x head_dim={head_dim}")
    n_heads = dim // (groups * head_dim)
    if s_or_w is not None:
        sq = np.square(np.asarray(s_or_w, dtype=np.float64))
        per = sq.sum(axis=0) if head_axis == "N" else sq.sum(axis=1)     # (dim,)
        score = per.reshape(groups, n_heads, head_dim).sum(axis=(0, 2))
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        score = rng.random(n_heads)
    n_prune = n_heads - pruned_heads(n_heads, ratio)
    keep_h = np.ones(n_heads, dtype=bool)
    if n_prune > 0:
        keep_h[np.argsort(score, kind="stable")[:n_prune]] = False
    keep_1d = np.tile(np.repeat(keep_h, head_dim), groups)
    return np.broadcast_to(keep_1d[None, :] if head_axis == "N" else keep_1d[:, None], (k, n)).copy()


def make_mask(shape, pruning: Optional[MatrixPruning], weights=None, rng: np.random.Generator | None = None,
              head_dim: int | None = None, head_axis: str = "N", groups: int = 1) -> np.ndarray:
    """Boolean keep-mask (True = kept) of a (K, N) weight matrix.

    ``weights`` (K, N): rank by magnitude; else random scores from ``rng``
    (default: seed 0). ``pruning`` None or ratio 0: all True.
    Head pattern: ``head_dim`` (required), ``head_axis`` 'N' for wq/wk/wv/wqkv
    (heads are column slices), 'K' for wo (row slices), ``groups`` = 3 for a
    stacked wqkv (the axis is [Q | K | V], each n_heads x head_dim; head h is
    scored over its three slices and removed from all three). For GQA mask wq,
    wk, wv separately.
    """
    k, n = (int(x) for x in shape)
    if pruning is None or pruning.ratio == 0.0:
        return np.ones((k, n), dtype=bool)
    p = pruning.pattern
    if isinstance(p, Head):
        return _head((k, n), weights, rng, pruning.ratio, head_dim, head_axis, groups)
    s = _scores((k, n), weights, rng)
    if isinstance(p, Unstructured):
        return _unstructured(s, pruning.ratio)
    if isinstance(p, NM):
        return _nm(s, p.n, p.m)
    if isinstance(p, Block):
        return _block(s, p.bh, p.bw, pruning.ratio)
    if isinstance(p, Vector):
        return _vector(s, p, pruning.ratio)
    if isinstance(p, Channel):
        return _block(s, 1, n, pruning.ratio) if p.direction == "row" else _block(s, k, 1, pruning.ratio)
    raise TypeError(f"unknown pattern {p!r}")


def plan_mask(plan: PruningPlan, layer: int, name: str, shape, weights=None,
              head_dim: int | None = None) -> Optional[np.ndarray]:
    """Mask of matrix ``name`` in ``layer`` under ``plan`` (None if not pruned),
    with the plan's seeded random source and the head layout of that matrix
    (wo: heads along K; wqkv: 3 stacked groups along N)."""
    pr = plan.for_matrix(layer, name)
    if pr is None:
        return None
    return make_mask(shape, pr, weights=weights, rng=plan.rng(layer, name), head_dim=head_dim,
                     head_axis="K" if name == "wo" else "N", groups=3 if name == "wqkv" else 1)


def vector_counts(mask, direction: Direction, lengths) -> dict[int, int]:
    """Decompose the pruned elements of ``mask`` into aligned vectors along
    ``direction``, longest first: {length: count}; elements left over (not
    covering a whole aligned vector of the shortest length) are counted under
    key 1. Useful for the metadata of a mixed-length vector format."""
    mk = np.asarray(mask, dtype=bool)
    pr = ~mk if direction == "row" else ~mk.T
    nr, ln = pr.shape
    ls = sorted({int(x) for x in lengths}, reverse=True)
    covered = np.zeros_like(pr)
    out: dict[int, int] = {}
    for L in ls:
        nv = ln // L
        if nv == 0:
            out[L] = 0
            continue
        blk = (pr[:, : nv * L] & ~covered[:, : nv * L]).reshape(nr, nv, L).all(axis=2)
        out[L] = int(np.count_nonzero(blk))
        covered[:, : nv * L] |= np.repeat(blk, L, axis=1)
    out[1] = int(np.count_nonzero(pr & ~covered))
    return out
