"""Nonlinear units as functions of their own parameters: energy per element-operation
(J), area (m^2), leakage (W), throughput and latency -- built from the primitives of
:mod:`.arith` and :mod:`.sram` at 45 nm, then scaled to the design's node.

A unit has ``lanes`` identical lanes. An *element-operation* is one pass of one lane
over one element (softmax makes 3 passes: max, exp + sum, normalise). Each lane's
hardware is a list of stages; each stage's output is latched (``bits`` flip-flops).
A pass uses some of the stages; the energy of one element-operation is the energy of
the stages of that pass, averaged over the function's passes.

Per-lane datapaths (``b`` = datapath width in bits):

* LUT (``LutUnit``: entries, entry_bits, interpolation): pass 1 comparator (max);
  pass 2 subtract, table read -- an SRAM (or flip-flops) of ``entries x entry_bits`` per
  lane, words two entries wide for linear interpolation -- interpolation multiply + add, accumulate
  add; pass 3 multiply by the reciprocal of the sum;
* CORDIC (``CordicUnit``: iterations): as LUT but the exp core is hyperbolic CORDIC:
  each iteration 3 adders (x, y, z); *unrolled* (default) = ``iterations`` stages with
  wired shifts (area ~ iterations, one element per cycle); *iterative* = one stage with
  two barrel shifters reused ``iterations`` times (throughput / iterations); + a final
  add (cosh + sinh);
* cross-road (``CrossRoadSoftmax``): pass 1 two comparators (max and second max);
  pass 2 multiply by log2 e, round, barrel shift (2^round), accumulate add, and the
  one-hot path's subtract (difference unit) and mux; pass 3 multiply by the reciprocal;
* I-BERT (``IBertUnit``: bits): pass 1 comparator; pass 2 subtract, second-order
  integer polynomial (2 multipliers + 2 adders at ``bits``), shift, accumulate add;
  pass 3 multiply (integer normalisation) -- used for every I-BERT function;
* exact (``ExactUnit``): one FP32 multiply + FP32 add per element-operation;
* vector (``VectorUnit``): one 32-bit multiply + 32-bit add per element-operation;
* gate inventory (LLaMA-3 fixed-point adders/multipliers): :func:`gate_inventory_cost`.

Per unit (not per lane), area only: one reciprocal (``b`` adders of ``b`` bits, an
array divider) -- its energy, once per vector, is not charged.

Power at clock ``f``: ``lanes * f * E_cycle + leakage`` where ``E_cycle`` is the
energy of the stages one lane switches per cycle (for the iterative CORDIC: one
iteration). Leakage: logic leakage density x logic area + the SRAM law's leakage.

Parameters the spec does not carry are keyword arguments with documented defaults:
``datapath_bits=16`` (LUT / CORDIC / cross-road), ``cordic_unrolled=True``,
``lut_storage="sram"`` (or ``"flops"``: a register file).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from . import technology
from .arith import (
    Cost,
    adder,
    barrel_shifter,
    comparator,
    flip_flops,
    gate_logic,
    int_adder,
    int_multiplier,
    logic_leakage_w_per_m2,
    multiplier,
    number_format,
)
from .sram import cell_leakage_factor, register_file, sram

DEFAULT_DATAPATH_BITS = 16
"""Width of the LUT / CORDIC / cross-road datapaths when the spec does not state one."""
SOFTMAX_PASSES = 3


class UnitCost(NamedTuple):
    """A nonlinear unit at a node (SI units)."""

    energy_per_element_op_j: float
    energy_per_cycle_j: float
    """Energy one lane switches per cycle."""
    area_m2: float
    leakage_w: float
    lanes: int
    cycles_per_element: int
    """Cycles a lane spends on one element-operation (iterative CORDIC: its iterations)."""
    latency_cycles: int
    """Pipeline depth (stages a value passes through)."""

    @property
    def elements_per_cycle(self) -> float:
        return self.lanes / self.cycles_per_element

    def power_w(self, clock_hz: float) -> float:
        """Dynamic + leakage power with every lane busy at ``clock_hz``."""
        return self.lanes * clock_hz * self.energy_per_cycle_j + self.leakage_w


def _latched(parts: list[Cost], bits: int) -> Cost:
    """Stages plus an output register of ``bits`` each."""
    total = Cost(0.0, 0.0)
    for p in parts:
        total = total + p + flip_flops(bits)
    return total


class _Lane(NamedTuple):
    passes: tuple[Cost, ...]
    """Logic used by each pass (latched)."""
    sram_area_m2: float
    sram_leakage_w: float
    shared_area_m2: float
    """Per-unit logic (not per lane)."""
    cycles_per_element: int
    cycle_energy_j: float
    depth: int


def _softmax_lane(b: int, exp_core: list[Cost], exp_sram_read_j: float = 0.0, sram_area: float = 0.0,
                  sram_leak: float = 0.0, cycles: int = 1, cycle_energy: float | None = None,
                  pass1: list[Cost] | None = None) -> _Lane:
    p1 = _latched(pass1 if pass1 is not None else [comparator(b)], b)
    p2 = _latched([int_adder(b)] + exp_core + [int_adder(2 * b)], b) + Cost(exp_sram_read_j, 0.0)
    p3 = _latched([int_multiplier(b)], b)
    e_cycle = (p1.energy_j + p2.energy_j + p3.energy_j) / SOFTMAX_PASSES if cycle_energy is None else cycle_energy
    return _Lane((p1, p2, p3), sram_area, sram_leak, int_adder(b).scaled(b).area_m2, cycles, e_cycle,
                 len(exp_core) + 4)


def _lut_lane(entries: int, entry_bits: int, interpolation: str, b: int, storage: str) -> _Lane:
    width = entry_bits * (2 if interpolation == "linear" else 1)
    if storage == "sram":
        table = sram(entries * entry_bits / 8.0, width)
    elif storage == "flops":
        table = register_file(max(1, entries * entry_bits // width), width)
    else:
        raise ValueError(f"lut_storage: must be 'sram' or 'flops' (got {storage!r})")
    core = [int_multiplier(b), int_adder(b)] if interpolation == "linear" else []
    return _softmax_lane(b, core, table.read_energy_j, table.area_m2, table.leakage_w)


def _cordic_lane(iterations: int, b: int, unrolled: bool) -> _Lane:
    stage = _latched([int_adder(b)] * 3, b)
    if unrolled:
        return _softmax_lane(b, [int_adder(b)] * (3 * iterations) + [int_adder(b)])
    shifters = barrel_shifter(b).scaled(2)
    one = stage + shifters
    lane = _softmax_lane(b, [int_adder(b)] * 3 + [shifters, int_adder(b)])
    # the exp pass reuses one stage `iterations` times: its energy per element is iterations x one stage
    p2 = lane.passes[1] + one.scaled(iterations - 1)
    e_elem = (lane.passes[0].energy_j + p2.energy_j + lane.passes[2].energy_j) / SOFTMAX_PASSES
    return lane._replace(passes=(lane.passes[0], Cost(p2.energy_j, lane.passes[1].area_m2), lane.passes[2]),
                         cycles_per_element=iterations, cycle_energy_j=e_elem / iterations)


def _crossroad_lane(b: int) -> _Lane:
    pass1 = [comparator(b), comparator(b)]
    core = [int_multiplier(b), barrel_shifter(b), int_adder(b), gate_logic(2 * b, b, 0)]
    return _softmax_lane(b, core, pass1=pass1)


def _ibert_lane(bits: int) -> _Lane:
    core = [int_multiplier(bits), int_adder(bits), int_multiplier(bits), int_adder(bits), barrel_shifter(bits)]
    return _softmax_lane(bits, core)


def _fma_lane(fmt_name: str) -> _Lane:
    fmt = number_format(fmt_name)
    p = _latched([multiplier(fmt), adder(fmt)], fmt.bits)
    return _Lane((p,), 0.0, 0.0, 0.0, 1, p.energy_j, 2)


def _lane(unit, datapath_bits: int, cordic_unrolled: bool, lut_storage: str) -> _Lane:
    kind = unit.kind
    if kind == "lut":
        return _lut_lane(unit.entries, unit.entry_bits, unit.interpolation, datapath_bits, lut_storage)
    if kind == "cordic":
        return _cordic_lane(unit.iterations, datapath_bits, cordic_unrolled)
    if kind == "crossroad":
        return _crossroad_lane(datapath_bits)
    if kind == "ibert":
        return _ibert_lane(unit.bits)
    if kind == "exact":
        return _fma_lane("fp32")
    if kind == "vector":
        return _fma_lane("int32")
    raise ValueError(f"nonlinear unit: kind {kind!r} has no hardware on the accelerator")


@lru_cache(maxsize=1024)
def unit_cost(unit, technology_nm: float | None = None, vdd: float | None = None,
              datapath_bits: int = DEFAULT_DATAPATH_BITS, cordic_unrolled: bool = True,
              lut_storage: str = "sram", sram_cells: str = "hp") -> UnitCost:
    """Cost of an on-accelerator nonlinear unit spec (``accelmodel.hardware.nonlinear``) at
    ``technology_nm`` (None = 45 nm). ``datapath_bits`` and ``cordic_unrolled`` are not in the
    spec yet; ``lut_storage`` = ``"sram"`` (CACTI law) or ``"flops"`` (a register file, as a
    standard-cell synthesis without a memory compiler builds it); ``sram_cells``: the device
