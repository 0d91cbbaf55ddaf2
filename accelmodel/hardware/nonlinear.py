"""Nonlinear units: which piece of hardware runs softmax, activations, norms and
element-wise ops, and what it costs.

A discriminated union on ``kind``. Every on-accelerator unit has a throughput
(``lanes`` element-operations per accelerator cycle), a pipeline latency, an
active power measured at a reference clock and a technology node, and an area.

Clock. Dynamic power is ``C V^2 f``: at a fixed supply voltage it is
proportional to the clock, so the energy of one element-operation,
``power_mw / (lanes * reference_clock_ghz)`` pJ (mW / GHz = pJ), does not depend
on the clock. On an accelerator clocked at ``f`` GHz a unit therefore draws
``power_mw_at(f) = energy_pj_per_element * lanes * f`` mW (``power_mw`` at
``f = reference_clock_ghz``) and processes ``lanes * f`` G element-operations per
second. Assumed: the unit meets the accelerator's clock (pipelined deep enough)
at the same voltage; leakage is in the accelerator's ``energy.static_power_mw``.
The softmax units' published figures are at 100 MHz ([KimChung-crossroad] in docs/references.md),
so at Gemmini's 1 GHz they draw 10x their printed power at the same pJ/element.

Technology. ``technology_nm`` is the node at which ``power_mw`` and
``area_mm2`` were obtained (45 nm for every default: the softmax units were
synthesised with Nangate 45 nm, the others are built from Horowitz's 45 nm
energies). If the accelerator spec states another node (``Accelerator.
technology_nm``), the unit's figures are scaled to it to first order:

* energy per operation (so power at a given clock) ~ ``(node / technology_nm) ** 1``
  (:data:`ENERGY_NODE_EXPONENT`): switched capacitance shrinks with feature
  size while the supply voltage has stayed near 0.8-1 V since ~90 nm (the end
  of Dennard's constant-field scaling, where V would also shrink and energy
  would go as node^3, :data:`DENNARD_ENERGY_EXPONENT`);
* area ~ ``(node / technology_nm) ** 2`` (:data:`AREA_NODE_EXPONENT`): both
  dimensions shrink with the feature size (ideal; SRAM and wiring shrink less).

Both are coarse; for real numbers from 180 nm to 7 nm use published
device-scaling tables (e.g. Stillmaker & Baas, Integration 2017) and state
the unit's own figures at the target node instead (set its ``technology_nm``).
With no node on the accelerator (the default), units are used as stated.

The functional (accuracy) model of each kind lives in ``accelmodel.numerics``;
this module only describes the hardware.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, PositiveFloat, PositiveInt, NonNegativeFloat, NonNegativeInt, model_validator

from ..unit_kinds import FUNCTIONS, UNIT_KINDS, supports  # noqa: F401  (re-exported)
from ..specbase import Frozen


class CpuOffload(Frozen):
    """The op runs on the host CPU: the accelerator writes its integer output to
    shared memory, the CPU reads it, dequantizes to float, computes in float,
    quantizes back and writes it for the accelerator to read again. Costs come
    from the spec's ``host`` section."""

    kind: Literal["cpu_offload"] = "cpu_offload"

    @property
    def on_accelerator(self) -> bool:
        return False


REFERENCE_NODE_NM = 45.0
"""Node of every default unit figure (Nangate 45 nm synthesis; Horowitz 45 nm energies)."""
ENERGY_NODE_EXPONENT = 1.0
"""Energy per operation ~ node^1 (constant supply voltage, capacitance ~ feature size)."""
DENNARD_ENERGY_EXPONENT = 3.0
"""For comparison: constant-field (Dennard) scaling, C ~ node and V ~ node, so C V^2 ~ node^3."""
AREA_NODE_EXPONENT = 2.0
"""Area ~ node^2 (both dimensions shrink with the feature size)."""


def node_scaling(from_nm: float, to_nm: float | None) -> tuple[float, float]:
    """(energy factor, area factor) that take a figure stated at ``from_nm`` to ``to_nm``
    (None = no scaling): ``(to/from) ** ENERGY_NODE_EXPONENT``, ``(to/from) ** AREA_NODE_EXPONENT``."""
    if to_nm is None or to_nm == from_nm:
        return 1.0, 1.0
    if to_nm <= 0 or from_nm <= 0:
        raise ValueError(f"technology node must be positive (got {from_nm} -> {to_nm} nm)")
    r = to_nm / from_nm
    return r ** ENERGY_NODE_EXPONENT, r ** AREA_NODE_EXPONENT


