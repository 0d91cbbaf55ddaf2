"""Glue: workload -> op graph -> mapping per unique op -> cost rows -> Report."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
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
        mask = _mask(plan, pr, 0 if uniform else op.layer, op.weight, (op.k, op.n), cfg.hd)
        unique[sig] = [("", op.kind, _pruned_row(op, pr, mask, hw, mapping_of))]

    # assemble: unique cost rows, indexed per op instance
    cost_rows: list[dict] = []
    first_index: dict[tuple, int] = {}
    for sig, rows in unique.items():
        first_index[sig] = len(cost_rows)
        for _, _, r in rows:
            if plan is not None:
                _sparse_defaults(r)
            cost_rows.append(r)
    columns = list(dict.fromkeys(c for r in cost_rows for c in r))
    table = pd.DataFrame({c: [r.get(c, 0.0) for r in cost_rows] for c in columns})
    idx, ident, weight_rows = [], [], []
    for op, sig in zip(ops, keys):
        for j, (suffix, kind, _) in enumerate(unique[sig]):
            idx.append(first_index[sig] + j)
            weight_rows.append(op.is_matmul and op.weight is not None)
            ident.append((op.layer, op.name + (f".{suffix}" if suffix else ""),
                          op.op + (f".{suffix}" if suffix else ""), kind, op.function, op.m, op.k, op.n, op.count,
                          op.elements))
    df = table.iloc[np.asarray(idx)].reset_index(drop=True)
    id_df = pd.DataFrame(dict(zip(_ID_COLS, zip(*ident))))
    df = pd.concat([id_df, df], axis=1)
    dense = None
    if plan is not None:
        dense = simulate(hw, cfg, phase, batch, seq_len, kv_len)
        _add_dense_columns(df, dense.ops, hw, np.asarray(weight_rows, dtype=bool))
    pes = hw.array.pes
    # useful MACs: with pruning, only MACs with a non-zero weight count (so the
    # utilisation of a pruned op never exceeds 100% of the array's peak)
    useful = df["nonzero_macs"] if plan is not None else df["macs"]
    df["utilization"] = np.where(df["latency_cycles"] > 0, useful / (pes * df["latency_cycles"]), 0.0)
    df["arithmetic_intensity"] = np.where(df["dram_bytes"] > 0, df["flops"] / df["dram_bytes"], np.inf)
    accuracy = _add_accuracy(df, hw)
    rep = Report(ops=df, hw=hw, model=cfg, phase=phase, batch=batch,
                 seq_len=seq_len if phase == "prefill" else 1, kv_len=kv_len if phase == "decode" else 0)
    rep.extra["accuracy"] = accuracy
    if dense is not None:
        rep.extra["sparsity"] = sparsity_summary(dense, rep, plan)
    return rep


_DENSE_COLS = ("macs", "compute_cycles", "dram_bytes", "latency_s", "bound", "energy_j")
"""Columns copied from the unpruned report as ``dense_<col>`` (matched by op name)."""


def _sparse_defaults(r: dict) -> None:
    """Pruning columns of a cost row that no mask touched (dense or shrunk)."""
    r.setdefault("density", 1.0)
    r.setdefault("executed_macs", r["macs"])
    r.setdefault("nonzero_macs", r["macs"])
    r.setdefault("stored_weight_bytes", np.nan)   # filled per op from its shape (weight matmuls)
    r.setdefault("decompress_cycles", 0.0)


def _add_dense_columns(df: pd.DataFrame, dense_ops: pd.DataFrame, hw: Accelerator, is_w: np.ndarray) -> None:
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


_MASK_CACHE: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_MASK_CACHE_BYTES = 64 * 2**20
"""Recently generated masks (read-only), at most this many bytes: pattern x
ratio studies run the same plan on several designs and models of the same
width. Masks larger than a quarter of it are not kept."""


def _mask(plan: PruningPlan, pr, layer: int, name: str, shape: tuple[int, int], head_dim: int) -> np.ndarray:
    """``plan_mask`` memoised on everything it depends on (pruning of this matrix,
    seed, layer, matrix name, shape, head_dim)."""
    key = (pr, plan.seed, layer, name, shape, head_dim)
    m = _MASK_CACHE.get(key)
    if m is not None:
        _MASK_CACHE.move_to_end(key)
        return m
    m = plan_mask(plan, layer, name, shape, head_dim=head_dim)
    if m.nbytes <= _MASK_CACHE_BYTES // 4:
        m.setflags(write=False)
        _MASK_CACHE[key] = m
        total = sum(v.nbytes for v in _MASK_CACHE.values())
        while total > _MASK_CACHE_BYTES:
            _, old = _MASK_CACHE.popitem(last=False)
            total -= old.nbytes
    return m


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
    """Cost row of one masked weight matmul: channel patterns on a
    ``structured_shrink`` array run the smaller dense matmul; everything else is
    priced on the mask's folds and the storage format's exact size."""
    sp = hw.sparsity
    if sp.structured_shrink and isinstance(pr.pattern, Channel):
        k2, n2 = structural_shape(mask)
        small = dataclasses.replace(op, k=max(k2, 1), n=max(n2, 1))
        row = matmul_cost(small, hw, mapping_of(small))
        row["density"] = float(mask.mean())
        row["nonzero_macs"] = float(op.m * np.count_nonzero(mask))
        row["stored_weight_bytes"] = float(small.k * small.n * hw.dtypes.weight_bytes)
        return row
    stats = sparse_fold_stats(mask, op.m, hw.array.rows, hw.array.cols, hw.array.dataflow, skip=sp.skip,
                              load_imbalance=sp.load_imbalance, compact_k=sp.compact_k)
    vb = sp.value_bits_for(hw.dtypes.weight_bits)
    group = pr.pattern.m if isinstance(pr.pattern, NM) else None
    if sp.storage == "nm" and group is None:
        raise MappingError(f"sparsity.storage: nm storage needs an N:M pattern ({op.weight} is "
                           f"{pr.pattern.kind})")
    stored = format_bytes(mask, sp.storage, vb, sp.index_bits, sp.pointer_bits, block=sp.block, m=group)
    return sparse_matmul_cost(op, hw, mapping_of(op), stats, stored)


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
