"""Figures: roofline, breakdowns, timeline, heatmap, Pareto, sparsity and nonlinear-unit plots.

Every function takes a :class:`~accelmodel.report.Report` (or several) or a
pandas DataFrame and returns a :class:`matplotlib.figure.Figure`. Nothing here
saves, shows, or touches pyplot's global state: figures are built with the
object-oriented API on an Agg canvas, so they work headless, in scripts, in
tests and in notebooks (a figure that ends a notebook cell displays itself as
PNG). Save with ``fig.savefig("name.pdf")`` (PNG, PDF and SVG all work).

Modules, by figure family:

- :mod:`.palette`: one colour per meaning (op kind, bound, energy/area component);
- :mod:`.style`: the house style and ``use_style("paper", column="single"|"double")``;
- :mod:`.labels`: axis labels with units from column names, SI scaling;
- :mod:`.roofline`: the hierarchical roofline (DRAM + host CPU, and the L2/DMA link);
- :mod:`.breakdown`: latency / energy stacked by kind, bound or component, designs side by side;
- :mod:`.timeline`: FLOPs share vs latency share, and one layer's Gantt chart;
- :mod:`.sweeps`: heatmap, metric vs one sweep axis, Pareto front;
- :mod:`.studies`: sparsity curves, nonlinear units' accuracy vs power;
- :mod:`.search`: a design search's front and convergence, sensitivity (tornado) bars.

Reports only: this package reads :class:`Report` objects and DataFrames; it
imports nothing from the CLI or the sweep machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from .breakdown import breakdown, energy_breakdown, latency_breakdown
from .labels import _fmt, _fmt_si, _scaled, _si_factor, column_label
from .palette import (
    KIND_COLORS,
    OKABE_ITO,
    RESOURCE_COLORS,
    bound_color,
    bound_marker,
    category_color,
    component_color,
    function_color,
    kind_color,
)
from .physical import area_energy
from .roofline import roofline
from .studies import nonlinear_accuracy_power, sparsity_curves
from .style import (
    COLUMN_WIDTHS,
    STYLE,
    StyledFigure,
    current_style,
    new_figure,
    style,
    use_style,
)
from .search import search_convergence, search_front, sensitivity_bars
from .sweeps import front_mask, heatmap, pareto, sweep_lines
from .timeline import flops_vs_latency, timeline

if TYPE_CHECKING:  # pragma: no cover
    from ..report import Report

__all__ = [
    "COLUMN_WIDTHS",
    "KIND_COLORS",
    "OKABE_ITO",
    "RESOURCE_COLORS",
    "STYLE",
    "StyledFigure",
    "_fmt",
    "_fmt_si",
    "_scaled",
    "_si_factor",
    "bound_color",
    "bound_marker",
    "area_energy",
    "breakdown",
    "category_color",
    "column_label",
    "component_color",
    "current_style",
    "energy_breakdown",
    "flops_vs_latency",
    "function_color",
    "heatmap",
    "kind_color",
    "latency_breakdown",
    "new_figure",
    "nonlinear_accuracy_power",
    "pareto",
    "front_mask",
    "roofline",
    "search_convergence",
    "search_front",
    "sensitivity_bars",
    "sparsity_curves",
    "standard_figures",
    "style",
    "sweep_lines",
    "timeline",
    "use_style",
]


def standard_figures(report: Report) -> dict[str, Figure]:
    """The figures ``accelmodel run --plots`` writes, by file stem: roofline,
    latency and energy breakdowns, FLOPs-vs-latency shares, area by block next to
    energy per token by component, and the timeline of
    the first transformer block."""
    figs = {
        "roofline": roofline(report),
        "latency_breakdown": latency_breakdown(report),
        "energy_breakdown": energy_breakdown(report),
        "flops_vs_latency": flops_vs_latency(report),
        "area_energy": area_energy(report),
    }
    if (report.ops["layer"] == 0).any():
        figs["timeline_layer0"] = timeline(report, 0)
    return figs
