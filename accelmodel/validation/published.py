"""Published numbers (``data/published.csv``) against accelmodel's own values.

Every row of the data file names a published number, its source (a key of
docs/references.md) and where in it, a tolerance and the configuration that
reproduces it. :func:`model_values` computes each number from the model (never
from the file); :func:`published_rows` pairs them into validation-table rows with
the relative error and whether the value is within the tolerance.
:func:`fitted_parameters` lists the parameters chosen to match a published number
(the cross-road paper's LUT size and CORDIC width, :mod:`.softmax_units`), each with
its value, the one number it was fitted on, and the sensitivity of every prediction
to +-20% of it; validate prints them and ``--json`` includes them.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..paths import bundled_dir
from .table import make_row

PUBLISHED_CSV = "published.csv"
BASELINE, REBALANCED, IBERT = "gemmini_measured_host", "gemmini_rebalanced", "gemmini_ibert"
ORT_BASELINE = "gemmini_ort_host"
"""The baseline with quantize as Gemmini's ONNX Runtime port runs it on the host (docs/host_cpu.md)."""
SOURCE_PREFIX = "published"
"""``reference_source`` of the rows: ``published <citation key>, <where>``."""

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
    ort = simulate(_hw(ORT_BASELINE), "bert-base", seq_len=512).summary()
    share, flops = base["latency_share_by_kind"], base["flops_share_by_kind"]
    return {
        "ibert_speedup_ort_host": ort["latency_s"] / ib["latency_s"],
        "baseline_matmul_share_ort_host": ort["latency_share_by_kind"].get("matmul", 0.0),
        "baseline_qdq_share_ort_host": ort["latency_share_by_kind"].get("quantize", 0.0),
        "ibert_speedup": base["latency_s"] / ib["latency_s"],
        "rebalance_matmul_change": reb["matmul_latency_s"] / base["matmul_latency_s"] - 1.0,
        "baseline_matmul_share": share.get("matmul", 0.0),
        "baseline_qdq_share": share.get("quantize", 0.0),
        "matmul_flops_share": flops.get("matmul", 0.0),
        "bert_base_gflops_s128": s128["flops"] / 1e9,
        "bert_base_gflops_s512": base["flops"] / 1e9,
    }


def softmax_values() -> dict[str, float]:
    """MAE, modelled power and APR = (1/MAE)/power normalised to the LUT of the cross-road paper's
    three units as built (presets ``kimchung_*``; :mod:`.softmax_units`)."""
    from .softmax_units import unit_values

    return {k: v for k, v in unit_values().items() if not k.endswith("area_mm2")}


def gate_values() -> dict[str, float]:
    """Gate shares of LLaMA-3-8B's arithmetic units (library widths 16/24/32); units sized by the
    node they write (``per_node``, ``uniform16``) and by the widest node they read or write
    (``per_node_rw``)."""
    from ..numerics.fixed_point import PrecisionPlan, load_precision_plan
    from ..numerics.gates import Sizing, gate_share

    out = {}
    plan = load_precision_plan()
    cases: tuple[tuple[str, PrecisionPlan | int, Sizing], ...] = (
        ("per_node", plan, "output"), ("per_node_rw", plan, "read_write"), ("uniform16", 16, "output"))
    for name, p, sizing in cases:
        for g, v in zip(("and", "or", "xor"), gate_share(p, method="library", sizing=sizing)):
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


@lru_cache(maxsize=1)
def fitted_parameters() -> tuple[dict, ...]:
    """Every parameter fitted to a published number: {name, value, fitted_on, target,
    model_at_fit, sensitivity: {"-20%"|"+20%": {value, change: {key: relative change}}}}
    (:func:`accelmodel.validation.softmax_units.sensitivity`). Nothing else in the model is fitted
    to a published number."""
    from .softmax_units import sensitivity

    return tuple(sensitivity())


def sensitivity_text(f: dict) -> str:
    """``-20% (5): softmax_lut_mae +46%, ...; +20% (7): ...`` -- the predictions that move."""
    parts = []
    for label, m in f["sensitivity"].items():
        moved = ", ".join(f"{k} {v:+.0%}" for k, v in m["change"].items() if abs(v) > 5e-4)
        parts.append(f"{label} ({m['value']:g}): {moved or 'nothing moves'}")
    return "; ".join(parts)


def fitted_rows() -> list[dict]:
    """The fitted parameters as info rows (case = parameter, metric = ``fitted_value``)."""
    return [make_row(f["name"], "fitted_value", f["value"], source="fitted",
                     note=f"fitted on {f['fitted_on']} ({f['target']:g}; model {f['model_at_fit']:.3g}); "
                          f"{sensitivity_text(f)}")
            for f in fitted_parameters()]
