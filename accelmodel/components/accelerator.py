"""The component table of one accelerator design: energy per action, area and leakage
of every physical component, from the hardware spec's own fields.

``component_table(hw)`` reads: ``array.rows/cols/dataflow``, ``dtypes.*_bits``,
``scratchpad_kib`` + ``scratchpad_banks``, ``accumulator_kib`` + ``accumulator_banks``,
``l2.size_kib`` + ``l2.bandwidth_bytes_per_cycle``, ``dram.energy_pj_per_bit``,
``dma_bytes_per_cycle``, ``clock_ghz``, ``technology_nm`` (None = 45 nm), ``sram_cells``
(SRAM leakage) and the
nonlinear unit specs (their parameters, not their typed ``power_mw``/``area_mm2``).

Energy entries (J), keyed ``(component, action)``:

=====================  ===================  =========================================
component              action               per
=====================  ===================  =========================================
``mac``                ``mac``              one multiply-accumulate in one PE
``scratchpad``         ``read``/``write``   byte (one word access / bytes per word)
``accumulator``        ``read``/``write``   byte
``l2``                 ``read``/``write``   byte
``dram``               ``read``/``write``   byte (the spec's pJ/bit x 8)
``dma``                ``byte_hop``         byte moved one register stage
``unit:<slot>``        ``element_op``       one element-operation of that slot's unit
=====================  ===================  =========================================

Energy of a run = ``sum(count[(c, a)] * table.energy_j[(c, a)]) + table.total_leakage_w *
seconds`` (:meth:`ComponentTable.energy_of`). Areas in mm^2, leakage in W. The
``overhead`` component (control, clock tree, NoC routers) is ``overhead_fraction`` of the
other areas and leakages -- 0 by default: no cited fraction is in the anchors yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from ..hardware.spec import Accelerator
from . import technology
from .arith import logic_leakage_w_per_m2
from .interconnect import byte_hop_energy_j, dma_datapath
from .mac import pe
from .sram import sram
from .units import unit_cost

M2_TO_MM2 = 1e6
SLOTS = ("softmax", "activation", "norm", "elementwise")


@dataclass(frozen=True)
class ComponentTable:
    """Per-component energy per action (J), area (mm^2) and leakage (W) of one design."""

    technology_nm: float
    clock_hz: float
    energy_j: Mapping[tuple[str, str], float]
    area_mm2: Mapping[str, float]
    leakage_w: Mapping[str, float]
    access_time_s: Mapping[str, float]
    """SRAM access times (compare with ``1 / clock_hz``)."""
    shared: Mapping[str, str]
    """Unit slots whose hardware is another slot's (identical spec): slot -> owner."""

    @property
    def total_area_mm2(self) -> float:
        return float(sum(self.area_mm2.values()))

    @property
    def total_leakage_w(self) -> float:
        return float(sum(self.leakage_w.values()))

    def energy(self, component: str, action: str) -> float:
        """Energy of one action, J; KeyError naming the pair if absent."""
        try:
            return self.energy_j[(component, action)]
        except KeyError:
            raise KeyError(f"component table has no ({component!r}, {action!r})") from None

    def energy_of(self, counts: Mapping[tuple[str, str], float], seconds: float = 0.0) -> float:
        """``sum(counts x energies) + total leakage x seconds``, J."""
        return sum(n * self.energy(c, a) for (c, a), n in counts.items()) + self.total_leakage_w * seconds


def _sram_entries(name: str, capacity_bytes: float, word_bits: int, banks: int, node: float,
                  vdd: float | None, cells: str, energy: dict, area: dict, leak: dict, timing: dict) -> None:
    if word_bits * banks > capacity_bytes * 8:
        raise ValueError(f"{name}: {banks} bank(s) cannot each hold one {word_bits}-bit row "
                         f"({capacity_bytes:g} bytes in all)")
    s = sram(capacity_bytes, word_bits, banks, 1, node, vdd, cells)
    energy[(name, "read")] = s.read_energy_j_per_byte
    energy[(name, "write")] = s.write_energy_j_per_byte
    area[name] = s.area_m2 * M2_TO_MM2
    leak[name] = s.leakage_w
    timing[name] = s.access_time_s


