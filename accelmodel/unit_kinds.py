"""Which functions each kind of nonlinear unit computes: one table, below both
the hardware spec (which checks a unit's slot) and the functional models in
``accelmodel.numerics`` (which implement them). Plain Python, no imports."""

from __future__ import annotations

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


def supports(kind: str, function: str) -> bool:
    """Whether a unit of ``kind`` can compute ``function``."""
    f = FUNCTIONS[kind]
    return f is None or function in f
