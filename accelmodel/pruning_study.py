"""Pruning pattern x ratio studies: speedup, energy and published quality.

:func:`pattern_ratio_study` runs one model on one design for every (pattern,
ratio) and returns one DataFrame row each: whole-model and FFN-only speedup and
energy saving over the unpruned model on the same hardware, DRAM and weight
bytes, the dominant bound before and after, and the published quality of that
(method, ratio) from ``data/pruning_quality.csv`` ([YooLee-pruning] in docs/references.md) where
the table has it. :func:`quality_front` marks the (cost, quality) Pareto front.

Patterns (:data:`PATTERNS`; each a function (ratio, model, hw) -> PruningPlan,
applied to every weight matrix of every layer):

* ``unstructured``: fine-grained (quality method ``fine-grained``).
* ``block``: blocks the size of the array (R x C), so a pruned block is an
  empty fold (``block-level``).
* ``nm``: N:M along K with M = :data:`NM_M` (16, dividing the 16-row folds);
  N = M - round(ratio * M), so the achieved ratio is the nearest multiple of
  1/M (column ``achieved_ratio``; no published quality).
* ``vector``: mixed-length vectors [16, 8, 4] (TF-MVP), directions as observed
  at ratio 0.8 ([YooLee-pruning] in docs/references.md) in accelmodel's W[K, N] = (in, out)
  convention: wq/wk/wv column, wo row, w_up/w_gate column for decoders (GPT-2)
  and row for encoders (BERT), w_down row (``mixed-vector-level``).
* ``head``: whole attention heads; ``ratio`` is the fraction of heads
  (``head-level``; the source's head ratios 0.13/0.22/0.24 are its own, and
  with 12 heads ratio r prunes round(12 r) heads).

Ratio 0 is the unpruned model (the quality table's ``baseline``) for every
pattern. Masks are generated once per (pattern, ratio) and matrix shape (a
uniform plan reuses layer 0's mask in every layer).
"""

from __future__ import annotations

from typing import Callable, Iterable, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from .hardware.spec import Accelerator
from .pareto import nondominated
from .report import Report
from .simulation import simulate
from .workload.config import TransformerConfig, load_workload
from .workload.pruning import (NM, Block, Head, MatrixPlan, MatrixPruning, PruningPlan, Unstructured, Vector,
                               quality_table)

NM_M = 16
"""Group size of the ``nm`` study pattern."""

FFN_OPS = ("ffn_up", "ffn_gate", "ffn_down")
PRUNABLE_OPS = ("q_proj", "k_proj", "v_proj", "o_proj", *FFN_OPS)

QUALITY_METHOD = {"unstructured": "fine-grained", "block": "block-level", "vector": "mixed-vector-level",
                  "head": "head-level"}
"""Study pattern -> method name in the published quality table."""

QUALITY_COLUMNS = ("bert_squad_f1", "gpt2_wikitext2_ppl")

PlanBuilder = Callable[[float, TransformerConfig, Accelerator], PruningPlan]


def _uniform(pattern, ratio: float, description: str) -> PruningPlan:
    return PruningPlan(description=description,
                       all_matrices=MatrixPlan(default=MatrixPruning(pattern=pattern, ratio=ratio)))


def unstructured_plan(ratio: float, cfg: TransformerConfig | None = None, hw: Accelerator | None = None) -> PruningPlan:
    return _uniform(Unstructured(), ratio, f"unstructured {ratio:g}")


def block_plan(ratio: float, cfg: TransformerConfig | None = None, hw: Accelerator | None = None) -> PruningPlan:
    """Blocks of the array's size (16 x 16 without ``hw``)."""
    bh, bw = (hw.array.rows, hw.array.cols) if hw is not None else (16, 16)
    return _uniform(Block(bh=bh, bw=bw), ratio, f"block {bh}x{bw} {ratio:g}")


