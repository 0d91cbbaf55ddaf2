"""Figures: roofline, breakdowns, timeline, heatmap, Pareto, sparsity and nonlinear-unit plots.

Every function takes a :class:`~accelmodel.report.Report` (or several) or a
pandas DataFrame and returns a :class:`matplotlib.figure.Figure`. Nothing here
saves, shows, or touches pyplot's global state: figures are built with the
object-oriented API on an Agg canvas, so they work headless, in scripts, in
tests and in notebooks (a figure that ends a notebook cell displays itself as
PNG). Save with ``fig.savefig("name.pdf")`` (PNG, PDF and SVG all work).

Style: one publication style (:data:`STYLE`) applied inside each function and
again whenever the figure is drawn or saved, never globally: 9 pt sans-serif
text, the Okabe-Ito colour-blind-safe palette, units on every axis, TrueType
fonts in PDF and real text in SVG (so the vector output stays editable). Op
kinds and bounds keep the same colour and marker in every figure
(:func:`kind_color`, :func:`bound_color`, :func:`bound_marker`).

Reports only: this module reads :class:`Report` objects and DataFrames; it
imports nothing from the CLI or the sweep machinery.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator

from .pareto import nondominated

if TYPE_CHECKING:  # pragma: no cover
    from .report import Report

__all__ = [
    "STYLE", "OKABE_ITO", "style", "kind_color", "bound_color", "bound_marker", "column_label",
    "roofline", "breakdown", "latency_breakdown", "energy_breakdown", "flops_vs_latency", "timeline",
    "heatmap", "sweep_lines", "pareto_mask", "pareto", "sparsity_curves", "nonlinear_accuracy_power",
    "standard_figures", "new_figure", "StyledFigure",
]

# ---------------------------------------------------------------------------
# style
# ---------------------------------------------------------------------------

OKABE_ITO = ("#0072B2", "#D55E00", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe & Ito (2008) colour-blind-safe palette: blue, vermillion, orange, bluish green,
reddish purple, sky blue, yellow, black."""

_EXTRA = ("#999999", "#882255", "#44AA99", "#332288", "#DDCC77", "#117733")
"""Paul Tol's colour-blind-safe extras for categories beyond the eight Okabe-Ito colours."""

STYLE: dict = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
    "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "axes.axisbelow": True,
    "axes.titleweight": "bold",
    "grid.linewidth": 0.5,
    "grid.alpha": 0.35,
    "lines.linewidth": 1.6,
    "lines.markersize": 5,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "pdf.fonttype": 42,  # TrueType: text stays text in PDF
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # real <text> in SVG
}
"""The rcParams every figure here is built, drawn and saved with."""


@contextmanager
def style(**overrides) -> Iterator[None]:
    """Context manager applying :data:`STYLE` (plus ``overrides``) to the rcParams
    for the duration of a ``with`` block; global settings are restored after."""
    with mpl.rc_context({**STYLE, **overrides}):
        yield


class StyledFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that draws and saves with :data:`STYLE`
    (rcParams read at draw or save time, such as tick sizes and PDF font type,
    would otherwise come from the caller's global settings), and shows itself as
    PNG in Jupyter without ``%matplotlib inline``."""

    def draw(self, renderer):
        with style():
            return super().draw(renderer)

    def savefig(self, fname, **kwargs):
        with style():
            return super().savefig(fname, **kwargs)

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=110)
        return buf.getvalue()


def _figure(w: float, h: float, layout: str | None = "constrained") -> StyledFigure:
    fig = StyledFigure(figsize=(w, h), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def new_figure(width: float = 5.6, height: float = 3.6) -> StyledFigure:
    """An empty figure in the house style (size in inches, constrained layout),
    for custom plots in notebooks: ``fig = new_figure(); ax = fig.add_subplot()``.
    Create artists inside ``with style():`` so they pick up the fonts and
    palette; drawing and saving apply the style by themselves."""
    with style():
        return _figure(width, height)


_KIND_COLORS = {
    "matmul": OKABE_ITO[0], "softmax": OKABE_ITO[1], "activation": OKABE_ITO[5], "layernorm": OKABE_ITO[4],
    "rmsnorm": _EXTRA[1], "quantize": OKABE_ITO[6], "elementwise": OKABE_ITO[3], "residual": OKABE_ITO[2],
    "rope": _EXTRA[2], "embedding": OKABE_ITO[7],
}
_BOUND_COLORS = {
    "compute": OKABE_ITO[0], "dram": OKABE_ITO[1], "l2": OKABE_ITO[2], "dma": OKABE_ITO[5],
    "nonlinear": OKABE_ITO[3], "vector": OKABE_ITO[6], "cpu": OKABE_ITO[4], "cpu_memory": _EXTRA[1],
    "decompress": _EXTRA[3],
}
_COMPONENT_COLORS = {
    "mac": OKABE_ITO[0], "scratchpad": OKABE_ITO[5], "accumulator": OKABE_ITO[3], "l2": OKABE_ITO[2],
    "dram": OKABE_ITO[1], "nonlinear": _EXTRA[2], "cpu": OKABE_ITO[4], "static": _EXTRA[0],
}
_BOUND_MARKERS = {"compute": "o", "dram": "s", "l2": "^", "dma": "v", "nonlinear": "D", "vector": "P", "cpu": "X",
                  "cpu_memory": "*", "decompress": "h"}
_FALLBACK = (*_EXTRA, *OKABE_ITO)
_FALLBACK_MARKERS = ("h", "<", ">", "p", "d", "8")
_PATTERN_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _stable_pick(name: str, options: Sequence) -> object:
    # a deterministic hash (not Python's salted hash()) so unknown names keep their colour
    return options[sum(ord(c) * (i + 1) for i, c in enumerate(str(name))) % len(options)]


def kind_color(kind: str) -> str:
    """Colour of an op kind (``matmul``, ``softmax``, ...), the same in every figure."""
    return _KIND_COLORS.get(str(kind)) or _stable_pick(kind, _FALLBACK)


def bound_color(bound: str) -> str:
    """Colour of a bound (``compute``, ``dram``, ``cpu``, ...), the same in every figure."""
    return _BOUND_COLORS.get(str(bound)) or _stable_pick(bound, _FALLBACK)


def bound_marker(bound: str) -> str:
    """Scatter marker of a bound in the roofline."""
    return _BOUND_MARKERS.get(str(bound)) or _stable_pick(bound, _FALLBACK_MARKERS)


def _category_color(by: str, name: str) -> str:
    if by == "kind":
        return kind_color(name)
    if by == "bound":
        return bound_color(name)
    if by == "component":
        return _COMPONENT_COLORS.get(name) or _stable_pick(name, _FALLBACK)
    return _stable_pick(name, (*OKABE_ITO[:7], *_EXTRA))


# ---------------------------------------------------------------------------
# units and labels
# ---------------------------------------------------------------------------

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "\u00b5"), (1e-9, "n"),
       (1e-12, "p"))
_SCALABLE = {"s", "J", "B", "FLOP", "FLOP/s", "B/s", "W", "ops/s", "MAC", "tokens/s"}

_KNOWN = {
    "latency_s": ("Latency", "s"), "energy_j": ("Energy", "J"), "dram_bytes": ("DRAM traffic", "B"),
    "l2_bytes": ("L2 traffic", "B"), "flops": ("Work", "FLOP"), "macs": ("MACs", "MAC"),
    "tokens_per_s": ("Throughput", "tokens/s"), "sequences_per_s": ("Throughput", "sequences/s"),
    "energy_per_token_j": ("Energy per token", "J"), "utilization": ("Array utilisation", "fraction"),
    "matmul_utilization": ("Matmul utilisation", "fraction"), "matmul_latency_s": ("Matmul latency", "s"),
    "area_mm2": ("Area", "mm\u00b2"), "power_mw": ("Power", "mW"), "arithmetic_intensity": (
        "Arithmetic intensity", "FLOP/B"), "ratio": ("Pruning ratio", "fraction"),
    "speedup": ("Speedup", "\u00d7"), "energy_saving": ("Energy saving", "fraction"),
    "kv_len": ("KV-cache length", "tokens"), "seq_len": ("Sequence length", "tokens"),
    "mae": ("Mean absolute error", ""), "rel_error": ("Relative error", ""), "edp_js": ("Energy-delay product", "J s"),
}
_SUFFIX_UNITS = (("_per_token_j", "J"), ("_mm2", "mm\u00b2"), ("_kib", "KiB"), ("_mib", "MiB"), ("_gbps", "GB/s"),
                 ("_ghz", "GHz"), ("_mhz", "MHz"), ("_mw", "mW"), ("_pj_per_bit", "pJ/bit"), ("_pj", "pJ"),
                 ("_bytes_per_cycle", "B/cycle"), ("_bytes", "B"), ("_bits", "bit"), ("_cycles", "cycles"),
                 ("_ns", "ns"), ("_us", "\u00b5s"), ("_ms", "ms"), ("_kb", "kB"), ("_mb", "MB"), ("_gb", "GB"),
                 ("_js", "J s"), ("_per_s", "/s"), ("_s", "s"), ("_j", "J"),
                 ("_w", "W"))


_WORDS = {"dram": "DRAM", "l2": "L2", "kv": "KV", "cpu": "CPU", "sram": "SRAM", "macs": "MACs", "mac": "MAC",
          "dma": "DMA", "seq": "sequence", "len": "length", "dtypes": "", "hw": "", "ffn": "FFN", "lut": "LUT",
          "f1": "F1", "ppl": "perplexity", "pct": "%", "bert": "BERT", "squad": "SQuAD",
          "gpt2": "GPT-2", "wikitext2": "WikiText-2", "mmlu": "MMLU", "apr": "APR", "mae": "MAE"}


def _words(base: str) -> str:
    ws = [_WORDS.get(w.lower(), w) for w in base.replace(".", " ").replace("_", " ").split()]
    text = " ".join(w for w in ws if w)
    return text[:1].upper() + text[1:]


def _name_and_unit(col: str) -> tuple[str, str]:
    col = str(col)
    if col in _KNOWN:
        return _KNOWN[col]
    if col.endswith("_bits") and len(col) > 5:
        return _words(col[:-5]) + " precision", "bits"
    for suf, unit in _SUFFIX_UNITS:
        if col.endswith(suf) and len(col) > len(suf):
            return _words(col[: -len(suf)]), unit
    return _words(col), ""


def column_label(col: str, prefix: str = "") -> str:
    """Axis label for a DataFrame column, unit taken from its name: ``latency_s`` ->
    ``Latency (s)``, ``scratchpad_kib`` -> ``Scratchpad (KiB)``, ``l2.bandwidth_bytes_per_cycle``
    -> ``L2 bandwidth (B/cycle)``. ``prefix`` is an SI prefix put before the unit."""
    name, unit = _name_and_unit(col)
    if unit == "fraction":
        return name
    if not unit:
        return name
    return f"{name} ({prefix}{unit})"


def _si_factor(vmax: float) -> tuple[float, str]:
    """(factor, prefix) such that vmax / factor lies in [1, 1000)."""
    if not np.isfinite(vmax) or vmax <= 0:
        return 1.0, ""
    for f, p in _SI:
        if vmax >= f * 0.9995:
            return f, p
    return _SI[-1]


def _scaled(col: str, values) -> tuple[float, str]:
    """Factor to divide ``values`` by and the axis label that goes with it."""
    _, unit = _name_and_unit(col)
    if unit in _SCALABLE:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        f, p = _si_factor(float(np.max(np.abs(v))) if v.size else 0.0)
        return f, column_label(col, p)
    return 1.0, column_label(col)


def _fmt(v: float, digits: int = 3) -> str:
    if not np.isfinite(v):
        return "\u2013"
    if v == 0:
        return "0"
    s = f"{v:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        return f"{m}e{int(e)}"
    return s


def _fmt_si(v: float, unit: str) -> str:
    f, p = _si_factor(abs(v))
    return f"{_fmt(v / f)} {p}{unit}"


# ---------------------------------------------------------------------------
# reports in, names out
# ---------------------------------------------------------------------------


def _report_ops(report) -> pd.DataFrame:
    return report.ops if hasattr(report, "ops") else report


def _describe(report) -> str:
    try:
        phase = report.phase
        extra = f"seq {report.seq_len}" if phase == "prefill" else f"KV {report.kv_len}"
        return f"{report.model.name} {phase} ({extra}) on {report.hw.name}"
    except AttributeError:
        return ""


def _named_reports(reports) -> dict[str, object]:
    """A dict name -> Report from a Report, a dict or a list of Reports."""
    if hasattr(reports, "ops"):
        reports = [reports]
    if isinstance(reports, Mapping):
        out = {str(k): v for k, v in reports.items()}
    else:
        out = {}
        for r in reports:
            base = getattr(getattr(r, "hw", None), "name", None) or f"design {len(out) + 1}"
            name, i = base, 2
            while name in out:
                name, i = f"{base} ({i})", i + 1
            out[name] = r
    if not out:
        raise ValueError("no reports to plot")
    return out


def _check_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)} (have: {', '.join(map(str, df.columns))})")


# ---------------------------------------------------------------------------
# roofline
# ---------------------------------------------------------------------------


def roofline(report: "Report", *, title: str | None = None, figsize: tuple[float, float] = (7.0, 4.2)) -> Figure:
    """Roofline with every op of ``report`` placed on it.

    x: arithmetic intensity, FLOPs per DRAM byte (the ``arithmetic_intensity``
    column); y: the op's achieved performance, FLOPs / latency (FLOP/s).
    Ceilings from the hardware spec: compute = peak MAC rate x 2 FLOP/MAC; DRAM
    bandwidth; and the L2 <-> scratchpad link (or the DMA when there is no L2).
    Every DRAM byte also crosses that link, so against DRAM intensity the link's
    line is an optimistic bound. Ops are coloured by kind and marked by bound.

    Marker area is proportional to the share of total latency of the ops drawn
    at that spot (identical ops of different layers coincide), so the ops
    that matter stand out. Ops with no FLOPs (quantize/dequantize, pure moves) have no place on log
    axes and are left out; ops with no DRAM traffic (infinite intensity) are
    drawn at the right edge with an open marker. A footnote counts both.
    """
    hw = report.hw
    df = report.ops
    flops = df["flops"].to_numpy(float)
    lat = df["latency_s"].to_numpy(float)
    ai = df["arithmetic_intensity"].to_numpy(float)
    perf = np.divide(flops, lat, out=np.zeros_like(flops), where=lat > 0)
    placed = (flops > 0) & (perf > 0)
    finite = placed & np.isfinite(ai) & (ai > 0)
    edge = placed & ~(np.isfinite(ai) & (ai > 0))

    peak = 2.0 * hw.peak_macs_per_s
    dram_bw = hw.dram.bandwidth_gbps * 1e9
    link_bw = hw.local_bytes_per_cycle * hw.clock_ghz * 1e9
    link_name = "L2\u2194scratchpad link" if hw.l2 is not None else "DMA link"
    ridges = [peak / dram_bw, peak / link_bw]

    xs = ai[finite]
    lo = min([*(xs.tolist() or [1.0]), *ridges]) / 4.0
    hi = max([*(xs.tolist() or [1.0]), *ridges]) * 8.0
    x_edge = hi / 1.6
    ys = perf[placed]
    ylo = min(float(ys.min()) if ys.size else peak / 1e3, min(dram_bw, link_bw) * lo) / 3.0
    yhi = peak * 3.0

    with style():
        fig = _figure(*figsize)
        ax = fig.add_subplot()
        ax.set_xscale("log")
        ax.set_yscale("log")
        xline = np.geomspace(lo, hi, 256)
        ax.plot(xline, np.minimum(peak, dram_bw * xline), color="0.15", lw=1.8, zorder=2)
        ax.plot(xline, np.minimum(peak, link_bw * xline), color="0.15", lw=1.4, ls="--", zorder=2)
        ax.axhline(peak, color="0.15", lw=0.8, ls=":", zorder=1)

        # marker area: latency share of all ops drawn at the same spot (same kind, bound, x, y)
        spot = pd.DataFrame({"k": df["kind"].astype(str), "b": df["bound"].astype(str),
                             "x": np.round(np.log10(np.where(finite, ai, 1.0)), 9) * finite,
                             "y": np.round(np.log10(np.where(placed, perf, 1.0)), 9), "lat": lat})
        share = spot.groupby(["k", "b", "x", "y"])["lat"].transform("sum").to_numpy(float) / max(lat.sum(), 1e-300)
        size = 14.0 + 360.0 * share
        kinds = list(dict.fromkeys(df.loc[placed, "kind"].astype(str)))
        bounds = list(dict.fromkeys(df.loc[placed, "bound"].astype(str)))
        x_all = np.where(finite, ai, x_edge)
        kind_col, bound_col = df["kind"].astype(str).to_numpy(), df["bound"].astype(str).to_numpy()
        for kind in kinds:
            for bound in bounds:
                sel = placed & (kind_col == kind) & (bound_col == bound)
                if not sel.any():
                    continue
                fin = sel & finite
                c = kind_color(kind)
                if fin.any():
                    sc = ax.scatter(x_all[fin], perf[fin], s=size[fin], marker=bound_marker(bound), color=c,
                                    edgecolors="white", linewidths=0.5, alpha=0.85,
                                    zorder=3 + 1.0 / (1.0 + 100 * float(share[fin].max())))
                    sc.set_gid(f"ops|{kind}|{bound}|finite")
                ed = sel & edge
                if ed.any():
                    sc = ax.scatter(x_all[ed], perf[ed], s=size[ed], marker=bound_marker(bound), facecolors="white",
                                    edgecolors=c, linewidths=1.2, zorder=3, clip_on=False)
                    sc.set_gid(f"ops|{kind}|{bound}|edge")
        ax.set_xlim(lo, hi)
        ax.set_ylim(ylo, yhi)
        ax.set_xlabel("Arithmetic intensity (FLOP per DRAM byte)")
        ax.set_ylabel("Performance (FLOP/s)")
        ax.grid(True, which="major")
        ax.set_title(title if title is not None else f"Roofline: {_describe(report)}", loc="left")

        # legend: one block per encoding, with headers
        header = Line2D([], [], linestyle="none", marker="")
        handles, labels, heads = [], [], []
        heads.append(len(labels)); handles.append(header); labels.append("Ceilings")
        handles += [Line2D([], [], color="0.15", lw=1.8), Line2D([], [], color="0.15", lw=1.4, ls="--")]
        labels += [f"DRAM {_fmt_si(dram_bw, 'B/s')}", f"{link_name} {_fmt_si(link_bw, 'B/s')}"]
        handles.append(Line2D([], [], color="0.15", lw=0.8, ls=":"))
        labels.append(f"peak {_fmt_si(peak, 'FLOP/s')}")
        heads.append(len(labels)); handles.append(header); labels.append("Op kind (colour)")
        for k in kinds:
            handles.append(Line2D([], [], linestyle="none", marker="o", markersize=6, color=kind_color(k)))
            labels.append(k)
        heads.append(len(labels)); handles.append(header); labels.append("Bound (marker)")
        for b in bounds:
            handles.append(Line2D([], [], linestyle="none", marker=bound_marker(b), markersize=6, color="0.3"))
            labels.append(b)
        leg = ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                        handlelength=1.6, handletextpad=0.5, labelspacing=0.35)
        for i, t in enumerate(leg.get_texts()):
            if i in heads:
                t.set_fontweight("bold")

        notes = ["marker area \u221d share of latency"]
        n_zero = int((~placed).sum())
        if n_zero:
            what = ", ".join(sorted(set(df.loc[~placed, "kind"].astype(str))))
            notes.append(f"{n_zero} ops with no FLOPs ({what}) not shown")
        if edge.any():
            notes.append(f"{int(edge.sum())} ops with no DRAM traffic drawn open at the right edge")
        if notes:
            ax.text(0.0, -0.16, "; ".join(notes) + ".", transform=ax.transAxes, fontsize=7, color="0.35",
                    va="top", ha="left")
    return fig


# ---------------------------------------------------------------------------
# breakdowns
# ---------------------------------------------------------------------------

_METRICS = {"latency": ("latency_s", "Latency"), "energy": ("energy_j", "Energy")}


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


def breakdown(reports, metric: str = "latency", by: str | Sequence[str] = ("kind", "bound"), *,
              normalize: bool = False, title: str | None = None,
              figsize: tuple[float, float] | None = None) -> Figure:
    """Stacked bars of ``metric`` ("latency" or "energy"), one bar per design, one
    panel per grouping in ``by`` ("kind", "bound", or for energy "component" =
    MAC / scratchpad / accumulator / L2 / DRAM / nonlinear / CPU / static).

    ``reports``: a Report, a dict name -> Report, or a list of Reports (named by
    their hardware). Absolute values use one SI unit per panel (e.g. ms) and the
    total is printed above each bar; ``normalize=True`` plots shares in percent.
    Segments in each bar stack largest-first from the bottom; the legend lists
    them top-down as they appear.
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be 'latency' or 'energy', got {metric!r}")
    named = _named_reports(reports)
    bys = [by] if isinstance(by, str) else list(by)
    col, mname = _METRICS[metric]
    n = len(named)
    w = figsize or ((max(1.7, 0.9 + 0.6 * n) + 1.45) * len(bys), 3.4)
    with style():
        fig = _figure(*w)
        axes = fig.subplots(1, len(bys), squeeze=False)[0]
        for ax, b in zip(axes, bys):
            tables = {name: _breakdown_table(r, b, metric) for name, r in named.items()}
            table = pd.DataFrame(tables).fillna(0.0)  # categories x designs
            table = table[(table > 0).any(axis=1)]  # categories with nothing in any design stay out of the legend
            table = table.loc[table.sum(axis=1).sort_values(ascending=False).index]
            totals = table.sum(axis=0)
            if normalize:
                data = table.div(totals.where(totals > 0, 1.0), axis=1) * 100.0
                ylabel = f"Share of {mname.lower()} (%)"
            else:
                f, p = _si_factor(float(totals.max()))
                data = table / f
                ylabel = column_label(col, p)
            x = np.arange(n)
            bottom = np.zeros(n)
            width = 0.62
            for cat in data.index:
                h = data.loc[cat].to_numpy(float)
                ax.bar(x, h, width, bottom=bottom, color=_category_color(b, str(cat)), label=str(cat),
                       edgecolor="white", linewidth=0.5)
                bottom += h
            if not normalize:
                for xi, t in zip(x, bottom):
                    ax.annotate(_fmt(t), (xi, t), xytext=(0, 2), textcoords="offset points", ha="center",
                                va="bottom", fontsize=7.5)
                ax.set_ylim(0, float(bottom.max()) * 1.1 if bottom.max() > 0 else 1.0)
            else:
                ax.set_ylim(0, 100)
            tilt = n * max(len(k) for k in named) > 24
            ax.set_xticks(x, list(named), rotation=20 if tilt else 0, ha="right" if tilt else "center",
                          rotation_mode="anchor")
            ax.set_ylabel(ylabel)
            ax.set_xlim(-0.6 if n > 1 else -0.8, n - 0.4 if n > 1 else 0.8)
            ax.grid(True, axis="y")
            ax.set_title(f"{mname} by {'op kind' if b == 'kind' else b}", loc="left")
            hs, ls = ax.get_legend_handles_labels()
            ax.legend(hs[::-1], ls[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
                      handlelength=1.0, labelspacing=0.3, title=("op kind" if b == "kind" else b))
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


def latency_breakdown(reports, by: str | Sequence[str] = ("kind", "bound"), **kwargs) -> Figure:
    """:func:`breakdown` of latency (stacked by op kind and by bound, designs side by side)."""
    return breakdown(reports, "latency", by, **kwargs)


def energy_breakdown(reports, by: str | Sequence[str] = ("kind", "component"), **kwargs) -> Figure:
    """:func:`breakdown` of energy, by op kind and by component (MAC, SRAMs, L2, DRAM,
    nonlinear units, host CPU, static) unless ``by`` says otherwise (``"bound"`` works too)."""
    return breakdown(reports, "energy", by, **kwargs)


# ---------------------------------------------------------------------------
# FLOPs share vs latency share
# ---------------------------------------------------------------------------


def flops_vs_latency(reports, *, by: str = "kind", energy: bool = False, title: str | None = None,
                     figsize: tuple[float, float] | None = None) -> Figure:
    """Paired horizontal bars per op kind: share of FLOPs vs share of latency (and
    of energy with ``energy=True``), in percent. One panel per design when given
    several reports (a dict or list). Categories are sorted by latency share;
    each bar carries its value, so a 0.04 % FLOPs share stays readable next to a
    47 % latency share."""
    named = _named_reports(reports)
    series = [("flops_share", "FLOPs", "#BBBBBB"), ("latency_share", "latency", OKABE_ITO[1])]
    if energy:
        series.append(("energy_share", "energy", OKABE_ITO[0]))
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
    size = figsize or (3.4 * len(tables) + 1.0, 1.3 + nrows * (0.16 * len(series) + 0.1))
    with style():
        fig = _figure(*size)
        axes = fig.subplots(1, len(tables), squeeze=False, sharex=True)[0]
        for ax, (name, t) in zip(axes, tables.items()):
            y = np.arange(len(t))
            hbar = 0.8 / len(series)
            for j, (colname, label, color) in enumerate(series):
                off = (len(series) - 1 - j - (len(series) - 1) / 2) * hbar
                vals = t[colname].to_numpy(float)
                bars = ax.barh(y + off, vals, hbar * 0.92, color=color, label=f"share of {label}")
                for rect, v in zip(bars, vals):
                    ax.annotate(f"{_fmt(v, 2 if v < 10 else 3)}%", (rect.get_width(), rect.get_y() +
                                rect.get_height() / 2), xytext=(2, 0), textcoords="offset points", va="center",
                                ha="left", fontsize=6.5, color="0.25")
            ax.set_yticks(y, t.index.astype(str))
            ax.set_xlim(0, 118)
            ax.set_xticks([0, 25, 50, 75, 100])
            ax.set_xlabel("Share of total (%)")
            ax.grid(True, axis="x")
            if len(tables) > 1:
                ax.set_title(f"{name} ({_fmt_si(float(_report_ops(named[name])['latency_s'].sum()), 's')})",
                             loc="left")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=len(series),
                   handlelength=1.0)
        if len(tables) == 1:
            axes[0].set_title(title or f"FLOPs vs latency\n{_describe(next(iter(named.values())))}", loc="left")
        elif title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


# ---------------------------------------------------------------------------
# per-layer timeline
# ---------------------------------------------------------------------------


def timeline(report: "Report", layer: int = 0, *, title: str | None = None,
             figsize: tuple[float, float] | None = None) -> Figure:
    """Gantt chart of one layer: ops run one after another, so op i starts at the
    summed latency of ops 0..i-1 of that layer. One row per op (top = first),
    bars coloured by kind, the bound written after each bar. ``layer=-1`` is the
    embedding (and anything before block 0)."""
    df = _report_ops(report)
    ops = df[df["layer"] == layer]
    if ops.empty:
        have = sorted(int(v) for v in df["layer"].unique())
        raise ValueError(f"no ops in layer {layer} (layers {have[0]}..{have[-1]})")
    lat = ops["latency_s"].to_numpy(float)
    start = np.concatenate([[0.0], np.cumsum(lat)[:-1]])
    total = float(lat.sum())
    f, p = _si_factor(total)
    prefix = f"L{layer}."
    names = [n[len(prefix):] if str(n).startswith(prefix) else str(n) for n in ops["name"]]
    n = len(ops)
    size = figsize or (7.0, 1.0 + 0.18 * n)
    with style():
        fig = _figure(*size)
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
                        va="center", ha="left", fontsize=6.5, color="0.3")
        ax.set_yticks(y, names)
        ax.tick_params(axis="y", labelsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, total / f * 1.18)
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlabel(f"Time within layer ({p}s)")
        ax.grid(True, axis="x")
        ax.set_title(title if title is not None else
                     f"Layer {layer} timeline: {_describe(report)}, {_fmt_si(total, 's')}", loc="left")
        seen = list(dict.fromkeys(kinds))
        ax.legend([Patch(color=kind_color(k)) for k in seen], seen, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0, title="op kind", handlelength=1.0, labelspacing=0.3)
    return fig


