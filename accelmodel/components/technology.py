"""Technology scaling: energy, area, leakage and delay from 45 nm to another node and supply.

Method (data in ``data/technology_scaling.csv``): Stillmaker & Baas, "Scaling equations
for the accurate prediction of CMOS device performance from 180 nm to 7 nm",
Integration, the VLSI Journal 58 (2017) 74-81 -- their area factors (45 nm row)
and their per-node energy-vs-supply fits ``E(V) = a V^2 + b V + c``, as tabulated
by the Accelergy library plug-in.

* area:    ``area_factor(node)`` = the paper's area at ``node`` / area at 45 nm;
* energy:  ``energy_factor(node, vdd)`` = ``E_node(vdd) / E_45(1.0 V)``; at one node
  this is the paper's fit of the ``C V^2`` behaviour (dynamic energy ~ C V^2);
* leakage power (accelmodel's first-order rule, not from the paper): leakage
  current per unit area held constant across nodes, so leakage ~ area x V:
  ``leakage_factor = area_factor * vdd / 1.0 V``;
* delay (accelmodel's first-order rule): FO4 gate delay ~ feature size at the
  node's nominal supply, ``delay_factor = node / 45``; the supply's effect on
  delay is not modelled.

Nodes between tabulated ones (28, 22 nm, ...) interpolate ``log(factor)``
linearly in ``log(node)``; nodes outside 7-130 nm are an error.
"""

from __future__ import annotations

import itertools
import math
from functools import cache, lru_cache
from typing import NamedTuple

from ._data import read_rows

REFERENCE_NM = 45.0
"""Node at which every component anchor in this package is stated (unless the anchor says otherwise)."""
REFERENCE_VDD = 1.0
"""Supply at 45 nm where the Stillmaker & Baas energy fit is ~1."""


class NodeRow(NamedTuple):
    node_nm: float
    area: float
    a: float
    b: float
    c: float
    vdd_nominal: float

    def energy(self, vdd: float) -> float:
        return self.a * vdd * vdd + self.b * vdd + self.c


@cache
def _table() -> tuple[NodeRow, ...]:
    rows = [NodeRow(float(r["node_nm"]), float(r["area_vs_45nm"]), float(r["energy_a"]), float(r["energy_b"]),
                    float(r["energy_c"]), float(r["vdd_nominal_v"])) for r in read_rows("technology_scaling.csv")]
    return tuple(sorted(rows, key=lambda r: r.node_nm))


def _check_node(node_nm: float) -> None:
    lo, hi = _table()[0].node_nm, _table()[-1].node_nm
    if not (lo <= node_nm <= hi):
        raise ValueError(f"technology_nm: {node_nm} nm is outside the scaling table ({lo:g}-{hi:g} nm)")


def _interp(node_nm: float, value) -> float:
    """``value(row)`` at ``node_nm``, log-log interpolated between tabulated nodes."""
    _check_node(node_nm)
    rows = _table()
    for lo, hi in itertools.pairwise(rows):
        if lo.node_nm <= node_nm <= hi.node_nm:
            if node_nm == lo.node_nm:
                return value(lo)
            t = math.log(node_nm / lo.node_nm) / math.log(hi.node_nm / lo.node_nm)
            return math.exp((1 - t) * math.log(value(lo)) + t * math.log(value(hi)))
    return value(rows[-1])


def nominal_vdd(node_nm: float) -> float:
    """Nominal supply at ``node_nm``, V (tabulated assumption, interpolated)."""
    return _interp(node_nm, lambda r: r.vdd_nominal)


@lru_cache(maxsize=256)
def area_factor(node_nm: float) -> float:
    """Area at ``node_nm`` relative to 45 nm (Stillmaker & Baas)."""
    return _interp(node_nm, lambda r: r.area)


@lru_cache(maxsize=256)
def energy_factor(node_nm: float, vdd: float | None = None) -> float:
    """Dynamic energy per operation at ``node_nm`` and supply ``vdd`` (V; None = nominal)
    relative to 45 nm at 1.0 V (Stillmaker & Baas energy fits)."""
    v = nominal_vdd(node_nm) if vdd is None else vdd
    if not (0.3 <= v <= 1.5):
        raise ValueError(f"vdd: {v} V is outside the fitted supply range (0.3-1.5 V)")
    ref = _interp(REFERENCE_NM, lambda r: r.energy(REFERENCE_VDD))
    return _interp(node_nm, lambda r: r.energy(v)) / ref


def leakage_factor(node_nm: float, vdd: float | None = None) -> float:
    """Leakage power relative to 45 nm / 1.0 V: ``area_factor * vdd / 1.0 V`` (constant leakage
    current density; accelmodel's first-order rule)."""
    v = nominal_vdd(node_nm) if vdd is None else vdd
    return area_factor(node_nm) * v / REFERENCE_VDD


def delay_factor(node_nm: float) -> float:
    """Gate / access delay relative to 45 nm at nominal supply: ``node / 45`` (FO4 ~ feature size)."""
    _check_node(node_nm)
    return node_nm / REFERENCE_NM


class Scaling(NamedTuple):
    """Factors that take a 45 nm / 1.0 V figure to a design's node and supply."""

    energy: float
    area: float
    leakage: float
    delay: float


@lru_cache(maxsize=256)
def scaling(node_nm: float | None, vdd: float | None = None, from_nm: float = REFERENCE_NM) -> Scaling:
    """Factors from ``from_nm`` (default 45 nm, its nominal supply) to ``node_nm`` at ``vdd``
    (None node = 45 nm; None vdd = the node's nominal supply)."""
    to = REFERENCE_NM if node_nm is None else float(node_nm)
    base_e, base_a = energy_factor(from_nm), area_factor(from_nm)
    base_l, base_d = leakage_factor(from_nm), delay_factor(from_nm)
    return Scaling(energy_factor(to, vdd) / base_e, area_factor(to) / base_a,
                   leakage_factor(to, vdd) / base_l, delay_factor(to) / base_d)
