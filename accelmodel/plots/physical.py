"""Area and energy side by side: stacked area by block (component models) next to
energy per token by component, one bar per design."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from .labels import _fmt, _fmt_si, _named_reports, _si_factor
from .palette import MUTED_TEXT, component_color
from .style import figure_size, make_figure, style

AREA_LABELS = {"pe_array": "PE array", "scratchpad": "scratchpad", "accumulator": "accumulator", "l2": "L2",
               "nonlinear_units": "nonlinear units", "dma_control": "DMA / control"}
ENERGY_LABELS = {"mac": "MAC", "scratchpad": "scratchpad", "accumulator": "accumulator", "l2": "L2", "dram": "DRAM",
                 "nonlinear": "nonlinear units", "cpu": "host CPU", "static": "leakage"}


def _stack(ax, values: dict[str, dict[str, float]], labels: dict[str, str], unit: str, gid: str,
           si: bool = True) -> None:
    """Stacked bars (one per design; the largest component at the bottom), the total
    printed above each bar, a legend top-down as drawn. ``si``: scale to one SI prefix
    (``unit`` is then a base unit); else plot the values as given in ``unit``."""
    names = list(values)
    order = sorted(labels, key=lambda c: -sum(v.get(c, 0.0) for v in values.values()))
    order = [c for c in order if any(v.get(c, 0.0) > 0 for v in values.values())]
    vmax = max((sum(v.values()) for v in values.values()), default=0.0)
    f, prefix = _si_factor(vmax) if si else (1.0, "")
    bottoms = [0.0] * len(names)
    handles = []
    for c in order:
        heights = [values[n].get(c, 0.0) / f for n in names]
        bars = ax.bar(range(len(names)), heights, bottom=bottoms, width=0.6, color=component_color(c),
                      edgecolor="white", linewidth=0.5, label=labels[c])
        for b, n in zip(bars, names):
            b.set_gid(f"{gid}|{n}|{c}")
        handles.append(bars)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    for i, n in enumerate(names):
        total = sum(values[n].values())
        ax.annotate(_fmt_si(total, unit) if si else f"{_fmt(total)} {unit}", (i, bottoms[i]), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize="small")
    ax.set_xticks(range(len(names)), names)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(0, max(bottoms, default=1.0) * 1.15 or 1.0)
    ax.set_ylabel(f"{prefix}{unit}")
    ax.tick_params(axis="x", labelrotation=15 if len(names) > 2 else 0)
    ax.legend(handles[::-1], [labels[c] for c in order][::-1], fontsize="x-small", loc="upper left",
              bbox_to_anchor=(1.0, 1.0), frameon=False)


def area_energy(reports, *, title: str | None = None, figsize: tuple[float, float] | None = None) -> Figure:
    """Left: area by block (``summary()["area_breakdown"]``, mm^2: PE array, scratchpad,
    accumulator, L2, nonlinear units, DMA / control); right: energy per token by component
    (``energy_by_component_j`` / tokens: MAC, SRAMs, L2, DRAM, nonlinear units, host CPU,
    leakage). ``reports``: a Report, a dict name -> Report or a list of Reports. A design
    whose area is a typed override shows the typed value above its (model) bar. Colours: an area
    block and the energy component of the same hardware share one
    (:mod:`accelmodel.plots.palette`)."""
    named: dict[str, Any] = _named_reports(reports)
    summaries = {n: r.summary() for n, r in named.items()}
    area = {n: {k: float(v) for k, v in s["area_breakdown"].items()} for n, s in summaries.items()}
    tokens = {n: r.tokens for n, r in named.items()}
    energy = {n: {k: float(v) / tokens[n] for k, v in s["energy_by_component_j"].items()}
              for n, s in summaries.items()}
    n = len(named)
    with style():
        fig = make_figure(*(figsize or figure_size(2 * (1.2 + 0.7 * n) + 3.4, 3.4, min_height=2.6)))
        ax_a, ax_e = fig.subplots(1, 2)
        _stack(ax_a, area, AREA_LABELS, "mm\u00b2", "area", si=False)
        ax_a.set_ylabel("Area (mm\u00b2)")
        ax_a.set_ylim(0, ax_a.get_ylim()[1] * 1.08)
        ax_a.set_title("Area by block (component models)", fontsize="small", loc="left")
        _stack(ax_e, energy, ENERGY_LABELS, "J", "energy")
        ax_e.set_ylabel(f"Energy per token ({ax_e.get_ylabel()})")
        ax_e.set_title("Energy per token by component", fontsize="small", loc="left")
        for i, (k, s) in enumerate(summaries.items()):
            if s["area_source"] == "spec":  # a typed override: say so under the model's total
                ax_a.annotate(f"spec: {_fmt(s['area_mm2'])} mm\u00b2", (i, sum(area[k].values())), xytext=(0, 13),
                              textcoords="offset points", ha="center", va="bottom", fontsize="x-small",
                              color=MUTED_TEXT)
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize="medium")
    return fig
