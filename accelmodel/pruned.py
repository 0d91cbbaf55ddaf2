"""``simulate`` with a pruning plan: masked weight matmuls priced on their masks.

The unpruned ops go through the same lowering as ``simulate`` (one call for
all of them); each masked weight matmul is lowered on its mask
(:mod:`accelmodel.cost.sparse`), or, for channel patterns on a
``structured_shrink`` array, as the smaller dense matmul. All rows are then
evaluated together by :func:`accelmodel.cost.evaluate.evaluate`.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

import numpy as np

from .cost.demand import Demand, concat, lower_matmuls, lower_ops, take_rows
from .cost.design import DesignBatch
from .cost.engine import matmul_maps, unit_error
from .cost.evaluate import evaluate
from .cost.sparse import lower_pruned_matmul
from .errors import MappingError
from .hardware.spec import Accelerator
from .mapping.sparse import format_bytes, sparse_fold_stats, structural_shape
from .report import PassRows, Report
from .simulation import make_report, row_columns, segment_rows, simulate
from .sparsity_report import add_dense_columns, sparsity_summary
from .workload.config import TransformerConfig
from .workload.graph import Op
from .workload.sequence import Segment, op_sequence
from .workload.masks import plan_mask, pruned_heads
from .workload.pruning import MATRIX_NAMES, NM, Channel, Head, PruningPlan


def simulate_pruned(hw: Accelerator, cfg: TransformerConfig, phase: str, batch: int, seq_len: int, kv_len: int,
                    plan: PruningPlan) -> Report:
    plan.check_layers(cfg.n_layers)
    shrink = hw.sparsity.structured_shrink
    seq = op_sequence(cfg, phase, batch, seq_len, kv_len, _kv_heads_kept(plan, cfg) if shrink else None)
    uniform = plan.max_layer_index() < 0
    segments = seq.segments if uniform else tuple(
        Segment(ops, layer, 1) for seg in seq.segments for layer, ops in seg.layers())
    keys: dict[tuple, int] = {}
    ops: list[Op] = []
    prs: list = []
    mult: list[int] = []
    where = []
    for seg in segments:
        pos = []
        for op in seg.ops:
            pr = _pruning_of(plan, op, shrink)
            key = (op.signature(), None if pr is None else (op.weight, pr, 0 if uniform else op.layer))
            u = keys.get(key)
            if u is None:
                u = keys[key] = len(ops)
                ops.append(op)
                prs.append(pr)
                mult.append(0)
            mult[u] += seg.repeat
            pos.append(u)
        where.append(tuple(pos))
    batch_ = DesignBatch.of([hw])
    plain = [i for i, pr in enumerate(prs) if pr is None]
    err = unit_error([ops[i] for i in plain], hw)
    maps, errors = matmul_maps(ops, [hw])
    if err or errors[0]:
        raise MappingError(err or errors[0])
    mm_pos = {i: j for j, i in enumerate(i for i, op in enumerate(ops) if op.is_matmul)}
    parts = [_reindex(lower_ops([ops[i] for i in plain], _select(maps, [mm_pos[i] for i in plain if ops[i].is_matmul]),
                                batch_), plain)]
    for i, pr in enumerate(prs):
        if pr is not None:
            mask = _mask(plan, pr, 0 if uniform else ops[i].layer, str(ops[i].weight), (ops[i].k, ops[i].n), cfg.hd)
            parts.append(_pruned_demand(ops[i], i, pr, mask, hw, batch_, _fields(maps, mm_pos[i])))
    whole = concat(parts, 1)
    demand = take_rows(whole, np.argsort(whole.op_index, kind="stable"))
    costs = evaluate(demand, batch_)
    columns = row_columns(demand, costs, hw, ops)
    _sparse_defaults(columns)
    rows = PassRows(columns, np.asarray(mult, dtype=float)[demand.op_index],
                    segment_rows(segments, where, demand.op_index))
    dense = simulate(hw, cfg, phase, batch, seq_len, kv_len)
    rep = make_report(rows, hw, cfg, phase, batch, seq_len, kv_len)
    weight_ops = {op.op for seg in segments for op in seg.ops if op.weight is not None}
    add_dense_columns(rep.ops, dense.ops, hw, (rep.ops["kind"] == "matmul").to_numpy()
                      & rep.ops["op"].isin(weight_ops).to_numpy())
    rep.extra["sparsity"] = sparsity_summary(dense, rep, plan)
    return rep


def _pruning_of(plan: PruningPlan, op: Op, shrink: bool):
    if op.weight not in MATRIX_NAMES:
        return None
    pr = plan.for_matrix(op.layer, op.weight)
    if pr is not None and (pr.ratio == 0 or (shrink and isinstance(pr.pattern, Head))):
        return None  # dense, or already removed from the graph's shapes
    return pr


def _select(maps: dict[str, np.ndarray], cols: list[int]) -> dict[str, np.ndarray]:
    return {k: v[:, cols] for k, v in maps.items()}


def _fields(maps: dict[str, np.ndarray], col: int) -> dict:
    return {k: v[0, col] for k, v in maps.items()}


def _reindex(d: Demand, positions: list[int]) -> Demand:
    d.op_index = np.asarray(positions, dtype=np.int64)[d.op_index] if d.rows else d.op_index
    return d


def _pruned_demand(op: Op, index: int, pr, mask: np.ndarray, hw: Accelerator, db: DesignBatch, mp: dict) -> Demand:
    """Channel patterns on a ``structured_shrink`` array run the smaller dense
    matmul; everything else is priced on the mask's folds and the storage
    format's exact size."""
    sp = hw.sparsity
    if sp.structured_shrink and isinstance(pr.pattern, Channel):
        k2, n2 = structural_shape(mask)
        small = dataclasses.replace(op, k=max(k2, 1), n=max(n2, 1))
        maps, errors = matmul_maps([small], [hw])
        if errors[0]:
            raise MappingError(errors[0])
        d = lower_matmuls([small], [index], maps, db)
        d.columns.update(masked=np.array([[1.0]]), density=np.array([[float(mask.mean())]]),
                         nonzero_macs=np.array([[float(op.m * np.count_nonzero(mask))]]),
                         stored_weight_bytes=np.array([[float(small.k * small.n * hw.dtypes.weight_bytes)]]))
        return d
    stats = sparse_fold_stats(mask, op.m, hw.array.rows, hw.array.cols, hw.array.dataflow, skip=sp.skip,
                              load_imbalance=sp.load_imbalance, compact_k=sp.compact_k)
    vb = sp.value_bits_for(hw.dtypes.weight_bits)
    group = pr.pattern.m if isinstance(pr.pattern, NM) else None
    if sp.storage == "nm" and group is None:
        raise MappingError(f"sparsity.storage: nm storage needs an N:M pattern ({op.weight} is {pr.pattern.kind})")
    stored = format_bytes(mask, sp.storage, vb, sp.index_bits, sp.pointer_bits, block=sp.block, m=group)
    d = lower_pruned_matmul(op, index, hw, mp, stats, stored)
    d.columns["masked"] = np.array([[1.0]])
    return d