@lru_cache(maxsize=4096)
def component_table(hw: Accelerator, vdd: float | None = None, l2_banks: int = 1, dma_stages: int = 2,
                    overhead_fraction: float = 0.0, datapath_bits: int = 16, cordic_unrolled: bool = True,
                    lut_storage: str = "sram") -> ComponentTable:
    """The component table of ``hw`` (memoised on the frozen spec and the keyword arguments).

    Keyword arguments are parameters the spec does not carry yet: supply ``vdd`` (None =
    the node's nominal), ``l2_banks``, ``dma_stages`` (register stages of the DMA path; a
    byte moved scratchpad <-> L2 / DRAM crosses them: charge ``dma_stages`` byte-hops),
    ``overhead_fraction`` (control / clock / NoC as a fraction of the rest),
    ``datapath_bits`` / ``cordic_unrolled`` / ``lut_storage`` (nonlinear units)."""
    if not 0.0 <= overhead_fraction < 1.0:
        raise ValueError(f"overhead_fraction: must be in [0, 1) (got {overhead_fraction})")
    node = float(hw.technology_nm) if hw.technology_nm is not None else technology.REFERENCE_NM
    sc = technology.scaling(node, vdd)
    d = hw.dtypes
    energy: dict[tuple[str, str], float] = {}
    area: dict[str, float] = {}
    leak: dict[str, float] = {}
    timing: dict[str, float] = {}

    cell = pe(d.input_bits, d.weight_bits, d.accumulator_bits, hw.array.dataflow)
    energy[("mac", "mac")] = cell.energy_per_mac_j * sc.energy
    array_m2 = hw.array.pes * cell.area_m2
    area["mac"] = array_m2 * sc.area * M2_TO_MM2
    leak["mac"] = logic_leakage_w_per_m2() * array_m2 * sc.leakage

    cols = hw.array.cols
    _sram_entries("scratchpad", hw.scratchpad_bytes, cols * max(d.input_bits, d.weight_bits),
                  hw.scratchpad_banks, node, vdd, hw.sram_cells, energy, area, leak, timing)
    _sram_entries("accumulator", hw.accumulator_bytes, cols * d.accumulator_bits, hw.accumulator_banks,
                  node, vdd, hw.sram_cells, energy, area, leak, timing)
    if hw.l2 is not None:
        _sram_entries("l2", hw.l2.size_kib * 1024.0, int(hw.l2.bandwidth_bytes_per_cycle * 8), l2_banks,
                      node, vdd, hw.sram_cells, energy, area, leak, timing)

    dram_j_per_byte = hw.dram.energy_pj_per_bit * 8e-12
    energy[("dram", "read")] = dram_j_per_byte
    energy[("dram", "write")] = dram_j_per_byte

    energy[("dma", "byte_hop")] = byte_hop_energy_j(node, vdd)
    dma_area, dma_leak = dma_datapath(hw.dma_bytes_per_cycle, dma_stages, node, vdd)
    area["dma"] = dma_area * M2_TO_MM2
    leak["dma"] = dma_leak

    shared: dict[str, str] = {}
    owners: dict[object, str] = {}
    for slot in SLOTS:
        unit = getattr(hw.nonlinear, slot)
        if not unit.on_accelerator:
            continue
        name = f"unit:{slot}"
        cost = unit_cost(unit, node, vdd, datapath_bits, cordic_unrolled, lut_storage, hw.sram_cells)
        energy[(name, "element_op")] = cost.energy_per_element_op_j
        if unit in owners:
            shared[name] = owners[unit]
            continue
        owners[unit] = name
        area[name] = cost.area_m2 * M2_TO_MM2
        leak[name] = cost.leakage_w

    rest_area, rest_leak = sum(area.values()), sum(leak.values())
    area["overhead"] = rest_area * overhead_fraction / (1.0 - overhead_fraction)
    leak["overhead"] = rest_leak * overhead_fraction / (1.0 - overhead_fraction)

    return ComponentTable(node, hw.clock_ghz * 1e9, MappingProxyType(energy), MappingProxyType(area),
                          MappingProxyType(leak), MappingProxyType(timing), MappingProxyType(shared))


def table_key(hw: Accelerator) -> tuple:
    """Every spec value :func:`component_table` reads (with default keyword arguments), as
    a tuple of plain values (cheap to hash): designs with equal keys have equal tables (a
    sweep over DRAM bandwidth or host parameters shares one table)."""
    nl = hw.nonlinear
    return (tuple(hw.array.__dict__.values()), tuple(hw.dtypes.__dict__.values()), hw.scratchpad_kib,
            hw.scratchpad_banks, hw.accumulator_kib, hw.accumulator_banks,
            None if hw.l2 is None else tuple(hw.l2.__dict__.values()), hw.dram.energy_pj_per_bit,
            hw.dma_bytes_per_cycle, hw.clock_ghz, hw.technology_nm, hw.sram_cells,
            tuple(tuple(getattr(nl, slot).__dict__.values()) for slot in SLOTS))


_BY_KEY: dict[tuple, ComponentTable] = {}
_BY_KEY_SIZE = 8192


def shared_component_table(hw: Accelerator) -> ComponentTable:
    """:func:`component_table` of ``hw`` with default keyword arguments, memoised on
    :func:`table_key`."""
    key = table_key(hw)
    t = _BY_KEY.get(key)
    if t is None:
        t = component_table.__wrapped__(hw)
        if len(_BY_KEY) >= _BY_KEY_SIZE:
            _BY_KEY.pop(next(iter(_BY_KEY)), None)
        _BY_KEY[key] = t
    return t
