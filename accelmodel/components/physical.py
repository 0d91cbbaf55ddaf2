"""Design-level physical figures of one accelerator: area by block, its source, and the
static power the cost path charges. Reports and sweeps both read :func:`physical`, so a
sweep row and ``simulate(...).summary()`` agree.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Mapping, NamedTuple

from ..hardware.spec import Accelerator
from ._memo import SpecMemo
from .accelerator import ComponentTable, shared_component_table
from .pricing import ByteEnergies, byte_energies_of

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


def _area_blocks(t: ComponentTable) -> tuple[Mapping[str, float], float]:
    """Area by :data:`AREA_BLOCKS` (mm^2) of a component table, and their total."""
    blocks = dict.fromkeys(AREA_BLOCKS, 0.0)
    for component, mm2 in t.area_mm2.items():
        blocks[_block(component)] += mm2
    return MappingProxyType(blocks), float(sum(blocks.values()))


_blocks = SpecMemo(_area_blocks, 8192)


def _figures(hw: Accelerator) -> tuple[ByteEnergies, Physical]:
    """What the cost path charges and the reports show of ``hw``, from one component table.
    ``dma_control`` is the DMA datapath plus the ``overhead`` component (0 by default: no
    cited control / clock-tree fraction; see docs/components.md)."""
    t = shared_component_table(hw)
    energies = byte_energies_of(hw, t)
    blocks, model = _blocks(t)
    if hw.area_mm2 is not None:  # a typed override of the total
        return energies, Physical(float(hw.area_mm2), "spec", model, blocks, energies.static_power_w)
    return energies, Physical(model, "model", model, blocks, energies.static_power_w)


_FIGURES = SpecMemo(_figures, 4096)


def physical(hw: Accelerator) -> Physical:
    """Area by block, area source and static power of ``hw`` (memoised per design)."""
    return _FIGURES(hw)[1]


def byte_energies(hw: Accelerator) -> ByteEnergies:
    """The per-action energies (J) and static power (W) the cost path charges for ``hw``:
    the component models' (``energy.per_action: model``) or the spec's table (``table``);
    memoised per design."""
    return _FIGURES(hw)[0]


def efficiency(latency_s: float, energy_j: float, macs: float, area_mm2: float) -> dict[str, float]:
    """``power_w`` (energy / latency, W), ``tops_per_w`` (2 x MACs / energy, 10^12 ops per J =
    TOPS/W) and ``tops_per_mm2`` (2 x MACs / latency / area, TOPS per mm^2) achieved on a
    pass; 0 where the divisor is 0, NaN in gives NaN out."""
    ops = 2.0 * macs
    return {"power_w": energy_j / latency_s if latency_s > 0 else (0.0 if latency_s == 0 else math.nan),
            "tops_per_w": ops / energy_j / 1e12 if energy_j > 0 else (0.0 if energy_j == 0 else math.nan),
            "tops_per_mm2": ops / latency_s / area_mm2 / 1e12 if latency_s > 0 and area_mm2 > 0
            else (0.0 if latency_s == 0 else math.nan)}
