"""Figures of a generation: per-step decode latency and bytes; batch curve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .palette import bound_color
from .style import make_figure

if TYPE_CHECKING:  # pragma: no cover
    from ..generation import Generation


def generation_figure(gen: "Generation") -> Figure:
    """Two panels over the decode steps (x: KV length): step latency (ms, dots
    coloured by the step's bound, TTFT and mean TPOT noted) and DRAM bytes per step (GB)."""
    t = gen.steps_table()
    fig = make_figure(7.0, 3.2)
    ax1, ax2 = fig.subplots(1, 2)
    s = gen.summary()
    for b, part in t.groupby("bound"):
        ax1.plot(part["kv_len"], part["latency_s"] * 1e3, ".", ms=2, color=bound_color(str(b)), label=f"{b}-bound")
    if len(t):
        ax1.axhline(s["tpot_s"] * 1e3, color="0.4", lw=0.8, ls="--", label=f"mean TPOT {s['tpot_s'] * 1e3:.4g} ms")
    ax1.set_xlabel("KV length (cached tokens)")
    ax1.set_ylabel("decode step latency (ms)")
    ax1.set_title(f"{s['model']} on {s['hw']}: TTFT {s['ttft_s'] * 1e3:.4g} ms, batch {s['batch']}", fontsize=8)
    ax1.legend(fontsize=7)
    ax2.plot(t["kv_len"], t["dram_bytes"] / 1e9, color="0.2", lw=1)
    ax2.set_xlabel("KV length (cached tokens)")
    ax2.set_ylabel("DRAM bytes per step (GB)")
    rows = s["decode_array_rows"]
    ax2.set_title(f"{rows['dataflow']} array rows busy in decode: {rows['rows_used']} of {rows['rows']}", fontsize=8)
    return fig


def batch_curve_figure(curve: pd.DataFrame, title: str = "") -> Figure:
    """Throughput (tokens/s) against mean TPOT (ms) over batch sizes, each point
    labelled with its batch; infeasible batches listed with their limit."""
    fig = make_figure(4.6, 3.4)
    ax = fig.subplots()
    ok = curve[np.isfinite(curve["tpot_s"])]
    ax.plot(ok["tpot_s"] * 1e3, ok["tokens_per_s"], "-o", ms=3, color="0.2")
    for _, r in ok.iterrows():
        ax.annotate(f"B={int(r['batch'])}" + (f" ({r['limit']})" if r["limit"] else ""),
                    (r["tpot_s"] * 1e3, r["tokens_per_s"]), fontsize=7, xytext=(3, -8), textcoords="offset points")
    bad = curve[curve["limit"] == "capacity"]
    if len(bad):
        ax.text(0.02, 0.97, "do not fit DRAM: B = " + ", ".join(str(int(b)) for b in bad["batch"]),
                transform=ax.transAxes, va="top", fontsize=7)
    ax.set_xlabel("mean time per output token (ms)")
    ax.set_ylabel("throughput (tokens/s, all sequences)")
    ax.set_title(title, fontsize=8)
    return fig
