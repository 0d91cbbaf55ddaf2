"""Costs of fused rows: the demand of each op the fusion pass marked, rewritten.

:func:`apply_fusion` takes the unfused lowering (:func:`accelmodel.cost.demand.lower_ops`)
and rewrites the rows of fused ops, on every design of the batch at once; rows of
unfused ops are not touched (``fusion: none`` is the unfused lowering itself).
Every report row gets ``unfused_dram_bytes`` (its bytes without fusion) and
``attention_schedule`` (:data:`ATTENTION_SCHEDULES` code; 0 outside attention).

* ``path``/``norm`` rows: bytes moved = the inputs beyond the first (read from
  DRAM at the output width), nothing written; the unit's work is kept; the DRAM
  latency is paid only if bytes move; the unit's pipeline latency always.
* attention rows, per design: the MHA engine if the mode asks for it and one
  head's scores (q_len x kv_len at the accumulator width) fit its buffer
  (``schedule.attention_engine_kib``); else tiled online softmax if the mode
  allows it (``flash``, ``all``) and a tile fits; else unfused. Engine: Q read and
  O written once per query head, K and V once per K/V head (the GQA group's heads
  share them, as in the unfused lowering). Tiled (FlashAttention-2 order, query
  blocks outer, a block holding the group's queries): Q read and O written once
  per query head, K and V once per K/V head and query block for the key blocks it
  visits (:func:`flash_tiles`); the online
  softmax's rescaling (running max, sum and the O accumulator: hd + 2 element
  operations per query row per visited key block after the first, and hd per row
  for the final normalisation) is charged to the softmax unit. Causal prefill
  visits only key blocks that hold a key at or before the block's last query, and
  its matmul and unit work shrinks with the computed area. Score bytes never go
  to DRAM; the matmuls' other traffic is their Q/K/V/O bytes.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..workload.graph import Op
from .demand import Demand, element_ops, io_bytes
from .design import SLOT_FOR_KIND, DesignBatch

ATTENTION_SCHEDULES = ("", "engine", "tiled", "unfused_fallback")
"""``attention_schedule`` codes: not attention, MHA engine, tiled online softmax,
requested but unfused (the engine's buffer is too small and no tiling allowed)."""


def flash_tiles(q: int, ctx: int, br: int, bc: int, causal: bool) -> dict[str, int]:
    """Tiles of one query head's attention with query blocks of ``br`` rows and key
    blocks of ``bc`` keys: ``tiles`` visited, ``kv_rows`` keys read (K and V each),
    ``area`` scores computed, ``rescale_rows`` query rows x visited blocks after the
    first. Causal (prefill, q == ctx): a block is skipped when all its keys come
    after the query block's last query."""
    i = np.arange(-(-q // br), dtype=np.int64)
    rows = np.minimum(br, q - i * br)
    n_kv = -(-ctx // bc)
    visited = (i * br + rows - 1) // bc + 1 if causal else np.full_like(i, n_kv)
    visited = np.minimum(visited, n_kv)
    keys = np.minimum(ctx, visited * bc)
    return {"tiles": int(visited.sum()), "kv_rows": int(keys.sum()), "area": int((rows * keys).sum()),
            "rescale_rows": int((rows * (visited - 1)).sum())}


def flash_block_sizes(q: int, hd: int, ctx: int, group: int, db: DesignBatch) -> tuple[np.ndarray, np.ndarray]:
    """(Br, Bc) per design: key blocks as wide as the head dimension and at least one
    array width (at most ``ctx``), so the rescaling costs about one pass over the
    scores; query blocks of Br positions of each of the ``group`` query heads that
    share a K/V head (GQA: the group's queries are stacked, as in the op lowering, so
    each K/V tile serves all of them), as many as the buffers allow (at most ``q``):
    the scratchpad holds the Q, K, V and probability tiles at the input width, the
    accumulator the score tile, the O accumulator and the running max and sum at the
    accumulator width. Br = 0: no tile fits."""
    bc = np.minimum(ctx, np.maximum(db.array_cols, hd)).astype(np.int64)
    in_b, acc_b = db.input_bytes, db.accumulator_width_bytes
    by_spad = (db.usable_scratchpad_bytes / in_b - 2 * bc * hd) // (group * (hd + bc))
    by_acc = db.usable_accumulator_bytes // (group * (bc + hd + 2) * acc_b)
    br = np.clip(np.minimum(by_spad, by_acc), 0, q).astype(np.int64)
    return br, bc


def _attention_geometry(op: Op) -> tuple[int, int, int]:
    """(query rows per head, keys, head dim) of Q.K^T or softmax.V."""
    q = op.m // op.group
    return (q, op.n, op.k) if op.op == "qk" else (q, op.k, op.n)


class _Attention:
    """Per design, how one attention group runs, and its numbers."""

    def __init__(self, qk: Op, db: DesignBatch):
        q, ctx, hd = _attention_geometry(qk)
        self.q, self.ctx, self.hd, self.kv_heads, self.heads = q, ctx, hd, qk.count, qk.count * qk.group
        mode = db.fusion
        fits = q * ctx * db.accumulator_width_bytes <= db.engine_bytes
        self.engine = (mode in ("attention_engine", "all")) & (db.engine_bytes > 0) & fits
        self.br, self.bc = flash_block_sizes(q, hd, ctx, qk.group, db)
        tiled_ok = mode in ("flash", "all")
        self.tiled = tiled_ok & ~self.engine & (self.br >= 1)
        self.schedule = np.where(self.engine, 1, np.where(self.tiled, 2, 3)).astype(float)
        tiles = {}
        for br, bc in set(zip(self.br.tolist(), self.bc.tolist())):
            tiles[(br, bc)] = flash_tiles(q, ctx, max(br, 1), bc, qk.causal)
        pick = [tiles[(br, bc)] for br, bc in zip(self.br.tolist(), self.bc.tolist())]
        self.kv_rows = np.array([t["kv_rows"] for t in pick], dtype=float)
        self.area_fraction = np.where(self.tiled, np.array([t["area"] for t in pick]) / (q * ctx), 1.0)
        self.rescale_ops = np.where(self.tiled, (np.array([t["rescale_rows"] for t in pick]) * (hd + 2) + q * hd)
                                    * self.heads, 0.0)

    @property
    def fused(self) -> np.ndarray:
        return self.engine | self.tiled

    def matmul_dram_bytes(self, op: Op, db: DesignBatch) -> np.ndarray:
        """DRAM bytes of Q.K^T (Q and K) or softmax.V (V and O), all heads: Q and O once
        per query head, K (or V) once per K/V head (engine) or per query block (tiled)."""
        in_b, out_b = db.input_bytes, db.output_bytes
        kv = np.where(self.engine, self.ctx, self.kv_rows) * self.hd * in_b * self.kv_heads
        own = self.q * self.hd * (in_b if op.op == "qk" else out_b) * self.heads
        return own + kv


def _set(d: Demand, r: int, name: str, value: np.ndarray) -> None:
    if name in d.columns:
        d.columns[name][:, r] = value


def _rewrite_traffic(d: Demand, r: int, moved: np.ndarray, db: DesignBatch, unit_row: bool) -> None:
    """Row ``r`` moves ``moved`` bytes (D,) through DRAM, the local link and the L2."""
    clock = db.clock_hz
    local_c, dram_c = moved / db.local_bytes_per_cycle, moved / db.dram_bytes_per_cycle
    l2 = 2 * moved if db.has_l2 else np.zeros_like(moved)
    d.local_s[:, r], d.dram_s[:, r] = local_c / clock, dram_c / clock
    for name, v in (("local_cycles", local_c), ("dram_cycles", dram_c), ("dram_bytes", moved), ("l2_bytes", l2)):
        _set(d, r, name, v)
    d.actions[("dram", "byte")][:, r] = moved
    d.actions[("l2", "byte")][:, r] = l2
    if unit_row:
        d.actions[("scratchpad", "byte")][:, r] = 2 * moved
        _set(d, r, "scratchpad_bytes", 2 * moved)


def _rewrite_unit(d: Demand, r: int, op: Op, moved: np.ndarray, work_ops: np.ndarray, db: DesignBatch) -> None:
    slot = SLOT_FOR_KIND[op.kind]
    unit = db.units[slot]
    _rewrite_traffic(d, r, moved, db, unit_row=True)
    cycles = work_ops / unit.lanes
    overhead = np.where(moved > 0, db.dram_latency_cycles, 0.0) + unit.latency_cycles
    d.work_s[:, r] = cycles / db.clock_hz
    d.overhead_s[:, r] = overhead / db.clock_hz
    _set(d, r, "unit_cycles", cycles)
    _set(d, r, "overhead_cycles", overhead)
    d.actions[(f"unit:{slot}", "element_op")][:, r] = work_ops


def apply_fusion(d: Demand, ops: Sequence[Op], db: DesignBatch) -> Demand:
    """``d`` (the unfused lowering of ``ops``) with the rows of fused ops rewritten
    (in place) and the ``unfused_dram_bytes`` / ``attention_schedule`` columns added."""
    if "dram_bytes" in d.columns:
        d.columns["unfused_dram_bytes"] = d.columns["dram_bytes"].copy()
    if db.fusion == "none":
        return d
    d.columns["attention_schedule"] = np.zeros((db.size, d.rows))
    d.columns["executed_macs"] = np.broadcast_to(d.macs, (db.size, d.rows)).copy()
    groups: dict[int, _Attention] = {}
    current: _Attention | None = None
    for i, op in enumerate(ops):  # distinct ops in first-seen order: a group's qk precedes its other ops
        if op.fusion == "attention":
            if op.op == "qk":
                current = _Attention(op, db)
            if current is not None:
                groups[i] = current
    for r, i in enumerate(d.op_index.tolist()):
        op = ops[i]
        if not op.fusion or d.suffix[r]:
            continue
        if op.fusion in ("path", "norm"):
            rd, _ = io_bytes([op], db)
            moved = (rd[:, 0] * (op.inputs - 1) / op.inputs) if op.fusion == "path" else np.zeros(db.size)
            _rewrite_unit(d, r, op, moved, np.full(db.size, float(element_ops(op))), db)
            continue
        att = groups[i]
        d.columns["attention_schedule"][:, r] = att.schedule
        fused = att.fused
        if op.is_matmul:
            old = d.columns["dram_bytes"][:, r].copy()
            scale = att.area_fraction
            d.work_s[:, r] *= scale
            d.columns["executed_macs"][:, r] *= scale
            for name in ("compute_cycles", "scratchpad_bytes", "accumulator_bytes"):
                if name in d.columns:
                    d.columns[name][:, r] *= scale
            for key in (("scratchpad", "byte"), ("accumulator", "byte")):
                d.actions[key][:, r] *= scale
            keep = {k: d.columns[k][:, r].copy() for k in ("local_cycles", "dram_cycles", "l2_bytes")}
            keep_s = (d.local_s[:, r].copy(), d.dram_s[:, r].copy())
            _rewrite_traffic(d, r, np.where(fused, att.matmul_dram_bytes(op, db), old), db, unit_row=False)
            for k, v in keep.items():  # designs that do not fuse keep the tiling's numbers
                d.columns[k][:, r] = np.where(fused, d.columns[k][:, r], v)
            d.actions[("l2", "byte")][:, r] = d.columns["l2_bytes"][:, r]
            d.local_s[:, r] = np.where(fused, d.local_s[:, r], keep_s[0])
            d.dram_s[:, r] = np.where(fused, d.dram_s[:, r], keep_s[1])
            d.columns["spill_bytes"][:, r] = np.where(fused, 0.0, d.columns["spill_bytes"][:, r])
            continue
        rd, wr = io_bytes([op], db)
        work = element_ops(op) * att.area_fraction + (att.rescale_ops if op.op == "softmax" else 0.0)
        _rewrite_unit(d, r, op, np.where(fused, 0.0, rd[:, 0] + wr[:, 0]), work, db)
    return d
