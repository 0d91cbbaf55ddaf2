"""The cross-road paper's three softmax units as it built them ([KimChung-crossroad] Table 1:
LUT, CORDIC and cross-road in Verilog, Nangate 45 nm, Synopsys DC, 100 MHz).

The paper gives neither the LUT's size nor the CORDIC's width, so each is **fitted** on that
unit's published MAE (one number each) over the bundled calibration softmax vectors
(2,048 x 128, as the paper's set):

* LUT: ``entries`` (every other field at the spec default: linear interpolation, 16-bit
  entries, range [-16, 0]);
* CORDIC: ``frac_bits``, the fraction bits of its fixed-point datapath (16 iterations, the
  default; in float arithmetic no iteration count >= 8 gets near the published error);
* cross-road: nothing -- its threshold (3) is published, so its MAE is a prediction.

The fitted values live in the bundled presets ``hw_configs/kimchung_{lut,cordic,crossroad}.yaml``
(:func:`fit_units` re-derives them; a test keeps the two equal). Power and area come from the
physical component model (:func:`accelmodel.components.units.unit_cost`) at 45 nm and 100 MHz:
datapath as wide as the unit's word (LUT: its entries, CORDIC: fraction bits + sign + one
integer bit, cross-road: the 16-bit default), the LUT table in flip-flops (a standard-cell
synthesis without a memory compiler, as the paper's flow). APR = (1/MAE)/power normalised to
the LUT, from modelled MAE and modelled power -- the published powers are anchors only.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable

from ..paths import bundled_dir

PRESETS = {"lut": "kimchung_lut", "cordic": "kimchung_cordic", "crossroad": "kimchung_crossroad"}
"""Unit kind -> bundled hw config whose softmax slot holds the paper's unit."""
CLOCK_HZ = 100e6
"""The paper's synthesis clock."""
LUT_STORAGE = "flops"
"""A standard-cell flow (Synopsys DC on Nangate 45 nm) builds the table from flip-flops."""
CORDIC_INTEGER_BITS = 2
"""Sign + one integer bit: CORDIC's x and y stay below 2 (1/gain = 1.21, exp(r) <= sqrt 2)."""
FIT_TARGETS = {"lut": ("entries", "softmax_lut_mae", 2.03e-3, range(2, 4097)),
               "cordic": ("frac_bits", "softmax_cordic_mae", 1.00e-3, range(4, 25))}
"""Fitted unit -> (parameter, published key it is fitted on, that value, integer search range; below 4
fraction bits the CORDIC rounds exp(0) itself to 0)."""
SENSITIVITY_STEP = 0.20


def preset_unit(kind: str):
    """The softmax unit of the bundled preset of ``kind`` (``lut``, ``cordic``, ``crossroad``)."""
    from ..hardware.spec import load_accelerator

    return load_accelerator(bundled_dir("hw_configs") / f"{PRESETS[kind]}.yaml").nonlinear.softmax


def datapath_bits(unit) -> int:
    """Width of the unit's datapath, bits (module docstring)."""
    from ..components.units import DEFAULT_DATAPATH_BITS

    if unit.kind == "lut":
        return unit.entry_bits
    if unit.kind == "cordic" and unit.frac_bits is not None:
        return unit.frac_bits + CORDIC_INTEGER_BITS
    return DEFAULT_DATAPATH_BITS


def modelled_cost(unit) -> tuple[float, float]:
    """(power mW at 100 MHz, area mm^2) of ``unit`` at 45 nm from the component model."""
    from ..components.units import unit_cost

    c = unit_cost(unit, None, None, datapath_bits(unit), True, LUT_STORAGE)
    return c.power_w(CLOCK_HZ) * 1e3, c.area_m2 * 1e6


def mae_of(unit) -> float:
    """MAE of ``unit``'s softmax on the bundled calibration vectors."""
    from ..unit_accuracy import unit_error

    return unit_error(unit, "softmax")[0]


def unit_values(units: dict | None = None) -> dict[str, float]:
    """``softmax_<kind>_{mae,power_mw,area_mm2,apr}`` of the three units (default: the presets)."""
    units = units if units is not None else {k: preset_unit(k) for k in PRESETS}
    out: dict[str, float] = {}
    for k, u in units.items():
        power, area = modelled_cost(u)
        out.update({f"softmax_{k}_mae": mae_of(u), f"softmax_{k}_power_mw": power, f"softmax_{k}_area_mm2": area})
    ref = out["softmax_lut_mae"] * out["softmax_lut_power_mw"]
    for k in units:
        out[f"softmax_{k}_apr"] = ref / (out[f"softmax_{k}_mae"] * out[f"softmax_{k}_power_mw"])
    return out


def _fit(kind: str) -> int:
    """The integer value of the kind's parameter whose MAE is closest (in log) to the published MAE;
    MAE falls monotonically with the parameter, so the search stops once it passes the target."""
    name, _, target, search = FIT_TARGETS[kind]
    base = preset_unit(kind)
    best, best_err = search[0], math.inf
    for v in search:
        m = mae_of(base.model_copy(update={name: v}))
        err = abs(math.log(m / target))
        if err < best_err:
            best, best_err = v, err
        if m < target:
            break
    return best


@lru_cache(maxsize=1)
def fit_units() -> dict[str, int]:
    """{kind: fitted value} for the fitted units (LUT entries, CORDIC fraction bits)."""
    return {k: _fit(k) for k in FIT_TARGETS}


def _moved(value: int, factor: float) -> int:
    """``value * factor`` rounded to the nearest integer, at least 1 step away from ``value``."""
    v = round(value * factor)
    return v if v != value else value + (1 if factor > 1 else -1)


def sensitivity(values: Callable[[dict], dict[str, float]] = unit_values) -> list[dict]:
    """For each fitted parameter: its value, what it was fitted on, and the relative change of
    every softmax prediction when the parameter is moved by -20% and +20% (rounded to an
    integer, since entries and bits are integers; the rows say which integers)."""
    units = {k: preset_unit(k) for k in PRESETS}
    base = values(units)
    out = []
    for kind, (name, key, target, _) in FIT_TARGETS.items():
        v = getattr(units[kind], name)
        moves = {}
        for label, factor in (("-20%", 1 - SENSITIVITY_STEP), ("+20%", 1 + SENSITIVITY_STEP)):
            w = _moved(v, factor)
            moved = values({**units, kind: units[kind].model_copy(update={name: w})})
            moves[label] = {"value": w, "change": {k: moved[k] / base[k] - 1.0 for k in base
                                                   if not k.endswith("area_mm2")}}
        out.append({"name": f"{PRESETS[kind]}.nonlinear.softmax.{name}", "value": v, "fitted_on": key,
                    "target": target, "model_at_fit": base[key], "sensitivity": moves})
    return out
