"""Design-level physical figures of one accelerator: area by block, its source, and the
static power the cost path charges. Reports and sweeps both read :func:`physical`, so a
sweep row and ``simulate(...).summary()`` agree.
"""

from __future__ import annotations

from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, NamedTuple

import numpy as np

from ..hardware.spec import Accelerator
from .accelerator import component_table
from .pricing import byte_energies

AREA_BLOCKS = ("pe_array", "scratchpad", "accumulator", "l2", "nonlinear_units", "dma_control")
"""Blocks of ``area_breakdown`` (mm^2), in report order."""


class Physical(NamedTuple):
    """Area (mm^2) and static power (W) of one design."""

    area_mm2: float
    """The spec's ``area_mm2`` if typed (``area_source == "spec"``), else the model's total."""
    area_source: str
    """``model`` (component models) or ``spec`` (a typed override)."""
    area_model_mm2: float
    """The component models' total, mm^2 (also when overridden)."""
    area_breakdown: Mapping[str, float]
    """Component models' area by :data:`AREA_BLOCKS`, mm^2 (sums to ``area_model_mm2``)."""
    leakage_w: float
    """Static power charged x time: the models' leakage (``energy.per_action: model``) or
    ``energy.static_power_mw`` (``table``), W."""


def _block(component: str) -> str:
    if component == "mac":
        return "pe_array"
    if component.startswith("unit:"):
        return "nonlinear_units"
    if component in ("dma", "overhead"):
        return "dma_control"
    return component


@lru_cache(maxsize=4096)
def physical(hw: Accelerator) -> Physical:
    """Area by block, area source and static power of ``hw``. ``dma_control`` is the DMA
    datapath plus the ``overhead`` component (0 by default: no cited control / clock-tree
    fraction; see docs/components.md)."""
    t = component_table(hw)
    blocks = dict.fromkeys(AREA_BLOCKS, 0.0)
    for component, mm2 in t.area_mm2.items():
        blocks[_block(component)] += mm2
    model = float(sum(blocks.values()))
    typed = hw.area_mm2 is not None
    return Physical(float(hw.area_mm2) if typed else model, "spec" if typed else "model", model,
                    MappingProxyType(blocks), byte_energies(hw).static_power_w)


def efficiency(latency_s, energy_j, macs, area_mm2) -> dict:
    """``power_w`` (energy / latency, W), ``tops_per_w`` (2 x MACs / energy, 10^12 ops per J =
    TOPS/W) and ``tops_per_mm2`` (2 x MACs / latency / area, TOPS per mm^2) achieved on a pass:
    floats or numpy arrays alike; 0 where the divisor is 0."""
    lat, e, ops, a = (np.asarray(v, dtype=float) for v in (latency_s, energy_j, macs, area_mm2))
    ops = 2.0 * ops
    with np.errstate(divide="ignore", invalid="ignore"):
        out = {"power_w": np.where(lat > 0, e / lat, 0.0),
               "tops_per_w": np.where(e > 0, ops / e / 1e12, 0.0),
               "tops_per_mm2": np.where((lat > 0) & (a > 0), ops / lat / a / 1e12, 0.0)}
    if out["power_w"].ndim == 0:
        return {k: float(v) for k, v in out.items()}
    return out
