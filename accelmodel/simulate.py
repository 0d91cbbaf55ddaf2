"""Glue: workload -> op graph -> mapping per unique op -> cost rows -> Report."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .cost.ops import op_cost
from .hardware.spec import Accelerator
from .mapping.tiling import Mapping, tile_matmul
from .report import Report
from .workload.config import TransformerConfig, load_workload
from .workload.graph import build_graph, ops_in_order

_ID_COLS = ("layer", "name", "op", "kind", "function", "m", "k", "n", "count", "elements")


def simulate(
    hw: Accelerator,
    model: TransformerConfig | str,
    phase: Literal["prefill", "decode"] = "prefill",
    batch: int = 1,
    seq_len: int = 512,
    kv_len: int = 0,
) -> Report:
    """Model one forward pass of ``model`` on ``hw``.

    Identical ops (same shapes and kind, in any layer) are mapped and costed
    once; the report still has one row per op instance.
    """
    cfg = load_workload(model) if isinstance(model, str) else model
    g = build_graph(cfg, phase, batch, seq_len, kv_len, act_bytes=hw.dtypes.input_bytes,
                    weight_bytes=hw.dtypes.weight_bytes)
    ops = ops_in_order(g)
    unique: dict[tuple, list] = {}
    mappings: dict[tuple, Mapping] = {}
    for op in ops:
        sig = op.signature()
        if sig in unique:
            continue
        mp = None
        if op.is_matmul:
            key = (op.m, op.k, op.n, op.weight is not None)
            mp = mappings.get(key)
            if mp is None:
                mp = mappings[key] = tile_matmul(op.m, op.k, op.n, hw, op.weight is not None)
        unique[sig] = op_cost(op, hw, mp)

    # assemble: unique cost rows, indexed per op instance
    cost_rows: list[dict] = []
    first_index: dict[tuple, int] = {}
    for sig, rows in unique.items():
        first_index[sig] = len(cost_rows)
        cost_rows.extend(r for _, _, r in rows)
    table = pd.DataFrame({c: [r[c] for r in cost_rows] for c in cost_rows[0]})
    idx, ident = [], []
    for op in ops:
        sig = op.signature()
        for j, (suffix, kind, _) in enumerate(unique[sig]):
            idx.append(first_index[sig] + j)
            ident.append((op.layer, op.name + (f".{suffix}" if suffix else ""),
                          op.op + (f".{suffix}" if suffix else ""), kind, op.function, op.m, op.k, op.n, op.count,
                          op.elements))
    df = table.iloc[np.asarray(idx)].reset_index(drop=True)
    id_df = pd.DataFrame(dict(zip(_ID_COLS, zip(*ident))))
    df = pd.concat([id_df, df], axis=1)
    pes = hw.array.pes
    df["utilization"] = np.where(df["latency_cycles"] > 0, df["macs"] / (pes * df["latency_cycles"]), 0.0)
    df["arithmetic_intensity"] = np.where(df["dram_bytes"] > 0, df["flops"] / df["dram_bytes"], np.inf)
    return Report(ops=df, hw=hw, model=cfg, phase=phase, batch=batch,
                  seq_len=seq_len if phase == "prefill" else 1, kv_len=kv_len if phase == "decode" else 0)
