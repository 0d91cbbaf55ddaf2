"""Evaluating the candidates of one search generation: one :func:`evaluate_designs` call.

:func:`evaluate_candidates` builds each candidate's design, applies the design
constraints (a rejected design is not costed), runs every surviving design on
every workload of the mix in ONE batch through the sweep's cost path, averages
the result columns over the mix by weight, and applies the result constraints.
Each row says how far the design is from feasible (``violation``, 0 = feasible).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import SpecError
from .check import _workload_error
from .evaluate import METRICS, RESULT_COLUMNS, evaluate_designs
from .execute import axis_frame
from .plan import DesignBuilder, PointCodec
from .spec import DESIGN_METRICS, Constraint, SweepSpec, design_metric
from .search_spec import result_metrics

INVALID = 1e9
"""Violation of a design that cannot be evaluated (invalid spec, workload or objective):
worse than any constraint violation, so the optimiser leaves it first."""

_DESIGN_COLUMNS = ("area_mm2", "nonlinear_area_mm2", "sram_kib")


def is_result_constraint(c: Constraint) -> bool:
    """A constraint on a result column (checked after costing) rather than on the design."""
    return c.metric in result_metrics() and c.metric not in DESIGN_METRICS and c.metric not in _DESIGN_COLUMNS


def split_constraints(spec: SweepSpec) -> tuple[tuple[Constraint, ...], tuple[Constraint, ...]]:
    """(design constraints, result constraints) of a spec."""
    res = tuple(c for c in spec.constraints if is_result_constraint(c))
    return tuple(c for c in spec.constraints if not is_result_constraint(c)), res


def violation(c: Constraint, v: Any) -> float:
    """How far ``v`` lies outside the constraint, relative to the bound (0 inside; :data:`INVALID` for no value)."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return INVALID
    out = 0.0
    if c.max is not None and v > c.max:
        out += (v - c.max) / max(abs(c.max), 1e-300)
    if c.min is not None and v < c.min:
        out += (c.min - v) / max(abs(c.min), 1e-300)
    return float(out)


def evaluate_candidates(spec: SweepSpec, index: Sequence[int], choices: Sequence[tuple], point_ids: Sequence[str],
                        accuracy: bool = True) -> pd.DataFrame:
    """One row per candidate: ``point``, ``point_id``, the axis columns, the result
    columns averaged over the workload mix (:data:`RESULT_COLUMNS`), ``power_w``,
    ``latency_s[label]`` / ``energy_j[label]`` per workload of a mix, ``violation``
    (sum of relative constraint violations, 0 = feasible) and ``feasible``.
    Candidates that pass the design constraints are costed in one batch."""
    assert spec.search is not None
    design_cs, result_cs = split_constraints(spec)
    mix = spec.search.mix(spec.workload)
    codec, builder = PointCodec(spec), DesignBuilder(spec.base)
    D, K = len(choices), len(mix)
    viol = np.zeros(D)
    why = np.full(D, "", dtype=object)
    hws, wls, owners = [], [], []
    for j, ch in enumerate(choices):
        hw_up, wl_up = codec.updates(ch)
        try:
            hw = builder.build(hw_up)
        except SpecError as exc:
            viol[j], why[j] = INVALID, f"invalid design: {exc}"
            continue
        base_wl = spec.workload_for(wl_up)
        entries = [wl for _, wl, _ in mix] if spec.search.workloads else [base_wl]
        err = next((e for e in map(_workload_error, entries) if e is not None), None)
        if err is not None:
            viol[j], why[j] = INVALID, f"invalid workload: {err}"
            continue
        for c in design_cs:
            v = violation(c, design_metric(hw, base_wl, c.metric))
            if v > 0 and not why[j]:
                why[j] = f"constraint {c.label}"
            viol[j] += v
        if viol[j] > 0:
            continue
        hws.extend([hw] * K)
        wls.extend(entries)
        owners.append(j)
    per = evaluate_designs(hws, wls, accuracy=accuracy)  # one batch: every design x every workload
    frame = _aggregate(per, owners, D, mix, bool(spec.search.workloads))
    _result_constraints(frame, result_cs, spec.search.objectives, viol, why)
    head = pd.DataFrame({"point": np.asarray(index, dtype=np.int64),
                         "point_id": pd.array(list(point_ids), dtype="str")})
    out = pd.concat([head, axis_frame(spec, list(choices)), frame], axis=1)
    out["error"] = pd.array([str(w) for w in why], dtype="str")
    out["violation"] = viol
    out["feasible"] = viol == 0
    return out


def _aggregate(per: pd.DataFrame, owners: list[int], D: int, mix: list, labelled: bool) -> pd.DataFrame:
    """Result columns per candidate: the weighted mean over the mix (``max_rel_error``: the
    worst; ``error``: the first), NaN for candidates not costed."""
    K = len(mix)
    w = np.array([m[2] for m in mix])
    numeric = [c for c in RESULT_COLUMNS if c != "error"]
    out = {c: np.full(D, np.nan) for c in numeric}
    err = np.full(D, "", dtype=object)
    rows = np.asarray(owners, dtype=int)
    extra: dict[str, np.ndarray] = {}
    if len(rows):
        for c in numeric:
            v = per[c].to_numpy(float).reshape(len(rows), K)
            out[c][rows] = v.max(axis=1) if c == "max_rel_error" else v @ w
        e = per["error"].to_numpy(object).reshape(len(rows), K)
        err[rows] = [next((x for x in r if x), "") for r in e]
        if labelled:
            for k, (label, _, _) in enumerate(mix):
                for c in ("latency_s", "energy_j"):
                    extra.setdefault(f"{c}[{label}]", np.full(D, np.nan))[rows] = \
                        per[c].to_numpy(float).reshape(len(rows), K)[:, k]
    elif labelled:
        extra = {f"{c}[{label}]": np.full(D, np.nan) for label, _, _ in mix for c in ("latency_s", "energy_j")}
    frame = pd.DataFrame(out)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["power_w"] = frame["energy_j"] / frame["latency_s"]
    for c, v in extra.items():
        frame[c] = v
    frame["error"] = err
    return frame


def _result_constraints(frame: pd.DataFrame, result_cs, objectives: dict, viol: np.ndarray, why: np.ndarray) -> None:
    """Evaluation errors, undefined objectives and result constraints, into ``viol`` and ``why``."""
    costed = why == ""
    for j in np.flatnonzero(costed & (frame["error"].to_numpy(object) != "")):
        viol[j], why[j] = INVALID, f"evaluation failed: {frame['error'].iat[j]}"
    for m in objectives:
        bad = costed & (why == "") & ~np.isfinite(frame[m].to_numpy(float))
        viol[bad] = INVALID
        why[bad] = f"objective {m} is undefined (NaN) for this design"
    for c in result_cs:
        vals = frame[c.metric].to_numpy(float)
        ok = costed & (viol < INVALID)
        for j in np.flatnonzero(ok):
            v = violation(c, float(vals[j]))
            if v > 0 and not why[j]:
                why[j] = f"constraint {c.label}"
            viol[j] += v


__all__ = ["INVALID", "METRICS", "evaluate_candidates", "is_result_constraint", "split_constraints", "violation"]
