"""What the cost path charges per action of one design: the component models' energies
(``energy.per_action: model``, the default) or the spec's typed table (``table``).

The cost path counts bytes per memory level without telling reads from writes (a byte
that enters a buffer is written once and read at least once), so a memory byte is priced
at the mean of the SRAM model's read and write energy per byte -- a stated first-order
assumption (docs/model.md, "Energy"). Static power is the component models' total leakage
(``model``) or ``energy.static_power_mw`` (``table``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from ..hardware.spec import Accelerator
from ._memo import SpecMemo
from .accelerator import SLOTS, ComponentTable

MEMORIES = ("scratchpad", "accumulator", "l2")


class ByteEnergies(NamedTuple):
    """Per-action energies of one design, J (per byte for memories)."""

    mac: float
    scratchpad: float
    accumulator: float
    l2: float
    """0 without an L2 (``model``)."""
    dram: float
    static_power_w: float
    units: Mapping[str, float]
    """J per element-operation of each on-accelerator slot's unit (``softmax``, ``activation``,
    ``norm``, ``elementwise``): the component model of its parameters (``model``) or its
    typed power (``table``, scaled to the design's node when ``technology_nm`` is set)."""


_UNIT_KEYS = tuple((slot, (f"unit:{slot}", "element_op")) for slot in SLOTS)


def byte_energies_of(hw: Accelerator, t: ComponentTable) -> ByteEnergies:
    """The per-action energies (J) and static power (W) the cost path charges for ``hw``,
    whose component table is ``t`` (memoised per design: :func:`.physical.byte_energies`)."""
    if hw.energy.per_action == "table":
        e = hw.energy
        units = {slot: getattr(hw.nonlinear, slot).energy_pj_per_element_at(hw.technology_nm) * 1e-12
                 for slot in SLOTS if getattr(hw.nonlinear, slot).on_accelerator}
        return ByteEnergies(e.mac_pj * 1e-12, e.scratchpad_pj_per_byte * 1e-12, e.accumulator_pj_per_byte * 1e-12,
                            e.l2_pj_per_byte * 1e-12, 8.0 * hw.dram.energy_pj_per_bit * 1e-12,
                            e.static_power_mw * 1e-3, MappingProxyType(units))
    return _model_energies(t)


def _table_energies(t: ComponentTable) -> ByteEnergies:
    """``energy.per_action: model``: everything from the component table (DRAM: the
    spec's pJ/bit, which the table holds)."""
    e_j = t.energy_j

    def per_byte(mem: str) -> float:
        if (mem, "read") not in e_j:
            return 0.0
        return 0.5 * (e_j[(mem, "read")] + e_j[(mem, "write")])

    units = {slot: e_j[key] for slot, key in _UNIT_KEYS if key in e_j}
    return ByteEnergies(e_j[("mac", "mac")], per_byte("scratchpad"), per_byte("accumulator"), per_byte("l2"),
                        e_j[("dram", "read")], t.total_leakage_w, MappingProxyType(units))


_model_energies = SpecMemo(_table_energies, 8192)
