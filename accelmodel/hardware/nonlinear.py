"""Nonlinear units: which piece of hardware runs softmax, activations, norms and
element-wise ops, and what it costs.

A discriminated union on ``kind``. Every on-accelerator unit has a throughput
(``lanes`` elements per cycle), a pipeline latency, an active power measured at
a reference clock, and an area. Dynamic energy per element-operation is
``power_mw / (lanes * reference_clock_ghz)`` pJ (mW / GHz = pJ): it does not
change with the accelerator clock, while the power does.

The functional (accuracy) model of each kind lives in ``accelmodel.numerics``;
this module only describes the hardware.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, PositiveFloat, PositiveInt, NonNegativeFloat, NonNegativeInt, model_validator

from .base import Frozen


class CpuOffload(Frozen):
    """The op runs on the host CPU: the accelerator writes its integer output to
    shared memory, the CPU reads it, dequantizes to float, computes in float,
    quantizes back and writes it for the accelerator to read again. Costs come
    from the spec's ``host`` section."""

    kind: Literal["cpu_offload"] = "cpu_offload"

    @property
    def on_accelerator(self) -> bool:
        return False


class _AccelUnit(Frozen):
    lanes: PositiveInt = 16
    """Elements processed per accelerator cycle (the SFU width)."""
    latency_cycles: NonNegativeInt = 8
    """Pipeline latency in cycles, paid once per op (fill)."""
    power_mw: PositiveFloat = 50.0
    """Active power in mW at ``reference_clock_ghz``."""
    reference_clock_ghz: PositiveFloat = 1.0
    """Clock at which ``power_mw`` was measured, GHz."""
    area_mm2: NonNegativeFloat = 0.0
    """Silicon area in mm^2 (0 = not given)."""

    @property
    def on_accelerator(self) -> bool:
        return True

    @property
    def energy_pj_per_element(self) -> float:
        """Dynamic energy per element-operation, pJ."""
        return self.power_mw / (self.lanes * self.reference_clock_ghz)


class ExactUnit(_AccelUnit):
    """A float (FP32) special-function unit on the accelerator: exact results."""

    kind: Literal["exact"] = "exact"
    power_mw: PositiveFloat = 120.0
    """Default: 16 lanes of FP32 multiply-add (3.7 + 0.9 pJ) at 1 GHz ~ 74 mW plus control."""


class VectorUnit(_AccelUnit):
    """Integer vector ALU on the accelerator (adds, multiplies, scaling, ReLU).
    Used for element-wise ops (residual add, scale/mask, gated multiply, RoPE);
    exact for those ops."""

    kind: Literal["vector"] = "vector"
    latency_cycles: NonNegativeInt = 2
    power_mw: PositiveFloat = 55.0
    """Default: 16 lanes x (32b mult 3.1 pJ + 32b add 0.1 pJ) at 1 GHz = 51 mW, plus control."""


class LutUnit(_AccelUnit):
    """Look-up table with linear interpolation (exp for softmax, or the activation
    itself). x < x_min -> 0, x > x_max -> x for activations."""

    kind: Literal["lut"] = "lut"
    entries: PositiveInt = 1024
    """Number of table entries."""
    x_min: Optional[float] = None
    """Lower end of the table's input range (None = the published range for the function)."""
    x_max: Optional[float] = None
    """Upper end of the table's input range (None = the published range for the function)."""
    entry_bits: PositiveInt = 16
    """Width of one table entry in bits."""
    interpolation: Literal["linear", "nearest"] = "linear"
    power_mw: PositiveFloat = 4.69
    """Default: LUT softmax unit, 45 nm at 100 MHz (Kim & Chung; REFERENCE.md section 2)."""
    reference_clock_ghz: PositiveFloat = 0.1
    area_mm2: NonNegativeFloat = 0.2
    """Default: the LUT softmax unit's printed area (REFERENCE.md section 2)."""

    @property
    def table_bytes(self) -> float:
        """Memory of one table, bytes."""
        return self.entries * self.entry_bits / 8.0


class CordicUnit(_AccelUnit):
    """CORDIC (hyperbolic rotation) exp unit."""

    kind: Literal["cordic"] = "cordic"
    iterations: PositiveInt = 16
    """CORDIC iterations (one bit of precision each, roughly)."""
    power_mw: PositiveFloat = 25.44
    """Default: CORDIC softmax unit, 45 nm at 100 MHz (REFERENCE.md section 2)."""
    reference_clock_ghz: PositiveFloat = 0.1
    area_mm2: NonNegativeFloat = 0.127


class CrossRoadSoftmax(_AccelUnit):
    """Cross-road softmax: one-hot when the top-two gap >= threshold, else base-2
    rounding of x*log2(e)."""

    kind: Literal["crossroad"] = "crossroad"
    threshold: PositiveFloat = 3.0
    """Gap between largest and second-largest input above which the output is one-hot."""
    power_mw: PositiveFloat = 5.30
    """Default: cross-road softmax unit, 45 nm at 100 MHz (REFERENCE.md section 2)."""
    reference_clock_ghz: PositiveFloat = 0.1
    area_mm2: NonNegativeFloat = 0.724


class IBertUnit(_AccelUnit):
    """I-BERT integer-only polynomial units (i-exp, i-GELU, integer sqrt for
    LayerNorm), as in Gemmini's I-BERT build on the accumulator read path."""

    kind: Literal["ibert"] = "ibert"
    bits: PositiveInt = 32
    """Integer width of the polynomial arithmetic."""
    power_mw: PositiveFloat = 160.0
    """Default: 16 lanes x (3 x 32b mult 3.1 pJ + 4 x 32b add 0.1 pJ) at 1 GHz = 155 mW, plus control."""


NonlinearUnit = Annotated[
    Union[CpuOffload, ExactUnit, VectorUnit, LutUnit, CordicUnit, CrossRoadSoftmax, IBertUnit],
    Field(discriminator="kind"),
]

UNIT_KINDS = ("cpu_offload", "exact", "vector", "lut", "cordic", "crossroad", "ibert")

# functions each unit kind can compute (the functional models in accelmodel.numerics agree)
FUNCTIONS = {
    "cpu_offload": None,  # anything, in float
    "exact": None,
    "vector": frozenset({"relu", "add", "mul", "scale_mask", "rope", "gather"}),
    "lut": frozenset({"softmax", "gelu", "gelu_tanh", "silu", "relu"}),
    "cordic": frozenset({"softmax"}),
    "crossroad": frozenset({"softmax"}),
    "ibert": frozenset({"softmax", "gelu", "gelu_tanh", "silu", "relu", "layernorm", "rmsnorm"}),
}

# which unit kinds may sit in each slot of NonlinearAssignment
_SLOT_KINDS = {
    "softmax": {"cpu_offload", "exact", "lut", "cordic", "crossroad", "ibert"},
    "activation": {"cpu_offload", "exact", "vector", "lut", "ibert"},
    "norm": {"cpu_offload", "exact", "ibert"},
    "elementwise": {"cpu_offload", "exact", "vector"},
}


def supports(kind: str, function: str) -> bool:
    """Whether a unit of ``kind`` can compute ``function``."""
    f = FUNCTIONS[kind]
    return f is None or function in f


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
                raise ValueError(f"{slot}: a {kind!r} unit cannot run {slot} ops (allowed: {', '.join(sorted(allowed))})")
        return self
