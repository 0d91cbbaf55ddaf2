"""Glue for nonlinear units: accuracy (``numerics``) next to hardware cost
(``cost.units``) and APR, per unit and function; and end-to-end comparisons of
nonlinear-unit choices on one design.

:func:`unit_table` rows (one per supported (unit, function) pair; JSON-ready):

=====================  ==========================================================
``unit``               unit kind (``lut``, ``cordic``, ``crossroad``, ``ibert``, ...)
``params``             the unit's accuracy-relevant settings, as text
``slot``               ``hw.nonlinear`` slot the unit sits in (None for default units)
``function``           ``softmax``, ``gelu``, ``gelu_tanh``, ``silu``, ``relu``, ``layernorm``, ``rmsnorm``
``mae``                mean |approx - float64| on the samples
``rel_error``          mae / mean |float64|
``max_abs_error``      max |approx - float64|
``apr``                softmax rows of on-accelerator units: accuracy-to-power ratio
                       (1/MAE)/power normalised to the LUT softmax unit's (so LUT = 1);
                       None for other rows and where MAE = 0 (APR unbounded)
...                    the hardware columns of :data:`accelmodel.cost.units.COLUMNS`
=====================  ==========================================================

APR reference: the first LUT unit's softmax row in the table, else a default
:class:`LutUnit` (1024 entries) measured on the same samples at the same clock.
Powers are compared at one clock (the design's), so APR does not depend on it.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional, Sequence

import pandas as pd

from .cost.units import unit_cost
from .errors import SpecError
from .hardware.nonlinear import (
    UNIT_KINDS,
    CordicUnit,
    CpuOffload,
    CrossRoadSoftmax,
    ExactUnit,
    IBertUnit,
    LutUnit,
    VectorUnit,
)
from .hardware.spec import Accelerator, with_updates
from .numerics.accuracy import FUNCTIONS, apr as _apr, supported_functions, unit_accuracy
from .numerics.calibration import Samples, load_samples
from .simulation import simulate
from .workload.config import TransformerConfig

DEFAULT_KINDS = ("cpu_offload", "exact", "lut", "cordic", "crossroad", "ibert", "vector")
"""Order of the kinds in a table of default units."""

_DEFAULT_UNIT = {"cpu_offload": CpuOffload, "exact": ExactUnit, "vector": VectorUnit, "lut": LutUnit,
                 "cordic": CordicUnit, "crossroad": CrossRoadSoftmax, "ibert": IBertUnit}

SLOT_FUNCTIONS = {"softmax": ("softmax",), "activation": ("gelu", "gelu_tanh", "silu", "relu"),
                  "norm": ("layernorm", "rmsnorm")}
"""Functions measured for the unit in each ``hw.nonlinear`` slot (the element-wise slot has none)."""


def default_unit(kind: str):
    """The default spec of a unit kind (LUT 1024 entries, CORDIC 16 iterations, cross-road
    threshold 3, I-BERT 32-bit; the synthesis figures of [KimChung-crossroad] Table 1 for the softmax units;
    docs/sources.md)."""
    if kind not in _DEFAULT_UNIT:
        raise SpecError(f"unit kind must be one of {', '.join(UNIT_KINDS)} (got {kind!r})")
    return _DEFAULT_UNIT[kind]()


def unit_params(unit) -> str:
    """The settings that change a unit's accuracy, as short text."""
    k = unit.kind
    if k == "lut":
        rng = "published range" if unit.x_min is None and unit.x_max is None else f"[{unit.x_min}, {unit.x_max}]"
        return f"{unit.entries} entries x {unit.entry_bits} b, {unit.interpolation}, {rng}"
    if k == "cordic":
        return f"{unit.iterations} iterations" + (f", {unit.frac_bits} fraction bits" if unit.frac_bits else "")
    if k == "crossroad":
        return f"threshold {unit.threshold:g}"
    if k == "ibert":
        return f"{unit.bits}-bit integer"
    if k == "cpu_offload":
        return "host fp32 (+ dequant/quant)"
    if k == "exact":
        return "float"
    return "integer ALU"


def _check_functions(functions: Optional[Iterable[str]]) -> Optional[tuple[str, ...]]:
    if functions is None:
        return None
    fs = tuple(functions)
    bad = [f for f in fs if f not in FUNCTIONS]
    if bad:
        raise SpecError(f"function must be one of {', '.join(FUNCTIONS)} (got {', '.join(map(repr, bad))})")
    return fs


def units_of(hw: Accelerator, kinds: Optional[Iterable[str]] = None) -> list[tuple[str, object, tuple[str, ...]]]:
    """(slot, unit, functions) for the softmax, activation and norm slots of ``hw.nonlinear``,
    optionally only units of ``kinds``."""
    keep = set(kinds) if kinds is not None else None
    out = []
    for slot, fs in SLOT_FUNCTIONS.items():
        unit = getattr(hw.nonlinear, slot)
        if keep is None or unit.kind in keep:
            out.append((slot, unit, tuple(f for f in fs if f in supported_functions(unit))))
    return out


