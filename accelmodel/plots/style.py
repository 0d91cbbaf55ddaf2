"""The house style and the paper style, applied per figure (never to global rcParams).

:data:`STYLE` is the default (screen, notebooks): 9 pt sans-serif text, units on
every axis, TrueType fonts in PDF and real text in SVG. ``use_style("paper",
column="single")`` switches every later figure to the two-column paper style:
7-8 pt text and figure widths of one column (3.3 in) or the full page (7.0 in)
of a two-column layout (IEEE and ACM templates: 3.3-3.5 in and 7.0-7.2 in).
The choice is kept by this package, not by matplotlib: rcParams are set only
inside :func:`style` blocks and while a figure draws or saves.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from cycler import cycler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .palette import SERIES

STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
    "font.size": 9,
    "axes.titlesize": 9.5,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "figure.titlesize": 10,
    "axes.prop_cycle": cycler(color=list(SERIES[:8])),
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
    "hatch.linewidth": 0.6,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.03,
    "pdf.fonttype": 42,  # TrueType: text stays text in PDF
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # real <text> in SVG
}
"""The rcParams every figure is built, drawn and saved with (default style)."""

PAPER: dict[str, Any] = {
    "font.size": 7.5, "axes.titlesize": 8, "axes.labelsize": 7.5, "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5, "legend.fontsize": 6.5, "legend.title_fontsize": 6.5, "figure.titlesize": 8,
    "lines.linewidth": 1.2, "lines.markersize": 4, "axes.linewidth": 0.6, "savefig.dpi": 300,
}
"""Overrides of :data:`STYLE` for the paper style (7-8 pt text at print size)."""

COLUMN_WIDTHS = {"single": 3.3, "double": 7.0}
"""Figure widths (inches) of one column and of the full page in a two-column paper."""

_current: dict[str, Any] = {"name": "default", "column": None}


def use_style(name: str = "default", column: str | None = None) -> None:
    """Set the style of every figure made after this call.

    ``name``: ``"default"`` (screen) or ``"paper"`` (7-8 pt text); ``column``:
    ``"single"`` (3.3 in wide), ``"double"`` (7.0 in wide) or None (each
    figure's own width; ``"paper"`` defaults to ``"double"``). An explicit
    ``figsize=`` of a figure function still wins. matplotlib's global rcParams
    are not touched.
    """
    if name not in ("default", "paper"):
        raise ValueError(f"use_style: name must be 'default' or 'paper', got {name!r}")
    if column is None and name == "paper":
        column = "double"
    if column is not None and column not in COLUMN_WIDTHS:
        raise ValueError(f"use_style: column must be 'single' or 'double', got {column!r}")
    _current.update(name=name, column=column)


def current_style() -> tuple[str, str | None]:
    """(style name, column) set by :func:`use_style`."""
    return _current["name"], _current["column"]


def rc_params() -> dict[str, Any]:
    """The rcParams of the current style."""
    return {**STYLE, **(PAPER if _current["name"] == "paper" else {})}


@contextmanager
def style(**overrides) -> Iterator[None]:
    """Context manager applying the current style (plus ``overrides``) to the
    rcParams for the duration of a ``with`` block; global settings are restored after."""
    params: dict = {**rc_params(), **overrides}
    with mpl.rc_context(params):
        yield


def figure_size(width: float, height: float, min_height: float = 1.8) -> tuple[float, float]:
    """A figure's size (inches) in the current style: its default ``width`` x
    ``height``, or the column width with the height scaled by the same factor
    (at least ``min_height``)."""
    column = _current["column"]
    if column is None:
        return width, height
    w = COLUMN_WIDTHS[column]
    return w, max(min_height, height * (w / width) ** 0.6)


def is_narrow(size: tuple[float, float]) -> bool:
    """True for a single-column width (panels stack and legends go below)."""
    return size[0] < 4.5


class StyledFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` that draws and saves with the style it
    was built in (rcParams read at draw or save time, such as tick sizes and PDF
    font type, would otherwise come from the caller's global settings), and
    shows itself as PNG in Jupyter without ``%matplotlib inline``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._accelmodel_rc = rc_params()

    def draw(self, renderer):
        with mpl.rc_context(self._accelmodel_rc):
            return super().draw(renderer)

    def savefig(self, fname, **kwargs):
        with mpl.rc_context(self._accelmodel_rc):
            return super().savefig(fname, **kwargs)

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=110)
        return buf.getvalue()


def make_figure(w: float, h: float, layout: str | None = "constrained") -> StyledFigure:
    """A figure on its own Agg canvas (no pyplot)."""
    fig = StyledFigure(figsize=(w, h), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def new_figure(width: float = 5.6, height: float = 3.6) -> StyledFigure:
    """An empty figure in the house style (size in inches, constrained layout),
    for custom plots in notebooks: ``fig = new_figure(); ax = fig.add_subplot()``.
    Create artists inside ``with style():`` so they pick up the fonts and
    palette; drawing and saving apply the style by themselves."""
    with style():
        return make_figure(width, height)
