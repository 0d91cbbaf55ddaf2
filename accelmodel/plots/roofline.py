"""Hierarchical roofline: one panel per memory level, each with its own intensity axis."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .labels import _describe, _fmt, _fmt_si
from .palette import (
    CEILING,
    MUTED_TEXT,
    bound_color,
    bound_marker,
    kind_color,
    resource_color,
)
from .style import figure_size, is_narrow, make_figure, style

if TYPE_CHECKING:  # pragma: no cover
    from ..report import Report

LEVELS = ("dram", "link")
_CPU_DASHES = ["-.", "--", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 2))]


def _link(hw) -> tuple[str, str, float]:
    """(resource, name, bandwidth B/s) of the link that feeds the scratchpad."""
    bw = hw.local_bytes_per_cycle * hw.clock_ghz * 1e9
    return ("l2", "L2\u2194scratchpad link", bw) if hw.l2 is not None else ("dma", "DMA link", bw)


def _cpu_roofs(df: pd.DataFrame, hw) -> list[tuple[str, float, float]]:
    """(function, FLOP/s, cycles per element) of the host CPU per offloaded function:
    FLOPs / host compute time (``cpu_s``) of its ops = host clock x FLOP per element /
    cycles per element."""
    cpu = df[(df["unit"].astype(str) == "cpu") & (df["flops"] > 0) & (df["cpu_s"] > 0)]
    out = []
    for fn, g in cpu.groupby("function", sort=False):
        rate = float(g["flops"].sum() / g["cpu_s"].sum())
        cycles = float(g["cpu_s"].sum() * hw.host.clock_ghz * 1e9 / g["elements"].sum())
        out.append((str(fn), rate, cycles))
    return sorted(out, key=lambda t: -t[1])


def _frac(v: float, lo: float, hi: float) -> float:
    return float((np.log10(v) - np.log10(lo)) / (np.log10(hi) - np.log10(lo)))


def _draw_ops(ax, df, x, perf, placed, finite, x_edge, tag: str) -> None:
    """Ops coloured by kind, marked by bound, area by latency share of their spot."""
    lat = df["latency_s"].to_numpy(float)
    spot = pd.DataFrame({"k": df["kind"].astype(str), "b": df["bound"].astype(str),
                         "x": np.round(np.log10(np.where(finite, x, 1.0)), 9) * finite,
                         "y": np.round(np.log10(np.where(placed, perf, 1.0)), 9), "lat": lat})
    share = spot.groupby(["k", "b", "x", "y"])["lat"].transform("sum").to_numpy(float) / max(lat.sum(), 1e-300)
    size = 12.0 + 300.0 * share
    x_all = np.where(finite, x, x_edge)
    kind_col, bound_col = df["kind"].astype(str).to_numpy(), df["bound"].astype(str).to_numpy()
    for kind in dict.fromkeys(kind_col[placed]):
        for bound in dict.fromkeys(bound_col[placed]):
            sel = placed & (kind_col == kind) & (bound_col == bound)
            c = kind_color(kind)
            fin, ed = sel & finite, sel & ~finite
            if fin.any():  # smaller spots on top of larger ones
                sc = ax.scatter(x_all[fin], perf[fin], s=size[fin], marker=bound_marker(bound), color=c,
                                edgecolors="white", linewidths=0.5, alpha=0.9,
                                zorder=3 + 1.0 / (1.0 + 100 * float(share[fin].max())))
                sc.set_gid(f"{tag}|{kind}|{bound}|finite")
            if ed.any():
                sc = ax.scatter(x_all[ed], perf[ed], s=size[ed], marker=bound_marker(bound), facecolors="white",
                                edgecolors=c, linewidths=1.2, zorder=3, clip_on=False)
                sc.set_gid(f"{tag}|{kind}|{bound}|edge")
    _label_spots(ax, df, x_all, perf, placed, share)


def _label_spots(ax, df, x_all, perf, placed, share, min_share: float = 0.02) -> None:
    """Name the spots holding >= ``min_share`` of the latency ("softmax 47%"), labels
    stacked so they never overlap, each joined to its spot by a leader line."""
    kinds = df["kind"].astype(str).to_numpy()
    spots = {}
    for i in np.flatnonzero(placed & (share >= min_share)):
        key = (kinds[i], round(float(np.log10(x_all[i])), 6), round(float(np.log10(perf[i])), 6))
        spots[key] = (x_all[i], perf[i], share[i])
    if not spots:
        return
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    # labels sit above their spot (below it near the top), stacked apart, in the empty space between roofs
    items = sorted(spots.items(), key=lambda kv: kv[1][1])
    fy = [_frac(v[1], y0, y1) for _, v in items]
    up: list[int] = [i for i, f in enumerate(fy) if f < 0.75]
    down: list[int] = [i for i, f in enumerate(fy) if f >= 0.75][::-1]
    ty: dict[int, float] = {}
    for u in up:
        ty[u] = max(fy[u] + 0.16, (max(ty.values()) + 0.075) if ty else 0.0)
    last = None
    for d in down:
        ty[d] = min(fy[d] - 0.14, last - 0.075) if last is not None else fy[d] - 0.14
        last = ty[d]
    for k, ((kind, _, _), (xv, yv, sh)) in enumerate(items):
        fx = _frac(xv, x0, x1)
        right = fx < 0.6
        ax.annotate(f"{kind} {_fmt(100 * sh, 2)}%", (xv, yv), xytext=(fx + (0.06 if right else -0.06), ty[k]),
                    textcoords="axes fraction", ha="left" if right else "right", va="center", fontsize="small",
                    color=kind_color(kind), fontweight="bold", zorder=6,
                    arrowprops={"arrowstyle": "-", "color": "0.45", "lw": 0.6, "shrinkA": 1, "shrinkB": 3})


def _ceiling(ax, xs, ys, resource: str, ls: str = "-", lw: float = 1.5, gid: str = "") -> None:
    (ln,) = ax.plot(xs, ys, color=resource_color(resource) if resource else CEILING, lw=lw, ls=ls, zorder=2)
    ln.set_gid(gid)


def _y_limits(report, peak: float) -> tuple[float, float]:
    """Common y range (FLOP/s) of all panels: every op and every ceiling in view."""
    df, hw = report.ops, report.hw
    flops, lat = df["flops"].to_numpy(float), df["latency_s"].to_numpy(float)
    perf = np.divide(flops, lat, out=np.zeros_like(flops), where=lat > 0)
    lows = [float(perf[perf > 0].min()) if (perf > 0).any() else peak / 1e3, peak / 1e3]
    lows += [r for _, r, _ in _cpu_roofs(df, hw)]
    return min(lows) / 3.0, peak * 3.0


def _limits(xs: np.ndarray, ridges: list[float], ys: np.ndarray, floor: float, peak: float):
    lo = min([*(xs.tolist() or [1.0]), *ridges]) / 4.0
    hi = max([*(xs.tolist() or [1.0]), *ridges]) * 8.0
    ylo = min(float(ys.min()) if ys.size else peak / 1e3, floor) / 3.0
    return lo, hi, ylo, peak * 3.0


def _dram_panel(ax, report, peak: float, ylim: tuple[float, float]) -> list[tuple[Line2D, str]]:
    """x = FLOP per DRAM byte (for host-CPU ops: per byte through the CPU's memory port)."""
    hw, df = report.hw, report.ops
    flops, lat = df["flops"].to_numpy(float), df["latency_s"].to_numpy(float)
    ai = df["arithmetic_intensity"].to_numpy(float)
    perf = np.divide(flops, lat, out=np.zeros_like(flops), where=lat > 0)
    placed = (flops > 0) & (perf > 0)
    finite = placed & np.isfinite(ai) & (ai > 0)
    dram_bw = hw.dram.bandwidth_gbps * 1e9
    cpu_bw = hw.host.memory_bandwidth_gbps * 1e9
    roofs = _cpu_roofs(df, hw)
    ridges = [peak / dram_bw] + [r / cpu_bw for _, r, _ in roofs]
    floor = min([dram_bw * min(ai[finite].min() if finite.any() else 1.0, peak / dram_bw)]
                + [r for _, r, _ in roofs])
    lo, hi, _, _ = _limits(ai[finite], ridges, perf[placed], floor, peak)
    ylo, yhi = ylim
    xline = np.geomspace(lo, hi, 256)
    _ceiling(ax, xline, np.full_like(xline, peak), "array", lw=1.0, ls=":", gid="ceiling|peak")
    _ceiling(ax, xline, np.minimum(peak, dram_bw * xline), "dram", gid="ceiling|dram")
    legend = [(Line2D([], [], color=resource_color("array"), lw=1.0, ls=":"),
               f"array peak {_fmt_si(peak, 'FLOP/s')}"),
              (Line2D([], [], color=resource_color("dram"), lw=1.5), f"DRAM {_fmt_si(dram_bw, 'B/s')}")]
    if roofs:
        top = roofs[0][1]
        _ceiling(ax, xline, np.minimum(top, cpu_bw * xline), "cpu_memory", lw=1.2, gid="ceiling|cpu_memory")
        legend.append((Line2D([], [], color=resource_color("cpu_memory"), lw=1.2),
                       f"host CPU memory {_fmt_si(cpu_bw, 'B/s')} ({_fmt(hw.host.clock_ghz)} GHz CPU)"))
        dashes: list = list(_CPU_DASHES) * len(roofs)
        for (fn, rate, cycles), ls in zip(roofs, dashes):
            flat = np.geomspace(rate / cpu_bw, hi, 64)  # from its ridge on the CPU-memory slope
            _ceiling(ax, flat, np.full_like(flat, rate), "cpu", ls=ls, lw=1.1, gid=f"ceiling|cpu|{fn}")
            legend.append((Line2D([], [], color=resource_color("cpu"), lw=1.1, ls=ls),
                           f"host CPU {fn}: {_fmt(cycles)} cycles/element, {_fmt_si(rate, 'FLOP/s')}"))
    ax.set_xlim(lo, hi)
    ax.set_ylim(ylo, yhi)
    _draw_ops(ax, df, ai, perf, placed, finite, hi / 1.6, "ops")
    ax.set_xlabel("FLOP per DRAM byte")
    ax.set_title("DRAM and host memory", loc="left", fontsize="medium")
    return legend


def _link_panel(ax, report, peak: float, ylim: tuple[float, float]) -> tuple[list[tuple[Line2D, str]], int]:
    """x = FLOP per byte over the link that feeds the scratchpad (L2 or DMA)."""
    hw, df = report.hw, report.ops
    res, name, bw = _link(hw)
    flops, lat = df["flops"].to_numpy(float), df["latency_s"].to_numpy(float)
    link_bytes = df["local_cycles"].to_numpy(float) * hw.local_bytes_per_cycle
    perf = np.divide(flops, lat, out=np.zeros_like(flops), where=lat > 0)
    accel = df["unit"].astype(str).to_numpy() != "cpu"
    placed = accel & (flops > 0) & (perf > 0)
    x = np.divide(flops, link_bytes, out=np.full_like(flops, np.inf), where=link_bytes > 0)
    finite = placed & np.isfinite(x)
    lo, hi, _, _ = _limits(x[finite], [peak / bw], perf[placed], bw * (x[finite].min() if finite.any() else 1.0),
                           peak)
    ylo, yhi = ylim
    xline = np.geomspace(lo, hi, 256)
    _ceiling(ax, xline, np.full_like(xline, peak), "array", lw=1.0, ls=":", gid="ceiling|peak")
    _ceiling(ax, xline, np.minimum(peak, bw * xline), res, gid=f"ceiling|{res}")
    ax.set_xlim(lo, hi)
    ax.set_ylim(ylo, yhi)
    _draw_ops(ax, df, x, perf, placed, finite, hi / 1.6, "link")
    ax.set_xlabel(f"FLOP per {name.split()[0]} byte")
    ax.set_title(name, loc="left", fontsize="medium")
    return [(Line2D([], [], color=resource_color(res), lw=1.5), f"{name} {_fmt_si(bw, 'B/s')}")], \
        int((~accel & (flops > 0)).sum())


def _legend(fig, ceilings, kinds, bounds, notes: str) -> None:
    """One legend under the panels: ceilings | op kind (colour) | bound (marker), the
    notes on top of it."""
    head = Line2D([], [], linestyle="none", marker="")
    blocks = [[(head, "Ceilings"), *ceilings],
              [(head, "Op kind (colour)"), *[(Line2D([], [], ls="none", marker="o", ms=5, color=kind_color(k)), k)
                                             for k in kinds]],
              [(head, "Bound (marker)"), *[(Line2D([], [], ls="none", marker=bound_marker(b), ms=5,
                                                   color=bound_color(b)), b) for b in bounds]]]
    n = max(len(b) for b in blocks)
    items = [it for b in blocks for it in b + [(head, "")] * (n - len(b))]
    leg = fig.legend([h for h, _ in items], [t for _, t in items], loc="outside lower center", ncols=3,
                     handlelength=1.6, handletextpad=0.5, labelspacing=0.25, columnspacing=1.2, title=notes)
    leg.get_title().set_fontsize("x-small")
    leg.get_title().set_color(MUTED_TEXT)
    for t in leg.get_texts():
        if t.get_text() in ("Ceilings", "Op kind (colour)", "Bound (marker)"):
            t.set_fontweight("bold")


def roofline(report: Report, *, title: str | None = None, figsize: tuple[float, float] | None = None,
             levels: tuple[str, ...] = LEVELS) -> Figure:
    """Hierarchical roofline of ``report``: one panel per memory level, each on its
    own intensity axis (no ceiling is drawn against another level's bytes).

    - ``"dram"`` panel: x = FLOP per DRAM byte (``arithmetic_intensity``; for ops
      offloaded to the host CPU, per byte through the CPU's memory port). Ceilings:
      the array's peak (PEs x 2 FLOP/MAC x clock), DRAM bandwidth, the host CPU's
      memory bandwidth (``hw.host.memory_bandwidth_gbps``) and, per offloaded
      function, the host CPU's compute rate = FLOPs / host compute time (``cpu_s``)
      = CPU clock x FLOP per element / cycles per element. CPU-bound ops sit under
      their function's roof (the gap is the offload hand-off).
    - ``"link"`` panel: x = FLOP per byte over the L2<->scratchpad link (or the DMA
      link without an L2) = FLOPs / (``local_cycles`` x link bytes per cycle);
      ceilings: the array's peak and the link bandwidth. Host-CPU ops do not use
      the link and are left out.

    y: achieved FLOP/s = FLOPs / latency. Ops are coloured by kind and marked by
    bound (colours from :mod:`accelmodel.plots.palette`); marker area is proportional
    to the latency share of the ops at that spot, and spots with >= 2 % of the
    latency are named with their share. Ops without FLOPs are left out; ops with
    no traffic at that level are drawn open at the right edge. A footnote counts both.
    """
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad or not levels:
        raise ValueError(f"roofline: levels must be a non-empty subset of {LEVELS}, got {tuple(levels)}")
    df = report.ops
    peak = 2.0 * report.hw.peak_macs_per_s
    narrow_default = (3.3, 2.4 + 2.2 * len(levels))
    size = figsize or figure_size(7.0, 4.0)
    if figsize is None and is_narrow(size):
        size = figure_size(*narrow_default)
    stacked = is_narrow(size) and len(levels) > 1
    with style():
        fig = make_figure(*size)
        axes = fig.subplots(len(levels) if stacked else 1, 1 if stacked else len(levels), squeeze=False,
                            sharey=True).ravel()
        ylim = _y_limits(report, peak)
        ceilings: list[tuple[Line2D, str]] = []
        n_cpu = 0
        for ax, level in zip(axes, levels):
            ax.set_xscale("log")
            ax.set_yscale("log")
            if level == "dram":
                ceilings += _dram_panel(ax, report, peak, ylim)
            else:
                more, n_cpu = _link_panel(ax, report, peak, ylim)
                ceilings += more
            ax.grid(True, which="major")
        for ax in axes[:1] if not stacked else axes:
            ax.set_ylabel("Performance (FLOP/s)")
        flops = df["flops"].to_numpy(float)
        placed = flops > 0
        notes = ["marker area \u221d share of latency"]
        if (~placed).any():
            what = ", ".join(sorted(set(df.loc[~placed, "kind"].astype(str))))
            notes.append(f"{int((~placed).sum())} ops with no FLOPs ({what}) not shown")
        ai = df["arithmetic_intensity"].to_numpy(float)
        n_edge = int((placed & ~(np.isfinite(ai) & (ai > 0))).sum())
        if n_edge and "dram" in levels:
            notes.append(f"{n_edge} ops with no DRAM traffic drawn open at the right edge")
        if n_cpu and "link" in levels:
            notes.append(f"{n_cpu} host-CPU ops do not use the link")
        _legend(fig, ceilings, list(dict.fromkeys(df.loc[placed, "kind"].astype(str))),
                list(dict.fromkeys(df.loc[placed, "bound"].astype(str))), "; ".join(notes) + ".")
        context = _describe(report)
        head = title if title is not None else f"Roofline: {context}"
        fig.suptitle(head, x=0.01, ha="left", fontweight="bold", fontsize="medium")
    return fig