def unit_table(units: Optional[Sequence] = None, *, hw: Optional[Accelerator] = None,
               kinds: Optional[Iterable[str]] = None, functions: Optional[Iterable[str]] = None,
               samples: Samples = None, from_hw: bool = False) -> list[dict]:
    """Accuracy, cost and APR rows (module docstring) for every supported (unit, function) pair.

    Which units: ``units`` if given; else, with ``from_hw``, the units in ``hw``'s softmax,
    activation and norm slots (each measured on its slot's functions); else the default
    unit of each of ``kinds`` (default :data:`DEFAULT_KINDS`). ``kinds`` also filters the
    first two. ``functions`` filters the functions. Costs use ``hw`` (default ``Accelerator()``:
    1 GHz, no node scaling). ``samples``: None (the bundled calibration set), an array, or a
    .npy/.npz path (see :func:`accelmodel.numerics.load_samples`)."""
    hw = hw if hw is not None else Accelerator()
    fs = _check_functions(functions)
    if kinds is not None:
        kinds = tuple(kinds)
        bad = [k for k in kinds if k not in UNIT_KINDS]
        if bad:
            raise SpecError(f"unit kind must be one of {', '.join(UNIT_KINDS)} (got {', '.join(map(repr, bad))})")
    if units is not None:
        chosen: list = [(None, u, supported_functions(u)) for u in units if kinds is None or u.kind in kinds]
    elif from_hw:
        chosen = units_of(hw, kinds)
    else:
        chosen = [(None, default_unit(k), supported_functions(default_unit(k))) for k in (kinds or DEFAULT_KINDS)]

    cache: dict[str, object] = {}

    def data(f: str):
        if f not in cache:
            cache[f] = load_samples(samples, f)  # one load (and one check) per function
        return cache[f]

    rows = []
    for slot, unit, can in chosen:
        for f in FUNCTIONS:
            if f not in can or (fs is not None and f not in fs):
                continue
            acc = unit_accuracy(unit, f, data(f))
            row = {"unit": unit.kind, "params": unit_params(unit), "slot": slot, "function": f,
                   "mae": acc["mae"], "rel_error": acc["rel_error"], "max_abs_error": acc["max_abs_error"]}
            row.update(unit_cost(unit, f, hw))
            row["apr"] = None
            row["_unit"] = unit
            rows.append(row)

    soft = [r for r in rows if r["function"] == "softmax" and r["unit"] not in ("cpu_offload",)]
    if soft:
        ref = next((r for r in soft if r["unit"] == "lut"), None)
        if ref is not None:
            ref_mae, ref_power = ref["mae"], ref["power_mw"]
        else:
            lut = LutUnit()
            ref_mae = unit_accuracy(lut, "softmax", data("softmax"))["mae"]
            ref_power = unit_cost(lut, "softmax", hw)["power_mw"]
        for r in soft:
            if r["mae"] > 0 and ref_mae > 0:
                r["apr"] = _apr(r["mae"], r["power_mw"], ref_mae, ref_power)
    for r in rows:
        del r["_unit"]
    return rows


def unit_frame(*args, **kwargs) -> pd.DataFrame:
    """:func:`unit_table` as a DataFrame (None -> NaN)."""
    return pd.DataFrame(unit_table(*args, **kwargs)).astype({"apr": float})


# ---------------------------------------------------------------------------
# end to end: one design under several nonlinear-unit choices
# ---------------------------------------------------------------------------

def _slots(softmax: str, activation: str, norm: str) -> dict[str, str]:
    return {"nonlinear.softmax.kind": softmax, "nonlinear.activation.kind": activation,
            "nonlinear.norm.kind": norm}


NONLINEAR_DESIGNS: dict[str, dict[str, str]] = {
    "cpu_offload": _slots("cpu_offload", "cpu_offload", "cpu_offload"),
    "lut": _slots("lut", "lut", "cpu_offload"),
    "cordic+lut": _slots("cordic", "lut", "cpu_offload"),
    "crossroad": _slots("crossroad", "cpu_offload", "cpu_offload"),
    "crossroad+lut": _slots("crossroad", "lut", "cpu_offload"),
    "ibert": _slots("ibert", "ibert", "ibert"),
}
"""Nonlinear-unit choices (``with_updates`` paths -> unit kind, each kind at its defaults).
LUTs and the softmax units cannot run LayerNorm, so those designs keep it on the host."""


def design_variants(hw: Accelerator, designs: Mapping[str, Mapping] | None = None) -> dict[str, Accelerator]:
    """``hw`` with each design's updates applied (default :data:`NONLINEAR_DESIGNS`)."""
    designs = NONLINEAR_DESIGNS if designs is None else designs
    return {name: with_updates(hw, dict(up)) for name, up in designs.items()}


def compare_designs(hw: Accelerator, model: TransformerConfig | str = "bert-base", designs: Mapping | None = None,
                    phase: str = "prefill", batch: int = 1, seq_len: int = 512, kv_len: int = 0,
                    return_reports: bool = False):
    """One row per design: its units, latency, matmul / host-CPU shares of latency, energy,
    the worst relative error of its approximated functions (and ``rel_error_<function>`` per
    function), and speedup over the first design.
    With ``return_reports``, also the Reports by design name."""
    rows, reports = [], {}
    variants = design_variants(hw, designs)
    first = None
    for name, h in variants.items():
        rep = simulate(h, model, phase=phase, batch=batch, seq_len=seq_len, kv_len=kv_len)
        reports[name] = rep
        df = rep.ops
        lat = rep.latency_s
        acc = rep.accuracy
        first = lat if first is None else first
        rows.append({
            "design": name, "softmax": h.nonlinear.softmax.kind, "activation": h.nonlinear.activation.kind,
            "norm": h.nonlinear.norm.kind, "latency_s": lat,
            "matmul_share": float(df.loc[df["kind"] == "matmul", "latency_s"].sum()) / lat,
            "cpu_share": float(df.loc[df["unit"] == "cpu", "latency_s"].sum()) / lat,
            "energy_j": rep.energy_j, "max_rel_error": acc["max_rel_error"],
            "speedup": first / lat,
            **{f"rel_error_{f}": v["rel_error"] for f, v in acc["by_function"].items()},
        })
    out = pd.DataFrame(rows)
    return (out, reports) if return_reports else out
