"""Validation of the area model against a published floor plan: Google's TPU v1
(Jouppi et al., ISCA 2017, Figure 2 and Table 2; ``data/published_area.csv``).

The TPU is described by the spec's own fields -- a 256 x 256 weight-stationary INT8
array, 32-bit accumulation, a 24 MiB unified buffer (the scratchpad), 4 MiB of
accumulators, no L2, 28 nm, 700 MHz -- and :func:`.accelerator.component_table`
predicts each block. Published absolute areas are the floor-plan shares x the die
area (< 331 mm^2, an upper bound); the ratios between blocks do not depend on it.
"""

from __future__ import annotations

from ..hardware.spec import Accelerator, ArraySpec, DataTypes
from ._data import read_rows
from .accelerator import component_table

TPU_UNIFIED_BUFFER_BANKS = 96
"""Not published; 256 KiB banks (24 MiB / 96). Banking moves the prediction by < 2 %."""

_MODEL_BLOCK = {"unified_buffer": "scratchpad", "matrix_unit": "mac", "accumulators": "accumulator"}


def tpu_v1() -> Accelerator:
    """The TPU v1 in accelmodel's spec (published parameters; banks as stated above)."""
    return Accelerator(name="tpu_v1", clock_ghz=0.7, technology_nm=28,
                       array=ArraySpec(rows=256, cols=256, dataflow="WS"),
                       scratchpad_kib=24 * 1024, scratchpad_banks=TPU_UNIFIED_BUFFER_BANKS,
                       accumulator_kib=4 * 1024, accumulator_banks=2, l2=None,
                       dtypes=DataTypes(input_bits=8, weight_bits=8, accumulator_bits=32, output_bits=8))


def area_comparison() -> list[dict]:
    """Rows: block, published mm^2 (share x die), model mm^2, ratio model / published,
    published and model size relative to the matrix unit."""
    rows = read_rows("published_area.csv")
    die = next(float(r["value"]) for r in rows if r["component"] == "die")
    share = {r["component"]: float(r["value"]) / 100.0 for r in rows if r["unit"] == "percent_of_die"}
    table = component_table(tpu_v1())
    out = []
    for block, comp in _MODEL_BLOCK.items():
        pub, model = share[block] * die, table.area_mm2[comp]
        out.append({"block": block, "published_mm2": pub, "model_mm2": model, "model_over_published": model / pub,
                    "published_vs_matrix_unit": share[block] / share["matrix_unit"],
                    "model_vs_matrix_unit": model / table.area_mm2["mac"]})
    pub_total = sum(share[b] for b in _MODEL_BLOCK) * die
    model_total = sum(table.area_mm2[c] for c in _MODEL_BLOCK.values())
    out.append({"block": "three blocks", "published_mm2": pub_total, "model_mm2": model_total,
                "model_over_published": model_total / pub_total, "published_vs_matrix_unit": float("nan"),
                "model_vs_matrix_unit": float("nan")})
    return out