def nm_n(ratio: float, m: int = NM_M) -> int:
    """N of the N:M pattern nearest to ``ratio`` (at least 1 kept)."""
    return max(1, m - int(np.floor(ratio * m + 0.5)))


def nm_plan(ratio: float, cfg: TransformerConfig | None = None, hw: Accelerator | None = None,
            m: int = NM_M) -> PruningPlan:
    n = nm_n(ratio, m)
    return PruningPlan(description=f"{n}:{m}",
                       all_matrices=MatrixPlan(default=MatrixPruning(pattern=NM(n=n, m=m), ratio=1 - n / m)))


def vector_plan(ratio: float, cfg: TransformerConfig | None = None, hw: Accelerator | None = None,
                lengths: tuple[int, ...] = (16, 8, 4)) -> PruningPlan:
    """Mixed-length vectors with the observed per-matrix directions (module doc)."""
    decoder = cfg is None or cfg.arch == "decoder"
    f1: Literal["row", "column"] = "column" if decoder else "row"

    def mp(direction: Literal["row", "column", "auto"]) -> MatrixPlan:
        return MatrixPlan(default=MatrixPruning(pattern=Vector(direction=direction, lengths=lengths), ratio=ratio))

    return PruningPlan(description=f"mixed vectors {list(lengths)} {ratio:g}", wqkv=mp("column"), wo=mp("row"),
                       w_up=mp(f1), w_gate=mp(f1), w_down=mp("row"))


def head_plan(ratio: float, cfg: TransformerConfig | None = None, hw: Accelerator | None = None) -> PruningPlan:
    return _uniform(Head(), ratio, f"heads {ratio:g}")


PATTERNS: dict[str, PlanBuilder] = {"unstructured": unstructured_plan, "block": block_plan, "nm": nm_plan,
                                    "vector": vector_plan, "head": head_plan}
"""The study's patterns by name (see the module docstring)."""


# ---------------------------------------------------------------------------
# one report -> one row
# ---------------------------------------------------------------------------
def _dominant_bound(ops: pd.DataFrame, lat: str = "latency_s", bound: str = "bound") -> str:
    g = ops.groupby(bound)[lat].sum()
    return str(g.idxmax())


def _dominant_kind(ops: pd.DataFrame, lat: str = "latency_s") -> str:
    return str(ops.groupby("kind")[lat].sum().idxmax())


