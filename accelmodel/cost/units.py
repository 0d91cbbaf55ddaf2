"""Hardware cost of one nonlinear unit computing one function, on one design:
throughput, pipeline latency, power, energy per element, area, table memory.

Pure functions of (unit, function, hardware). The figures are the unit spec's
(``accelmodel.hardware.nonlinear``) taken to the accelerator's clock and, if the
spec states one, its technology node:

* on-accelerator units: ``lanes`` element-operations per cycle, so
  ``lanes * clock_ghz`` G element-operations/s; power ``unit.power_mw_at(clock,
  node)`` (linear in the clock, energy per element-operation unchanged); area
  ``unit.area_mm2_at(node)``; LUT memory ``entries * entry_bits / 8`` bytes;
* CPU offload: the host's power; one element costs the function's
  ``host.cycles_per_element`` plus a dequantize and a quantize (the memory round
  trip and the per-op hand-off are in the end-to-end model, not here); no
  accelerator area.

An *element-operation* is one pass of the unit over one element; the end-to-end
model charges ``PASSES[function]`` of them per output element (softmax 3: max,
exp + sum, normalise). ``outputs_per_cycle`` divides by that.
"""

from __future__ import annotations

from ..hardware.nonlinear import CpuOffload, LutUnit, supports
from ..hardware.spec import Accelerator
from .demand import PASSES

COLUMNS = ("lanes", "elements_per_cycle", "outputs_per_cycle", "throughput_gops", "latency_cycles", "clock_ghz",
           "power_mw", "energy_pj_per_element", "area_mm2", "table_bytes", "technology_nm")
"""Keys of :func:`unit_cost` (units: elements/cycle, G element-operations/s, cycles, GHz,
mW, pJ, mm^2, bytes, nm; None where not applicable)."""


def unit_cost(unit, function: str, hw: Accelerator | None = None) -> dict:
    """Throughput, latency, power, energy, area and table memory of ``unit`` computing
    ``function`` on ``hw`` (default: ``Accelerator()``, 1 GHz, no node scaling)."""
    hw = hw if hw is not None else Accelerator()
    if not supports(unit.kind, function):
        raise ValueError(f"a {unit.kind!r} unit cannot compute {function}")
    clock, node = hw.clock_ghz, hw.technology_nm
    passes = PASSES.get(function, 1)
    if isinstance(unit, CpuOffload):
        cpu = hw.host
        cyc = cpu.cycles_per_element
        per_element = getattr(cyc, function, cyc.elementwise) + cyc.dequantize + cyc.quantize
        outputs_per_s = cpu.clock_ghz * 1e9 / per_element
        power = cpu.power_w * 1e3
        return dict(lanes=None, elements_per_cycle=outputs_per_s / (clock * 1e9),
                    outputs_per_cycle=outputs_per_s / (clock * 1e9), throughput_gops=outputs_per_s / 1e9,
                    latency_cycles=cpu.offload_overhead_us * 1e3 * clock, clock_ghz=clock, power_mw=power,
                    energy_pj_per_element=power / (outputs_per_s / 1e9), area_mm2=None, table_bytes=None,
                    technology_nm=None)
    return dict(lanes=unit.lanes, elements_per_cycle=float(unit.elements_per_cycle),
                outputs_per_cycle=unit.elements_per_cycle / passes, throughput_gops=unit.lanes * clock,
                latency_cycles=unit.latency_cycles, clock_ghz=clock, power_mw=unit.power_mw_at(clock, node),
                energy_pj_per_element=unit.energy_pj_per_element_at(node),
                area_mm2=unit.area_mm2_at(node) if unit.area_mm2 > 0 else None,
                table_bytes=unit.table_bytes if isinstance(unit, LutUnit) else None,
                technology_nm=node if node is not None else unit.technology_nm)
