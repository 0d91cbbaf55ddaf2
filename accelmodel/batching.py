"""Static batching: throughput against latency over batch sizes.

For each batch size B, :func:`~accelmodel.generation.simulate_generation`
models B sequences that start and end together. A batch is *feasible* if its
footprint fits ``dram.capacity_gib`` and (if given) its mean TPOT and TTFT meet
the targets; the largest feasible batch and what stops the next one (capacity,
TPOT target, TTFT target) are reported.
"""

from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd

from .footprint import GIB, footprint
from .generation import simulate_generation
from .hardware.spec import Accelerator
from .workload.config import TransformerConfig, load_workload

DEFAULT_BATCHES = (1, 2, 4, 8, 16, 32, 64)


def batch_curve(hw: Accelerator, model: TransformerConfig | str, prompt_len: int, gen_len: int,
                batches: Sequence[int] = DEFAULT_BATCHES, tpot_target_s: Optional[float] = None,
                ttft_target_s: Optional[float] = None) -> pd.DataFrame:
    """One row per batch size: tokens_per_s (all sequences), tpot_s (mean), ttft_s,
    latency_s, energy_per_token_j, footprint_bytes, fits (capacity), limit (''
    if feasible, else 'capacity', 'tpot target' or 'ttft target'). Batches that
    do not fit are not simulated (their time columns are NaN)."""
    cfg = load_workload(model) if isinstance(model, str) else model
    cap = None if hw.dram.capacity_gib is None else hw.dram.capacity_gib * GIB
    rows = []
    for b in batches:
        fp = footprint(hw, cfg, prompt_len, gen_len, b).total
        row = {"batch": b, "footprint_bytes": fp, "fits": cap is None or fp <= cap}
        if not row["fits"]:
            rows.append({**row, "tokens_per_s": float("nan"), "tpot_s": float("nan"), "ttft_s": float("nan"),
                         "latency_s": float("nan"), "energy_per_token_j": float("nan"), "limit": "capacity"})
            continue
        s = simulate_generation(hw, cfg, prompt_len, gen_len, b, check_capacity=False).summary()
        limit = ""
        if tpot_target_s is not None and s["tpot_s"] is not None and s["tpot_s"] > tpot_target_s:
            limit = "tpot target"
        elif ttft_target_s is not None and s["ttft_s"] > ttft_target_s:
            limit = "ttft target"
        rows.append({**row, **{k: s[k] for k in ("tokens_per_s", "tpot_s", "ttft_s", "latency_s",
                                                 "energy_per_token_j")}, "limit": limit})
    return pd.DataFrame(rows)


def largest_feasible(curve: pd.DataFrame) -> tuple[Optional[int], str]:
    """(largest feasible batch or None, what limits the next larger one: '' if none of the tried sizes did)."""
    ok = curve[curve["limit"] == ""]
    best = None if ok.empty else int(ok["batch"].max())
    beyond = curve[(curve["limit"] != "") & ((best is None) | (curve["batch"] > (best or 0)))]
    return best, ("" if beyond.empty else str(beyond.iloc[0]["limit"]))