def _metrics(dense: Report, rep: Report | None) -> dict:
    """Study columns of one pruned report (``rep`` None: the dense model itself)."""
    d = dense.ops
    s = d if rep is None else rep.ops
    ffn_d, ffn_s = d[d["op"].isin(FFN_OPS)], s[s["op"].isin(FFN_OPS)]
    mm_d, mm_s = d[d["kind"] == "matmul"], s[s["kind"] == "matmul"]
    if rep is None:
        wb = dense.hw.dtypes.weight_bytes
        wsize = mm_d["k"] * mm_d["n"] * mm_d["count"] * wb
        achieved = 0.0
        dw = sw = float(wsize[mm_d["op"].isin(PRUNABLE_OPS)].sum())
        all_w_d = all_w_s = float(wsize[mm_d["op"].isin((*PRUNABLE_OPS, "pooler", "lm_head"))].sum())
    else:
        w = s[s["op"].isin(PRUNABLE_OPS)]
        dw = float(w["dense_weight_bytes"].sum())
        achieved = 1.0 - float((w["density"] * w["dense_weight_bytes"]).sum()) / dw if dw else 0.0
        sw = float(w["stored_weight_bytes"].sum())
        all_w_d, all_w_s = float(s["dense_weight_bytes"].sum()), float(s["stored_weight_bytes"].sum())
    lat_d, lat_s = dense.latency_s, (dense.latency_s if rep is None else rep.latency_s)
    en_d, en_s = dense.energy_j, (dense.energy_j if rep is None else rep.energy_j)
    fl_d, fl_s = float(ffn_d["latency_s"].sum()), float(ffn_s["latency_s"].sum())
    fe_d, fe_s = float(ffn_d["energy_j"].sum()), float(ffn_s["energy_j"].sum())
    ml_d, ml_s = float(mm_d["latency_s"].sum()), float(mm_s["latency_s"].sum())
    return {
        "achieved_ratio": achieved,
        "dense_latency_s": lat_d, "sparse_latency_s": lat_s, "speedup": lat_d / lat_s,
        "dense_energy_j": en_d, "sparse_energy_j": en_s, "energy_saving": 1.0 - en_s / en_d,
        "ffn_dense_latency_s": fl_d, "ffn_sparse_latency_s": fl_s, "ffn_speedup": fl_d / fl_s if fl_s else np.nan,
        "ffn_energy_saving": 1.0 - fe_s / fe_d if fe_d else np.nan,
        "matmul_dense_latency_s": ml_d, "matmul_sparse_latency_s": ml_s, "matmul_speedup": ml_d / ml_s,
        "matmul_share_dense": ml_d / lat_d, "matmul_share_sparse": ml_s / lat_s,
        "dense_dram_bytes": float(d["dram_bytes"].sum()), "sparse_dram_bytes": float(s["dram_bytes"].sum()),
        "dense_weight_bytes": dw, "stored_weight_bytes": sw,
        "all_dense_weight_bytes": all_w_d, "all_stored_weight_bytes": all_w_s,
        "dense_bound": _dominant_bound(d), "sparse_bound": _dominant_bound(s),
        "dense_top_kind": _dominant_kind(d), "sparse_top_kind": _dominant_kind(s),
        "ffn_dense_bound": _dominant_bound(ffn_d) if len(ffn_d) else "",
        "ffn_sparse_bound": _dominant_bound(ffn_s) if len(ffn_s) else "",
    }


def _quality(method: str | None, ratio: float) -> dict:
    out = {c: np.nan for c in QUALITY_COLUMNS}
    if method is None and ratio != 0.0:
        return out
    for q in quality_table():
        if (ratio == 0.0 and q.method == "baseline") or (q.method == method and abs(q.ratio - ratio) < 1e-9):
            return {c: getattr(q, c) for c in QUALITY_COLUMNS}
    return out


