"""Published numbers (``data/published.csv``) against accelmodel's own values.

Every row of the data file names a published number, its source (a key of
docs/references.md) and where in it, a tolerance and the configuration that
reproduces it. :func:`model_values` computes each number from the model (never
from the file); :func:`published_rows` pairs them into validation-table rows with
the relative error and whether the value is within the tolerance. Nothing here
is fitted: :data:`FITTED` lists parameters chosen to match a published number
(none so far), which the report prints with their sensitivity.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..paths import bundled_dir
from .table import make_row

PUBLISHED_CSV = "published.csv"
BASELINE, REBALANCED, IBERT = "gemmini_measured_host", "gemmini_rebalanced", "gemmini_ibert"
SOURCE_PREFIX = "published"
"""``reference_source`` of the rows: ``published <citation key>, <where>``."""

FITTED: tuple[dict, ...] = ()
"""Parameters fitted to a published number: {name, value, fitted_on, sensitivity}. None:
every number below comes from cited or measured inputs."""


def published_path() -> Path:
    return bundled_dir("data") / PUBLISHED_CSV


def load_published(path: str | Path | None = None) -> list[dict]:
    """Rows of the published-numbers file (``#`` lines are comments); value and tolerance as floats."""
    p = Path(path) if path is not None else published_path()
    lines = [ln for ln in p.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    for r in rows:
        r["value"], r["tolerance"] = float(r["value"]), float(r["tolerance"])
        if r["tolerance_kind"] not in ("rel", "abs"):
            raise ValueError(f"{p.name}: {r['key']}: tolerance_kind must be 'rel' or 'abs', "
                             f"got {r['tolerance_kind']!r}")
    return rows


def within(model: float, value: float, tolerance: float, kind: str) -> bool:
    """``model`` within ``tolerance`` of ``value`` (``rel``: |model/value - 1|; ``abs``: |model - value|)."""
    if kind == "rel":
        return abs(model / value - 1.0) <= tolerance
    return abs(model - value) <= tolerance


def _hw(name: str):
    from ..hardware.spec import load_accelerator

    return load_accelerator(bundled_dir("hw_configs") / f"{name}.yaml")


def survey_values() -> dict[str, float]:
    """The survey's numbers from the model (BERT-base prefill, batch 1)."""
    from ..simulation import simulate

    base = simulate(_hw(BASELINE), "bert-base", seq_len=512).summary()
    reb = simulate(_hw(REBALANCED), "bert-base", seq_len=512).summary()
    ib = simulate(_hw(IBERT), "bert-base", seq_len=512).summary()
    s128 = simulate(_hw(BASELINE), "bert-base", seq_len=128).summary()
    share, flops = base["latency_share_by_kind"], base["flops_share_by_kind"]
    return {
        "ibert_speedup": base["latency_s"] / ib["latency_s"],
        "rebalance_matmul_change": reb["matmul_latency_s"] / base["matmul_latency_s"] - 1.0,
        "baseline_matmul_share": share.get("matmul", 0.0),
        "baseline_qdq_share": share.get("quantize", 0.0),
        "matmul_flops_share": flops.get("matmul", 0.0),
        "bert_base_gflops_s128": s128["flops"] / 1e9,
        "bert_base_gflops_s512": base["flops"] / 1e9,
    }


def softmax_values() -> dict[str, float]:
    """MAE of the bundled LUT, CORDIC and cross-road softmax units on the calibration set, and
    APR = (1/MAE)/power normalised to the LUT, from the modelled MAE and each unit's power_mw."""
    from ..hardware.nonlinear import CordicUnit, CrossRoadSoftmax, LutUnit
    from ..unit_accuracy import unit_error

    units = {"lut": LutUnit(), "cordic": CordicUnit(), "crossroad": CrossRoadSoftmax()}
    mae = {k: unit_error(u, "softmax")[0] for k, u in units.items()}
    apr = {k: (1.0 / mae[k]) / u.power_mw for k, u in units.items()}
    out = {f"softmax_{k}_mae": v for k, v in mae.items()}
    out.update({f"softmax_{k}_apr": apr[k] / apr["lut"] for k in units})
    return out


def gate_values() -> dict[str, float]:
    """Gate shares of LLaMA-3-8B's arithmetic units (library widths 16/24/32)."""
    from ..numerics.fixed_point import load_precision_plan
    from ..numerics.gates import gate_share

    out = {}
    for name, plan in (("per_node", load_precision_plan()), ("uniform16", 16)):
        for g, v in zip(("and", "or", "xor"), gate_share(plan, method="library")):
            out[f"gates_{name}_{g}"] = v
    return out


@lru_cache(maxsize=1)
def model_values() -> dict[str, float]:
    """accelmodel's value for every key of the published file (a few seconds, memoised)."""
    return {**survey_values(), **softmax_values(), **gate_values()}


def published_rows(values: dict[str, float] | None = None, path: str | Path | None = None) -> list[dict]:
    """One validation-table row per published number: model value, published value,
    relative error, and whether it is within the row's tolerance."""
    vals = model_values() if values is None else values
    rows = []
    for r in load_published(path):
        if r["key"] not in vals:
            raise KeyError(f"{PUBLISHED_CSV}: no model value for {r['key']!r}")
        v = vals[r["key"]]
        tol = f"|rel_error| <= {r['tolerance']:g}" if r["tolerance_kind"] == "rel" else \
            f"|accelmodel - reference| <= {r['tolerance']:g}"
        rows.append(make_row(r["configuration"], r["key"], v, r["value"], unit=r["unit"],
                             source=f"{SOURCE_PREFIX} {r['source']}, {r['where']}", check=tol,
                             passed=within(v, r["value"], r["tolerance"], r["tolerance_kind"]),
                             note=r["quantity"], rel=True))
    return rows


def fitted_rows() -> list[dict]:
    """The fitted parameters as info rows (none: see :data:`FITTED`)."""
    return [make_row(f["name"], "fitted_value", f["value"], note=f"fitted on {f['fitted_on']}; {f['sensitivity']}")
            for f in FITTED]
