"""Accuracy of a design's nonlinear units on the functions a pass runs: the
units' functional models (``accelmodel.numerics``) on the bundled calibration
set, per (op kind, function)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .hardware.spec import Accelerator
from .numerics.accuracy import unit_accuracy

_ACCURACY_SLOTS = {"softmax": "softmax", "activation": "activation", "layernorm": "norm", "rmsnorm": "norm"}
"""Op kinds whose unit approximates a function (and its slot)."""


@lru_cache(maxsize=512)
def unit_error(unit, function: str) -> tuple[float, float]:
    """(MAE, relative error) of a unit's functional model on the bundled
    calibration set; a pure function of frozen inputs, memoised per process."""
    r = unit_accuracy(unit, function)
    return r["mae"], r["rel_error"]


def design_accuracy(hw: Accelerator, functions) -> dict:
    """Per (kind, function) pair run by an approximating unit: the unit's
    accuracy; and the worst relative error."""
    out: dict = {}
    for kind, function in functions:
        slot = _ACCURACY_SLOTS.get(kind)
        if slot is None:
            continue
        unit = getattr(hw.nonlinear, slot)
        a, r = unit_error(unit, function)
        out[function] = {"unit": unit.kind, "mae": a, "rel_error": r}
    return {"by_function": out, "max_rel_error": max((v["rel_error"] for v in out.values()), default=0.0),
            "samples": "bundled calibration set (data/calibration.npz)"}


def accuracy_columns(kinds, functions, suffixes, accuracy: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per row, ``mae`` and ``rel_error`` of the unit that computes it (NaN where
    nothing is approximated: matmuls, element-wise ops, dequantize/quantize rows)."""
    R = len(kinds)
    mae, rel = np.full(R, np.nan), np.full(R, np.nan)
    for r in range(R):
        f = accuracy["by_function"].get(functions[r])
        if f is not None and not suffixes[r] and kinds[r] in _ACCURACY_SLOTS:
            mae[r], rel[r] = f["mae"], f["rel_error"]
    return mae, rel