class _AccelUnit(Frozen):
    lanes: PositiveInt = Field(default=16, le=65536)
    """Element-operations processed per accelerator cycle (the SFU width)."""
    latency_cycles: NonNegativeInt = Field(default=8, le=1_000_000)
    """Pipeline latency in cycles, paid once per op (fill)."""
    power_mw: PositiveFloat = Field(default=50.0, le=1_000_000)
    """Active power in mW at ``reference_clock_ghz`` and ``technology_nm``."""
    reference_clock_ghz: PositiveFloat = Field(default=1.0, le=10)
    """Clock at which ``power_mw`` was measured, GHz."""
    technology_nm: PositiveFloat = Field(default=REFERENCE_NODE_NM, le=1000)
    """Process node at which ``power_mw`` and ``area_mm2`` were measured, nm."""
    area_mm2: NonNegativeFloat = 0.0
    """Silicon area in mm^2 at ``technology_nm`` (0 = not given)."""

    @property
    def on_accelerator(self) -> bool:
        return True

    @property
    def energy_pj_per_element(self) -> float:
        """Dynamic energy per element-operation at ``technology_nm``, pJ (clock-independent)."""
        return self.power_mw / (self.lanes * self.reference_clock_ghz)

    @property
    def elements_per_cycle(self) -> int:
        """Throughput in element-operations per accelerator cycle (= ``lanes``)."""
        return self.lanes

    def energy_pj_per_element_at(self, technology_nm: float | None = None) -> float:
        """Energy per element-operation at another node (None = as stated), pJ."""
        return self.energy_pj_per_element * node_scaling(self.technology_nm, technology_nm)[0]

    def power_mw_at(self, clock_ghz: float, technology_nm: float | None = None) -> float:
        """Active power when clocked at ``clock_ghz`` (at ``technology_nm``; None = as stated), mW.
        Linear in the clock: ``energy_pj_per_element_at(node) * lanes * clock_ghz``."""
        if clock_ghz <= 0:
            raise ValueError(f"clock_ghz must be positive (got {clock_ghz})")
        return self.energy_pj_per_element_at(technology_nm) * self.lanes * clock_ghz

    def area_mm2_at(self, technology_nm: float | None = None) -> float:
        """Area at another node (None = as stated), mm^2."""
        return self.area_mm2 * node_scaling(self.technology_nm, technology_nm)[1]

    def throughput_per_s(self, clock_ghz: float) -> float:
        """Element-operations per second at ``clock_ghz``: ``lanes * clock``."""
        return self.lanes * clock_ghz * 1e9


class ExactUnit(_AccelUnit):
    """A float (FP32) special-function unit on the accelerator: exact results."""

    kind: Literal["exact"] = "exact"
    power_mw: PositiveFloat = Field(default=120.0, le=1_000_000)
    """Default: 16 lanes of FP32 multiply-add (3.7 + 0.9 pJ) at 1 GHz ~ 74 mW plus control."""


class VectorUnit(_AccelUnit):
    """Integer vector ALU on the accelerator (adds, multiplies, scaling, ReLU).
    Used for element-wise ops (residual add, scale/mask, gated multiply, RoPE);
    exact for those ops."""

    kind: Literal["vector"] = "vector"
    latency_cycles: NonNegativeInt = Field(default=2, le=1_000_000)
    power_mw: PositiveFloat = Field(default=55.0, le=1_000_000)
    """Default: 16 lanes x (32b mult 3.1 pJ + 32b add 0.1 pJ) at 1 GHz = 51 mW, plus control."""


class LutUnit(_AccelUnit):
    """Look-up table with linear interpolation (exp for softmax, or the activation
    itself). x < x_min -> 0, x > x_max -> x for activations."""

    kind: Literal["lut"] = "lut"
    entries: PositiveInt = Field(default=1024, le=16777216)
    """Number of table entries."""
    x_min: Optional[float] = None
    """Lower end of the table's input range (None = the published range for the function)."""
    x_max: Optional[float] = None
    """Upper end of the table's input range (None = the published range for the function)."""
    entry_bits: PositiveInt = Field(default=16, le=64)
    """Width of one table entry in bits."""
    interpolation: Literal["linear", "nearest"] = "linear"
    power_mw: PositiveFloat = Field(4.69, le=1_000_000)
    """Default: LUT softmax unit, 45 nm at 100 MHz (Kim & Chung; [KimChung-crossroad])."""
    reference_clock_ghz: PositiveFloat = Field(0.1, le=10)
    area_mm2: NonNegativeFloat = 0.2
    """Default: the LUT softmax unit's printed area ([KimChung-crossroad]; the source labels the
    column um^2, implausible for a 45 nm softmax unit, so it is read as mm^2)."""

    @property
    def table_bytes(self) -> float:
        """Memory of one table, bytes: ``entries * entry_bits / 8``."""
        return self.entries * self.entry_bits / 8.0


