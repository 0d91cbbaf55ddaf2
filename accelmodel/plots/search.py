"""Design-search figures: the front found (with every evaluated design behind it),
its convergence (hypervolume per generation), and sensitivity bars (tornado)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .labels import _check_columns, _scaled
from .palette import DOMINATED, OKABE_ITO
from .style import figure_size, make_figure, style


def search_front(history: pd.DataFrame, pareto: pd.DataFrame, objectives: Mapping[str, str] | list[str], *,
                 title: str | None = None) -> Figure:
    """The first two objectives of every design the search evaluated (grey: feasible,
    light crosses: infeasible) and of its Pareto set (coloured by the third objective
    when there is one). Log axes (objectives span decades)."""
    objs = list(objectives)
    _check_columns(history, objs, "search_front")
    _check_columns(pareto, objs, "search_front")
    x, y = objs[0], objs[1]
    fx, lx = _scaled(x, history[x].dropna())
    fy, ly = _scaled(y, history[y].dropna())
    feas = history["feasible"].to_numpy(bool) if "feasible" in history else np.ones(len(history), bool)
    with style():
        fig = make_figure(*figure_size(5.6, 4.0, min_height=2.4))
        ax = fig.add_subplot()
        hx, hy = history[x].to_numpy(float) / fx, history[y].to_numpy(float) / fy
        ax.scatter(hx[feas], hy[feas], s=10, color=DOMINATED, linewidths=0, label=f"evaluated ({int(feas.sum())})",
                   zorder=2).set_gid("evaluated")
        if (~feas).any():
            ax.scatter(hx[~feas], hy[~feas], s=10, marker="x", color=DOMINATED, alpha=0.5, linewidths=0.6,
                       label=f"infeasible ({int((~feas).sum())})", zorder=1).set_gid("infeasible")
        px, py = pareto[x].to_numpy(float) / fx, pareto[y].to_numpy(float) / fy
        if len(objs) > 2:
            z = pareto[objs[2]].to_numpy(float)
            fz, lz = _scaled(objs[2], z)
            sc = ax.scatter(px, py, s=26, c=z / fz, cmap="viridis", edgecolors="black", linewidths=0.4,
                            label=f"Pareto set ({len(pareto)})", zorder=3)
            cb = fig.colorbar(sc, ax=ax, pad=0.02)
            cb.set_label(lz)
            cb.outline.set_visible(False)
        else:
            sc = ax.scatter(px, py, s=26, color=OKABE_ITO[5], edgecolors="black", linewidths=0.4,
                            label=f"Pareto set ({len(pareto)})", zorder=3)
        sc.set_gid("front")
        fin = np.isfinite(hx) & np.isfinite(hy) & feas
        if fin.any() and (hx[fin] > 0).all() and (hy[fin] > 0).all() \
                and hx[fin].max() > 10 * hx[fin].min() and hy[fin].max() > 10 * hy[fin].min():
            ax.set_xscale("log")
            ax.set_yscale("log")
        ax.set_xlabel(lx)
        ax.set_ylabel(ly)
        ax.legend(loc="upper right", frameon=False)
        ax.set_title(title or f"Search front: {', '.join(objs)}")
    return fig


def search_convergence(convergence: pd.DataFrame, *, reference: float | None = None,
                       title: str | None = None) -> Figure:
    """Hypervolume of the feasible front found so far against designs evaluated, one
    marker per generation; ``reference``: a hypervolume to draw as a line (e.g. the exact front's)."""
    _check_columns(convergence, ["evaluations", "hypervolume"], "search_convergence")
    with style():
        fig = make_figure(*figure_size(5.6, 3.4, min_height=2.2))
        ax = fig.add_subplot()
        ax.plot(convergence["evaluations"], convergence["hypervolume"], marker="o", ms=3.5, color=OKABE_ITO[4],
                label="front found so far", zorder=3)[0].set_gid("hypervolume")
        if reference is not None:
            ax.axhline(reference, color="black", lw=0.9, ls="--", label="exact front", zorder=2)
        ax.set_xlabel("designs evaluated")
        ax.set_ylabel("hypervolume (normalised)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right", frameon=False)
        ax.set_title(title or "Search convergence (one marker per generation)")
    return fig


def sensitivity_bars(indices: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Tornado chart of sensitivity indices: one panel per output, parameters sorted by
    their total index (``ST``, Sobol) or ``mu_star`` (Morris, normalised to the largest);
    first-order ``S1`` drawn inside the total bar where present."""
    _check_columns(indices, ["output", "parameter"], "sensitivity_bars")
    total = "ST" if "ST" in indices else "mu_star_norm"
    outputs = list(dict.fromkeys(indices["output"]))
    n_par = indices["parameter"].nunique()
    with style():
        fig = make_figure(*figure_size(3.0 * len(outputs) + 1.2, 0.9 + 0.32 * n_par, min_height=2.2))
        axes = fig.subplots(1, len(outputs), sharey=False, squeeze=False)[0]
        for ax, out in zip(axes, outputs):
            d = indices[indices["output"] == out].sort_values(total)
            yy = np.arange(len(d))
            ax.barh(yy, d[total].clip(lower=0), color=OKABE_ITO[1], height=0.7,
                    label="total (ST)" if total == "ST" else "mu* / max")[0].set_gid(f"total-{out}")
            if "S1" in d:
                ax.barh(yy, d["S1"].clip(lower=0), color=OKABE_ITO[4], height=0.35, label="first order (S1)")
            if "ST_conf" in d:
                ax.errorbar(d["ST"].clip(lower=0), yy, xerr=d["ST_conf"], fmt="none", ecolor="black", lw=0.7)
            ax.set_yticks(yy, d["parameter"])
            ax.set_xlim(0, max(1.0, float(d[total].max()) * 1.05))
            ax.set_xlabel("share of variance" if total == "ST" else "elementary effect (relative)")
            ax.set_title(out)
        axes[0].legend(loc="lower right", frameon=False)
        if title:
            fig.suptitle(title)
    return fig
