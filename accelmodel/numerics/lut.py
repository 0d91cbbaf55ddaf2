"""Look-up tables with interpolation (the functional model of ``LutUnit``).

A table of ``entries`` points spread evenly over ``[x_min, x_max]`` inclusive
(``t_i = x_min + i (x_max - x_min) / (entries - 1)``) holds ``f(t_i)``, optionally
stored in ``entry_bits``-bit words (:func:`accelmodel.numerics.fixed_point.quantize_table`).
Inside the range the output interpolates linearly between the two neighbouring
entries (``"linear"``) or takes the nearest entry (``"nearest"``). Outside it a
rule chosen by the caller applies: for activations ([KimKimSeo-lut] in docs/references.md)
``x < x_min -> 0`` and ``x > x_max -> x``; for exp, below -> 0 and above -> the
last entry.

The evaluator broadcasts over a leading batch of tables, which the range search
in ``calibration`` uses to score many candidate ranges in one pass.
"""

from __future__ import annotations

from typing import Callable, Literal, Optional, Union

import numpy as np

from ..errors import SpecError
from .fixed_point import quantize_table

Interpolation = Literal["linear", "nearest"]
OutOfRange = Union[float, Literal["identity", "clamp"]]


def _check(entries: int, x_min, x_max, interpolation: str) -> None:
    if entries < 2:
        raise SpecError(f"LUT: entries must be >= 2 (got {entries})")
    if np.any(np.asarray(x_max) <= np.asarray(x_min)):
        raise SpecError(f"LUT: x_max must be greater than x_min (got [{x_min}, {x_max}])")
    if interpolation not in ("linear", "nearest"):
        raise SpecError(f"LUT: interpolation must be 'linear' or 'nearest' (got {interpolation!r})")


def lut_grid(entries: int, x_min: float, x_max: float) -> np.ndarray:
    """The table's input points: ``entries`` values evenly spaced over [x_min, x_max] inclusive."""
    _check(entries, x_min, x_max, "linear")
    return np.linspace(x_min, x_max, entries)


def lut_table(fn: Callable[[np.ndarray], np.ndarray], entries: int, x_min: float, x_max: float,
              entry_bits: Optional[int] = None) -> np.ndarray:
    """Table contents ``fn(t_i)``, stored in ``entry_bits``-bit words (None = float64)."""
    return quantize_table(fn(lut_grid(entries, x_min, x_max)), entry_bits)


def lut_eval(x, values, x_min, x_max, interpolation: Interpolation = "linear",
             below: OutOfRange = 0.0, above: OutOfRange = "identity") -> np.ndarray:
    """Evaluate a table at ``x``.

    ``values``: shape (entries,) or (K, entries) for K tables; with K tables, ``x``,
    ``x_min`` and ``x_max`` broadcast against shape (K, 1). ``below``/``above``: a
    constant, ``"identity"`` (output x) or ``"clamp"`` (the end entry).
    """
    x = np.asarray(x, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    entries = values.shape[-1]
    _check(entries, x_min, x_max, interpolation)
    lo = np.asarray(x_min, dtype=np.float64)
    hi = np.asarray(x_max, dtype=np.float64)
    step = (hi - lo) / (entries - 1)
    t = np.clip((x - lo) / step, 0.0, entries - 1.0)
    take = (lambda idx: values[idx]) if values.ndim == 1 else \
        (lambda idx: np.take_along_axis(
            values, np.broadcast_to(idx, np.broadcast_shapes(idx.shape, values.shape[:-1] + (1,))), axis=-1))
    if interpolation == "linear":
        i0 = np.minimum(np.floor(t), entries - 2).astype(np.intp)
        frac = t - i0
        v0, v1 = take(i0), take(i0 + 1)
        y = v0 + frac * (v1 - v0)
    else:
        y = take(np.rint(t).astype(np.intp))

    def rule(r, end):
        if isinstance(r, str):
            if r == "identity":
                return x
            if r == "clamp":
                return end
            raise SpecError(f"LUT: out-of-range rule must be a number, 'identity' or 'clamp' (got {r!r})")
        return r

    y = np.where(x < lo, rule(below, values[..., :1]), y)
    y = np.where(x > hi, rule(above, values[..., -1:]), y)
    return y
