"""Evaluate many designs at once through the one cost path.

A sweep row's metrics are :func:`accelmodel.cost.totals.totals` of
:func:`accelmodel.cost.engine.cost_pass` — the functions ``simulate`` and
``Report.summary()`` use — on a batch of designs instead of one: the pass's
distinct ops are built once per workload, designs are grouped by
:func:`~accelmodel.cost.design.structure_key` (the kind of unit in each slot,
whether there is an L2), and each group is costed as one batch. A row
therefore equals ``simulate(hw, ...).summary()`` exactly.

Pruned workloads (``WorkloadPoint.pruning``) run point by point through
``simulate(..., pruning=...)`` and :func:`summary_metrics`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..cost.design import structure_keys
from ..cost.engine import cost_pass, matmul_maps
from ..cost.fusion import fuse_sequence
from ..cost.names import BOUNDS
from ..cost.totals import RowStats, kind_codes, totals
from ..errors import AccelModelError
from ..hardware.spec import Accelerator
from ..components import efficiency, physical
from ..report import Report
from ..simulation import simulate
from ..unit_accuracy import design_accuracy
from ..workload.kinds import KINDS
from .check import workload_ops
from .spec import WorkloadPoint, nonlinear_area_mm2

METRICS = ("latency_s", "energy_j", "edp", "area_mm2", "power_w", "leakage_w", "tops_per_w", "tops_per_mm2",
           "nonlinear_area_mm2", "sram_kib", "utilization",
           "matmul_utilization", "matmul_latency_s", "tokens_per_s", "energy_per_token_j", "dram_bytes", "macs",
           "max_rel_error")
"""Result columns per design point (besides the shares and ``error``):

latency_s, energy_j       one forward pass (``Report.latency_s`` / ``energy_j``), s and J
edp                       energy-delay product, J*s
area_mm2                  the component models' total area, or the spec's typed ``area_mm2`` override
                          (:func:`accelmodel.components.physical`; ``summary()["area_mm2"]``), mm^2
