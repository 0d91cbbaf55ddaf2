"""Glue: workload -> op graph -> mapping per unique op -> cost rows -> Report."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .cost.ops import matmul_cost, op_cost
from .cost.sparse import sparse_matmul_cost
from .errors import MappingError
from .hardware.spec import Accelerator
from .mapping.sparse import format_bytes, sparse_fold_stats, structural_shape
from .mapping.tiling import Mapping, tile_matmul
from .numerics.accuracy import unit_accuracy
from .report import Report
from .workload.config import TransformerConfig, load_workload
from .workload.graph import Op, build_graph, ops_in_order
from .workload.pruning import MATRIX_NAMES, NM, Channel, Head, PruningPlan, load_pruning_plan, plan_mask, pruned_heads

_ID_COLS = ("layer", "name", "op", "kind", "function", "m", "k", "n", "count", "elements")


def simulate(
    hw: Accelerator,
    model: TransformerConfig | str,
    phase: Literal["prefill", "decode"] = "prefill",
    batch: int = 1,
    seq_len: int = 512,
    kv_len: int = 0,
    pruning: PruningPlan | str | Path | None = None,
) -> Report:
    """Model one forward pass of ``model`` on ``hw``.

    Identical ops (same shapes and kind, in any layer) are mapped and costed
    once; the report still has one row per op instance.

    ``pruning`` (a :class:`PruningPlan` or its YAML path) masks the weight
    matrices; what the hardware gains is set by ``hw.sparsity``. The report then
    has ``density`` and ``dense_*`` columns per op and a ``sparsity`` section in
    its summary comparing with the unpruned model on the same hardware.
    """
    cfg = load_workload(model) if isinstance(model, str) else model
    plan = load_pruning_plan(pruning) if isinstance(pruning, (str, Path)) else pruning
    if plan is not None:
        plan.check_layers(cfg.n_layers)
    shrink = plan is not None and hw.sparsity.structured_shrink
    g = build_graph(cfg, phase, batch, seq_len, kv_len, act_bytes=hw.dtypes.input_bytes,
                    weight_bytes=hw.dtypes.weight_bytes,
                    kv_heads_kept=_kv_heads_kept(plan, cfg) if shrink else None)
    ops = ops_in_order(g)
    uniform = plan is not None and plan.max_layer_index() < 0
    unique: dict[tuple, list] = {}
    mappings: dict[tuple, Mapping] = {}

    def mapping_of(op: Op) -> Mapping:
        key = (op.m, op.k, op.n, op.weight is not None)
        mp = mappings.get(key)
        if mp is None:
            mp = mappings[key] = tile_matmul(op.m, op.k, op.n, hw, op.weight is not None)
        return mp

    keys = []
    for op in ops:
        pr = None
        if plan is not None and op.weight in MATRIX_NAMES:
            pr = plan.for_matrix(op.layer, op.weight)
            if pr is not None and (pr.ratio == 0 or (shrink and isinstance(pr.pattern, Head))):
                pr = None  # dense, or already removed from the graph's shapes
        sig = (op.signature(), None if pr is None else (op.weight, pr, 0 if uniform else op.layer))
        keys.append(sig)
        if sig in unique:
            continue
        if pr is None:
            unique[sig] = op_cost(op, hw, mapping_of(op) if op.is_matmul else None)
            continue
        mask = plan_mask(plan, 0 if uniform else op.layer, op.weight, (op.k, op.n), head_dim=cfg.hd)
        unique[sig] = [("", op.kind, _pruned_row(op, pr, mask, hw, mapping_of))]

    # assemble: unique cost rows, indexed per op instance
    cost_rows: list[dict] = []
    first_index: dict[tuple, int] = {}
    for sig, rows in unique.items():
        first_index[sig] = len(cost_rows)
        for _, _, r in rows:
            if plan is not None:
                r.setdefault("density", 1.0)
                for c in ("compute_cycles", "dram_bytes", "latency_s", "bound"):
                    r.setdefault(f"dense_{c}", r[c])
            cost_rows.append(r)
    columns = list(dict.fromkeys(c for r in cost_rows for c in r))
    table = pd.DataFrame({c: [r.get(c, 0.0) for r in cost_rows] for c in columns})
    idx, ident = [], []
    for op, sig in zip(ops, keys):
        for j, (suffix, kind, _) in enumerate(unique[sig]):
            idx.append(first_index[sig] + j)
            ident.append((op.layer, op.name + (f".{suffix}" if suffix else ""),
                          op.op + (f".{suffix}" if suffix else ""), kind, op.function, op.m, op.k, op.n, op.count,
                          op.elements))
    df = table.iloc[np.asarray(idx)].reset_index(drop=True)
    id_df = pd.DataFrame(dict(zip(_ID_COLS, zip(*ident))))
    df = pd.concat([id_df, df], axis=1)
    pes = hw.array.pes
    df["utilization"] = np.where(df["latency_cycles"] > 0, df["macs"] / (pes * df["latency_cycles"]), 0.0)
    df["arithmetic_intensity"] = np.where(df["dram_bytes"] > 0, df["flops"] / df["dram_bytes"], np.inf)
    accuracy = _add_accuracy(df, hw)
    rep = Report(ops=df, hw=hw, model=cfg, phase=phase, batch=batch,
                 seq_len=seq_len if phase == "prefill" else 1, kv_len=kv_len if phase == "decode" else 0)
    rep.extra["accuracy"] = accuracy
    if plan is not None:
        dense = simulate(hw, cfg, phase, batch, seq_len, kv_len)
        rep.extra["sparsity"] = sparsity_summary(dense, rep, plan)
    return rep


_ACCURACY_SLOTS = {"softmax": "softmax", "activation": "activation", "layernorm": "norm", "rmsnorm": "norm"}


@lru_cache(maxsize=512)
def _unit_accuracy(unit, function: str) -> tuple[float, float]:
    """(MAE, relative error) of a unit's functional model on the bundled
    calibration set; a pure function of frozen inputs, memoised per process."""
    r = unit_accuracy(unit, function)
    return r["mae"], r["rel_error"]


def _add_accuracy(df: pd.DataFrame, hw: Accelerator) -> dict:
    """Add ``mae`` and ``rel_error`` columns (NaN where nothing is approximated:
    matmuls, element-wise ops, dequantize/quantize rows) and return the
    per-function accuracy of this design."""
    mae = np.full(len(df), np.nan)
    rel = np.full(len(df), np.nan)
    out: dict = {}
    is_stage = df["name"].str.endswith((".dequantize", ".quantize")).to_numpy()
    for (kind, function), idx in df.groupby(["kind", "function"], sort=False).indices.items():
        slot = _ACCURACY_SLOTS.get(kind)
        if slot is None:
            continue
        unit = getattr(hw.nonlinear, slot)
        a, r = _unit_accuracy(unit, function)
        rows = idx[~is_stage[idx]]
        mae[rows], rel[rows] = a, r
        out[function] = {"unit": unit.kind, "mae": a, "rel_error": r}
    df["mae"] = mae
    df["rel_error"] = rel
    return {"by_function": out, "max_rel_error": max((v["rel_error"] for v in out.values()), default=0.0),
            "samples": "bundled calibration set (data/calibration.npz)"}


def _kv_heads_kept(plan: PruningPlan, cfg: TransformerConfig) -> list[int] | None:
    """KV heads kept per layer under the plan's head patterns (read from wq's
    entry, else wk/wv/wo); None if no layer prunes heads."""
    out, any_head = [], False
    for layer in range(cfg.n_layers):
        kept = cfg.kv_heads
        for name in ("wq", "wk", "wv", "wo"):
            pr = plan.for_matrix(layer, name)
            if pr is not None and isinstance(pr.pattern, Head):
                kept = pruned_heads(cfg.kv_heads, pr.ratio)
                any_head = True
                break
        out.append(kept)
    return out if any_head else None


def _pruned_row(op: Op, pr, mask: np.ndarray, hw: Accelerator, mapping_of) -> dict:
    sp = hw.sparsity
    dense_row = matmul_cost(op, hw, mapping_of(op))
    if sp.structured_shrink and isinstance(pr.pattern, Channel):
        k2, n2 = structural_shape(mask)
        small = dataclasses.replace(op, k=max(k2, 1), n=max(n2, 1))
        row = matmul_cost(small, hw, mapping_of(small))
        row["density"] = float(mask.mean())
    else:
        stats = sparse_fold_stats(mask, op.m, hw.array.rows, hw.array.cols, hw.array.dataflow, skip=sp.skip,
                                  load_imbalance=sp.load_imbalance, compact_k=sp.compact_k)
        vb = sp.value_bits_for(hw.dtypes.weight_bits)
        group = pr.pattern.m if isinstance(pr.pattern, NM) else None
        if sp.storage == "nm" and group is None:
            raise MappingError(f"sparsity.storage: nm storage needs an N:M pattern ({op.weight} is "
                               f"{pr.pattern.kind})")
        stored = format_bytes(mask, sp.storage, vb, sp.index_bits, sp.pointer_bits, block=sp.block, m=group)
        row = sparse_matmul_cost(op, hw, mapping_of(op), stats, stored)
    for c in ("compute_cycles", "dram_bytes", "latency_s", "bound"):
        row[f"dense_{c}"] = dense_row[c]
    return row


def sparsity_summary(dense: Report, sparse: Report, plan: PruningPlan) -> dict:
    """Dense vs pruned totals on the same hardware."""
    d, s = dense.ops, sparse.ops
    dm, sm = d[d["kind"] == "matmul"], s[s["kind"] == "matmul"]
    ds, ss = dense.summary(), sparse.summary()

    def wdensity(df) -> float:
        w = df[df["density"].notna()] if "density" in df else df
        return float((w["density"] * w["macs"]).sum() / max(w["macs"].sum(), 1.0))

    return {
        "plan": plan.description, "dense_latency_s": dense.latency_s, "sparse_latency_s": sparse.latency_s,
        "speedup": dense.latency_s / sparse.latency_s if sparse.latency_s > 0 else float("inf"),
        "dense_energy_j": dense.energy_j, "sparse_energy_j": sparse.energy_j,
        "energy_saving": 1.0 - sparse.energy_j / dense.energy_j if dense.energy_j > 0 else 0.0,
        "dense_dram_bytes": float(d["dram_bytes"].sum()), "sparse_dram_bytes": float(s["dram_bytes"].sum()),
        "dense_matmul_cycles": float(dm["compute_cycles"].sum()),
        "sparse_matmul_cycles": float(sm["compute_cycles"].sum()),
        "dense_macs": float(dm["macs"].sum()), "sparse_macs": float(sm["macs"].sum()),
        "weight_density": wdensity(sm[sm["density"] < 1.0]) if (sm["density"] < 1.0).any() else 1.0,
        "dense_latency_share_by_bound": ds["latency_share_by_bound"],
        "sparse_latency_share_by_bound": ss["latency_share_by_bound"],
        "dense_bottleneck": ds["bottleneck"], "sparse_bottleneck": ss["bottleneck"],
    }
