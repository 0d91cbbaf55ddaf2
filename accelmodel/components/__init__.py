"""Physical component models: small pure functions with SI units, each anchored on
published data (``data/*.csv``: paper, table, technology node) with a stated scaling
rule. See ``docs/components.md``.

Imports only ``accelmodel.hardware`` (to read a spec), ``accelmodel.paths`` (data files)
and numpy; nothing from cost, sweep, plots or commands.
"""

from .accelerator import ComponentTable, component_table
from .arith import FORMATS, NumberFormat, number_format
from .dram import dram_energy_j_per_bit
from .interconnect import byte_hop_energy_j
from .physical import AREA_BLOCKS, Physical, byte_energies, efficiency, physical
from .pricing import ByteEnergies
from .mac import PeCost, mac_energy_j, pe, pe_area_m2
from .sram import SramCost, register_file, sram
from .technology import scaling
from .units import UnitCost, gate_inventory_cost, unit_cost

__all__ = [
    "AREA_BLOCKS",
    "Physical",
    "physical",
    "efficiency",
    "ByteEnergies",
    "byte_energies",
    "FORMATS",
    "ComponentTable",
    "NumberFormat",
    "PeCost",
    "SramCost",
    "UnitCost",
    "byte_hop_energy_j",
    "component_table",
    "dram_energy_j_per_bit",
    "gate_inventory_cost",
    "mac_energy_j",
    "number_format",
    "pe",
    "pe_area_m2",
    "register_file",
    "scaling",
    "sram",
    "unit_cost",
]
