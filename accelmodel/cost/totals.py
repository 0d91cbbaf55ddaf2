"""Whole-pass totals of cost rows, for any number of designs.

One function, :func:`totals`, serves ``Report.summary()`` (one design) and
sweeps (many): a sweep row equals ``simulate(...).summary()`` because both are
this function's output. Each cost row stands for ``mult`` identical op
instances (identical ops in different layers are costed once), so the time to
sum does not grow with the layer count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..workload.kinds import KIND_CODE, KINDS
from .names import BOUNDS, ENERGY_COMPONENTS


@dataclass(frozen=True)
class RowStats:
    """What the sums need of R cost rows on D designs."""

    mult: np.ndarray
    """(R,) op instances each row stands for."""
    kind: np.ndarray
    """(R,) codes into :data:`~accelmodel.workload.kinds.KINDS`."""
    macs: np.ndarray
    """(R,) MACs of the row's op (all instances of one row together: per row, not per instance)."""
    useful_macs: np.ndarray
    """(D, R) or (R,) MACs that count for utilisation (pruning: MACs with a non-zero weight)."""
    flops: np.ndarray
    """(R,)"""
    latency_s: np.ndarray
    """(D, R)"""
    bound: np.ndarray
    """(D, R) codes into :data:`~accelmodel.cost.names.BOUNDS`."""
    energy: dict[str, np.ndarray]
    """(D, R) J by component."""
    energy_j: np.ndarray
    dram_bytes: np.ndarray
    """(D, R)"""


def kind_codes(kinds: list[str]) -> np.ndarray:
    return np.array([KIND_CODE[k] for k in kinds], dtype=np.int64)


def _wsum(values: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """Per design, the sum over rows of value x instances (``values``: (D, R))."""
    return np.ascontiguousarray(values * mult).sum(axis=1)


def _shares(sums: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Each group's share of the total (0 for absent groups or a zero total)."""
    total = np.ascontiguousarray(np.where(present, sums, 0.0)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(present & (total[:, None] > 0), sums / total[:, None], 0.0)


def totals(rs: RowStats, pes: np.ndarray, clock_hz: np.ndarray, tokens: int) -> dict[str, np.ndarray]:
    """Per design ((D,) arrays; (D, groups) for shares and components):

    latency_s, energy_j, macs, flops, dram_bytes, matmul_latency_s,
    utilization (useful MACs / (PEs x cycles)), matmul_utilization,
    tokens_per_s, energy_per_token_j, share_bound (D, len(BOUNDS)),
    present_bound, share_kind (D, len(KINDS)), present_kind, flops_share_kind
    (1, len(KINDS)), energy_share_kind, energy_component (D, len(ENERGY_COMPONENTS)).
    """
    D = rs.latency_s.shape[0]
    m = rs.mult.astype(float)
    weighted_lat = rs.latency_s * m
    latency = np.ascontiguousarray(weighted_lat).sum(axis=1)
    energy = _wsum(rs.energy_j, m)
    is_mm = rs.kind == KIND_CODE["matmul"]
    mm_lat = np.ascontiguousarray(np.where(is_mm, weighted_lat, 0.0)).sum(axis=1)
    useful = _wsum(np.broadcast_to(rs.useful_macs, (D, len(m))), m)
    mm_useful = _wsum(np.broadcast_to(np.where(is_mm, rs.useful_macs, 0.0), (D, len(m))), m)
    macs = float((rs.macs * m).sum())
    flops = float((rs.flops * m).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        cycles = latency * clock_hz
        mm_cycles = mm_lat * clock_hz
        util = np.where(cycles > 0, useful / (pes * cycles), 0.0)
        mm_util = np.where(mm_cycles > 0, mm_useful / (pes * mm_cycles), 0.0)
        tps = np.where(latency > 0, tokens / latency, 0.0)
    share_b = np.stack([np.ascontiguousarray(np.where(rs.bound == b, weighted_lat, 0.0)).sum(axis=1)
                        for b in range(len(BOUNDS))], axis=1)
    present_b = np.stack([(rs.bound == b).any(axis=1) for b in range(len(BOUNDS))], axis=1)
    by_kind = [rs.kind == k for k in range(len(KINDS))]
    share_k = np.stack([np.ascontiguousarray(np.where(sel, weighted_lat, 0.0)).sum(axis=1) for sel in by_kind], axis=1)
    energy_k = np.stack([_wsum(np.where(sel, rs.energy_j, 0.0), m) for sel in by_kind], axis=1)
    flops_k = np.array([[float((np.where(sel, rs.flops, 0.0) * m).sum()) for sel in by_kind]])
    present_k = np.broadcast_to(np.array([sel.any() for sel in by_kind]), (D, len(KINDS)))
    return {
        "latency_s": latency, "energy_j": energy, "macs": np.full(D, macs), "flops": np.full(D, flops),
        "dram_bytes": _wsum(rs.dram_bytes, m), "matmul_latency_s": mm_lat, "utilization": util,
        "matmul_utilization": mm_util, "tokens_per_s": tps, "energy_per_token_j": energy / tokens,
        "share_bound": _shares(share_b, present_b), "present_bound": present_b,
        "share_kind": _shares(share_k, present_k), "present_kind": present_k,
        "flops_share_kind": _shares(flops_k, present_k[:1]), "energy_share_kind": _shares(energy_k, present_k),
        "energy_component": np.stack([_wsum(rs.energy[c], m) for c in ENERGY_COMPONENTS], axis=1),
    }
