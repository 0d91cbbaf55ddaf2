"""How accurate the hardware arithmetic is: functional models of the nonlinear
units (exact, LUT, CORDIC, cross-road, I-BERT integer), fixed-point formats and
per-node precision plans, gate counts, the calibration set and accuracy metrics.

Pure, vectorised numpy; imports only ``accelmodel.unit_kinds`` (which unit
kind computes what), ``accelmodel.errors``, and reads unit specs by duck typing
on ``kind``.
"""

from .accuracy import (
    FUNCTIONS,
    accuracy_table,
    apr,
    error_metrics,
    mae,
    max_abs_error,
    reference,
    rel_error,
    supported_functions,
    unit_accuracy,
    unit_function,
)
from .activations import (
    PUBLISHED_RANGES,
    activation,
    erf,
    gelu,
    gelu_ibert,
    gelu_tanh,
    i_erf,
    lut_activation,
    relu,
    relu_ibert,
    silu,
    silu_ibert,
)
from .calibration import (
    CALIBRATION_SEED,
    LutRange,
    calibrate_lut_range,
    generate_calibration_set,
    load_calibration,
    load_samples,
    write_calibration_set,
)
from .fixed_point import (
    FixedFormat,
    PrecisionPlan,
    apply_plan,
    attention_chain,
    load_precision_plan,
    quantize_table,
    to_fixed,
    to_fixed_int,
    uniform_plan,
)
from .gates import (
    ArithUnit,
    GateCount,
    GATE_METHODS,
    gate_breakdown,
    gate_counts,
    gate_share,
    library_bits,
    load_gate_table,
    load_unit_inventory,
    total_gates,
    unit_bits,
)
from .lut import lut_eval, lut_grid, lut_table
from .norms import i_sqrt, layernorm, layernorm_ibert, rmsnorm, rmsnorm_ibert
from .softmax import (
    DEFAULT_EXP_RANGE,
    cordic_schedule,
    exp_cordic,
    exp_ibert,
    exp_lut,
    i_exp,
    softmax_base2,
    softmax_cordic,
    softmax_crossroad,
    softmax_exact,
    softmax_ibert,
    softmax_lut,
)

__all__ = [
    "FUNCTIONS", "accuracy_table", "apr", "error_metrics", "mae", "max_abs_error", "reference", "rel_error",
    "supported_functions", "unit_accuracy", "unit_function",
    "PUBLISHED_RANGES", "activation", "erf", "gelu", "gelu_ibert", "gelu_tanh", "i_erf", "lut_activation", "relu",
    "relu_ibert", "silu", "silu_ibert",
    "CALIBRATION_SEED", "LutRange", "calibrate_lut_range", "generate_calibration_set", "load_calibration",
    "load_samples", "write_calibration_set",
    "FixedFormat", "PrecisionPlan", "apply_plan", "attention_chain", "load_precision_plan", "quantize_table",
    "to_fixed", "to_fixed_int", "uniform_plan",
    "ArithUnit", "GATE_METHODS", "GateCount", "gate_breakdown", "gate_counts", "gate_share", "library_bits",
    "load_gate_table", "load_unit_inventory", "total_gates", "unit_bits",
    "lut_eval", "lut_grid", "lut_table",
    "i_sqrt", "layernorm", "layernorm_ibert", "rmsnorm", "rmsnorm_ibert",
    "DEFAULT_EXP_RANGE", "cordic_schedule", "exp_cordic", "exp_ibert", "exp_lut", "i_exp", "softmax_base2",
    "softmax_cordic", "softmax_crossroad", "softmax_exact", "softmax_ibert", "softmax_lut",
]
