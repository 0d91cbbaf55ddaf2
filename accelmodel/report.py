"""Results as pandas: one row per op, and summaries.

``Report.ops`` columns (units in names where they have one):

identity   layer, name, op, kind, function, unit, m, k, n, count, elements
work       macs, flops
bytes      dram_bytes, l2_bytes, scratchpad_bytes, accumulator_bytes
cycles     compute_cycles (array), unit_cycles (nonlinear/vector unit),
           local_cycles (L2 link or DMA), dram_cycles, overhead_cycles
           (non-overlapped: prologue, latency, offload hand-off), cpu_s (host
           compute time), latency_cycles (accelerator clock), latency_s
tiling     mt, kt, nt, loop_order (matmuls)
verdict    bound (compute | l2 | dma | dram | nonlinear | vector | cpu | cpu_memory),
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
energy     energy_mac_j, energy_scratchpad_j, energy_accumulator_j, energy_l2_j,
           energy_dram_j, energy_nonlinear_j, energy_cpu_j, energy_static_j, energy_j
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .cost.ops import ENERGY_COLUMNS
from .hardware.spec import Accelerator
from .workload.config import TransformerConfig


def _shares(s: pd.Series) -> dict[str, float]:
    tot = float(s.sum())
    if tot <= 0:
        return {str(k): 0.0 for k in s.index}
    return {str(k): float(v) / tot for k, v in s.sort_values(ascending=False).items()}


@dataclass(frozen=True)
class Report:
    """The result of :func:`accelmodel.simulate`."""

    ops: pd.DataFrame
    hw: Accelerator
    model: TransformerConfig
    phase: str
    batch: int
    seq_len: int
    kv_len: int
    extra: dict = field(default_factory=dict)
    """Sections added by optional features (e.g. ``sparsity``, ``accuracy``)."""

    # ---- aggregates ------------------------------------------------------
    @property
    def latency_s(self) -> float:
        return float(self.ops["latency_s"].sum())

    @property
    def energy_j(self) -> float:
        return float(self.ops["energy_j"].sum())

    @property
    def tokens(self) -> int:
        """Tokens this pass produces: batch x seq_len (prefill) or batch (decode)."""
        return self.batch * (self.seq_len if self.phase == "prefill" else 1)

    def by(self, column: str) -> pd.DataFrame:
        """Totals grouped by a column (``kind``, ``bound``, ``layer``, ``op``, ``unit``)."""
        cols = ["latency_s", "energy_j", "macs", "flops", "dram_bytes", *ENERGY_COLUMNS]
        g = self.ops.groupby(column, sort=False)[cols].sum()
        g["latency_share"] = g["latency_s"] / max(self.latency_s, 1e-300)
        g["flops_share"] = g["flops"] / max(float(self.ops["flops"].sum()), 1e-300)
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
        df = self.ops
        g = df.groupby(["op", "kind"], sort=False).agg(
            latency_s=("latency_s", "sum"), energy_j=("energy_j", "sum"), flops=("flops", "sum"),
            instances=("name", "size"))
        by_bound = df.groupby(["op", "kind", "bound"], sort=False)["latency_s"].sum().reset_index()
        dominant = by_bound.loc[by_bound.groupby(["op", "kind"], sort=False)["latency_s"].idxmax()]
        g["bound"] = dominant.set_index(["op", "kind"])["bound"]
        g["latency_share"] = g["latency_s"] / max(self.latency_s, 1e-300)
        return g.sort_values("latency_s", ascending=False).head(n).reset_index()

    def summary(self) -> dict:
        """Totals and shares as plain Python numbers (JSON-ready)."""
        df = self.ops
        lat, en = self.latency_s, self.energy_j
        mm = df[df["kind"] == "matmul"]
        pes = self.hw.array.pes
        cyc = lat * self.hw.clock_ghz * 1e9
        mm_cyc = float(mm["latency_cycles"].sum())
        macs = float(df["macs"].sum())
        # pruned reports: utilisation counts only MACs with a non-zero weight
        useful = "nonzero_macs" if "nonzero_macs" in df else "macs"
        useful_macs = float(df[useful].sum())
        top = self.top_ops(5)
        out = {
            "model": self.model.name, "hw": self.hw.name, "phase": self.phase, "batch": self.batch,
            "seq_len": self.seq_len, "kv_len": self.kv_len,
            "latency_s": lat, "energy_j": en, "macs": macs, "flops": float(df["flops"].sum()),
            "dram_bytes": float(df["dram_bytes"].sum()), "params": self.model.param_count(),
            "utilization": useful_macs / (pes * cyc) if cyc > 0 else 0.0,
            "matmul_utilization": float(mm[useful].sum()) / (pes * mm_cyc) if mm_cyc > 0 else 0.0,
            "matmul_latency_s": float(mm["latency_s"].sum()),
            "tokens_per_s": self.tokens / lat if lat > 0 else 0.0,
            "sequences_per_s": self.batch / lat if lat > 0 else 0.0,
            "energy_per_token_j": en / self.tokens,
            "latency_share_by_kind": _shares(df.groupby("kind")["latency_s"].sum()),
            "flops_share_by_kind": _shares(df.groupby("kind")["flops"].sum()),
            "energy_share_by_kind": _shares(df.groupby("kind")["energy_j"].sum()),
            "latency_share_by_bound": _shares(df.groupby("bound")["latency_s"].sum()),
            "energy_by_component_j": {c[len("energy_"):-2]: float(df[c].sum()) for c in ENERGY_COLUMNS},
            "top_ops": [
                {"op": r.op, "kind": r.kind, "latency_s": float(r.latency_s), "latency_share": float(r.latency_share),
                 "bound": r.bound, "instances": int(r.instances)} for r in top.itertuples()],
        }
        out["bottleneck"] = self.bottleneck()
        out.update(self.extra)
        return out

    def bottleneck(self) -> str:
        """One sentence: where the time goes and why."""
        df = self.ops
        kinds = df.groupby("kind")["latency_s"].sum()
        flops = df.groupby("kind")["flops"].sum()
        k = str(kinds.idxmax())
        ks = float(kinds.max()) / self.latency_s
        fs = float(flops.get(k, 0.0)) / max(float(flops.sum()), 1e-300)
        b = df[df["kind"] == k].groupby("bound")["latency_s"].sum()
        return (f"{k} ops take {ks:.0%} of latency for {fs:.2%} of FLOPs, "
                f"mostly {b.idxmax()}-bound ({float(b.max()) / float(b.sum()):.0%} of their time)")