type of a LUT's SRAM (its leakage, :func:`.sram.cell_leakage_factor`) -- see the module doc."""
    if datapath_bits < 2:
        raise ValueError(f"datapath_bits: must be at least 2 (got {datapath_bits})")
    lane = _lane(unit, datapath_bits, cordic_unrolled, lut_storage)
    sc = technology.scaling(technology_nm, vdd)
    n = len(lane.passes)
    e_elem = sum(p.energy_j for p in lane.passes) / n
    logic_area = unit.lanes * sum(p.area_m2 for p in lane.passes) + lane.shared_area_m2
    leak = (logic_leakage_w_per_m2() * logic_area
            + unit.lanes * lane.sram_leakage_w * cell_leakage_factor(sram_cells))
    area = logic_area + unit.lanes * lane.sram_area_m2
    return UnitCost(e_elem * sc.energy, lane.cycle_energy_j * sc.energy, area * sc.area, leak * sc.leakage,
                    unit.lanes, lane.cycles_per_element, lane.depth)


def gate_inventory_cost(and_gates: float, or_gates: float, xor_gates: float,
                        technology_nm: float | None = None, vdd: float | None = None) -> tuple[float, float, float]:
    """(energy per operation J, area m^2, leakage W) of logic given by its AND/OR/XOR gate
    counts (e.g. ``accelmodel.numerics.gates.total_gates(plan)``): NanGate 45 nm cell areas,
    Horowitz logic energy density, logic leakage density, scaled to the node."""
    c = gate_logic(and_gates, or_gates, xor_gates)
    sc = technology.scaling(technology_nm, vdd)
    return c.energy_j * sc.energy, c.area_m2 * sc.area, logic_leakage_w_per_m2() * c.area_m2 * sc.leakage