# ---------------------------------------------------------------------------
# sweep heatmap
# ---------------------------------------------------------------------------


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
    size = figsize or (min(1.6 + 0.85 * nx, 10.0) + 1.2, min(1.2 + 0.55 * ny, 8.0))
    with style():
        fig = _figure(*size)
        ax = fig.add_subplot()
        fin = shown[np.isfinite(shown)]
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
                    ax.text(j, i, _fmt(v, digits), ha="center", va="center", fontsize=7.5,
                            color="black" if lum > 0.5 else "white")
        if title:
            ax.set_title(title, loc="left")
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
    size = figsize or (3.6 * len(ys) + (1.2 if hue else 0.4), 3.2)
    fx, lx = _scaled(x, df[x])
    with style():
        fig = _figure(*size)
        axes = fig.subplots(1, len(ys), squeeze=False)[0]
        for ax, col in zip(axes, ys):
            fy, ly = _scaled(col, df[col])
            for i, (val, g) in enumerate(groups):
                g = g.sort_values(x)
                c = (*OKABE_ITO[:7], *_EXTRA)[i % 13]
                hue_label = None if hue is None else f"{_fmt(val) if isinstance(val, (int, float, np.number)) else val}"
                (ln,) = ax.plot(g[x].to_numpy(float) / fx, g[col].to_numpy(float) / fy, marker=_PATTERN_MARKERS[
                    i % len(_PATTERN_MARKERS)], color=c, label=hue_label)
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
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


