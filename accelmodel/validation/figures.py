"""Figures of the validation: accelmodel vs SCALE-Sim (parity, speed) and the
survey's case study. Each function takes the data (a comparison DataFrame from
:func:`~accelmodel.validation.scalesim_compare.run_comparison`, or a
:class:`~accelmodel.validation.case_study.CaseStudy`) and returns a Figure in the
house style of :mod:`accelmodel.plots`; saving is the caller's choice
(:func:`write_figures` saves them all as PNG).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .. import plots
from ..plots import OKABE_ITO, kind_color, new_figure, style

_ARRAY_COLORS = {8: OKABE_ITO[0], 16: OKABE_ITO[1], 32: OKABE_ITO[3]}
_DF_MARKERS = {"WS": "o", "OS": "s"}
_TARGET = "0.2"


def _array_color(r: int) -> str:
    return _ARRAY_COLORS.get(int(r), OKABE_ITO[4])


def _legend_handles(df: pd.DataFrame, open_label: str | None = None) -> list[Line2D]:
    hs = [Line2D([], [], ls="", marker="o", color=_array_color(r), label=f"{r}x{r}")
          for r in sorted(df["rows"].unique())]
    hs += [Line2D([], [], ls="", marker=_DF_MARKERS[d], color="0.35", label=d) for d in ("WS", "OS")
           if d in set(df["dataflow"])]
    if open_label:
        hs.append(Line2D([], [], ls="", marker="o", mfc="none", color="0.35", label=open_label))
    return hs


def _scatter(ax, df: pd.DataFrame, x: str, y: str, hollow: pd.Series | None = None) -> None:
    for (r, d), g in df.groupby(["rows", "dataflow"]):
        c, mk = _array_color(r), _DF_MARKERS.get(d, "D")
        h = np.zeros(len(g), bool) if hollow is None else hollow.loc[g.index].to_numpy(bool)
        ax.scatter(g.loc[~h, x], g.loc[~h, y], s=22, marker=mk, color=c, edgecolors="white", linewidths=0.4,
                   zorder=3)
        if h.any():
            ax.scatter(g.loc[h, x], g.loc[h, y], s=26, marker=mk, facecolors="none", edgecolors=c, linewidths=1.1,
                       zorder=3)


def _pct(v, _pos=None) -> str:
    return f"{v:.10g}%"


def parity(df: pd.DataFrame, *, tol: float = 0.02) -> Figure:
    """Left: accelmodel's mapped compute cycles vs SCALE-Sim's reported compute
    cycles (log-log, one point per GEMM x array x dataflow; hollow = accelmodel's
    tiling splits M, so the two do not model the same thing). Right: relative
    error in percent (log scale; every error is positive) with the 2% target."""
    with style():
        fig = new_figure(8.4, 3.6)
        a1, a2 = fig.subplots(1, 2)
        hollow = ~df["same_model"].astype(bool)
        _scatter(a1, df, "ss_compute_cycles", "am_compute_cycles", hollow)
        lo = float(min(df["ss_compute_cycles"].min(), df["am_compute_cycles"].min())) * 0.7
        hi = float(max(df["ss_compute_cycles"].max(), df["am_compute_cycles"].max())) * 1.4
        a1.plot([lo, hi], [lo, hi], ls="--", color="0.5", lw=0.9, zorder=1)
        a1.set_xscale("log")
        a1.set_yscale("log")
        a1.set_xlim(lo, hi)
        a1.set_ylim(lo, hi)
        a1.set_aspect("equal")
        a1.set_xlabel("SCALE-Sim compute cycles")
        a1.set_ylabel("accelmodel compute cycles")
        a1.grid(True, which="major")
        a1.set_title("Compute cycles, same GEMM", loc="left")
        a1.legend(handles=_legend_handles(df, "M tiled by\naccelmodel"), loc="upper left", handletextpad=0.2,
                  borderaxespad=0.3)

        err = df["rel_error_compute"].to_numpy(float) * 100.0
        d2 = df.assign(err_pct=np.maximum(err, 1e-6))
        _scatter(a2, d2, "ss_compute_cycles", "err_pct", hollow)
        a2.axhline(tol * 100, color=_TARGET, ls="--", lw=0.9)
        a2.annotate(f"{tol:.0%} target", (1.0, tol * 100), xycoords=("axes fraction", "data"), xytext=(-2, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=7, color=_TARGET)
        x = np.logspace(np.log10(lo), np.log10(hi), 50)
        a2.plot(x, 100.0 / (x), color="0.5", lw=0.8, ls=":")
        xa = float(np.sqrt(lo * 2 * lo))
        a2.annotate("+1 cycle: SCALE-Sim reports\nits trace length minus one", (xa, 100.0 / xa), xytext=(0.04, 0.06),
                    textcoords="axes fraction", fontsize=7, color="0.35", ha="left", va="bottom",
                    arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.7})
        a2.set_xscale("log")
        a2.set_yscale("log")
        a2.set_xlim(lo, hi)
        a2.yaxis.set_major_formatter(FuncFormatter(_pct))
        a2.set_xlabel("SCALE-Sim compute cycles")
        a2.set_ylabel("accelmodel error vs SCALE-Sim")
        a2.grid(True, which="major")
        a2.set_title("Relative error of compute cycles", loc="left")
    return fig


def speed(df: pd.DataFrame, *, target: float = 1000.0) -> Figure:
    """Left: wall time per GEMM of both tools against the SCALE-Sim trace length.
    Right: speed ratio (SCALE-Sim / accelmodel) with the 1,000x target."""
    with style():
        fig = new_figure(8.4, 3.4)
        a1, a2 = fig.subplots(1, 2)
        L = df["ss_array_cycles"].to_numpy(float)
        a1.scatter(L, df["ss_wall_s"], s=16, color=OKABE_ITO[7], marker="^", label="SCALE-Sim", zorder=3,
                   edgecolors="white", linewidths=0.3)
        a1.scatter(L, df["am_wall_s"], s=16, color=OKABE_ITO[4], marker="D", label="accelmodel", zorder=3,
                   edgecolors="white", linewidths=0.3)
        a1.set_xscale("log")
        a1.set_yscale("log")
        a1.set_xlabel("GEMM size: SCALE-Sim trace length (cycles)")
        a1.set_ylabel("Wall time per GEMM (s)")
        a1.grid(True, which="major")
        a1.legend(loc="center right")
        a1.set_title("Run time per GEMM", loc="left")
        _scatter(a2, df.assign(L=L), "L", "speed_ratio")
        a2.axhline(target, color=_TARGET, ls="--", lw=0.9)
        a2.annotate(f"{target:,.0f}x target", (1.0, target), xycoords=("axes fraction", "data"), xytext=(-2, -3),
                    textcoords="offset points", fontsize=7, color=_TARGET, ha="right", va="top")
        a2.set_xscale("log")
        a2.set_yscale("log")
        a2.set_xlabel("GEMM size: SCALE-Sim trace length (cycles)")
        a2.set_ylabel("SCALE-Sim time / accelmodel time")
        a2.grid(True, which="major")
        a2.legend(handles=_legend_handles(df), loc="upper left", ncols=2, columnspacing=0.8, handletextpad=0.2)
        a2.set_title("Speed ratio", loc="left")
    return fig


def shares(cs) -> Figure:
    """FLOPs share vs latency share per op kind, baseline vs I-BERT (finding 1 and 3)."""
    reps = {f"baseline: {cs.reports['baseline'].hw.name}": cs.reports["baseline"],
            f"I-BERT: {cs.reports['ibert'].hw.name}": cs.reports["ibert"]}
    return plots.flops_vs_latency(reps, title="BERT-base, sequence 512: share of FLOPs vs share of latency")


def memory_heatmap(cs) -> Figure:
    """Matmul utilisation over scratchpad x accumulator capacity (finding 2)."""
    g = cs.memory_grid.copy()
    fig = plots.heatmap(g, x="accumulator_kib", y="scratchpad_kib", value="matmul_utilization", digits=3,
                        title="BERT-base s512 on gemmini_default:\nmatmul utilisation", figsize=(4.6, 3.4))
    ax = fig.axes[0]
    xs = sorted(g["accumulator_kib"].unique())
    ys = sorted(g["scratchpad_kib"].unique())
    with style():
        for (sp, ac), label in (((256, 64), "baseline"), ((64, 256), "rebalanced")):
            if sp in ys and ac in xs:
                j, i = xs.index(ac), ys.index(sp)
                ink = "white" if label == "baseline" else "black"
                ax.add_patch(Rectangle((j - 0.47, i - 0.47), 0.94, 0.94, fill=False, ec=ink, lw=1.4, ls="--"))
                ax.text(j, i - 0.28, label, ha="center", va="center", fontsize=7, color=ink)
    return fig


def ibert_breakdown(cs) -> Figure:
    """Latency by op kind: baseline, baseline + I-BERT units, the I-BERT build;
    absolute (left, with the speedup over the baseline) and in shares (right)."""
    names = {"baseline": "baseline\n(CPU offload)", "ibert_units_only": "+ I-BERT units\n(64 KiB acc.)",
             "ibert": "I-BERT build\n(128 KiB acc.)"}
    tables = {lab: cs.reports[k].ops.groupby("kind")["latency_s"].sum() for k, lab in names.items()}
    t = pd.DataFrame(tables).fillna(0.0)
    t = t.loc[t.sum(axis=1).sort_values(ascending=False).index]
    totals = t.sum(axis=0)
    base = float(totals.iloc[0])
    with style():
        fig = new_figure(8.0, 3.5)
        a1, a2 = fig.subplots(1, 2)
        x = np.arange(t.shape[1])
        for ax, data, ylabel in ((a1, t, "Latency (s)"), (a2, t / totals * 100.0, "Share of latency (%)")):
            bottom = np.zeros(t.shape[1])
            for kind in data.index:
                h = data.loc[kind].to_numpy(float)
                ax.bar(x, h, 0.62, bottom=bottom, color=kind_color(kind), label=kind, edgecolor="white",
                       linewidth=0.5)
                bottom += h
            ax.set_xticks(x, list(t.columns))
            ax.set_ylabel(ylabel)
            ax.grid(True, axis="y")
        for xi, tot in zip(x, totals):
            lab = f"{tot:.3g} s" if xi == 0 else f"{tot:.3g} s\n{base / tot:.1f}x faster"
            a1.annotate(lab, (xi, tot), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                        fontsize=7.5)
        a1.set_ylim(0, base * 1.15)
        a1.set_title("Latency by op kind", loc="left")
        a2.set_ylim(0, 100)
        a2.set_title("Share of latency", loc="left")
        hs, ls = a2.get_legend_handles_labels()
        a2.legend(hs[::-1], ls[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), title="op kind",
                  handlelength=1.0, labelspacing=0.3)
        fig.suptitle("BERT-base, sequence 512: removing the host-CPU offload", x=0.01, ha="left", fontweight="bold")
    return fig


def latency_trend(cs) -> Figure:
    """Left: latency vs sequence length (log-log) on survey_analytical; hollow
    markers where learned positions were extended.
    Right: the log-log slope between consecutive lengths."""
    tr = cs.trend
    colors = dict(zip(tr["model"].unique(), (OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[3], OKABE_ITO[4])))
    markers = dict(zip(tr["model"].unique(), ("o", "s", "^", "D")))
    styles = dict(zip(tr["model"].unique(), ("-", "-", "--", "-.")))
    seqs = np.sort(tr["seq_len"].unique())
    with style():
        fig = new_figure(8.4, 3.5)
        a1, a2 = fig.subplots(1, 2)
        for mdl, g in tr.groupby("model", sort=False):
            g = g.sort_values("seq_len")
            c, mk = colors[mdl], markers[mdl]
            a1.plot(g["seq_len"], g["latency_s"], color=c, lw=1.3, ls=styles[mdl], label=mdl)
            ext = g["positions_extended"].to_numpy(bool)
            a1.scatter(g["seq_len"][~ext], g["latency_s"][~ext], color=c, marker=mk, s=22, zorder=3)
            a1.scatter(g["seq_len"][ext], g["latency_s"][ext], facecolors="white", edgecolors=c, marker=mk, s=24,
                       linewidths=1.1, zorder=3)
            mid = np.sqrt(g["seq_len"].to_numpy()[1:] * g["seq_len"].to_numpy()[:-1])
            a2.plot(mid, g["slope"].to_numpy()[1:], color=c, marker=mk, ls=styles[mdl], label=mdl)
        for ax in (a1, a2):
            ax.set_xscale("log", base=2)
            ax.set_xticks(seqs, [str(int(s)) for s in seqs])
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.xaxis.set_minor_locator(LogLocator(base=2, subs=()))
            ax.set_xlabel("Sequence length (tokens)")
            ax.grid(True, which="major")
        a1.set_yscale("log")
        a1.set_ylabel("Latency (s)")
        a1.set_title("Prefill latency on survey_analytical", loc="left")
        handles, labels = a1.get_legend_handles_labels()
        handles.append(Line2D([], [], ls="", marker="o", mfc="white", color="0.35"))
        labels.append("positions extended")
        a1.legend(handles, labels, loc="upper left")
        for p, what in ((1, "linear in l"), (2, "quadratic in l")):
            a2.axhline(p, color="0.55", lw=0.8, ls=":")
            a2.annotate(what, (1.0, p), xycoords=("axes fraction", "data"), xytext=(-2, -3 if p == 2 else 3),
                        textcoords="offset points", ha="right", va="top" if p == 2 else "bottom", fontsize=7,
                        color="0.4")
        a2.set_ylim(0.8, 2.1)
        a2.set_ylabel("log-log slope between lengths")
        a2.set_title("Growth exponent", loc="left")
        a2.legend(loc="upper left")
    return fig


def case_study_figures(cs) -> dict[str, Figure]:
    """The case-study figures by file stem."""
    return {"case_study_flops_vs_latency": shares(cs), "case_study_memory_heatmap": memory_heatmap(cs),
            "case_study_ibert_breakdown": ibert_breakdown(cs), "case_study_latency_vs_seq": latency_trend(cs)}


def comparison_figures(df: pd.DataFrame) -> dict[str, Figure]:
    """The SCALE-Sim comparison figures by file stem."""
    return {"scalesim_parity": parity(df), "scalesim_speed": speed(df)}


def write_figures(figs: dict[str, Figure], out_dir: str | Path, dpi: int = 160) -> list[Path]:
    """Save each figure as ``<out_dir>/<stem>.png``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, fig in figs.items():
        p = out / f"{stem}.png"
        fig.savefig(p, dpi=dpi)
        paths.append(p)
    return paths
