"""Arithmetic primitives at 45 nm: integer / floating-point multipliers and adders,
flip-flops and NAND2 gate equivalents -- energy per operation (J) and area (m^2).

Anchors: ``data/arith_anchors.csv`` (Horowitz, ISSCC 2014, 45 nm table; Aladdin
45 nm register; NanGate 45 nm NAND2_X1). Each law has ONE fitted constant, fitted
on ONE anchor (named below); the other anchors are predictions (tests check them):

* integer multiplier, ``a x b`` bits (array multiplier: ``a*b`` partial-product
  cells): ``E = e_mul * a * b``, ``A = A_mul * a * b``; fitted on the 8-bit
  multiplier (0.2 pJ, 282 um^2), predicts 32-bit: 3.2 pJ (+3 %), 4512 um^2 (+29 %);
* integer adder, ``w`` bits (ripple/carry chain): ``E = e_add * w``, ``A = A_add * w``;
  fitted on the 32-bit adder (0.1 pJ, 137 um^2), predicts 8-bit: 0.025 pJ (-17 %), 34 um^2 (-5 %);
* floating-point multiplier, significand ``m`` bits (with the hidden bit) and
  exponent ``e`` bits: ``X = F_X * X_intmul(m, m) + X_intadd(e)`` (significand array
  plus exponent adder; ``F_X`` covers rounding / normalisation); ``F_E``, ``F_A``
  fitted on FP16 (1.1 pJ, 1640 um^2), predict FP32: 5.2 pJ (+40 %), 7740 um^2 (+1 %);
* floating-point adder (align shift + significand add + normalise):
  ``E = k_E * m`` and ``A = k_A * m * log2(m)``; fitted on FP32 (0.9 pJ, 4184 um^2),
  predict FP16: 0.41 pJ (+3 %), 1447 um^2 (+6 %);
* flip-flop: ``E_ff`` per bit per clocked update, ``A_ff`` per bit (Aladdin 45 nm: 0.009 pJ, 5.98 um^2);
* logic energy density (for gate-count units): Horowitz's 32-bit adder energy per um^2,
  ``0.1 pJ / 137 um^2`` per operation; predicts the 8-bit multiplier at 0.21 pJ (+3 %).

Everything is at 45 nm, nominal supply; scale with :mod:`.technology`.
"""

from __future__ import annotations

import math
from functools import cache
from typing import NamedTuple

from ._data import read_rows

PJ = 1e-12
UM2 = 1e-12
"""1 um^2 in m^2."""
_UNIT = {"pJ": PJ, "um2": UM2, "W": 1.0}


class NumberFormat(NamedTuple):
    """An operand format: integer (``significand_bits`` = width, no exponent) or floating point."""

    name: str
    bits: int
    significand_bits: int
    """Integer: the width. Floating point: mantissa + hidden bit."""
    exponent_bits: int

    @property
    def is_float(self) -> bool:
        return self.exponent_bits > 0


FORMATS = {
    "int4": NumberFormat("int4", 4, 4, 0),
    "int8": NumberFormat("int8", 8, 8, 0),
    "int16": NumberFormat("int16", 16, 16, 0),
    "int32": NumberFormat("int32", 32, 32, 0),
    "fp8_e4m3": NumberFormat("fp8_e4m3", 8, 4, 4),
    "fp8_e5m2": NumberFormat("fp8_e5m2", 8, 3, 5),
    "fp16": NumberFormat("fp16", 16, 11, 5),
    "bf16": NumberFormat("bf16", 16, 8, 8),
    "fp32": NumberFormat("fp32", 32, 24, 8),
}


def number_format(fmt: str | int) -> NumberFormat:
    """A format by name (``FORMATS``) or an integer width in bits (``8`` -> an 8-bit integer)."""
    if isinstance(fmt, bool):
        raise TypeError(f"format: expected a name or a bit width, got {fmt!r}")
    if isinstance(fmt, int):
        if fmt < 1 or fmt > 64:
            raise ValueError(f"format: integer width must be 1-64 bits (got {fmt})")
        return NumberFormat(f"int{fmt}", fmt, fmt, 0)
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"format: unknown {fmt!r} (known: {', '.join(FORMATS)} or a bit width)") from None


@cache
def anchor(primitive: str, fmt: str, bits: int, quantity: str) -> float:
    """One value of ``data/arith_anchors.csv`` in SI units (J or m^2)."""
    for r in read_rows("arith_anchors.csv"):
        if (r["primitive"], r["format"], int(r["bits"]), r["quantity"]) == (primitive, fmt, bits, quantity):
            return float(r["value"]) * _UNIT[r["unit"]]
    raise KeyError(f"arith_anchors.csv has no {primitive} {fmt} {bits}-bit {quantity}")


class Cost(NamedTuple):
    """Energy of one operation (J) and area (m^2) of one primitive at 45 nm."""

    energy_j: float
    area_m2: float

    def __add__(self, other):  # element-wise, not tuple concatenation
        return Cost(self.energy_j + other.energy_j, self.area_m2 + other.area_m2)

    def scaled(self, k: float) -> Cost:
        return Cost(self.energy_j * k, self.area_m2 * k)