# ---------------------------------------------------------------------------
# Pareto
# ---------------------------------------------------------------------------


def pareto_mask(df: pd.DataFrame, cols: Sequence[str], minimize: bool | Sequence[bool] = True) -> np.ndarray:
    """Boolean array: which rows of ``df`` are on the Pareto front of ``cols``.

    A row is on the front if no other row is at least as good in every column
    and strictly better in one; identical rows are all kept. ``minimize`` is one
    flag or one per column (False = maximise). Rows with NaN are never on the
    front (:func:`accelmodel.pareto.nondominated`).
    """
    cols = list(cols)
    _check_columns(df, cols, "pareto_mask")
    flags = [minimize] * len(cols) if isinstance(minimize, (bool, np.bool_)) else list(minimize)
    if len(flags) != len(cols):
        raise ValueError("minimize: give one flag or one per column")
    return nondominated(df[cols].to_numpy(float) * np.where(flags, 1.0, -1.0))


def pareto(df: pd.DataFrame, x: str, y: str, *, minimize: bool | Sequence[bool] = True,
           mask: np.ndarray | str | None = None, hue: str | None = None, label: str | None = None,
           logx: bool = False, logy: bool = False, title: str | None = None,
           figsize: tuple[float, float] = (5.6, 4.0)) -> Figure:
    """Scatter of two objectives with the Pareto front highlighted.

    ``df`` has one row per design (e.g. a sweep); ``x``, ``y`` are objective
    columns (``latency_s``, ``energy_j``, ``area_mm2``, ...). The front is
    :func:`pareto_mask` of (x, y) with ``minimize`` (one flag or two), unless
    ``mask`` gives it (a boolean array or the name of a boolean column, e.g. one
    the sweep computed). Dominated designs are grey (or coloured by the ``hue``
    column); front designs are vermillion, joined by a staircase, and labelled
    with the ``label`` column when given.
    """
    _check_columns(df, [x, y] + [c for c in (hue, label) if c], "pareto")
    if mask is None:
        front = pareto_mask(df, [x, y], minimize)
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
        fig = _figure(*figsize)
        ax = fig.add_subplot()
        rest = ~front
        if hue is None:
            sc = ax.scatter(xv[rest], yv[rest], s=14, color="#AAAAAA", alpha=0.7, linewidths=0,
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
                    shown = _fmt(val) if isinstance(val, (int, float, np.number)) else val
                    if sel.any():
                        sc = ax.scatter(xv[sel], yv[sel], s=14, alpha=0.75, linewidths=0, zorder=2,
                                        color=(*OKABE_ITO[:7], *_EXTRA)[k % 13],
                                        label=f"{_name_and_unit(hue)[0]} = {shown}")
                        sc.set_gid("dominated")
        order = np.argsort(xv[front], kind="stable")
        fxv, fyv = xv[front][order], yv[front][order]
        flags = [minimize] * 2 if isinstance(minimize, (bool, np.bool_)) else list(minimize)
        # staircase = edge of the dominated region: holds each front point's y until the next one when x is
        # minimised, jumps to the next one's y first when x is maximised
        ax.step(fxv, fyv, where="post" if flags[0] else "pre", color=OKABE_ITO[1], lw=1.2, zorder=3)
        sc = ax.scatter(xv[front], yv[front], s=36, color=OKABE_ITO[1], edgecolors="black", linewidths=0.5,
                        zorder=4, label=f"Pareto front ({int(front.sum())})")
        sc.set_gid("front")
        if label:
            for xi, yi, t in zip(xv[front], yv[front], df.loc[front, label].astype(str)):
                ax.annotate(t, (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=7, color="0.2")
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
            ax.set_title(title, loc="left")
    return fig


# ---------------------------------------------------------------------------
# sparsity curves
# ---------------------------------------------------------------------------

def sparsity_curves(df: pd.DataFrame, *, quality: str | None = None, quality_label: str | None = None,
                    title: str | None = None, figsize: tuple[float, float] = (8.0, 3.4)) -> Figure:
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
        fig = _figure(*figsize)
        ax1, ax2 = fig.subplots(1, 2)
        axq = ax1.twinx() if quality else None
        if axq is not None:
            axq.spines["right"].set_visible(True)
        handles = []
        for i, pat in enumerate(patterns):
            g = d[d["pattern"].astype(str) == pat]
            c = (*OKABE_ITO[:7], *_EXTRA)[i % 13]
            mk = _PATTERN_MARKERS[i % len(_PATTERN_MARKERS)]
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
        ax1.set_title("Speedup and quality" if quality else "Speedup", loc="left")
        ax2.set_title("Energy", loc="left")
        if axq is not None:
            axq.set_ylabel(quality_label or column_label(quality))
            axq.grid(False)
        header = Line2D([], [], linestyle="none", marker="")
        hs, ls = [header, *handles], ["pattern", *patterns]
        if axq is not None:
            hs += [header, Line2D([], [], color="0.3"), Line2D([], [], color="0.3", ls="--", marker="o", mfc="white")]
            ls += ["line", "speedup (left axis)", f"{quality_label or column_label(quality)} (right axis)"]
        leg = fig.legend(hs, ls, loc="outside right upper", handlelength=1.8)
        for t in leg.get_texts():
            if t.get_text() in ("pattern", "line"):
                t.set_fontweight("bold")
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    return fig


# ---------------------------------------------------------------------------
# nonlinear units: accuracy vs power
# ---------------------------------------------------------------------------


def nonlinear_accuracy_power(df: pd.DataFrame, *, error: str | None = None, logx: bool = False,
                             title: str | None = None, figsize: tuple[float, float] = (5.6, 3.8)) -> Figure:
    """Accuracy versus power of nonlinear-function units, one point per unit.

    Expected columns:

    - ``unit``: str, the unit's label (``LUT softmax``, ``CORDIC softmax``, ``cross-road``, ...);
    - ``function``: str, what it computes (``softmax``, ``gelu``, ``silu``, ...): the colour;
    - ``mae`` (mean absolute error vs float) or ``rel_error`` (relative error): the y axis,
      log scale; ``error=`` picks one if both are present;
    - ``power_mw``: power in mW: the x axis.

    Lower-left is better (less error for less power); each point is labelled with its unit.
    """
    err = error or ("mae" if "mae" in df.columns else "rel_error")
    _check_columns(df, ["unit", "function", err, "power_mw"], "nonlinear_accuracy_power")
    funcs = list(dict.fromkeys(df["function"].astype(str)))
    with style():
        fig = _figure(*figsize)
        ax = fig.add_subplot()
        for i, fn in enumerate(funcs):
            g = df[df["function"].astype(str) == fn]
            sc = ax.scatter(g["power_mw"].to_numpy(float), g[err].to_numpy(float), s=44,
                            marker=_PATTERN_MARKERS[i % len(_PATTERN_MARKERS)],
                            color=(OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[2])[i % 5],
                            edgecolors="black", linewidths=0.4, label=fn, zorder=3)
            sc.set_gid(f"units|{fn}")
            for xv, yv, t in zip(g["power_mw"], g[err], g["unit"].astype(str)):
                ax.annotate(t, (xv, yv), xytext=(5, 3), textcoords="offset points", fontsize=7, color="0.2")
        ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        else:
            ax.set_xlim(0, float(df["power_mw"].max()) * 1.25)
        ax.margins(y=0.2)
        ax.set_xlabel("Power (mW)")
        ax.set_ylabel("Mean absolute error vs float" if err == "mae" else "Relative error vs float")
        ax.grid(True, which="major")
        ax.text(1.0, -0.13, "lower-left is better", transform=ax.transAxes, ha="right", va="top", fontsize=7,
                color="0.35")
        ax.legend(loc="upper right", title="function")
        if title:
            ax.set_title(title, loc="left")
    return fig


# ---------------------------------------------------------------------------
# the standard set
# ---------------------------------------------------------------------------


def standard_figures(report: "Report") -> dict[str, Figure]:
    """The figures ``accelmodel run --plots`` writes, by file stem: roofline,
    latency and energy breakdowns, FLOPs-vs-latency shares, and the timeline of
    the first transformer block."""
    figs = {
        "roofline": roofline(report),
        "latency_breakdown": latency_breakdown(report),
        "energy_breakdown": energy_breakdown(report),
        "flops_vs_latency": flops_vs_latency(report),
    }
    if (report.ops["layer"] == 0).any():
        figs["timeline_layer0"] = timeline(report, 0)
    return figs
