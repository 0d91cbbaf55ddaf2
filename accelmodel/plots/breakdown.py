"""Stacked breakdowns of latency and energy, designs side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from .labels import _fmt, _fmt_si, _named_reports, _report_ops, _si_factor, column_label
from .palette import MUTED_TEXT, category_color
from .style import figure_size, is_narrow, make_figure, style

_METRICS = {"latency": ("latency_s", "Latency", "s"), "energy": ("energy_j", "Energy", "J")}
_TITLES = {"kind": "op kind", "bound": "bound", "component": "component"}


def _breakdown_table(report, by: str, metric: str) -> pd.Series:
    """Totals of ``metric`` (latency_s / energy_j) per category of ``by``."""
    df = _report_ops(report)
    col = _METRICS[metric][0]
    if by == "component":
        if metric != "energy":
            raise ValueError("by='component' is only defined for energy")
        cols = [c for c in df.columns if c.startswith("energy_") and c.endswith("_j") and c != "energy_j"]
        return pd.Series({c[len("energy_"):-2]: float(df[c].sum()) for c in cols})
    if by not in df.columns:
        raise ValueError(f"cannot break down by {by!r}: no such column")
    return df.groupby(by, sort=False)[col].sum().astype(float)


def _group_small(table: pd.DataFrame, below: float) -> tuple[pd.DataFrame, list[str]]:
    """Merge categories whose share is < ``below`` in every design into one "other" row.
    Returns the table (largest first, "other" last) and the merged names."""
    shares = table.div(table.sum(axis=0).where(lambda s: s > 0, 1.0), axis=1)
    small = [str(c) for c in table.index if (shares.loc[c] < below).all()]
    if len(small) < 2:  # one small slice stays itself: "other" would hide its name for nothing
        small = []
    big = table.drop(index=small)
    big = big.loc[big.sum(axis=1).sort_values(ascending=False).index]
    if small:
        big.loc["other"] = table.loc[small].sum(axis=0)
    return big, small


def _text_color(hex_color: str) -> str:
    r, g, b = to_rgb(hex_color)
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def _panel(ax, tables: dict[str, pd.Series], b: str, metric: str, normalize: bool, other_below: float,
           narrow: bool) -> list[str]:
    """One stacked-bar panel; returns the names merged into "other"."""
    _, mname, unit = _METRICS[metric]
    table = pd.DataFrame(tables).fillna(0.0)  # categories x designs
    table = table[(table > 0).any(axis=1)]  # categories with nothing in any design stay out of the legend
    table, small = _group_small(table, other_below)
    totals = table.sum(axis=0)
    n = table.shape[1]
    if normalize:
        f = 1.0
        data = table.div(totals.where(totals > 0, 1.0), axis=1) * 100.0
        ylabel = f"Share of {mname.lower()} (%)"
    else:
        f, p = _si_factor(float(totals.max()))
        data = table / f
        ylabel = column_label(_METRICS[metric][0], p)
    x = np.arange(n)
    bottom = np.zeros(n)
    top = float(data.sum(axis=0).max()) or 1.0
    for cat in data.index:
        h = data.loc[cat].to_numpy(float)
        color = category_color(b, str(cat))
        bars = ax.bar(x, h, 0.62, bottom=bottom, color=color, label=str(cat), edgecolor="white", linewidth=0.6,
                      hatch="////" if cat == "other" else None)
        for rect, hi, lo, tot in zip(bars, h, bottom, data.sum(axis=0)):
            if hi >= 0.07 * top:  # share printed inside segments tall enough to hold it
                ax.text(rect.get_x() + rect.get_width() / 2, lo + hi / 2, f"{_fmt(100 * hi / tot, 2)}%",
                        ha="center", va="center", fontsize="x-small", color=_text_color(color))
        bottom += h
    for xi, t, tot in zip(x, bottom, totals):  # the total in its unit above each bar
        ax.annotate(_fmt_si(float(tot), unit), (xi, t), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize="small", fontweight="bold")
    ax.set_ylim(0, (float(bottom.max()) if bottom.max() > 0 else 1.0) * 1.12)
    names = list(tables)
    tilt = n * max(len(k) for k in names) > (20 if narrow else 24)
    ax.set_xticks(x, names, rotation=25 if tilt else 0, ha="right" if tilt else "center", rotation_mode="anchor")
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.6 if n > 1 else -0.8, n - 0.4 if n > 1 else 0.8)
    ax.grid(True, axis="y")
    ax.set_title(f"{mname} by {_TITLES.get(b, b)}", loc="left", fontsize="medium")
    hs, ls = ax.get_legend_handles_labels()
    ax.legend(hs[::-1], ls[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
              handlelength=1.0, labelspacing=0.3, title=_TITLES.get(b, b))
    return small


def breakdown(reports, metric: str = "latency", by: str | Sequence[str] = ("kind", "bound"), *,
              normalize: bool = False, other_below: float = 0.02, title: str | None = None,
              figsize: tuple[float, float] | None = None) -> Figure:
    """Stacked bars of ``metric`` ("latency" or "energy"), one bar per design side by
    side, one panel per grouping in ``by`` ("kind", "bound", or for energy
    "component" = MAC / scratchpad / accumulator / L2 / DRAM / nonlinear / CPU / static).

    ``reports``: a Report, a dict name -> Report, or a list of Reports (named by
    their hardware). Absolute values use one SI unit per panel (e.g. ms); the
    total is printed above each bar with its unit ("4.77 s"), and each segment
    of >= 7 % of the bar carries its share. ``normalize=True`` plots shares in
    percent. Categories below ``other_below`` (a fraction; 0 keeps all) in every
    design are merged into a hatched "other" segment, named in a note under the
    panel. Colours: one per op kind / bound / component in every figure
    (:mod:`accelmodel.plots.palette`). Segments stack largest-first from the
    bottom; the legend lists them top-down as they appear.
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be 'latency' or 'energy', got {metric!r}")
    if not 0.0 <= other_below < 1.0:
        raise ValueError(f"other_below must be a fraction in [0, 1), got {other_below!r}")
    named = _named_reports(reports)
    bys = [by] if isinstance(by, str) else list(by)
    n = len(named)
    size = figsize or figure_size((max(1.5, 0.9 + 0.7 * n) + 1.6) * len(bys), 3.4, min_height=2.4)
    narrow = is_narrow(size)
    if figsize is None and narrow and len(bys) > 1:  # stacked panels in one column
        size = (size[0], size[1] * len(bys) * 0.8)
    with style():
        fig = make_figure(*size)
        grid = (len(bys), 1) if narrow else (1, len(bys))
        axes = fig.subplots(*grid, squeeze=False).ravel()
        for ax, b in zip(axes, bys):
            tables = {name: _breakdown_table(r, b, metric) for name, r in named.items()}
            small = _panel(ax, tables, b, metric, normalize, other_below, narrow)
            if small:
                tilted = any(lbl.get_rotation() for lbl in ax.get_xticklabels())
                ax.annotate(f"other (< {_fmt(100 * other_below)}% each):\n{', '.join(small)}", (0.0, 0.0),
                            xycoords="axes fraction", xytext=(0, -48 if tilted else -24), textcoords="offset points",
                            fontsize="x-small", color=MUTED_TEXT, va="top", ha="left")
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize="medium")
    return fig


def latency_breakdown(reports, by: str | Sequence[str] = ("kind", "bound"), **kwargs) -> Figure:
    """:func:`breakdown` of latency (stacked by op kind and by bound, designs side by side)."""
    return breakdown(reports, "latency", by, **kwargs)


def energy_breakdown(reports, by: str | Sequence[str] = ("kind", "component"), **kwargs) -> Figure:
    """:func:`breakdown` of energy, by op kind and by component (MAC, SRAMs, L2, DRAM,
    nonlinear units, host CPU, static) unless ``by`` says otherwise (``"bound"`` works too)."""
    return breakdown(reports, "energy", by, **kwargs)
