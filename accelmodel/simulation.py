"""Glue: workload -> distinct ops -> demands -> costs (one design) -> Report.

``simulate`` goes through the same functions as a sweep of many designs
(:func:`accelmodel.cost.engine.cost_pass`, :func:`accelmodel.cost.totals.totals`):
a single design is a batch of one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .cost.demand import Demand
from .cost.engine import cost_pass, raise_if_failed
from .cost.fusion import fuse_sequence
from .cost.evaluate import Costs
from .cost.names import BOUNDS, ENERGY_COMPONENTS
from .hardware.spec import Accelerator
from .report import PassRows, Report
from .workload.config import TransformerConfig, load_workload
from .workload.sequence import op_sequence
from .workload.pruning import PruningPlan, load_pruning_plan

ROW_COLUMNS = ("unit", "macs", "flops", "compute_cycles", "unit_cycles", "cpu_s", "local_cycles", "dram_cycles",
               "overhead_cycles", "dram_bytes", "l2_bytes", "scratchpad_bytes", "accumulator_bytes", "spill_bytes",
               "mt", "kt", "nt", "loop_order")
"""Per-row columns read from the demand (0 or '' where a row has none)."""
_INT_COLUMNS = ("mt", "kt", "nt")


def simulate(
    hw: Accelerator,
    model: TransformerConfig | str,
    phase: str = "prefill",
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
        if hw.schedule.fusion != "none":
            from .errors import SpecError
            raise SpecError("schedule.fusion: fusion together with a pruning plan is not modelled; use fusion none")
        from .pruned import simulate_pruned
        return simulate_pruned(hw, cfg, phase, batch, seq_len, kv_len, plan)
    seq, not_fused = fuse_sequence(op_sequence(cfg, phase, batch, seq_len, kv_len), hw)
    uniq = seq.unique
    pc = cost_pass(uniq.ops, [hw])
    raise_if_failed(pc)
    columns = row_columns(pc.demand, pc.costs, hw, uniq.ops)
    mult = np.asarray(uniq.mult, dtype=float)[pc.demand.op_index]
    segments = segment_rows(seq.segments, uniq.where, pc.demand.op_index)
    extra = fusion_section(hw, columns, mult, uniq.ops, pc.demand.op_index, not_fused)
    return make_report(PassRows(columns, mult, segments), hw, cfg, phase, batch, seq_len, kv_len, extra)


def fusion_section(hw: Accelerator, columns: dict[str, np.ndarray], mult: np.ndarray, ops, op_index: np.ndarray,
                   not_fused: tuple[str, ...]) -> dict:
    """The summary's ``dram_bytes_saved`` and ``fusion`` section (nothing for ``fusion: none``):
    requested fusions that were not possible, with the reason, including attention groups whose
    scores did not fit the MHA engine's buffer."""
    if hw.schedule.fusion == "none":
        return {}
    from .cost.fused_demand import ATTENTION_SCHEDULES
    saved = float(((columns["unfused_dram_bytes"] - columns["dram_bytes"]) * mult).sum())
    notes = list(not_fused)
    sched = columns.get("attention_schedule", np.zeros(len(mult)))
    for r in np.flatnonzero(sched == ATTENTION_SCHEDULES.index("unfused_fallback")):
        op = ops[op_index[r]]
        if op.op == "qk" and hw.schedule.attention_engine_kib == 0:
            notes.append(f"attention_engine: {op.name} not fused: the design has no MHA engine "
                         "(schedule.attention_engine_kib is 0)")
        elif op.op == "qk":
            q, ctx = op.m // op.group, op.n
            need = q * ctx * hw.dtypes.accumulator_bytes / 1024
            notes.append(f"attention_engine: {op.name} falls back to unfused attention: one head's {q} x {ctx} "
                         f"scores need {need:g} KiB, the engine's buffer holds "
                         f"{hw.schedule.attention_engine_kib:g} KiB")
    used = sorted({ATTENTION_SCHEDULES[int(c)] for c in sched if c > 0})
    return {"dram_bytes_saved": saved,
            "fusion": {"mode": hw.schedule.fusion, "attention": used, "not_fused": notes}}


def make_report(rows: PassRows, hw: Accelerator, cfg: TransformerConfig, phase: str, batch: int, seq_len: int,
                kv_len: int, extra: dict | None = None) -> Report:
    """The report of a pass (its accuracy section is computed when first read)."""
    return Report(rows=rows, hw=hw, model=cfg, phase=phase, batch=batch,
                  seq_len=seq_len if phase == "prefill" else 1, kv_len=kv_len if phase == "decode" else 0,
                  extra=dict(extra or {}))


def segment_rows(segments, where, op_index: np.ndarray) -> tuple:
    """For :class:`PassRows`: each segment's ops with their first row and row count."""
    starts = np.searchsorted(op_index, np.arange(int(op_index.max()) + 1 if len(op_index) else 0))
    counts = np.bincount(op_index, minlength=len(starts))
    return tuple(
        (tuple((op, int(starts[u]), int(counts[u])) for op, u in zip(seg.ops, pos)), seg.first_layer, seg.repeat)
        for seg, pos in zip(segments, where))


def row_columns(d: Demand, c: Costs, hw: Accelerator, ops, design: int = 0) -> dict[str, np.ndarray]:
    """The report columns of every row for one design of a batch (``ops``: the
    ops the demand's ``op_index`` points into)."""
    R = d.rows
    out: dict[str, np.ndarray] = {"kind": np.array(d.kind, dtype=object),
                                  "suffix": np.array(d.suffix, dtype=object),
                                  "function": np.array([ops[i].function for i in d.op_index], dtype=object)}
    for name in ROW_COLUMNS:
        if name == "unit":
            out[name] = np.array(d.unit, dtype=object)
        elif name in ("macs", "flops"):
            out[name] = getattr(d, name).astype(float)
        elif name in d.columns:
            v = d.columns[name][design]
            out[name] = v.astype(np.int64) if name in _INT_COLUMNS else v
        else:
            out[name] = np.full(R, "", dtype=object) if name == "loop_order" else (
                np.zeros(R, dtype=np.int64) if name in _INT_COLUMNS else np.zeros(R))
    for comp in ENERGY_COMPONENTS:
        out[f"energy_{comp}_j"] = c.energy[comp][design]
    latency = c.latency_s[design]
    out["latency_s"] = latency
    out["latency_cycles"] = latency * hw.clock_ghz * 1e9
    out["bound"] = np.asarray(BOUNDS, dtype=object)[c.bound[design]]
    out["energy_j"] = c.energy_j[design]
    for name, v in d.columns.items():  # extra columns (pruning)
        if name not in out:
            out[name] = v[design]
    useful = out.get("nonzero_macs", out["macs"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["utilization"] = np.where(out["latency_cycles"] > 0, useful / (hw.array.pes * out["latency_cycles"]), 0.0)
        out["arithmetic_intensity"] = np.where(out["dram_bytes"] > 0, out["flops"] / out["dram_bytes"], np.inf)
    return out
