"""Study figures: sparsity (speedup / energy saving vs pruning ratio) and nonlinear units
(accuracy vs power)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .labels import _check_columns, column_label
from .palette import MUTED_TEXT, SERIES_MARKERS, function_color, series_color
from .style import figure_size, make_figure, style


def sparsity_curves(df: pd.DataFrame, *, quality: str | None = None, quality_label: str | None = None,
                    title: str | None = None, figsize: tuple[float, float] | None = None) -> Figure:
    """Speedup and energy saving versus pruning ratio, one line per pattern.

    Expected columns (one row per pattern and ratio):

    - ``pattern``: str, the pruning pattern (``unstructured``, ``2:4``, ``block``,
      ``vector``, ``head``, ...);
    - ``ratio``: float in [0, 1), fraction of weights pruned;
    - ``speedup``: dense latency / sparse latency (x; 1 = no gain);
    - ``energy_saving``: 1 - sparse energy / dense energy (fraction; plotted in %);
    - optional quality column named by ``quality`` (e.g. ``bert_squad_f1``,
      ``gpt2_wikitext2_ppl``): drawn dashed on a second y axis of the speedup
      panel, labelled ``quality_label`` (default: from the column name).

    Left panel: speedup (solid) [+ quality (dashed, right axis)]; right panel:
    energy saving. Each pattern keeps one colour and marker in both panels.
    """
    need = ["pattern", "ratio", "speedup", "energy_saving"] + ([quality] if quality else [])
    _check_columns(df, need, "sparsity_curves")
    d = df.sort_values(["pattern", "ratio"])
    patterns = list(dict.fromkeys(df["pattern"].astype(str)))
    with style():
        fig = make_figure(*(figsize or figure_size(8.0, 3.4, min_height=2.6)))
        ax1, ax2 = fig.subplots(1, 2)
        axq = ax1.twinx() if quality else None
        if axq is not None:
            axq.spines["right"].set_visible(True)
        handles = []
        for i, pat in enumerate(patterns):
            g = d[d["pattern"].astype(str) == pat]
            c = series_color(i)
            mk = SERIES_MARKERS[i % len(SERIES_MARKERS)]
            r = g["ratio"].to_numpy(float) * 100.0
            (ln,) = ax1.plot(r, g["speedup"].to_numpy(float), marker=mk, color=c, label=pat)
            ln.set_gid(f"speedup|{pat}")
            (ln2,) = ax2.plot(r, g["energy_saving"].to_numpy(float) * 100.0, marker=mk, color=c, label=pat)
            ln2.set_gid(f"energy|{pat}")
            handles.append(ln)
            if axq is not None:
                q = g[quality].to_numpy(float)
                ok = np.isfinite(q)
                if ok.any():
                    (lq,) = axq.plot(r[ok], q[ok], ls="--", lw=1.1, marker=mk, mfc="white", color=c, alpha=0.9)
                    lq.set_gid(f"quality|{pat}")
        ax1.axhline(1.0, color="0.4", lw=0.7, ls=":")
        ax2.axhline(0.0, color="0.4", lw=0.7, ls=":")
        for ax in (ax1, ax2):
            ax.set_xlabel("Pruning ratio (% of weights)")
            ax.grid(True)
        ax1.set_ylabel("Speedup over dense (\u00d7)")
        ax2.set_ylabel("Energy saving vs dense (%)")
        ax1.set_title("Speedup and quality" if quality else "Speedup", loc="left", fontsize="medium")
        ax2.set_title("Energy", loc="left", fontsize="medium")
        if axq is not None:
            axq.set_ylabel(quality_label or column_label(str(quality)))
            axq.grid(False)
        header = Line2D([], [], linestyle="none", marker="")
        hs, ls = [header, *handles], ["pattern", *patterns]
        if axq is not None:
            hs += [header, Line2D([], [], color="0.3"), Line2D([], [], color="0.3", ls="--", marker="o", mfc="white")]
            ls += ["line", "speedup (left axis)", f"{quality_label or column_label(str(quality))} (right axis)"]
        leg = fig.legend(hs, ls, loc="outside right upper", handlelength=1.8)
        for t in leg.get_texts():
            if t.get_text() in ("pattern", "line"):
                t.set_fontweight("bold")
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize="medium")
    return fig


# ---------------------------------------------------------------------------
# nonlinear units: accuracy vs power
# ---------------------------------------------------------------------------


def nonlinear_accuracy_power(df: pd.DataFrame, *, error: str | None = None, logx: bool = False,
                             title: str | None = None, figsize: tuple[float, float] | None = None) -> Figure:
    """Accuracy versus power of nonlinear-function units, one point per unit.

    Expected columns:

    - ``unit``: str, the unit's label (``LUT softmax``, ``CORDIC softmax``, ``cross-road``, ...);
    - ``function``: str, what it computes (``softmax``, ``gelu``, ``silu``, ...): the marker, and the
      colour of the op kind that computes it (softmax, activation, layernorm, ...; one colour per
      kind in every figure);
    - ``mae`` (mean absolute error vs float) or ``rel_error`` (relative error): the y axis,
      log scale; ``error=`` picks one if both are present;
    - ``power_mw``: power in mW: the x axis.

    Lower-left is better (less error for less power); each point is labelled with its unit.
    """
    err = error or ("mae" if "mae" in df.columns else "rel_error")
    _check_columns(df, ["unit", "function", err, "power_mw"], "nonlinear_accuracy_power")
    funcs = list(dict.fromkeys(df["function"].astype(str)))
    with style():
        fig = make_figure(*(figsize or figure_size(5.6, 3.8, min_height=2.4)))
        ax = fig.add_subplot()
        for i, fn in enumerate(funcs):
            g = df[df["function"].astype(str) == fn]
            sc = ax.scatter(g["power_mw"].to_numpy(float), g[err].to_numpy(float), s=44,
                            marker=SERIES_MARKERS[i % len(SERIES_MARKERS)],
                            color=function_color(fn),
                            edgecolors="black", linewidths=0.4, label=fn, zorder=3)
            sc.set_gid(f"units|{fn}")
            for xv, yv, t in zip(g["power_mw"], g[err], g["unit"].astype(str)):
                ax.annotate(t, (xv, yv), xytext=(5, 3), textcoords="offset points", fontsize="x-small", color="0.2")
        ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        else:
            ax.set_xlim(0, float(df["power_mw"].max()) * 1.25)
        ax.margins(y=0.2)
        ax.set_xlabel("Power (mW)")
        ax.set_ylabel("Mean absolute error vs float" if err == "mae" else "Relative error vs float")
        ax.grid(True, which="major")
        ax.text(1.0, -0.13, "lower-left is better", transform=ax.transAxes, ha="right", va="top", fontsize="x-small",
                color=MUTED_TEXT)
        ax.legend(loc="upper right", title="function")
        if title:
            ax.set_title(title, loc="left", fontsize="medium")
    return fig

