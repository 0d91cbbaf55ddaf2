"""Dense vs pruned: per-op ``dense_*`` columns, the pruned-ops table and the
``sparsity`` section of a pruned report's summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .hardware.spec import Accelerator
from .report import Report
from .workload.pruning import PruningPlan


_DENSE_COLS = ("macs", "compute_cycles", "dram_bytes", "latency_s", "bound", "energy_j")
"""Columns copied from the unpruned report as ``dense_<col>`` (matched by op name)."""


def add_dense_columns(df: pd.DataFrame, dense_ops: pd.DataFrame, hw: Accelerator, is_w: np.ndarray) -> None:
    """Per-op comparison with the unpruned model on the same hardware: ``dense_*``
    columns from the dense report (same op names; head pruning with
    ``structured_shrink`` changes an op's shape, not its name), and the weight
    bytes stored vs dense (``is_w``: rows of weight matmuls). Weight matmuls whose
    shape shrank get density = kept weights / dense weights."""
    d = dense_ops.set_index("name").reindex(df["name"])
    for c in _DENSE_COLS:
        df[f"dense_{c}"] = d[c].to_numpy()
    wb = hw.dtypes.weight_bytes
    own = (df["k"] * df["n"] * df["count"] * wb).to_numpy(float)
    dense_w = (d["k"] * d["n"] * d["count"] * wb).to_numpy(float)
    stored = df["stored_weight_bytes"].to_numpy(float)
    df["stored_weight_bytes"] = np.where(is_w, np.where(np.isnan(stored), own, stored), 0.0)
    df["dense_weight_bytes"] = np.where(is_w, dense_w, 0.0)
    shrunk = is_w & np.isnan(stored) & (own != dense_w)
    df.loc[shrunk, "density"] = own[shrunk] / dense_w[shrunk]


def _dominant(df: pd.DataFrame, col: str) -> str:
    """The value of ``col`` (a bound column) holding most of ``df``'s latency."""
    lat = "dense_latency_s" if col == "dense_bound" else "latency_s"
    g = df.groupby(col, sort=False)[lat].sum()
    return str(g.idxmax()) if len(g) else ""


def pruned_ops_table(sparse_ops: pd.DataFrame) -> pd.DataFrame:
    """Per op type (summed over layers) of a pruned report: the weight matmuls the
    plan changed (masked or shrunk) and the attention matmuls head pruning
    shrank, dense vs sparse: cycles, latency, DRAM and weight bytes, dominant
    bound. Columns: op, instances, density, dense/sparse compute_cycles,
    latency_s, dram_bytes, dense_weight_bytes, stored_weight_bytes, speedup,
    dense_bound, sparse_bound."""
    s = sparse_ops
    changed = (s["kind"] == "matmul") & ((s["density"] < 1.0) | (s["macs"] != s["dense_macs"]))
    sel = s[changed]
    rows = []
    for op, g in sel.groupby("op", sort=False):
        w = g["dense_weight_bytes"].sum()
        rows.append({
            "op": op, "instances": len(g),
            "density": float((g["density"] * g["dense_weight_bytes"]).sum() / w) if w > 0 else float("nan"),
            "dense_compute_cycles": float(g["dense_compute_cycles"].sum()),
            "sparse_compute_cycles": float(g["compute_cycles"].sum()),
            "dense_latency_s": float(g["dense_latency_s"].sum()), "sparse_latency_s": float(g["latency_s"].sum()),
            "dense_dram_bytes": float(g["dense_dram_bytes"].sum()), "sparse_dram_bytes": float(g["dram_bytes"].sum()),
            "dense_weight_bytes": float(w), "stored_weight_bytes": float(g["stored_weight_bytes"].sum()),
            "speedup": float(g["dense_latency_s"].sum() / g["latency_s"].sum()) if g["latency_s"].sum() > 0
            else float("inf"),
            "dense_bound": _dominant(g, "dense_bound"), "sparse_bound": _dominant(g, "bound"),
        })
    return pd.DataFrame(rows, columns=["op", "instances", "density", "dense_compute_cycles", "sparse_compute_cycles",
                                       "dense_latency_s", "sparse_latency_s", "dense_dram_bytes",
                                       "sparse_dram_bytes", "dense_weight_bytes", "stored_weight_bytes", "speedup",
                                       "dense_bound", "sparse_bound"])


def sparsity_summary(dense: Report, sparse: Report, plan: PruningPlan) -> dict:
    """Dense vs pruned totals on the same hardware (JSON-ready).

    Whole model: latency, energy, DRAM bytes, matmul cycles and latency, MACs
    (shape, executed, non-zero), weight bytes (dense vs as stored), latency
    shares by bound and by kind before and after, and the bottleneck sentence.
    ``ops``: :func:`pruned_ops_table` as a list of records (dense vs sparse
    cycles, bytes and bound of each pruned op type)."""
    d, s = dense.ops, sparse.ops
    dm, sm = d[d["kind"] == "matmul"], s[s["kind"] == "matmul"]
    ds, ss = dense.summary(), sparse.summary()
    w = sm[sm["dense_weight_bytes"] > 0]
    dense_wb, stored_wb = float(w["dense_weight_bytes"].sum()), float(w["stored_weight_bytes"].sum())
    pruned = w[w["density"] < 1.0]
    ops = pruned_ops_table(s)
    return {
        "plan": plan.description, "dense_latency_s": dense.latency_s, "sparse_latency_s": sparse.latency_s,
        "speedup": dense.latency_s / sparse.latency_s if sparse.latency_s > 0 else float("inf"),
        "dense_energy_j": dense.energy_j, "sparse_energy_j": sparse.energy_j,
        "energy_saving": 1.0 - sparse.energy_j / dense.energy_j if dense.energy_j > 0 else 0.0,
        "dense_dram_bytes": float(d["dram_bytes"].sum()), "sparse_dram_bytes": float(s["dram_bytes"].sum()),
        "dense_matmul_cycles": float(dm["compute_cycles"].sum()),
        "sparse_matmul_cycles": float(sm["compute_cycles"].sum()),
        "dense_matmul_latency_s": float(dm["latency_s"].sum()),
        "sparse_matmul_latency_s": float(sm["latency_s"].sum()),
        "dense_macs": float(dm["macs"].sum()), "sparse_macs": float(sm["macs"].sum()),
        "sparse_executed_macs": float(sm["executed_macs"].sum()),
        "sparse_nonzero_macs": float(sm["nonzero_macs"].sum()),
        "weight_density": (float((pruned["density"] * pruned["dense_weight_bytes"]).sum()
                                 / pruned["dense_weight_bytes"].sum()) if len(pruned) else 1.0),
        "dense_weight_bytes": dense_wb, "stored_weight_bytes": stored_wb,
        "storage": sparse.hw.sparsity.storage,
        "ops_stored_larger_than_dense": int(ops["stored_weight_bytes"].gt(ops["dense_weight_bytes"]).sum()),
        "dense_latency_share_by_bound": ds["latency_share_by_bound"],
        "sparse_latency_share_by_bound": ss["latency_share_by_bound"],
        "dense_latency_share_by_kind": ds["latency_share_by_kind"],
        "sparse_latency_share_by_kind": ss["latency_share_by_kind"],
        "dense_bottleneck": ds["bottleneck"], "sparse_bottleneck": ss["bottleneck"],
        "ops": ops.astype(object).where(ops.notna(), None).to_dict(orient="records"),
    }
