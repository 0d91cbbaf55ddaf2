"""Accuracy of a nonlinear unit against the float64 reference, and the
accuracy-to-power ratio ([KimChung-crossroad] in docs/references.md).

Metrics over all elements: ``mae`` = mean|approx - exact|, ``rel_error`` =
mean|approx - exact| / mean|exact|, ``max_abs_error`` = max|approx - exact|.

What each unit kind computes (``unit_function``); any other pair raises
``SpecError``:

| kind | softmax | gelu, gelu_tanh, silu, relu | layernorm, rmsnorm |
|---|---|---|---|
| cpu_offload | float32 | float32 | float32 |
| exact | float64 (0 error) | float64 | float64 |
| vector | - | relu only (exact) | - |
| lut | exp table | activation table | - |
| cordic | CORDIC exp | - | - |
| crossroad | cross-road | - | - |
| ibert | i-exp softmax | i-GELU (for gelu and gelu_tanh), i-exp SiLU, integer ReLU | integer sqrt norms |

LUT units use their ``entries``, ``x_min``/``x_max`` (None = the published range,
or [-16, 0] for exp), ``interpolation`` and ``entry_bits``; CORDIC its
``iterations`` and ``frac_bits``; cross-road its ``threshold``; I-BERT its ``bits``.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Callable, Iterable

import numpy as np

from ..errors import SpecError
from ..unit_kinds import UNIT_KINDS, supports as hw_supports
from . import activations as act
from . import norms, softmax as sm
from .calibration import Samples, load_samples

FUNCTIONS = ("softmax", "gelu", "gelu_tanh", "silu", "relu", "layernorm", "rmsnorm")
_ACT = ("gelu", "gelu_tanh", "silu", "relu")


def mae(approx, exact) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(approx, dtype=np.float64) - np.asarray(exact, dtype=np.float64))))


def rel_error(approx, exact) -> float:
    """mean|approx - exact| / mean|exact| (0 if both are all zero)."""
    exact = np.asarray(exact, dtype=np.float64)
    num = mae(approx, exact)
    den = float(np.mean(np.abs(exact)))
    return 0.0 if num == 0.0 else (num / den if den > 0 else math.inf)


def max_abs_error(approx, exact) -> float:
    return float(np.max(np.abs(np.asarray(approx, dtype=np.float64) - np.asarray(exact, dtype=np.float64))))


def error_metrics(approx, exact) -> dict[str, float]:
    """{"mae", "rel_error", "max_abs_error"}."""
    return {"mae": mae(approx, exact), "rel_error": rel_error(approx, exact),
            "max_abs_error": max_abs_error(approx, exact)}


def reference(function: str, x, dtype=np.float64) -> np.ndarray:
    """The float function computed in ``dtype`` (float64 = the reference)."""
    if function == "softmax":
        return sm.softmax_exact(x, dtype=dtype)
    if function in _ACT:
        return act.activation(function, x, dtype=dtype)
    if function == "layernorm":
        return norms.layernorm(x, dtype=dtype)
    if function == "rmsnorm":
        return norms.rmsnorm(x, dtype=dtype)
    raise SpecError(f"function must be one of {', '.join(FUNCTIONS)} (got {function!r})")


# what each unit kind computes: the one table in accelmodel.unit_kinds
_SUPPORTED = {kind: tuple(f for f in FUNCTIONS if hw_supports(kind, f)) for kind in UNIT_KINDS}


def supported_functions(unit) -> tuple[str, ...]:
    """Functions a unit's functional model can compute."""
    kind = getattr(unit, "kind", None)
    if kind not in _SUPPORTED:
        raise SpecError(f"unit must be a nonlinear unit model with kind in {sorted(_SUPPORTED)} (got {kind!r})")
    return _SUPPORTED[kind]


def unit_function(unit, function: str) -> Callable[[np.ndarray], np.ndarray]:
    """The functional model of ``unit`` computing ``function``: array in (vectors along the last
    axis for softmax and norms), float64 array out. SpecError if the unit cannot compute it."""
    if function not in FUNCTIONS:
        raise SpecError(f"function must be one of {', '.join(FUNCTIONS)} (got {function!r})")
    kinds = supported_functions(unit)
    kind = unit.kind
    if function not in kinds:
        raise SpecError(f"{kind} unit cannot compute {function!r} (it computes: {', '.join(kinds)})")
    if kind == "cpu_offload":
        return partial(reference, function, dtype=np.float32)
    if kind in ("exact", "vector"):
        return partial(reference, function)
    if kind == "lut":
        kw = dict(entries=unit.entries, x_min=unit.x_min, x_max=unit.x_max, interpolation=unit.interpolation,
                  entry_bits=unit.entry_bits)
        if function == "softmax":
            return partial(sm.softmax_lut, **kw)
        return partial(act.lut_activation, function=function, **kw)
    if kind == "cordic":
        return partial(sm.softmax_cordic, iterations=unit.iterations,
                       frac_bits=getattr(unit, "frac_bits", None))
    if kind == "crossroad":
        return partial(sm.softmax_crossroad, threshold=unit.threshold)
    # ibert
    if function == "softmax":
        return partial(sm.softmax_ibert, bits=unit.bits)
    if function in _ACT:
        return partial(act.IBERT_ACTIVATIONS[function], bits=unit.bits)
    if function == "layernorm":
        return partial(norms.layernorm_ibert, bits=unit.bits)
    return partial(norms.rmsnorm_ibert, bits=unit.bits)


def unit_accuracy(unit, function: str, samples: Samples = None) -> dict:
    """Error of ``unit`` computing ``function`` on ``samples`` (array, .npy/.npz path, or None =
    the bundled calibration set) against the float64 reference:
    {"unit", "function", "mae", "rel_error", "max_abs_error"}."""
    fn = unit_function(unit, function)
    x = load_samples(samples, function)
    if function in ("softmax", "layernorm", "rmsnorm") and x.ndim < 1:
        raise SpecError(f"{function}: samples must be vectors (last axis = vector length)")
    out = {"unit": unit.kind, "function": function}
    out.update(error_metrics(fn(x), reference(function, x)))
    return out


def accuracy_table(units: Iterable, functions: Iterable[str] = FUNCTIONS, samples: Samples = None) -> list[dict]:
    """:func:`unit_accuracy` rows for every supported (unit, function) pair, skipping the others."""
    rows = []
    for unit in units:
        can = supported_functions(unit)
        for f in functions:
            if f in can:
                rows.append(unit_accuracy(unit, f, samples))
    return rows


def apr(mae: float, power_mw: float, ref_mae: float, ref_power_mw: float) -> float:
    """Accuracy-to-power ratio (1/MAE)/power, normalised to a reference unit's (the LUT unit in
    [KimChung-crossroad]): ``(ref_mae * ref_power_mw) / (mae * power_mw)``. inf if MAE is 0."""
    if power_mw <= 0 or ref_power_mw <= 0 or ref_mae <= 0 or mae < 0:
        raise SpecError("apr: powers and the reference MAE must be positive and MAE non-negative")
    if mae == 0:
        return math.inf
    return (ref_mae * ref_power_mw) / (mae * power_mw)