power_w                   average power over the pass (energy_j / latency_s), W
leakage_w                 static power charged x time (the models' leakage), W
tops_per_w, tops_per_mm2  achieved 2 x MACs per J / per s and mm^2, in TOPS/W and TOPS/mm^2
nonlinear_area_mm2        area of the on-accelerator nonlinear units (:func:`nonlinear_area_mm2`), mm^2
sram_kib                  scratchpad + accumulator (+ L2), KiB
utilization               MACs / (PEs x cycles) over the pass
matmul_utilization        the same over matmul ops only
matmul_latency_s          time spent in matmuls, s
tokens_per_s              tokens produced per second (prefill: batch x seq_len; decode: batch)
energy_per_token_j        J per token
dram_bytes                DRAM traffic, bytes
macs                      MACs of the pass
max_rel_error             worst relative error of the nonlinear units' functional models on the
                          calibration set (``summary()["accuracy"]["max_rel_error"]``)
share_bound_<b>           share of latency whose op is <b>-bound (:data:`BOUNDS`)
share_kind_<k>            share of latency in ops of kind <k> (:data:`KINDS`)
error                     why the design could not be evaluated ('' if it could; metrics NaN)
"""

SHARE_COLUMNS = tuple(f"share_bound_{b}" for b in BOUNDS) + tuple(f"share_kind_{k}" for k in KINDS)
RESULT_COLUMNS = METRICS + SHARE_COLUMNS + ("error",)
_TOTALS = ("latency_s", "energy_j", "utilization", "matmul_utilization", "matmul_latency_s", "tokens_per_s",
           "energy_per_token_j", "dram_bytes", "macs")


class _Results:
    def __init__(self, D: int):
        self.D = D
        self.cols = {c: np.full(D, np.nan) for c in METRICS + SHARE_COLUMNS}
        self.error = np.full(D, "", dtype=object)

    def put_totals(self, where: np.ndarray, t: dict[str, np.ndarray]) -> None:
        for c in _TOTALS:
            self.cols[c][where] = t[c]
        for j, b in enumerate(BOUNDS):
            self.cols[f"share_bound_{b}"][where] = t["share_bound"][:, j]
        for j, k in enumerate(KINDS):
            self.cols[f"share_kind_{k}"][where] = t["share_kind"][:, j]

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.cols)
        df["error"] = pd.array(self.error.tolist(), dtype="str") if self.D else pd.array([], dtype="str")
        return df


def summary_metrics(rep: Report) -> dict[str, float]:
    """The sweep's metric columns of one :class:`Report` (the point-by-point path)."""
    t = rep.totals
    hw = rep.hw
    out = {c: float(t[c][0]) for c in _TOTALS}
    out["edp"] = out["latency_s"] * out["energy_j"]
    _put_physical(out, hw)
    out["nonlinear_area_mm2"] = nonlinear_area_mm2(hw)
    out["sram_kib"] = hw.sram_kib
    acc = rep.accuracy
    out["max_rel_error"] = acc["max_rel_error"] if isinstance(acc, dict) else np.nan
    for j, b in enumerate(BOUNDS):
        out[f"share_bound_{b}"] = float(t["share_bound"][0, j])
    for j, k in enumerate(KINDS):
        out[f"share_kind_{k}"] = float(t["share_kind"][0, j])
    return out


def evaluate_designs(hws: Sequence[Accelerator], workloads: WorkloadPoint | Sequence[WorkloadPoint],
                     accuracy: bool = True) -> pd.DataFrame:
    """One row of metrics per design (columns :data:`RESULT_COLUMNS`), equal to
    ``simulate(hw, ...).summary()`` point by point. ``workloads``: one for all
    designs or one per design. ``accuracy=False`` skips ``max_rel_error`` (NaN)."""
    D = len(hws)
    wls = [workloads] * D if isinstance(workloads, WorkloadPoint) else list(workloads)
    if len(wls) != D:
        raise ValueError("evaluate_designs: one workload per design (or a single one)")
    res = _Results(D)
    groups: dict[WorkloadPoint, list[int]] = {}
    for i, wl in enumerate(wls):
        groups.setdefault(wl, []).append(i)
    for wl, idx in groups.items():
        if wl.pruning is not None:
            _point_by_point(wl, hws, np.asarray(idx), res)
        else:
            _batched(wl, hws, np.asarray(idx), res, accuracy)
    ok = np.flatnonzero(res.error == "")
    units_area: dict[tuple, tuple[Accelerator, float]] = {}
    for i in ok.tolist():
        hw = hws[i]
        row = {c: res.cols[c][i] for c in ("latency_s", "energy_j", "macs")}
        _put_physical(row, hw)
        for c in PHYSICAL_COLUMNS:
            res.cols[c][i] = row[c]
        res.cols["nonlinear_area_mm2"][i] = _by_units(units_area, hw, nonlinear_area_mm2)
        res.cols["sram_kib"][i] = hw.sram_kib
    res.cols["edp"][ok] = res.cols["latency_s"][ok] * res.cols["energy_j"][ok]
    return res.frame()


def _by_units(memo: dict[tuple, tuple[Accelerator, float]], hw: Accelerator, fn) -> float:
    """``fn(hw)`` for a function of the design's nonlinear units and technology node
    only, computed once per distinct (``hw.nonlinear`` object, node) in ``memo``
    (designs a sweep builds share their ``nonlinear`` objects; the entry keeps the
    first design alive, so the object's id is not reused while ``memo`` lives)."""
    key = (id(hw.nonlinear), hw.technology_nm)
    hit = memo.get(key)
    if hit is None or hit[0].nonlinear is not hw.nonlinear:
        hit = memo[key] = (hw, fn(hw))
    return hit[1]


PHYSICAL_COLUMNS = ("area_mm2", "leakage_w", "power_w", "tops_per_w", "tops_per_mm2")


def _put_physical(out: dict, hw: Accelerator) -> None:
    """Area, leakage and efficiency of ``hw`` into ``out`` (which holds latency_s,
    energy_j and macs): the numbers ``Report.summary()`` gives (the functions
    :func:`~accelmodel.report.physical_summary` calls)."""
    ph = physical(hw)
    out["area_mm2"], out["leakage_w"] = ph.area_mm2, ph.leakage_w
    out.update(efficiency(float(out["latency_s"]), float(out["energy_j"]), float(out["macs"]), ph.area_mm2))


def _point_by_point(wl: WorkloadPoint, hws: Sequence[Accelerator], where: np.ndarray, res: _Results) -> None:
    for j in where:
        try:
            rep = simulate(hws[j], wl.model, wl.phase, wl.batch, wl.seq_len, wl.kv_len, pruning=wl.pruning_path)
        except AccelModelError as exc:
            res.error[j] = str(exc)
            continue
        for c, v in summary_metrics(rep).items():
            res.cols[c][j] = v


def _batched(wl: WorkloadPoint, hws: Sequence[Accelerator], where: np.ndarray, res: _Results, accuracy: bool) -> None:
    seq = workload_ops(wl)
    uniq = seq.unique
    tokens = wl.batch * (wl.seq_len if wl.phase == "prefill" else 1)
    pairs = dict.fromkeys((op.kind, op.function) for op in uniq.ops if not op.is_matmul)
    tilings, tiling_errors = matmul_maps(uniq.ops, [hws[i] for i in where])  # tiling ignores the units
    struct: dict[tuple, list[int]] = {}
    for j, key in enumerate(structure_keys([hws[i] for i in where])):
        struct.setdefault(key, []).append(j)
    for positions in struct.values():
        members = [int(where[j]) for j in positions]
        sel = np.asarray(members)
        group = [hws[i] for i in members]
        fused, _ = fuse_sequence(seq, group[0])  # the group shares its schedule (structure_key)
        if fused is seq:
            u = uniq
            maps = ({f: v[positions] for f, v in tilings.items()}, [tiling_errors[j] for j in positions])
        else:
            u = fused.unique
            maps = matmul_maps(u.ops, group)
        pc = cost_pass(u.ops, group, maps)
        d, c = pc.demand, pc.costs
        useful = d.columns.get("executed_macs", np.broadcast_to(d.macs, c.latency_s.shape))
        stats = RowStats(mult=np.asarray(u.mult, dtype=float)[d.op_index], kind=kind_codes(d.kind),
                         macs=d.macs, useful_macs=useful, flops=d.flops,
                         latency_s=c.latency_s, bound=c.bound, energy=c.energy, energy_j=c.energy_j,
                         dram_bytes=d.actions[("dram", "byte")])
        res.put_totals(sel, totals(stats, pc.batch.pes, pc.batch.clock_hz, tokens))
        worst: dict[tuple, tuple[Accelerator, float]] = {}
        for j, e in zip(sel, pc.errors):
            if e is not None:
                res.error[j] = e
                for col in res.cols.values():
                    col[j] = np.nan
            elif accuracy:
                res.cols["max_rel_error"][j] = _by_units(
                    worst, hws[j], lambda hw: design_accuracy(hw, pairs)["max_rel_error"])
