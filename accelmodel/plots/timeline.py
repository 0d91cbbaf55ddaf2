"""Where the time goes: FLOPs share vs latency share per op kind, and one layer's timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .labels import _describe, _fmt, _fmt_si, _named_reports, _report_ops, _si_factor
from .palette import METRIC_STYLES, MUTED_TEXT, kind_color
from .style import figure_size, make_figure, style

if TYPE_CHECKING:  # pragma: no cover
    from ..report import Report

def flops_vs_latency(reports, *, by: str = "kind", energy: bool = False, title: str | None = None,
                     figsize: tuple[float, float] | None = None) -> Figure:
    """Paired horizontal bars per op kind: share of FLOPs vs share of latency (and
    of energy with ``energy=True``), in percent. One panel per design when given
    several reports (a dict or list). Categories are sorted by latency share;
    each bar carries its value, so a 0.04 % FLOPs share stays readable next to a
    47 % latency share."""
    named = _named_reports(reports)
    series = [("flops_share", "FLOPs", "flops"), ("latency_share", "latency", "latency")]
    if energy:
        series.append(("energy_share", "energy", "energy"))
    tables = {}
    for name, r in named.items():
        df = _report_ops(r)
        g = df.groupby(by, sort=False)[["flops", "latency_s", "energy_j"]].sum().astype(float)
        t = pd.DataFrame({
            "flops_share": g["flops"] / max(float(g["flops"].sum()), 1e-300),
            "latency_share": g["latency_s"] / max(float(g["latency_s"].sum()), 1e-300),
            "energy_share": g["energy_j"] / max(float(g["energy_j"].sum()), 1e-300),
        })
        tables[name] = t.sort_values("latency_share", ascending=True) * 100.0
    nrows = max(len(t) for t in tables.values())
    size = figsize or figure_size(3.4 * len(tables) + 1.0, 1.3 + nrows * (0.16 * len(series) + 0.1))
    with style():
        fig = make_figure(*size)
        axes = fig.subplots(1, len(tables), squeeze=False, sharex=True)[0]
        for ax, (name, t) in zip(axes, tables.items()):
            y = np.arange(len(t))
            hbar = 0.8 / len(series)
            for j, (colname, label, color) in enumerate(series):
                off = (len(series) - 1 - j - (len(series) - 1) / 2) * hbar
                vals = t[colname].to_numpy(float)
                bars = ax.barh(y + off, vals, hbar * 0.92, label=f"share of {label}", linewidth=0.6,
                               **METRIC_STYLES[color])
                for rect, v in zip(bars, vals):
                    ax.annotate(f"{_fmt(v, 2 if v < 10 else 3)}%", (rect.get_width(), rect.get_y() +
                                rect.get_height() / 2), xytext=(2, 0), textcoords="offset points", va="center",
                                ha="left", fontsize="xx-small", color="0.25")
            ax.set_yticks(y, t.index.astype(str))
            ax.set_xlim(0, 118)
            ax.set_xticks([0, 25, 50, 75, 100])
            ax.set_xlabel("Share of total (%)")
            ax.grid(True, axis="x")
            if len(tables) > 1:
                ax.set_title(f"{name} ({_fmt_si(float(_report_ops(named[name])['latency_s'].sum()), 's')})",
                             loc="left", fontsize="medium")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(series),
                   handlelength=1.0)
        if len(tables) == 1:
            axes[0].set_title(title or f"FLOPs vs latency\n{_describe(next(iter(named.values())))}", loc="left",
                              fontsize="medium")
        elif title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize="medium")
    return fig


# ---------------------------------------------------------------------------
# per-layer timeline
# ---------------------------------------------------------------------------


def fused_groups(ops: pd.DataFrame) -> pd.DataFrame:
    """One row per fused group of ``ops`` (one layer's rows): ops fused into an op of
    these rows (``fused_into``) join its row, named ``head+member+...``, with their
    latencies summed and the bound of the longest member; other ops stay as they are."""
    if "fused_into" not in ops.columns or not (ops["fused_into"].astype(str) != "").any():
        return ops[["name", "kind", "latency_s", "bound"]].reset_index(drop=True)
    names = ops["name"].astype(str).tolist()
    head = [f if f in names else n for n, f in zip(names, ops["fused_into"].fillna("").astype(str))]
    rows: dict[str, dict] = {}
    for n, h, k, lat, b in zip(names, head, ops["kind"].astype(str), ops["latency_s"].astype(float),
                               ops["bound"].astype(str)):
        g = rows.setdefault(h, {"name": h, "kind": k, "latency_s": 0.0, "bound": b, "_longest": -1.0})
        if n != h:
            g["name"] += "+" + n.split(".")[-1]
        if h == n:
            g["kind"] = k
        g["latency_s"] += lat
        if lat > g["_longest"]:
            g["bound"], g["_longest"] = b, lat
    return pd.DataFrame(list(rows.values())).drop(columns="_longest")


def timeline(report: Report, layer: int = 0, *, title: str | None = None,
             figsize: tuple[float, float] | None = None) -> Figure:
    """Gantt chart of one layer: ops run one after another, so op i starts at the
    summed latency of ops 0..i-1 of that layer. One row per op (top = first), a
    fused group (ops with ``fused_into``) as one bar at its first op's place,
    bars coloured by kind, the bound written after each bar. ``layer=-1`` is the
    embedding (and anything before block 0)."""
    df = _report_ops(report)
    ops = df[df["layer"] == layer]
    if ops.empty:
        have = sorted(int(v) for v in df["layer"].unique())
        raise ValueError(f"no ops in layer {layer} (layers {have[0]}..{have[-1]})")
    ops = fused_groups(ops)
    lat = ops["latency_s"].to_numpy(float)
    start = np.concatenate([[0.0], np.cumsum(lat)[:-1]])
    total = float(lat.sum())
    f, p = _si_factor(total)
    prefix = f"L{layer}."
    names = [n[len(prefix):] if str(n).startswith(prefix) else str(n) for n in ops["name"]]
    n = len(ops)
    size = figsize or figure_size(7.0, 1.0 + 0.18 * n, min_height=1.0 + 0.13 * n)
    with style():
        fig = make_figure(*size)
        ax = fig.add_subplot()
        y = np.arange(n)
        kinds = ops["kind"].astype(str).to_numpy()
        colors = [kind_color(k) for k in kinds]
        # a hairline edge in the bar's own colour keeps sub-pixel ops visible
        bars = ax.barh(y, lat / f, left=start / f, height=0.72, color=colors, edgecolor=colors, linewidth=0.6)
        for rect in bars:
            rect.set_gid("timeline")
        for yi, s, l, b, sec in zip(y, start / f, lat / f, ops["bound"].astype(str), lat):
            ax.annotate(f"{b}, {_fmt_si(sec, 's')}", (s + l, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", ha="left", fontsize="xx-small", color=MUTED_TEXT)
        ax.set_yticks(y, names)
        ax.tick_params(axis="y", labelsize="x-small")
        ax.invert_yaxis()
        ax.set_xlim(0, total / f * 1.18)
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlabel(f"Time within layer ({p}s)")
        ax.grid(True, axis="x")
        ax.set_title(title if title is not None else
                     f"Layer {layer} timeline ({_fmt_si(total, 's')})\n{_describe(report)}", loc="left",
                     fontsize="medium")
        seen = list(dict.fromkeys(kinds))
        ax.legend([Patch(color=kind_color(k)) for k in seen], seen, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0, title="op kind", handlelength=1.0, labelspacing=0.3)
    return fig

