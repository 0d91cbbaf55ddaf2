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
from .mac import PeCost, mac_energy_j, pe, pe_area_m2
from .sram import SramCost, register_file, sram
from .technology import scaling
from .units import UnitCost, gate_inventory_cost, unit_cost

__all__ = [
    "ComponentTable", "component_table", "FORMATS", "NumberFormat", "number_format", "dram_energy_j_per_bit",
    "byte_hop_energy_j", "PeCost", "mac_energy_j", "pe", "pe_area_m2", "SramCost", "register_file", "sram",
    "scaling", "UnitCost", "gate_inventory_cost", "unit_cost",
]
