"""What the cost path charges per action of one design: the component models' energies
(``energy.per_action: model``, the default) or the spec's typed table (``table``).

The cost path counts bytes per memory level without telling reads from writes (a byte
that enters a buffer is written once and read at least once), so a memory byte is priced
at the mean of the SRAM model's read and write energy per byte -- a stated first-order
assumption (docs/model.md, "Energy"). Static power is the component models' total leakage
(``model``) or ``energy.static_power_mw`` (``table``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from ..hardware.spec import Accelerator
from .accelerator import component_table

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


@lru_cache(maxsize=4096)
def byte_energies(hw: Accelerator) -> ByteEnergies:
    """The per-action energies (J) and static power (W) the cost path charges for ``hw``."""
    dram = 8.0 * hw.dram.energy_pj_per_bit * 1e-12
    if hw.energy.per_action == "table":
        e = hw.energy
        return ByteEnergies(e.mac_pj * 1e-12, e.scratchpad_pj_per_byte * 1e-12, e.accumulator_pj_per_byte * 1e-12,
                            e.l2_pj_per_byte * 1e-12, dram, e.static_power_mw * 1e-3)
    t = component_table(hw)

    def per_byte(mem: str) -> float:
        if (mem, "read") not in t.energy_j:
            return 0.0
        return 0.5 * (t.energy_j[(mem, "read")] + t.energy_j[(mem, "write")])

    return ByteEnergies(t.energy_j[("mac", "mac")], per_byte("scratchpad"), per_byte("accumulator"),
                        per_byte("l2"), dram, t.total_leakage_w)
