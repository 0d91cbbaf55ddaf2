"""Sweep figures: heatmap over two axes, metrics against one axis, Pareto fronts."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from ..pareto import nondominated
from .labels import _check_columns, _fmt, _name_and_unit, _scaled, column_label
from .palette import CEILING, DOMINATED, SERIES_MARKERS, series_color
from .style import figure_size, make_figure, style


def heatmap(df: pd.DataFrame, x: str, y: str, value: str, *, agg: str | None = None, log: bool = False,
            cmap: str = "viridis", annotate: bool = True, digits: int = 3, title: str | None = None,
            figsize: tuple[float, float] | None = None) -> Figure:
    """Heatmap of ``value`` over two sweep axes: columns ``x`` and ``y`` of ``df``.

    Cells are ``df.pivot_table(index=y, columns=x, values=value)`` with axis
    values sorted ascending (y grows upwards). Each (x, y) pair must occur once
    unless ``agg`` ("min", "mean", "max", "median") says how to combine the
    rows of other sweep axes. Cells are annotated with the value in the
    colour-bar's unit; ``log=True`` uses a logarithmic colour scale.
    """
    _check_columns(df, [x, y, value], "heatmap")
    if agg is None and df.duplicated([x, y]).any():
        raise ValueError(f"heatmap: several rows share the same ({x}, {y}); filter the other sweep axes "
                         "first or pass agg='min'|'mean'|'max'|'median'")
    piv = df.pivot_table(index=y, columns=x, values=value, aggfunc=agg or "first", dropna=False)
    piv = piv.sort_index(axis=0).sort_index(axis=1)
    vals = piv.to_numpy(float)
    f, label = _scaled(value, vals)
    shown = vals / f
    ny, nx = shown.shape
    size = figsize or figure_size(min(1.6 + 0.85 * nx, 10.0) + 1.2, min(1.2 + 0.55 * ny, 8.0))
    with style():
        fig = make_figure(*size)
        ax = fig.add_subplot()
        fin = shown[np.isfinite(shown)]
        norm: Normalize
        if log and fin.size and (fin > 0).all():
            norm = LogNorm(vmin=fin.min(), vmax=fin.max())
        else:
            norm = Normalize(vmin=fin.min() if fin.size else 0, vmax=fin.max() if fin.size else 1)
        im = ax.imshow(shown, origin="lower", aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
        im.set_gid("heatmap")
        ax.set_xticks(np.arange(nx), [_fmt(float(v), 4) if isinstance(v, (int, float, np.number)) else str(v)
                                      for v in piv.columns])
        ax.set_yticks(np.arange(ny), [_fmt(float(v), 4) if isinstance(v, (int, float, np.number)) else str(v)
                                      for v in piv.index])
        ax.set_xlabel(column_label(x))
        ax.set_ylabel(column_label(y))
        ax.spines[:].set_visible(False)
        ax.grid(False)
        ax.tick_params(length=0)
        cb = fig.colorbar(im, ax=ax, pad=0.02)
        cb.set_label(label)
        cb.outline.set_visible(False)
        if annotate and nx * ny <= 400:
            cm = mpl.colormaps[cmap]
            for i in range(ny):
                for j in range(nx):
                    v = shown[i, j]
                    if not np.isfinite(v):
                        continue
                    r, g, b = to_rgb(cm(norm(v)))
                    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
                    ax.text(j, i, _fmt(v, digits), ha="center", va="center", fontsize="x-small",
                            color="black" if lum > 0.5 else "white")
        if title:
            ax.set_title(title, loc="left", fontsize="medium")
    return fig


# ---------------------------------------------------------------------------
# metric vs one sweep axis
# ---------------------------------------------------------------------------


def sweep_lines(df: pd.DataFrame, x: str, y: str | Sequence[str], *, hue: str | None = None,
                logx: bool = False, logy: bool = False, title: str | None = None,
                figsize: tuple[float, float] | None = None) -> Figure:
    """Line plot of one or more metrics against one sweep axis.

    ``df`` has a row per design point; ``x`` is the swept column (``kv_len``,
    ``seq_len``, ``dram.bandwidth_gbps``, ...); ``y`` one metric column or a
    list of them (one panel each, side by side); ``hue`` an optional column
    giving one line per value (e.g. ``dtypes.weight_bits``). Rows are sorted
    by ``x``; axis labels carry the units found in the column names.
    """
    ys = [y] if isinstance(y, str) else list(y)
    _check_columns(df, [x, *ys] + ([hue] if hue else []), "sweep_lines")
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
    size = figsize or figure_size(3.6 * len(ys) + (1.2 if hue else 0.4), 3.2)
    fx, lx = _scaled(x, df[x])
    with style():
        fig = make_figure(*size)
        axes = fig.subplots(1, len(ys), squeeze=False)[0]
        for ax, col in zip(axes, ys):
            fy, ly = _scaled(col, df[col])
            for i, (val, g) in enumerate(groups):
                g = g.sort_values(x)
                c = series_color(i)
                shown = _fmt(float(val)) if isinstance(val, (int, float, np.number)) else str(val)
                hue_label = None if hue is None else shown
                (ln,) = ax.plot(g[x].to_numpy(float) / fx, g[col].to_numpy(float) / fy, marker=SERIES_MARKERS[
                    i % len(SERIES_MARKERS)], color=c, label=hue_label)
                ln.set_gid(f"{col}|{hue_label}")
            if logx:
                ax.set_xscale("log")
            if logy:
                ax.set_yscale("log")
            xs = np.unique(df[x].to_numpy(float)) / fx
            if xs.size <= 10:  # few sweep points: tick exactly at them, in plain numbers
                ax.set_xticks(xs, [_fmt(v, 4) for v in xs])
                ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xlabel(lx)
            ax.set_ylabel(ly)
            ax.grid(True)
        if hue is not None:
            fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", title=column_label(hue))
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize="medium")
    return fig


# ---------------------------------------------------------------------------
# Pareto
# ---------------------------------------------------------------------------


def front_mask(df: pd.DataFrame, cols: Sequence[str], minimize: bool | Sequence[bool] = True) -> np.ndarray:
    """Boolean array: which rows of ``df`` are on the Pareto front of ``cols``.

    A row is on the front if no other row is at least as good in every column
    and strictly better in one; identical rows are all kept. ``minimize`` is one
    flag or one per column (False = maximise). Rows with NaN are never on the
    front (:func:`accelmodel.pareto.nondominated`).
    """
    cols = list(cols)
    _check_columns(df, cols, "front_mask")
    flags = [minimize] * len(cols) if isinstance(minimize, (bool, np.bool_)) else list(minimize)
    if len(flags) != len(cols):
        raise ValueError("minimize: give one flag or one per column")
    return nondominated(df[cols].to_numpy(float) * np.where(flags, 1.0, -1.0))


def pareto(df: pd.DataFrame, x: str, y: str, *, minimize: bool | Sequence[bool] = True,
           mask: np.ndarray | str | None = None, hue: str | None = None, label: str | None = None,
           logx: bool = False, logy: bool = False, title: str | None = None,
           figsize: tuple[float, float] | None = None) -> Figure:
    """Scatter of two objectives with the Pareto front highlighted.

    ``df`` has one row per design (e.g. a sweep); ``x``, ``y`` are objective
    columns (``latency_s``, ``energy_j``, ``area_mm2``, ...). The front is
    :func:`front_mask` of (x, y) with ``minimize`` (one flag or two), unless
    ``mask`` gives it (a boolean array or the name of a boolean column, e.g. one
    the sweep computed). Dominated designs are grey (or coloured by the ``hue``
    column); front designs are vermillion, joined by a staircase, and labelled
    with the ``label`` column when given.
    """
    _check_columns(df, [x, y] + [c for c in (hue, label) if c], "pareto")
    if mask is None:
        front = front_mask(df, [x, y], minimize)
    elif isinstance(mask, str):
        _check_columns(df, [mask], "pareto")
        front = df[mask].to_numpy(bool)
    else:
        front = np.asarray(mask, dtype=bool)
        if front.shape != (len(df),):
            raise ValueError(f"pareto: mask has shape {front.shape}, expected ({len(df)},)")
    fx, lx = _scaled(x, df[x])
    fy, ly = _scaled(y, df[y])
    xv, yv = df[x].to_numpy(float) / fx, df[y].to_numpy(float) / fy
    with style():
        fig = make_figure(*(figsize or figure_size(5.6, 4.0, min_height=2.4)))
        ax = fig.add_subplot()
        rest = ~front
        if hue is None:
            sc = ax.scatter(xv[rest], yv[rest], s=14, color=DOMINATED, alpha=0.9, linewidths=0,
                            label=f"dominated ({int(rest.sum())})", zorder=2)
            sc.set_gid("dominated")
        else:
            h = df[hue]
            if pd.api.types.is_numeric_dtype(h) and h.nunique() > 8:
                sc = ax.scatter(xv[rest], yv[rest], s=14, c=h.to_numpy(float)[rest], cmap="viridis", alpha=0.8,
                                linewidths=0, zorder=2)
                sc.set_gid("dominated")
                cb = fig.colorbar(sc, ax=ax, pad=0.02)
                cb.set_label(column_label(hue))
                cb.outline.set_visible(False)
            else:
                for k, val in enumerate(pd.unique(h)):
                    sel = rest & (h == val).to_numpy()
                    shown = _fmt(float(val)) if isinstance(val, (int, float, np.number)) else val
                    if sel.any():
                        sc = ax.scatter(xv[sel], yv[sel], s=14, alpha=0.75, linewidths=0, zorder=2,
                                        color=series_color(k),
                                        label=f"{_name_and_unit(hue)[0]} = {shown}")
                        sc.set_gid("dominated")
        order = np.argsort(xv[front], kind="stable")
        fxv, fyv = xv[front][order], yv[front][order]
        flags = [minimize] * 2 if isinstance(minimize, (bool, np.bool_)) else list(minimize)
        # staircase = edge of the dominated region: holds each front point's y until the next one when x is
        # minimised, jumps to the next one's y first when x is maximised
        ax.step(fxv, fyv, where="post" if flags[0] else "pre", color=CEILING, lw=1.0, zorder=3)
        sc = ax.scatter(xv[front], yv[front], s=30, facecolors="white", edgecolors=CEILING, linewidths=1.3,
                        zorder=4, label=f"Pareto front ({int(front.sum())})")
        sc.set_gid("front")
        if label:
            for xi, yi, t in zip(xv[front], yv[front], df.loc[front, label].astype(str)):
                ax.annotate(t, (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize="x-small", color="0.2")
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel(lx)
        ax.set_ylabel(ly)
        ax.grid(True)
        better = ("lower" if flags[0] else "higher", "lower" if flags[1] else "higher")
        ax.legend(loc="best", title=f"better: {better[0]} x, {better[1]} y")
        if title:
            ax.set_title(title, loc="left", fontsize="medium")
    return fig

