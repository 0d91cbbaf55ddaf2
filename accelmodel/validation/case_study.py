"""The survey's case study ([Kim2023-survey] in docs/references.md), reproduced with accelmodel's own model.

The survey's outcome numbers are never inputs to the model; every number
here is computed, and each claim is checked against the threshold the claim
itself states (``~99 %``, ``dominated by``, ``lowers``, ``more than an order of
magnitude``). Five parts, all BERT-base prefill, batch 1:

1. FLOPs share vs latency share by op kind at sequence 512 on the baseline
   (``gemmini_default``) and on the I-BERT build (finding 1).
2. Matmul utilisation over scratchpad {64, 128, 256} KiB x accumulator
   {64, 128, 256} KiB on the baseline (finding 2).
3. Total matmul latency, 256/64 KiB (baseline) -> 64/256 KiB
   (``gemmini_rebalanced``) (finding 2).
4. End-to-end speedup from I-BERT integer nonlinear units: the ``gemmini_ibert``
   build (units + its 128 KiB accumulator) and the units alone on the baseline
   (finding 3).
5. Latency of BERT-base, BERT-large and GPT-2 for sequence 128..4096 on
   ``survey_analytical`` and the log-log slope between consecutive lengths
   (finding 4). BERT (512) and GPT-2 (1024) have learned positions; beyond them
   the models are run on a documented copy with ``max_positions = 4096``
   (:func:`extended`): only the position table grows, no op shape changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..hardware.spec import Accelerator, load_accelerator, with_updates
from ..paths import bundled_dir
from ..report import Report
from ..simulation import simulate
from ..workload.config import TransformerConfig, load_workload
from .table import make_row

BASELINE, REBALANCED, IBERT, ANALYTICAL = "gemmini_default", "gemmini_rebalanced", "gemmini_ibert", "survey_analytical"
MODEL = "bert-base"
SEQ = 512
GRID_KIB = (64, 128, 256)
TREND_MODELS = ("bert-base", "bert-large", "gpt2")
TREND_SEQ = (128, 256, 512, 1024, 2048, 4096)
OFFLOADED = ("softmax", "activation", "layernorm", "quantize")
"""Op kinds the baseline runs on the host CPU (``quantize`` = the dequantize/quantize rows)."""


def _hw(name: str) -> Accelerator:
    """A bundled hardware config by name."""
    return load_accelerator(bundled_dir("hw_configs") / f"{name}.yaml")


def extended(cfg: TransformerConfig, max_seq: int) -> tuple[TransformerConfig, bool]:
    """``cfg`` with learned positions extended to ``max_seq`` if it has fewer
    (a copy: ``cfg.model_copy(update={"max_positions": max_seq})``), and whether it was extended."""
    if cfg.positions == "learned" and cfg.max_positions < max_seq:
        return cfg.model_copy(update={"max_positions": max_seq}), True
    return cfg, False


@dataclass(frozen=True)
class CaseStudy:
    """Numbers of the case study (see the module docstring)."""

    shares: pd.DataFrame
    """design, kind, flops_share, latency_share, latency_s."""
    memory_grid: pd.DataFrame
    """scratchpad_kib, accumulator_kib, matmul_utilization, matmul_latency_s, latency_s, ffn_up_tile."""
    rebalance: dict
    ibert: dict
    trend: pd.DataFrame
    """model, seq_len, latency_s, slope (log-log vs the previous length), positions_extended,
    matmul_share, attention_share (Q.K^T, softmax.V, softmax, scale/mask), dram_bytes."""
    reports: dict[str, Report] = field(repr=False)
    """``baseline``, ``rebalanced``, ``ibert``, ``ibert_units_only`` (BERT-base, sequence 512)."""

    def rows(self) -> list[dict]:
        return case_study_rows(self)


def _shares(rep: Report, design: str) -> pd.DataFrame:
    g = rep.ops.groupby("kind")[["flops", "latency_s"]].sum()
    return pd.DataFrame({"design": design, "kind": g.index, "flops_share": g["flops"] / g["flops"].sum(),
                         "latency_share": g["latency_s"] / g["latency_s"].sum(),
                         "latency_s": g["latency_s"]}).sort_values("latency_share", ascending=False)


def _attention_share(rep: Report) -> float:
    ops = rep.ops
    att = ops["op"].isin(["qk", "sv", "softmax", "scale_mask", "softmax.dequantize", "softmax.quantize"])
    return float(ops.loc[att, "latency_s"].sum() / ops["latency_s"].sum())


def run_case_study(model: str = MODEL, seq_len: int = SEQ, trend_seq: tuple[int, ...] = TREND_SEQ,
                   trend_models: tuple[str, ...] = TREND_MODELS) -> CaseStudy:
    """Compute every number of the case study (a few seconds)."""
    base, rebal, ibert_hw, analytical = _hw(BASELINE), _hw(REBALANCED), _hw(IBERT), _hw(ANALYTICAL)
    units_only = base.model_copy(update={"nonlinear": ibert_hw.nonlinear, "name": "gemmini_default + I-BERT units"})
    reps = {
        "baseline": simulate(base, model, seq_len=seq_len),
        "rebalanced": simulate(rebal, model, seq_len=seq_len),
        "ibert": simulate(ibert_hw, model, seq_len=seq_len),
        "ibert_units_only": simulate(units_only, model, seq_len=seq_len),
    }
    shares = pd.concat([_shares(reps["baseline"], "baseline"), _shares(reps["ibert"], "ibert")], ignore_index=True)

    grid = []
    for sp in GRID_KIB:
        for ac in GRID_KIB:
            hw = with_updates(base, {"scratchpad_kib": sp, "accumulator_kib": ac})
            rep = simulate(hw, model, seq_len=seq_len)
            s = rep.summary()
            up = rep.ops[rep.ops["op"] == "ffn_up"].iloc[0]
            grid.append({"scratchpad_kib": sp, "accumulator_kib": ac, "matmul_utilization": s["matmul_utilization"],
                         "matmul_latency_s": s["matmul_latency_s"], "latency_s": s["latency_s"],
                         "ffn_up_tile": f"{int(up['mt'])}x{int(up['kt'])}x{int(up['nt'])}"})
    grid = pd.DataFrame(grid)

    b, r = reps["baseline"].summary(), reps["rebalanced"].summary()
    rebalance = {
        "from": f"{base.scratchpad_kib:g}/{base.accumulator_kib:g} KiB", "to": f"{rebal.scratchpad_kib:g}/"
        f"{rebal.accumulator_kib:g} KiB",
        "matmul_latency_before_s": b["matmul_latency_s"], "matmul_latency_after_s": r["matmul_latency_s"],
        "matmul_latency_change": r["matmul_latency_s"] / b["matmul_latency_s"] - 1.0,
        "matmul_utilization_before": b["matmul_utilization"], "matmul_utilization_after": r["matmul_utilization"],
        "latency_change": r["latency_s"] / b["latency_s"] - 1.0,
        "qk_latency_change": _op_latency(reps["rebalanced"], "qk") / _op_latency(reps["baseline"], "qk") - 1.0,
    }
    i, u = reps["ibert"].summary(), reps["ibert_units_only"].summary()
    ibert = {
        "baseline_latency_s": b["latency_s"], "ibert_latency_s": i["latency_s"],
        "speedup": b["latency_s"] / i["latency_s"], "units_only_latency_s": u["latency_s"],
        "speedup_units_only": b["latency_s"] / u["latency_s"],
        "offloaded_share_before": sum(b["latency_share_by_kind"].get(k, 0.0) for k in OFFLOADED),
        "matmul_latency_share_after": i["latency_share_by_kind"].get("matmul", 0.0),
        "matmul_flops_share": i["flops_share_by_kind"].get("matmul", 0.0),
        "cpu_s_before": float(reps["baseline"].ops["cpu_s"].sum()),
    }

    trend = []
    for name in trend_models:
        cfg, ext = extended(load_workload(name), max(trend_seq))
        prev = None
        for s_len in trend_seq:
            rep = simulate(analytical, cfg, seq_len=s_len)
            su = rep.summary()
            lat = su["latency_s"]
            trend.append({"model": name, "seq_len": s_len, "latency_s": lat,
                          "slope": math.log(lat / prev[1]) / math.log(s_len / prev[0]) if prev else np.nan,
                          "positions_extended": bool(ext and s_len > load_workload(name).max_positions),
                          "matmul_share": su["latency_share_by_kind"].get("matmul", 0.0),
                          "attention_share": _attention_share(rep), "dram_bytes": su["dram_bytes"]})
            prev = (s_len, lat)
    return CaseStudy(shares=shares, memory_grid=grid, rebalance=rebalance, ibert=ibert,
                     trend=pd.DataFrame(trend), reports=reps)


def _op_latency(rep: Report, op: str) -> float:
    return float(rep.ops.loc[rep.ops["op"] == op, "latency_s"].sum())


def _array(cs: CaseStudy) -> str:
    a = cs.reports["baseline"].hw.array
    return f"{a.rows}x{a.cols} {a.dataflow}"


_F1, _F2, _F3, _F4 = (f"survey finding {i}" for i in (1, 2, 3, 4))


def case_study_rows(cs: CaseStudy) -> list[dict]:
    """The case study as rows of the validation table: each claim with its
    threshold and check, and the numbers behind it as ``info`` rows."""
    rows: list[dict] = []
    base = cs.shares[cs.shares["design"] == "baseline"].set_index("kind")
    hw = cs.reports["baseline"].hw
    cpe = hw.host.cycles_per_element
    case1 = f"{MODEL} s{SEQ} on {BASELINE}"
    mm_f = float(base.loc["matmul", "flops_share"])
    rows.append(make_row(case1, "flops_share.matmul", mm_f, 0.99, unit="fraction", source=_F1,
                         check="|accelmodel - reference| <= 0.01", passed=abs(mm_f - 0.99) <= 0.01,
                         note="claim: ~99% of FLOPs are matmuls. 2 FLOPs per MAC of Q/K/V/O, Q.K^T, softmax.V, "
                              "FFN vs a few FLOPs per element for the rest"))
    mm_l = float(base.loc["matmul", "latency_share"])
    rows.append(make_row(case1, "latency_share.matmul", mm_l, 0.5, unit="fraction", source=_F1,
                         check="accelmodel < reference", passed=mm_l < 0.5,
                         note=f"claim: latency not dominated by matmuls. {_array(cs)} array at {hw.clock_ghz:g} GHz,"
                              f" matmul utilisation {cs.reports['baseline'].summary()['matmul_utilization']:.0%}"))
    off = float(base.loc[[k for k in OFFLOADED if k in base.index], "latency_share"].sum())
    rows.append(make_row(case1, "latency_share.offloaded_nonlinear_and_qdq", off, 0.5, unit="fraction", source=_F1,
                         check="accelmodel > reference", passed=off > 0.5,
                         note=f"claim: offloaded LayerNorm/GELU/Softmax + (de)quantize dominate. Host CPU cycles per "
                              f"element (softmax {cpe.softmax:g}, GELU {cpe.gelu:g}, LayerNorm {cpe.layernorm:g}, "
                              f"dequantize {cpe.dequantize:g}, quantize {cpe.quantize:g}) at {hw.host.clock_ghz:g} GHz,"
                              " serial with the array"))
    for kind, r in base.iterrows():
        if kind == "matmul":
            continue  # checked above
        rows.append(make_row(case1, f"flops_share.{kind}", r["flops_share"], unit="fraction", source=_F1))
        rows.append(make_row(case1, f"latency_share.{kind}", r["latency_share"], unit="fraction", source=_F1))

    for g in cs.memory_grid.itertuples():
        rows.append(make_row(f"{MODEL} s{SEQ} on {BASELINE} spad {g.scratchpad_kib} KiB / acc {g.accumulator_kib} KiB",
                             "matmul_utilization", g.matmul_utilization, unit="fraction", source=_F2,
                             note=f"FFN-up tile {g.ffn_up_tile}: the accumulator caps the square output tile"))
    rb = cs.rebalance
    case2 = f"{MODEL} s{SEQ}: {BASELINE} ({rb['from']}) -> {REBALANCED} ({rb['to']})"
    rows.append(make_row(case2, "matmul_latency_change", rb["matmul_latency_change"], 0.0, unit="fraction",
                         source=_F2, check="accelmodel < reference",
                         passed=rb["matmul_latency_change"] < 0,
                         note="claim: rebalancing lowers matmul latency. Bigger accumulator -> bigger square output "
                              "tile -> fewer M tiles, each paying the WS weight preload and fill (2R+C-2 cycles per "
                              "fold); the scratchpad only sets K tiles, which cost no cycles in WS"))
    rows.append(make_row(case2, "qk_latency_change", rb["qk_latency_change"], unit="fraction", source=_F2,
                         note="Q.K^T: l x l output from two l x d/h operands"))
    rows.append(make_row(case2, "latency_change", rb["latency_change"], unit="fraction", source=_F2,
                         note="end to end: the host-CPU nonlinear ops are unchanged"))

    ib = cs.ibert
    case3 = f"{MODEL} s{SEQ}: {BASELINE} -> {IBERT}"
    rows.append(make_row(case3, "speedup", ib["speedup"], 10.0, unit="x", source=_F3,
                         check="accelmodel > reference", passed=ib["speedup"] > 10,
                         note="claim: more than an order of magnitude. Removes the host-CPU softmax/GELU/LayerNorm "
                              "and (de)quantize; I-BERT units on the accumulator path; plus that build's "
                              f"{cs.reports['ibert'].hw.accumulator_kib:g} KiB accumulator"))
    rows.append(make_row(f"{MODEL} s{SEQ}: {BASELINE} -> + I-BERT units only", "speedup", ib["speedup_units_only"],
                         10.0, unit="x", source=_F3, check="accelmodel > reference",
                         passed=ib["speedup_units_only"] > 10,
                         note=f"the units alone, keeping the baseline's {hw.accumulator_kib:g} KiB accumulator"))
    rows.append(make_row(f"{MODEL} s{SEQ} on {IBERT}", "latency_share.matmul", ib["matmul_latency_share_after"], 0.5,
                         unit="fraction", source=_F3, check="accelmodel > reference",
                         passed=ib["matmul_latency_share_after"] > 0.5,
                         note="claim: afterwards matmuls dominate latency as they dominate FLOPs"))

    for mdl, g in cs.trend.groupby("model", sort=False):
        g = g.sort_values("seq_len")
        lat = g["latency_s"].to_numpy()
        for r in g.itertuples():
            ext = " (positions extended)" if r.positions_extended else ""
            rows.append(make_row(f"{mdl} s{r.seq_len} on {ANALYTICAL}{ext}", "latency_s", r.latency_s, unit="s",
                                 source=_F4, note=f"matmul share {r.matmul_share:.0%}, attention share "
                                                  f"{r.attention_share:.0%}"))
        for prev, r in zip(g.itertuples(), list(g.itertuples())[1:]):
            rows.append(make_row(f"{mdl} s{prev.seq_len}->{r.seq_len} on {ANALYTICAL}", "loglog_slope", r.slope, 2.0,
                                 unit="", source=_F4,
                                 check="0 < accelmodel <= 2",
                                 passed=0 < r.slope <= 2,
                                 note="~1 from projections/FFN (linear in l), rising toward 2 as Q.K^T, softmax.V "
                                      "and softmax (l^2) take over"))
        s = g["slope"].to_numpy()[1:]
        rows.append(make_row(f"{mdl} {g['seq_len'].min()}..{g['seq_len'].max()} on {ANALYTICAL}",
                             "slope_rises_with_seq", float(np.all(np.diff(s) > 0) and np.all(np.diff(lat) > 0)), 1.0,
                             unit="bool", source=_F4,
                             check="accelmodel == reference",
                             note="1 = latency and log-log slope both increase with every doubling of l",
                             passed=bool(np.all(np.diff(s) > 0) and np.all(np.diff(lat) > 0))))
    return rows