def int_multiplier(a_bits: int, b_bits: int | None = None) -> Cost:
    """``a x b``-bit integer multiplier: energy and area ~ ``a * b`` (fitted on 8 x 8 bits)."""
    b = a_bits if b_bits is None else b_bits
    cells = a_bits * b
    return Cost(anchor("int_mul", "int", 8, "energy") / 64 * cells, anchor("int_mul", "int", 8, "area") / 64 * cells)


def int_adder(bits: int) -> Cost:
    """``bits``-wide integer adder: energy and area ~ width (fitted on 32 bits)."""
    return Cost(anchor("int_add", "int", 32, "energy") / 32 * bits, anchor("int_add", "int", 32, "area") / 32 * bits)


@cache
def _fp_mul_factors() -> tuple[float, float]:
    f16 = FORMATS["fp16"]
    core = int_multiplier(f16.significand_bits)
    exp = int_adder(f16.exponent_bits)
    return ((anchor("fp_mul", "fp16", 16, "energy") - exp.energy_j) / core.energy_j,
            (anchor("fp_mul", "fp16", 16, "area") - exp.area_m2) / core.area_m2)


def fp_multiplier(fmt: NumberFormat) -> Cost:
    """Floating-point multiplier: ``F * int_multiplier(m) + int_adder(e)`` (F fitted on FP16)."""
    fe, fa = _fp_mul_factors()
    core, exp = int_multiplier(fmt.significand_bits), int_adder(fmt.exponent_bits)
    return Cost(fe * core.energy_j + exp.energy_j, fa * core.area_m2 + exp.area_m2)


def fp_adder(fmt: NumberFormat) -> Cost:
    """Floating-point adder: energy ~ m, area ~ m log2 m (m = significand bits; fitted on FP32)."""
    m32 = FORMATS["fp32"].significand_bits
    m = fmt.significand_bits
    e = anchor("fp_add", "fp32", 32, "energy") / m32 * m
    a = anchor("fp_add", "fp32", 32, "area") / (m32 * math.log2(m32)) * m * math.log2(max(m, 2))
    return Cost(e, a)


def multiplier(fmt: NumberFormat, other: NumberFormat | None = None) -> Cost:
    """Multiplier for operands ``fmt`` x ``other`` (default: the same format). Mixed int
    widths are an ``a x b`` array; floating point needs both operands in one format."""
    o = fmt if other is None else other
    if fmt.is_float or o.is_float:
        if fmt != o:
            raise ValueError(f"multiplier: mixed operand formats {fmt.name} x {o.name} are not modelled")
        return fp_multiplier(fmt)
    return int_multiplier(fmt.bits, o.bits)


def adder(fmt: NumberFormat) -> Cost:
    """Adder (accumulator) in ``fmt``."""
    return fp_adder(fmt) if fmt.is_float else int_adder(fmt.bits)


def flip_flops(bits: float) -> Cost:
    """``bits`` flip-flops: energy of one clocked update of all of them, and their area."""
    return Cost(anchor("register", "int", 1, "energy") * bits, anchor("register", "int", 1, "area") * bits)


def nand2_area_m2() -> float:
    """Area of one NAND2 gate equivalent (NanGate 45 nm NAND2_X1), m^2."""
    return anchor("nand2", "int", 1, "area")


def logic_energy_per_m2() -> float:
    """Switching energy of one operation per m^2 of datapath logic, J/m^2 (Horowitz 32-bit adder)."""
    return anchor("int_add", "int", 32, "energy") / anchor("int_add", "int", 32, "area")


def logic_leakage_w_per_m2() -> float:
    """Leakage power per m^2 of standard-cell logic at 45 nm, W/m^2 (Accelergy 45 nm intmac: 3.6 uW / 417 um^2)."""
    return anchor("intmac_8x8_add16", "int", 8, "leakage_power") / anchor("intmac_8x8_add16", "int", 8, "area")


def comparator(bits: int) -> Cost:
    """``bits``-wide magnitude comparator: energy and area ~ width (Aladdin 45 nm, 32 bits)."""
    per_bit_energy = anchor("comparator", "int", 32, "energy") / 32
    per_bit_area = anchor("comparator", "int", 32, "area") / 32
    return Cost(per_bit_energy * bits, per_bit_area * bits)


def gate_logic(and_gates: float, or_gates: float, xor_gates: float) -> Cost:
    """Logic given as AND2/OR2/XOR2 gate counts: area from the NanGate 45 nm cells, energy per
    operation = area x :func:`logic_energy_per_m2` (every gate's share of a switching datapath)."""
    area = (and_gates * anchor("and2", "int", 1, "area") + or_gates * anchor("or2", "int", 1, "area")
            + xor_gates * anchor("xor2", "int", 1, "area"))
    return Cost(area * logic_energy_per_m2(), area)


def barrel_shifter(bits: int) -> Cost:
    """``bits``-wide barrel shifter: ``bits * ceil(log2 bits)`` 2:1 multiplexers, each taken as
    2 AND2 + 1 OR2 (:func:`gate_logic`)."""
    muxes = bits * max(1, math.ceil(math.log2(bits)))
    return gate_logic(2 * muxes, muxes, 0)