def _sparse_defaults(c: dict[str, np.ndarray]) -> None:
    """Pruning columns of rows that no mask touched (dense or shrunk)."""
    R = len(c["macs"])
    masked = c.pop("masked", None)
    touched = np.zeros(R, dtype=bool) if masked is None else masked > 0

    def fill(name: str, default: np.ndarray) -> None:
        v = c.get(name)
        c[name] = default if v is None else np.where(touched, v, default)
    fill("density", np.ones(R))
    fill("executed_macs", c["macs"])
    fill("nonzero_macs", c["macs"])
    fill("stored_weight_bytes", np.full(R, np.nan))
    fill("decompress_cycles", np.zeros(R))


_MASK_CACHE: "OrderedDict[tuple, np.ndarray]" = OrderedDict()
_MASK_LOCK = threading.Lock()
_MASK_CACHE_BYTES = 64 * 2**20
"""Recently generated masks (read-only), at most this many bytes: pattern x
ratio studies run the same plan on several designs and models of the same
width. Masks larger than a quarter of it are not kept. Guarded by a lock
(Dask workers run tasks on threads)."""


def _mask(plan: PruningPlan, pr, layer: int, name: str, shape: tuple[int, int], head_dim: int) -> np.ndarray:
    """``plan_mask`` memoised on everything it depends on (pruning of this matrix,
    seed, layer, matrix name, shape, head_dim): a pure function of those values."""
    key = (pr, plan.seed, layer, name, shape, head_dim)
    with _MASK_LOCK:
        hit = _MASK_CACHE.get(key)
        if hit is not None:
            _MASK_CACHE.move_to_end(key)
            return hit
    m = plan_mask(plan, layer, name, shape, head_dim=head_dim)
    if m is None:
        raise ValueError(f"{name}: the plan does not prune this matrix")
    if m.nbytes <= _MASK_CACHE_BYTES // 4:
        m.setflags(write=False)
        with _MASK_LOCK:
            _MASK_CACHE[key] = m
            total = sum(v.nbytes for v in _MASK_CACHE.values())
            while total > _MASK_CACHE_BYTES:
                _, old = _MASK_CACHE.popitem(last=False)
                total -= old.nbytes
    return m


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