def pattern_ratio_study(hw: Accelerator, model: TransformerConfig | str,
                        patterns: Iterable[str] | Mapping[str, PlanBuilder] = ("unstructured", "block", "nm",
                                                                                "vector", "head"),
                        ratios: Sequence[float] | Mapping[str, Sequence[float]] = (0.5, 0.6, 0.7, 0.8), *,
                        seq_len: int = 512, batch: int = 1,
                        phase: str = "prefill", kv_len: int = 0, methods: Mapping[str, str] | None = None,
                        include_dense: bool = False) -> pd.DataFrame:
    """Simulate ``model`` on ``hw`` for every (pattern, ratio); one row each.

    ``patterns``: names from :data:`PATTERNS`, or a mapping name -> builder
    ``(ratio, cfg, hw) -> PruningPlan``. ``methods`` maps pattern names to the
    quality table's method names (default :data:`QUALITY_METHOD`).
    ``ratios``: one list for all patterns, or a mapping pattern -> list (e.g.
    the head-level ratios of the quality table, 0.13/0.22/0.24, for ``head``).
    ``include_dense`` adds a ratio-0 row per pattern (the unpruned model, with
    the baseline quality).

    Columns: model, hw, pattern, method, plan (description), ratio (requested),
    achieved_ratio (1 - kept / dense weights of q/k/v/o/FFN), speedup and
    energy_saving (whole model), dense_/sparse_latency_s, dense_/sparse_energy_j,
    ffn_speedup and ffn_energy_saving (FFN matmuls only), matmul_speedup,
    matmul_share_dense/sparse (matmul share of latency), dense_/sparse_dram_bytes,
    dense_weight_bytes and stored_weight_bytes (q/k/v/o/FFN; all_* include the
    pooler / LM head), dense_bound and sparse_bound (bound holding most of the
    latency), dense_/sparse_top_kind (op kind holding most of it),
    ffn_dense/sparse_bound, bert_squad_f1 and gpt2_wikitext2_ppl (published,
    NaN where the table has no such (method, ratio)).
    """
    cfg = load_workload(model) if isinstance(model, str) else model
    builders = {p: PATTERNS[p] for p in patterns} if not isinstance(patterns, Mapping) else dict(patterns)
    meth = dict(QUALITY_METHOD if methods is None else methods)
    dense = simulate(hw, cfg, phase=phase, batch=batch, seq_len=seq_len, kv_len=kv_len)
    rows = []
    for name, build in builders.items():
        own = ratios[name] if isinstance(ratios, Mapping) else ratios
        rs = ([0.0] if include_dense else []) + [float(r) for r in own if float(r) != 0.0]
        for ratio in rs:
            if ratio == 0.0:
                rep, plan_desc = None, "dense"
            else:
                plan = build(ratio, cfg, hw)
                rep = simulate(hw, cfg, phase=phase, batch=batch, seq_len=seq_len, kv_len=kv_len, pruning=plan)
                plan_desc = plan.description
            rows.append({"model": cfg.name, "hw": hw.name, "pattern": name, "method": meth.get(name, ""),
                         "plan": plan_desc, "ratio": ratio, **_metrics(dense, rep),
                         **_quality(meth.get(name), ratio)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Pareto front and bottleneck shift
# ---------------------------------------------------------------------------
def quality_front(df: pd.DataFrame, cost: str = "sparse_latency_s", quality: str = "bert_squad_f1",
                 higher_quality_is_better: bool | None = None) -> np.ndarray:
    """Boolean array: rows of ``df`` on the Pareto front of (lower ``cost``,
    better ``quality``). ``higher_quality_is_better`` defaults to False for
    columns ending in ``ppl`` (perplexity) and True otherwise. A row is on the
    front if no other row has cost <= and quality at least as good with one of
    them strictly better; rows with NaN in either column are never on it; exact
    duplicates are all kept (:func:`accelmodel.pareto.nondominated`).
    """
    hib = (not quality.endswith("ppl")) if higher_quality_is_better is None else higher_quality_is_better
    c = df[cost].to_numpy(float)
    q = df[quality].to_numpy(float) * (-1.0 if hib else 1.0)  # lower is better for both now
    return nondominated(np.column_stack([c, q]))


def bottleneck_shift(rep: Report) -> pd.DataFrame:
    """Latency share by bound, unpruned vs pruned, of a pruned report (from its
    ``sparsity`` summary): index = bound, columns dense_share, sparse_share and
    the absolute dense_s / sparse_s."""
    sp = rep.extra.get("sparsity")
    if sp is None:
        raise ValueError("bottleneck_shift needs a report simulated with pruning=")
    d, s = sp["dense_latency_share_by_bound"], sp["sparse_latency_share_by_bound"]
    bounds = list(dict.fromkeys([*d, *s]))
    out = pd.DataFrame({"dense_share": [d.get(b, 0.0) for b in bounds],
                        "sparse_share": [s.get(b, 0.0) for b in bounds]}, index=pd.Index(bounds, name="bound"))
    out["dense_s"] = out["dense_share"] * sp["dense_latency_s"]
    out["sparse_s"] = out["sparse_share"] * sp["sparse_latency_s"]
    return out


def speedup_table(df: pd.DataFrame, value: str = "speedup", index: str = "pattern",
                  columns: str = "ratio") -> pd.DataFrame:
    """Pivot of a study: ``value`` by pattern (rows) and ratio (columns)."""
    return df.pivot_table(index=index, columns=columns, values=value, aggfunc="first", sort=False)
