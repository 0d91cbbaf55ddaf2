"""MAC / processing element (PE) of a systolic array by operand format and
accumulator format: energy per MAC (J) and PE area (m^2), at 45 nm.

A PE = one multiplier (operand formats) + one accumulator adder (accumulator
format) + its pipeline registers (flip-flops, :func:`.arith.flip_flops`):

* area: registers for the input operand, the weight and the partial sum
  (``input_bits + weight_bits + accumulator_bits`` flip-flops) -- both dataflows
  hold all three;
* energy per MAC: the multiply, the add, and the registers clocked on every MAC:
  weight-stationary (WS) -- the input moves right and the partial sum moves down
  (``input_bits + accumulator_bits``); the weight register is written only on a
  preload (not charged per MAC); output-stationary (OS) -- input and weight move,
  the partial sum is updated in place (``input_bits + weight_bits + accumulator_bits``).

Scaling law (from :mod:`.arith`): integer multiplier energy and area ~ ``a * b``
(width^2 for equal widths), adder ~ width, registers ~ bits; floating point uses the
significand width. So INT8 -> INT16 operands with a 32-bit accumulator (WS):
``E = 4 E_mul8 + E_add32 + E_ff (16 + 32)``; every term is printed by :func:`pe`.

Not modelled: clock-tree and wiring between PEs (the array's wires are short; the
clock tree is in the accelerator's overhead), operand gating / zero skipping, and
activity below 100 % (every MAC switches a full multiply).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple

from .arith import Cost, NumberFormat, adder, flip_flops, multiplier, number_format


class PeCost(NamedTuple):
    """One PE at 45 nm: parts and totals (J per MAC, m^2)."""

    multiplier: Cost
    adder: Cost
    register_area_m2: float
    register_energy_j: float
    """Registers clocked per MAC."""

    @property
    def energy_per_mac_j(self) -> float:
        return self.multiplier.energy_j + self.adder.energy_j + self.register_energy_j

    @property
    def area_m2(self) -> float:
        return self.multiplier.area_m2 + self.adder.area_m2 + self.register_area_m2


def _fmt(x: str | int | NumberFormat) -> NumberFormat:
    return x if isinstance(x, NumberFormat) else number_format(x)


@lru_cache(maxsize=1024)
def pe(input_format: str | int, weight_format: str | int | None = None, accumulator_format: str | int = 32,
       dataflow: Literal["WS", "OS"] = "WS") -> PeCost:
    """PE cost for ``input_format`` x ``weight_format`` (default: the input's) operands,
    accumulating in ``accumulator_format`` (a name such as ``"fp32"`` or an integer width).
    ``dataflow`` decides which registers switch per MAC (see the module doc)."""
    fin = _fmt(input_format)
    fw = fin if weight_format is None else _fmt(weight_format)
    facc = _fmt(accumulator_format)
    if dataflow not in ("WS", "OS"):
        raise ValueError(f"dataflow: must be 'WS' or 'OS' (got {dataflow!r})")
    if facc.bits < max(fin.bits, fw.bits):
        raise ValueError(f"accumulator_format: {facc.name} is narrower than the operands ({fin.name} x {fw.name})")
    mul = multiplier(fin, fw)
    add = adder(facc)
    regs = flip_flops(fin.bits + fw.bits + facc.bits)
    switched = fin.bits + facc.bits + (fw.bits if dataflow == "OS" else 0)
    return PeCost(mul, add, regs.area_m2, flip_flops(switched).energy_j)


def mac_energy_j(input_format: str | int, weight_format: str | int | None = None,
                 accumulator_format: str | int = 32, dataflow: Literal["WS", "OS"] = "WS") -> float:
    """Energy of one MAC in a PE, J (45 nm)."""
    return pe(input_format, weight_format, accumulator_format, dataflow).energy_per_mac_j


def pe_area_m2(input_format: str | int, weight_format: str | int | None = None,
               accumulator_format: str | int = 32) -> float:
    """Area of one PE, m^2 (45 nm)."""
    return pe(input_format, weight_format, accumulator_format).area_m2
