"""Results as pandas: one row per op, and summaries.

``Report.ops`` columns (units in names where they have one; built when first read):

identity   layer, name, op, kind, function, unit, m, k, n, count, elements
work       macs, flops
bytes      dram_bytes, l2_bytes, scratchpad_bytes, accumulator_bytes
cycles     compute_cycles (array), unit_cycles (nonlinear/vector unit),
           local_cycles (L2 link or DMA), dram_cycles, overhead_cycles
           (non-overlapped: prologue, latency, offload hand-off), cpu_s (host
           compute time), latency_cycles (accelerator clock), latency_s
tiling     mt, kt, nt, loop_order (matmuls; outer to inner), spill_bytes (partial sums
           spilled out of the accumulator and reloaded, for K-outer orders; part of
           the L2/DMA and DRAM bytes)
verdict    bound (compute | l2 | dma | dram | nonlinear | vector | cpu | cpu_memory | decompress),
           utilization (MACs / (PEs x latency cycles); with pruning, MACs with a
           non-zero weight),
           arithmetic_intensity (FLOPs per DRAM byte)
accuracy   mae, rel_error: error of the unit's functional model for this op's
           function on the calibration set (NaN where nothing is approximated)
pruning    (only with ``simulate(..., pruning=)``) density (kept weights / dense
           weights), executed_macs (MACs the array runs, zeros included),
           nonzero_macs, stored_weight_bytes (W in the storage format; may
           exceed dense), dense_weight_bytes, decompress_cycles, and the
           unpruned op's dense_macs, dense_compute_cycles, dense_dram_bytes,
           dense_latency_s, dense_bound, dense_energy_j
fusion     fused_into (the op whose fused group this op joined, '' if none),
           unfused_dram_bytes (the row's DRAM bytes without fusion); with a fusing
           schedule also attention_schedule (0 none, 1 MHA engine, 2 tiled, 3 fell
           back) and executed_macs (MACs the array runs: causal tiles skipped)
energy     energy_mac_j, energy_scratchpad_j, energy_accumulator_j, energy_l2_j,
           energy_dram_j, energy_nonlinear_j, energy_cpu_j, energy_static_j, energy_j

The summary also reports area (``area_mm2``, ``area_source``, ``area_breakdown``),
``leakage_w``, ``power_w``, ``tops_per_w`` and ``tops_per_mm2`` (:func:`physical_summary`).
The summary's totals come from :func:`accelmodel.cost.totals.totals` over the
unique cost rows (each standing for its identical op instances), the function
sweeps use too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .components import efficiency, physical
from .cost.names import BOUND_CODE, BOUNDS, ENERGY_COLUMNS, ENERGY_COMPONENTS
from .workload.sequence import shift_layer
from .cost.totals import RowStats, kind_codes, totals
from .hardware.spec import Accelerator
from .unit_accuracy import accuracy_columns, design_accuracy
from .workload.config import TransformerConfig
from .workload.graph import Op
from .workload.kinds import KINDS

ID_COLUMNS = ("layer", "name", "op", "kind", "function", "m", "k", "n", "count", "elements", "fused_into")


@dataclass(frozen=True)
class PassRows:
    """The cost rows of one pass on one design, and how op instances map to them.

    ``columns``: per row (R,) arrays (numbers, or objects for text columns).
    ``mult``: op instances each row stands for. ``segments``: the pass as
    (ops with the index of their first row and their row count, first layer,
    repeat) — layers that repeat are stored once.
    """

    columns: dict[str, np.ndarray]
    mult: np.ndarray
    segments: tuple[tuple[tuple[tuple[Op, int, int], ...], int, int], ...]
    frame: pd.DataFrame | None = None
    """The per-instance table when it is all there is (a loaded run)."""

    def frame_rows(self) -> np.ndarray:
        """For each row of :meth:`build_frame`, the cost row it shows."""
        if self.frame is not None:
            return np.arange(len(self.frame))
        idx = [r for ops, _, repeat in self.segments for _ in range(repeat)
               for _, start, count in ops for r in range(start, start + count)]
        return np.asarray(idx, dtype=np.int64)

    def build_frame(self) -> pd.DataFrame:
        """One row per op instance (per offload stage), in forward-pass order."""
        if self.frame is not None:
            return self.frame
        suffix = self.columns["suffix"]
        kind = self.columns["kind"]
        ident: list[tuple] = []
        for ops, _, repeat in self.segments:
            for i in range(repeat):  # a repeated block's ops are built for its first layer
                for op, start, count in ops:
                    layer, name = op.layer + i, shift_layer(op.name, i)
                    for r in range(start, start + count):
                        s = suffix[r]
                        ident.append((layer, f"{name}.{s}" if s else name,
                                      f"{op.op}.{s}" if s else op.op, kind[r], op.function, op.m, op.k, op.n,
                                      op.count, op.elements, shift_layer(op.fused_into, i)))
        take = self.frame_rows()
        df = pd.DataFrame({c: list(v) for c, v in zip(ID_COLUMNS, zip(*ident))} if ident
                          else {c: [] for c in ID_COLUMNS})
        body = {c: v[take] for c, v in self.columns.items() if c not in ("suffix", "kind", "function")}
        return pd.concat([df, pd.DataFrame(body)], axis=1)

    def group_latency(self, key) -> dict[Any, tuple[float, float, float, int]]:
        """Per group of op instances (``key(op, row) -> hashable``): latency, energy,
        FLOPs and instance count, without expanding repeated layers."""
        lat, en, fl = self.columns["latency_s"], self.columns["energy_j"], self.columns["flops"]
        out: dict[Any, list] = {}
        for ops, _, repeat in self.segments:
            for op, start, count in ops:
                for r in range(start, start + count):
                    g = out.setdefault(key(op, r), [0.0, 0.0, 0.0, 0])
                    g[0] += lat[r] * repeat  # a row's numbers are one instance's
                    g[1] += en[r] * repeat
                    g[2] += fl[r] * repeat
                    g[3] += repeat
        return {k: tuple(v) for k, v in out.items()}  # type: ignore[misc]

    @classmethod
    def from_frame(cls, ops: pd.DataFrame) -> "PassRows":
        """Rows of a per-instance table (each row stands for itself)."""
        cols = {c: ops[c].to_numpy() for c in ops.columns if c not in ID_COLUMNS or c in ("kind", "function")}
        cols["suffix"] = np.full(len(ops), "", dtype=object)
        return cls(columns=cols, mult=np.ones(len(ops)), segments=(), frame=ops)


def _shares(values: np.ndarray, present: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    pairs = [(names[i], float(values[i])) for i in np.flatnonzero(present)]
    return dict(sorted(pairs, key=lambda kv: -kv[1]))


@dataclass(frozen=True)
class Report:
    """The result of :func:`accelmodel.simulate`."""

    rows: PassRows
    hw: Accelerator
    model: TransformerConfig
    phase: str
    batch: int
    seq_len: int
    kv_len: int
    extra: dict = field(default_factory=dict)
    """Sections added by optional features (e.g. ``sparsity``, ``accuracy``)."""

    @classmethod
    def from_frame(cls, ops: pd.DataFrame, **kw) -> "Report":
        """A report of a per-op table (e.g. a saved run's ``ops.csv``)."""
        return cls(rows=PassRows.from_frame(ops), **kw)

    @cached_property
    def ops(self) -> pd.DataFrame:
        """One row per op (columns in the module docstring)."""
        df = self.rows.build_frame()
        if "mae" not in df.columns:
            c = self.rows.columns
            mae, rel = accuracy_columns(c["kind"], c["function"], c["suffix"], self.accuracy)
            take = self.rows.frame_rows()
            df["mae"], df["rel_error"] = mae[take], rel[take]
        return df

    @cached_property
    def accuracy(self) -> dict:
        """Accuracy of the units that approximate this pass's functions (the
        summary's ``accuracy`` section)."""
        if "accuracy" in self.extra:
            return self.extra["accuracy"]
        c = self.rows.columns
        return design_accuracy(self.hw, dict.fromkeys(zip(c["kind"], c["function"])))

    # ---- aggregates ------------------------------------------------------
    @cached_property
    def totals(self) -> dict[str, np.ndarray]:
        """:func:`accelmodel.cost.totals.totals` of this pass (arrays of one design)."""
        c = self.rows.columns
        useful = c.get("nonzero_macs", c.get("executed_macs", c["macs"]))
        stats = RowStats(
            mult=self.rows.mult, kind=kind_codes(list(c["kind"])), macs=c["macs"].astype(float),
            useful_macs=np.asarray(useful, dtype=float)[None, :], flops=c["flops"].astype(float),
            latency_s=c["latency_s"].astype(float)[None, :],
            bound=np.array([[BOUND_CODE[b] for b in c["bound"]]], dtype=np.int64),
            energy={e: c[f"energy_{e}_j"].astype(float)[None, :] for e in ENERGY_COMPONENTS},
            energy_j=c["energy_j"].astype(float)[None, :], dram_bytes=c["dram_bytes"].astype(float)[None, :])
        return totals(stats, np.array([float(self.hw.array.pes)]), np.array([self.hw.clock_ghz * 1e9]),
                      self.tokens)

    @property
    def latency_s(self) -> float:
        return float(self.totals["latency_s"][0])

    @property
    def energy_j(self) -> float:
        return float(self.totals["energy_j"][0])

    @property
    def tokens(self) -> int:
        """Tokens this pass produces: batch x seq_len (prefill) or batch (decode)."""
        return self.batch * (self.seq_len if self.phase == "prefill" else 1)

    def by(self, column: str) -> pd.DataFrame:
        """Totals grouped by a column (``kind``, ``bound``, ``layer``, ``op``, ``unit``)."""
        cols = ["latency_s", "energy_j", "macs", "flops", "dram_bytes", *ENERGY_COLUMNS]
        g = self.ops.groupby(column, sort=False)[cols].sum()
        g["latency_share"] = g["latency_s"] / max(self.latency_s, 1e-300)
        g["flops_share"] = g["flops"] / max(float(self.totals["flops"][0]), 1e-300)
        return g.sort_values("latency_s", ascending=False)

    def by_kind(self) -> pd.DataFrame:
        return self.by("kind")

    def by_bound(self) -> pd.DataFrame:
        return self.by("bound")

    def by_layer(self) -> pd.DataFrame:
        return self.by("layer").sort_index()

    def top_ops(self, n: int = 5) -> pd.DataFrame:
        """The op types (summed over layers) that take the most time, with their
        dominant bound."""
        if self.rows.frame is not None:
            return _top_ops_of_frame(self.rows.frame, self.latency_s, n)
        c = self.rows.columns
        suffix, kind, bound = c["suffix"], c["kind"], c["bound"]
        by_op = self.rows.group_latency(lambda op, r: (f"{op.op}.{suffix[r]}" if suffix[r] else op.op, kind[r]))
        by_bound = self.rows.group_latency(
            lambda op, r: (f"{op.op}.{suffix[r]}" if suffix[r] else op.op, kind[r], bound[r]))
        dominant: dict[tuple, tuple[str, float]] = {}
        for (o, k, b), v in by_bound.items():
            if (o, k) not in dominant or v[0] > dominant[(o, k)][1]:
                dominant[(o, k)] = (b, v[0])
        rows = [{"op": o, "kind": k, "latency_s": v[0], "energy_j": v[1], "flops": v[2], "instances": v[3],
                 "bound": dominant[(o, k)][0], "latency_share": v[0] / max(self.latency_s, 1e-300)}
                for (o, k), v in by_op.items()]
        rows.sort(key=lambda r: -r["latency_s"])
        return pd.DataFrame(rows[:n], columns=["op", "kind", "latency_s", "energy_j", "flops", "instances", "bound",
                                               "latency_share"])

    def summary(self) -> dict:
        """Totals and shares as plain Python numbers (JSON-ready)."""
        t = {k: v[0] for k, v in self.totals.items()}
        lat = float(t["latency_s"])
        out = {
            "model": self.model.name, "hw": self.hw.name, "phase": self.phase, "batch": self.batch,
            "seq_len": self.seq_len, "kv_len": self.kv_len,
            "latency_s": lat, "energy_j": float(t["energy_j"]), "macs": float(t["macs"]),
            "flops": float(t["flops"]), "dram_bytes": float(t["dram_bytes"]), "params": self.model.param_count(),
            "utilization": float(t["utilization"]), "matmul_utilization": float(t["matmul_utilization"]),
            "matmul_latency_s": float(t["matmul_latency_s"]), "tokens_per_s": float(t["tokens_per_s"]),
            "sequences_per_s": self.batch / lat if lat > 0 else 0.0,
            "energy_per_token_j": float(t["energy_per_token_j"]),
            "latency_share_by_kind": _shares(t["share_kind"], t["present_kind"], KINDS),
            "flops_share_by_kind": _shares(t["flops_share_kind"], t["present_kind"], KINDS),
            "energy_share_by_kind": _shares(t["energy_share_kind"], t["present_kind"], KINDS),
            "latency_share_by_bound": _shares(t["share_bound"], t["present_bound"], BOUNDS),
            "energy_by_component_j": {c: float(v) for c, v in zip(ENERGY_COMPONENTS, t["energy_component"])},
            "top_ops": [
                {"op": r.op, "kind": r.kind, "latency_s": float(r.latency_s), "latency_share": float(r.latency_share),
                 "bound": r.bound, "instances": int(r.instances)} for r in self.top_ops(5).itertuples()],
        }
        out.update(physical_summary(self.hw, lat, float(t["energy_j"]), float(t["macs"])))
        out["bottleneck"] = self.bottleneck()
        out["accuracy"] = self.accuracy
        out.update(self.extra)
        return out

    def bottleneck(self) -> str:
        """One sentence: where the time goes and why."""
        t = self.totals
        k = int(np.argmax(np.where(t["present_kind"][0], t["share_kind"][0], -1.0)))
        c = self.rows.columns
        lat = c["latency_s"].astype(float) * self.rows.mult
        sel = np.array([kk == KINDS[k] for kk in c["kind"]])
        per_bound = {b: float(lat[sel & (c["bound"] == b)].sum()) for b in dict.fromkeys(c["bound"][sel])}
        b = max(per_bound, key=lambda x: per_bound[x])
        total = sum(per_bound.values())
        return (f"{KINDS[k]} ops take {t['share_kind'][0][k]:.0%} of latency for {t['flops_share_kind'][0][k]:.2%} "
                f"of FLOPs, mostly {b}-bound ({per_bound[b] / total if total > 0 else 0.0:.0%} of their time)")


def physical_summary(hw: Accelerator, latency_s: float, energy_j: float, macs: float) -> dict:
    """The summary's area and power entries: ``area_mm2`` (model total, or the spec's typed
    override), ``area_source`` (``model`` | ``spec``), ``area_model_mm2``, ``area_breakdown``
    (mm^2 by block), ``leakage_w`` (static power charged), ``power_w`` (average over the pass),
    ``tops_per_w`` and ``tops_per_mm2`` (achieved on the pass; 2 ops per MAC)."""
    ph = physical(hw)
    return {"area_mm2": ph.area_mm2, "area_source": ph.area_source, "area_model_mm2": ph.area_model_mm2,
            "area_breakdown": dict(ph.area_breakdown), "leakage_w": ph.leakage_w,
            **efficiency(latency_s, energy_j, macs, ph.area_mm2)}


def _top_ops_of_frame(df: pd.DataFrame, latency_s: float, n: int) -> pd.DataFrame:
    g = df.groupby(["op", "kind"], sort=False).agg(
        latency_s=("latency_s", "sum"), energy_j=("energy_j", "sum"), flops=("flops", "sum"),
        instances=("name", "size"))
    by_bound = df.groupby(["op", "kind", "bound"], sort=False)["latency_s"].sum().reset_index()
    dominant = by_bound.loc[by_bound.groupby(["op", "kind"], sort=False)["latency_s"].idxmax()]
    g["bound"] = dominant.set_index(["op", "kind"])["bound"]
    g["latency_share"] = g["latency_s"] / max(latency_s, 1e-300)
    return g.sort_values("latency_s", ascending=False, kind="stable").head(n).reset_index()