class CordicUnit(_AccelUnit):
    """CORDIC (hyperbolic rotation) exp unit."""

    kind: Literal["cordic"] = "cordic"
    iterations: PositiveInt = Field(default=16, le=1024)
    """CORDIC iterations (one bit of precision each, roughly)."""
    frac_bits: Optional[PositiveInt] = Field(default=None, le=50)
    """Fraction bits of the fixed-point x / y / z datapath (None = float arithmetic: only the
    iteration count limits the accuracy)."""
    power_mw: PositiveFloat = Field(25.44, le=1_000_000)
    """Default: CORDIC softmax unit, 45 nm at 100 MHz ([KimChung-crossroad] in docs/references.md)."""
    reference_clock_ghz: PositiveFloat = Field(0.1, le=10)
    area_mm2: NonNegativeFloat = 0.127


class CrossRoadSoftmax(_AccelUnit):
    """Cross-road softmax: one-hot when the top-two gap >= threshold, else base-2
    rounding of x*log2(e)."""

    kind: Literal["crossroad"] = "crossroad"
    threshold: PositiveFloat = 3.0
    """Gap between largest and second-largest input above which the output is one-hot."""
    power_mw: PositiveFloat = Field(5.30, le=1_000_000)
    """Default: cross-road softmax unit, 45 nm at 100 MHz ([KimChung-crossroad] in docs/references.md)."""
    reference_clock_ghz: PositiveFloat = Field(0.1, le=10)
    area_mm2: NonNegativeFloat = 0.724


class IBertUnit(_AccelUnit):
    """I-BERT integer-only polynomial units (i-exp, i-GELU, integer sqrt for
    LayerNorm), as in Gemmini's I-BERT build on the accumulator read path."""

    kind: Literal["ibert"] = "ibert"
    bits: PositiveInt = Field(default=32, le=62)
    """Integer width of the polynomial arithmetic (at most 62: the integer LayerNorm's
    variance must fit a 64-bit word; a 64-bit unit in the norm slot failed at run time)."""
    power_mw: PositiveFloat = Field(default=160.0, le=1_000_000)
    """Default: 16 lanes x (3 x 32b mult 3.1 pJ + 4 x 32b add 0.1 pJ) at 1 GHz = 155 mW, plus control."""


NonlinearUnit = Annotated[
    Union[CpuOffload, ExactUnit, VectorUnit, LutUnit, CordicUnit, CrossRoadSoftmax, IBertUnit],
    Field(discriminator="kind"),
]

# which unit kinds may sit in each slot of NonlinearAssignment
_SLOT_KINDS = {
    "softmax": {"cpu_offload", "exact", "lut", "cordic", "crossroad", "ibert"},
    "activation": {"cpu_offload", "exact", "vector", "lut", "ibert"},
    "norm": {"cpu_offload", "exact", "ibert"},
    "elementwise": {"cpu_offload", "exact", "vector"},
}


class NonlinearAssignment(Frozen):
    """Which unit runs each class of non-matmul op."""

    softmax: NonlinearUnit = Field(default_factory=CpuOffload)
    """Attention softmax."""
    activation: NonlinearUnit = Field(default_factory=CpuOffload)
    """FFN activation (GELU, OpenAI tanh-GELU, SiLU, ReLU)."""
    norm: NonlinearUnit = Field(default_factory=CpuOffload)
    """LayerNorm / RMSNorm."""
    elementwise: NonlinearUnit = Field(default_factory=VectorUnit)
    """Residual adds, attention scale/mask, gated multiply, RoPE, embedding sum."""

    @model_validator(mode="after")
    def _check_slots(self) -> "NonlinearAssignment":
        for slot, allowed in _SLOT_KINDS.items():
            kind = getattr(self, slot).kind
            if kind not in allowed:
                allowed_kinds = ", ".join(sorted(allowed))
                raise ValueError(f"{slot}: a {kind!r} unit cannot run {slot} ops (allowed: {allowed_kinds})")
        return self
