"""Model value for each published anchor of ``data/component_anchors.csv`` (used by the
tests and by ``docs/components.md``'s table).

A row names a ``component``, a ``quantity`` and ``params`` (``key=value;...``); the
model's value is returned in the row's ``unit``. ``tolerance`` is relative
(``|model / published - 1| <= tolerance``) unless ``tolerance_kind`` is ``factor``
(``published / f <= model <= published * f``), used where the model is known to miss
(documented in the row's ``note``).
"""

from __future__ import annotations

from collections.abc import Callable

from ..hardware.nonlinear import CordicUnit, CrossRoadSoftmax, LutUnit
from . import arith
from ._data import read_rows
from .sram import sram
from .units import unit_cost

ANCHOR_FILE = "component_anchors.csv"
_TO_UNIT = {"pJ": 1e12, "um2": 1e12, "mm2": 1e6, "J": 1.0, "m2": 1.0, "W": 1.0, "mW": 1e3, "s": 1.0, "ns": 1e9,
            "W/m2": 1.0}


def parse_params(text: str) -> dict[str, str]:
    """``"bits=8;fmt=fp16"`` -> ``{"bits": "8", "fmt": "fp16"}``."""
    out = {}
    for item in filter(None, (s.strip() for s in text.split(";"))):
        key, _, value = item.partition("=")
        out[key.strip()] = value.strip()
    return out


def _primitive(p: dict[str, str], quantity: str) -> float:
    kind = p["primitive"]
    if kind == "int_mul":
        c = arith.int_multiplier(int(p["bits"]))
    elif kind == "int_add":
        c = arith.int_adder(int(p["bits"]))
    elif kind == "fp_mul":
        c = arith.fp_multiplier(arith.number_format(p["fmt"]))
    elif kind == "fp_add":
        c = arith.fp_adder(arith.number_format(p["fmt"]))
    elif kind == "intmac":
        c = arith.int_multiplier(int(p["bits"])) + arith.int_adder(int(p["acc_bits"]))
    elif kind == "comparator":
        c = arith.comparator(int(p["bits"]))
    else:
        raise ValueError(f"{ANCHOR_FILE}: unknown primitive {kind!r}")
    return c.energy_j if quantity == "energy" else c.area_m2


def _sram(p: dict[str, str], quantity: str) -> float:
    s = sram(float(p["capacity_bytes"]), int(p["width_bits"]), int(p.get("banks", "1")), 1, float(p["node_nm"]))
    return {"read_energy": s.read_energy_j, "write_energy": s.write_energy_j, "area": s.area_m2,
            "access_time": s.access_time_s, "leakage_density": s.leakage_w / s.area_m2}[quantity]


def _softmax_unit(p: dict[str, str], quantity: str) -> float:
    kind, lanes, bits = p["kind"], int(p["lanes"]), int(p["datapath_bits"])
    unit = {"lut": lambda: LutUnit.model_validate({"lanes": lanes, "entries": int(p["entries"]),
                                                   "entry_bits": int(p["entry_bits"]),
                                                   "interpolation": p["interpolation"]}),
            "cordic": lambda: CordicUnit(lanes=lanes, iterations=int(p["iterations"])),
            "crossroad": lambda: CrossRoadSoftmax(lanes=lanes)}[kind]()
    cost = unit_cost(unit, float(p["node_nm"]), None, bits, p.get("unrolled", "true") == "true",
                     p.get("lut_storage", "sram"), p.get("sram_cells", "hp"))
    if quantity == "power":
        return cost.power_w(float(p["clock_hz"]))
    return cost.area_m2


_MODELS: dict[str, Callable[[dict[str, str], str], float]] = {
    "primitive": _primitive, "sram": _sram, "softmax_unit": _softmax_unit}


def model_value(component: str, quantity: str, params: str, unit: str) -> float:
    """The model's value for one anchor row, in ``unit``."""
    try:
        model = _MODELS[component]
    except KeyError:
        raise ValueError(f"{ANCHOR_FILE}: unknown component {component!r}") from None
    return model(parse_params(params), quantity) * _TO_UNIT[unit]


def anchor_rows() -> tuple[dict[str, str], ...]:
    """Rows of ``data/component_anchors.csv``."""
    return read_rows(ANCHOR_FILE)


def within(model: float, published: float, tolerance: float, kind: str = "relative") -> bool:
    """Whether ``model`` meets ``published`` within the row's tolerance."""
    if kind == "factor":
        return published / tolerance <= model <= published * tolerance
    return abs(model / published - 1.0) <= tolerance
