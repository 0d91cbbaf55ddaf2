"""One colour per meaning, for every figure of :mod:`accelmodel.plots`.

Two disjoint colour sets:

- **op kinds** (:data:`KIND_COLORS`): what the model computes (matmul, softmax, ...);
- **hardware resources** (:data:`RESOURCE_COLORS`): where time and energy go. A
  bound, an energy component and an area component that name the same piece of
  hardware share its colour: the ``compute`` bound, the ``mac`` energy and the
  ``pe_array`` area are all the array's blue; ``dram`` is vermillion as a bound,
  an energy component and a roofline ceiling.

No colour of one set appears in the other, so the op-kind panel and the
bound/component panel next to it never use one colour for two meanings. The
colours come from Okabe & Ito (2008, "Color Universal Design") and Paul Tol's
colour-blind-safe schemes (SRON/EPS/TN/09-002, 2021); the pale yellows of both
are left out (too little contrast on white). Greys and black are reserved for
roles that are not categories (ceilings, dominated designs, text) and for the
host CPU, static power and CPU memory, which are drawn in neutral tones.

Series whose meaning is given by a legend only (sweep ``hue`` values, pruning
patterns) use :data:`SERIES`; metrics compared side by side (share of FLOPs,
latency, energy) use fills without hue (:data:`METRIC_STYLES`).
"""

from __future__ import annotations

from collections.abc import Sequence

OKABE_ITO = ("#0072B2", "#D55E00", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe & Ito (2008) colour-blind-safe palette: blue, vermillion, orange, bluish green,
reddish purple, sky blue, yellow, black (yellow is never used for a category here)."""

RESOURCE_COLORS: dict[str, str] = {
    "array": "#0072B2",  # systolic array: compute bound, MAC energy, PE-array area
    "scratchpad": "#56B4E9",
    "accumulator": "#009E73",
    "l2": "#E69F00",
    "dram": "#D55E00",
    "dma": "#8C564B",
    "nonlinear": "#CC79A7",  # nonlinear-function units
    "vector": "#7570B3",
    "cpu": "#222222",  # host CPU
    "cpu_memory": "#888888",  # host CPU's memory bandwidth
    "decompress": "#2F4F4F",
    "static": "#BBBBBB",  # leakage and clock (static power)
}
"""Hardware resource -> colour."""

KIND_COLORS: dict[str, str] = {
    "matmul": "#332288", "softmax": "#EE3377", "activation": "#117733", "layernorm": "#66A61E",
    "rmsnorm": "#44AA99", "quantize": "#999933", "elementwise": "#AA4499", "residual": "#882255",
    "rope": "#E41A1C", "embedding": "#5A3A1A",
}
"""Op kind -> colour (disjoint from :data:`RESOURCE_COLORS`)."""

BOUND_RESOURCE: dict[str, str] = {
    "compute": "array", "dram": "dram", "l2": "l2", "dma": "dma", "nonlinear": "nonlinear", "vector": "vector",
    "cpu": "cpu", "cpu_memory": "cpu_memory", "decompress": "decompress",
}
"""Bound (``Report.ops["bound"]``) -> the resource whose colour it takes."""

COMPONENT_RESOURCE: dict[str, str] = {
    # energy components (Report.ops energy_<name>_j)
    "mac": "array", "scratchpad": "scratchpad", "accumulator": "accumulator", "l2": "l2", "dram": "dram",
    "nonlinear": "nonlinear", "cpu": "cpu", "static": "static", "leakage": "static",
    # area components
    "pe_array": "array", "nonlinear_units": "nonlinear", "dma_control": "dma", "vector": "vector",
}
"""Energy or area component -> the resource whose colour it takes."""

FUNCTION_KIND: dict[str, str] = {
    "softmax": "softmax", "gelu": "activation", "gelu_tanh": "activation", "silu": "activation",
    "relu": "activation", "layernorm": "layernorm", "rmsnorm": "rmsnorm", "rope": "rope",
    "exp": "softmax", "sigmoid": "activation", "tanh": "activation",
}
"""Nonlinear function -> the op kind whose colour it takes."""

BOUND_MARKERS: dict[str, str] = {
    "compute": "o", "dram": "s", "l2": "^", "dma": "v", "nonlinear": "D", "vector": "P", "cpu": "X",
    "cpu_memory": "*", "decompress": "h",
}

SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#117733", "#332288",
          "#44AA99", "#999933", "#AA4499", "#000000")
"""Colours for series named only by a legend (sweep ``hue`` values, pruning patterns)."""

SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

METRIC_STYLES: dict[str, dict] = {
    "flops": {"facecolor": "white", "edgecolor": "#222222", "hatch": ""},
    "latency": {"facecolor": "#555555", "edgecolor": "#222222", "hatch": ""},
    "energy": {"facecolor": "white", "edgecolor": "#222222", "hatch": "////"},
}
"""Fills for metrics compared side by side (hue-free, so they never clash with a category)."""

CEILING = "#222222"
DOMINATED = "#C8C8C8"
MUTED_TEXT = "0.35"

_FALLBACK = ("#77AADD", "#EE8866", "#AAAA00", "#FFAABB", "#99DDFF", "#BBCC33", "#EEDD88", "#AA3377")
"""Colours for names none of the tables knows (not used by any table)."""
_FALLBACK_MARKERS = ("h", "<", ">", "p", "d", "8")


def _stable_pick(name: str, options: Sequence):
    # a deterministic hash (not Python's salted hash()) so unknown names keep their colour
    return options[sum(ord(c) * (i + 1) for i, c in enumerate(str(name))) % len(options)]


def resource_color(resource: str) -> str:
    """Colour of a hardware resource (``array``, ``dram``, ``l2``, ``cpu``, ...)."""
    return RESOURCE_COLORS.get(str(resource)) or _stable_pick(resource, _FALLBACK)


def kind_color(kind: str) -> str:
    """Colour of an op kind (``matmul``, ``softmax``, ...), the same in every figure."""
    return KIND_COLORS.get(str(kind)) or _stable_pick(kind, _FALLBACK)


def bound_color(bound: str) -> str:
    """Colour of a bound (``compute``, ``dram``, ``cpu``, ...): its resource's colour."""
    return resource_color(BOUND_RESOURCE.get(str(bound), str(bound)))


def component_color(component: str) -> str:
    """Colour of an energy or area component (``mac``, ``scratchpad``, ``pe_array``, ...)."""
    return resource_color(COMPONENT_RESOURCE.get(str(component), str(component)))


def function_color(function: str) -> str:
    """Colour of a nonlinear function: the colour of the op kind that computes it."""
    return kind_color(FUNCTION_KIND.get(str(function), str(function)))


def bound_marker(bound: str) -> str:
    """Scatter marker of a bound in the roofline."""
    return BOUND_MARKERS.get(str(bound)) or _stable_pick(bound, _FALLBACK_MARKERS)


def series_color(i: int) -> str:
    """Colour of the i-th legend-named series."""
    return SERIES[i % len(SERIES)]


def category_color(by: str, name: str) -> str:
    """Colour of category ``name`` of grouping ``by`` (kind, bound, component); the
    grouped small categories (``"other"``) are light grey in every grouping."""
    if name == "other":
        return OTHER
    if by == "kind":
        return kind_color(name)
    if by == "bound":
        return bound_color(name)
    if by == "component":
        return component_color(name)
    return _stable_pick(name, SERIES)


OTHER = "#DDDDDD"
"""Fill of the grouped "other" slice (small categories), drawn hatched."""
