"""Sensitivity of latency, energy and area to the model's parameters (SALib: Sobol or Morris),
and how robust a Pareto choice is when uncertain parameters move (the optional ``sensitivity`` extra).

* :func:`indices` — Sobol (Saltelli sampling, first-order ``S1`` and total ``ST``)
  or Morris (``mu_star``, ``sigma``) indices of any vectorised function of a
  sample matrix; tested on functions whose indices are known in closed form.
* :func:`design_sensitivity` — the indices of a design's outputs (``latency_s``,
  ``energy_j``, ``area_mm2``, ... any sweep result column) to spec parameters
  (:class:`Parameter`: a dotted path and a range, or a factor on the base value,
  e.g. every host-CPU cycles-per-element figure x [0.5, 2]); every sample is a
  design, all costed in one :func:`~accelmodel.sweep.evaluate.evaluate_designs` batch.
* :func:`front_robustness` — for the designs of a Pareto set, the share of draws of
  the uncertain parameters (Latin hypercube) in which each stays non-dominated
  within the set.

A sensitivity spec (``accelmodel sensitivity SPEC``) is YAML::

    hw: gemmini_default
    workload: {model: bert-base, phase: prefill, seq_len: 512}
    method: sobol                 # or morris
    n: 256                        # base samples (Sobol: n x (parameters + 2) designs)
    seed: 0
    outputs: [latency_s, energy_j]
    parameters:
      host.cycles_per_element: {min: 0.5, max: 2, scale: true}     # a factor on every field below the path
      energy.scratchpad_pj_per_byte: {min: 0.6, max: 2.5}
      array: {paths: [array.rows, array.cols], min: 8, max: 64, integer: true, log: true}
"""

from __future__ import annotations

from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, PositiveInt, ValidationError, model_validator

from .errors import AccelModelError, SpecError, format_validation_error
from .hardware.spec import Accelerator
from .pareto import nondominated
from .specbase import Frozen
from .workload.point import WorkloadPoint

MAX_DESIGNS = 200_000
"""Most designs one analysis may cost (n x (parameters + 2) for Sobol)."""


class SensitivityError(AccelModelError):
    """A sensitivity analysis cannot run as asked."""


class Parameter(Frozen):
    """One uncertain parameter: spec path(s) and the range it moves in."""

    name: str = Field(min_length=1, max_length=200)
    """Label in tables and figures (default: the path)."""
    paths: tuple[str, ...]
    """Dotted spec paths set to the sampled value (several: moved together, e.g. array rows and cols)."""
    min: float
    """Lower end of the range (a factor when ``scale``)."""
    max: float
    """Upper end of the range."""
    scale: bool = False
    """The value multiplies the base design's value at each path (every number below a sub-spec path)."""
    integer: bool = False
    """Round the value to an integer (e.g. array size)."""
    log: bool = False
    """Sample uniformly in log space (needs min > 0)."""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict):
            d = dict(data)
            if "path" in d:
                d["paths"] = [d.pop("path")]
            if isinstance(d.get("paths"), str):
                d["paths"] = [d["paths"]]
            if "name" not in d and d.get("paths"):
                d["name"] = "+".join(d["paths"])
            return d
        return data

    @model_validator(mode="after")
    def _check(self) -> "Parameter":
        if not self.paths:
            raise ValueError(f"parameter {self.name}: needs a path")
        if not self.min < self.max:
            raise ValueError(f"parameter {self.name}: need min < max (got {self.min}, {self.max})")
        if self.log and self.min <= 0:
            raise ValueError(f"parameter {self.name}: a log range needs min > 0")
        return self

    def value(self, u: float) -> float:
        """The parameter's value for a sample in [0, 1]."""
        if self.log:
            x = float(np.exp(np.log(self.min) + u * (np.log(self.max) - np.log(self.min))))
        else:
            x = self.min + u * (self.max - self.min)
        return float(round(x)) if self.integer else x


def _numbers_below(obj: Any, prefix: str) -> dict[str, float]:
    """Every numeric field at or below ``obj`` (a sub-spec or a number), by dotted path."""
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return {prefix: float(obj)}
    if isinstance(obj, BaseModel):
        out: dict[str, float] = {}
        for f in type(obj).model_fields:
            out.update(_numbers_below(getattr(obj, f), f"{prefix}.{f}"))
        return out
    return {}


def _base_value(hw: Accelerator, path: str) -> Any:
    obj: Any = hw
    for k in path.split("."):
        if k.startswith("_") or not hasattr(obj, k):
            raise SensitivityError(f"parameter {path}: no such field in the design")
        obj = getattr(obj, k)
    return obj


def design_updates(hw: Accelerator, params: Sequence[Parameter], x: np.ndarray) -> dict[str, Any]:
    """The spec updates of one sample (``x``: one value per parameter, already in its range)."""
    out: dict[str, Any] = {}
    for p, v in zip(params, x):
        for path in p.paths:
            if p.scale:
                for sub, base in _numbers_below(_base_value(hw, path), path).items():
                    out[sub] = base * float(v)
            else:
                base = _base_value(hw, path)
                out[path] = int(v) if isinstance(base, int) and not isinstance(base, bool) and p.integer else float(v)
    return out


def indices(func: Callable[[np.ndarray], np.ndarray], params: Sequence[Parameter], outputs: Sequence[str], *,
            method: Literal["sobol", "morris"] = "sobol", n: int = 256, seed: int = 0) -> pd.DataFrame:
    """Sensitivity indices of ``func`` (samples x parameters -> samples x outputs) over ``params``.
    One row per (output, parameter): Sobol ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; Morris
    ``mu_star``, ``mu_star_conf``, ``sigma`` and ``mu_star_norm`` (mu_star / the output's largest)."""
    try:
        from SALib.analyze import morris as morris_a
        from SALib.analyze import sobol as sobol_a
        from SALib.sample import morris as morris_s
        from SALib.sample import sobol as sobol_s
    except ImportError:
        raise SensitivityError("sensitivity: SALib is not installed; pip install 'accelmodel[sensitivity]'") from None
    problem = {"num_vars": len(params), "names": [p.name for p in params], "bounds": [[0.0, 1.0]] * len(params)}
    if method == "sobol":
        U = sobol_s.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        U = morris_s.sample(problem, n, num_levels=4, seed=seed)
    if len(U) > MAX_DESIGNS:
        raise SensitivityError(f"sensitivity: {len(U)} samples, over the limit of {MAX_DESIGNS}; lower n")
    X = np.array([[p.value(u) for p, u in zip(params, row)] for row in U])
    Y = np.asarray(func(X), dtype=float).reshape(len(X), len(outputs))
    rows = []
    for k, out in enumerate(outputs):
        y = Y[:, k]
        if not np.isfinite(y).all():
            raise SensitivityError(f"sensitivity: output {out} is undefined (NaN) for some samples")
        flat = np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max()))
        if method == "sobol":
            r = {"S1": np.zeros(len(params)), "S1_conf": np.zeros(len(params)), "ST": np.zeros(len(params)),
                 "ST_conf": np.zeros(len(params))} if flat else \
                sobol_a.analyze(problem, y, calc_second_order=False, seed=seed)
            cols: tuple[str, ...] = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            r = morris_a.analyze(problem, U, y, num_levels=4, seed=seed)
            cols = ("mu_star", "mu_star_conf", "sigma")
        for j, p in enumerate(params):
            rows.append({"output": out, "parameter": p.name, **{c: float(r[c][j]) for c in cols}})
    df = pd.DataFrame(rows)
    if method == "morris":
        top = df.groupby("output")["mu_star"].transform("max").replace(0, 1.0)
        df["mu_star_norm"] = df["mu_star"] / top
    df.attrs["samples"] = len(X)
    return df


def _designs(hw: Accelerator, params: Sequence[Parameter], X: np.ndarray) -> list[Accelerator]:
    from .sweep.plan import DesignBuilder
    builder = DesignBuilder(hw)
    out = []
    for x in X:
        try:
            out.append(builder.build(design_updates(hw, params, x)))
        except SpecError as exc:
            raise SensitivityError(f"sensitivity: a sample gives an invalid design ({exc}); "
                                   f"narrow the ranges") from None
    return out


def _outputs_of(hws: Sequence[Accelerator], workload: WorkloadPoint, outputs: Sequence[str]) -> np.ndarray:
    from .sweep.evaluate import evaluate_designs
    df = evaluate_designs(hws, workload, accuracy="max_rel_error" in outputs)
    bad = df["error"] != ""
    if bad.any():
        raise SensitivityError(f"sensitivity: a sample cannot be evaluated: {df['error'][bad].iloc[0]}")
    df["power_w"] = df["energy_j"] / df["latency_s"]
    for o in outputs:
        if o not in df:
            raise SensitivityError(f"sensitivity: unknown output {o!r} (a sweep result column or power_w)")
    return df[list(outputs)].to_numpy(float)


def design_sensitivity(hw: Accelerator, workload: WorkloadPoint, params: Sequence[Parameter],
                       outputs: Sequence[str] = ("latency_s", "energy_j"), *, method: Literal["sobol", "morris"]
                       = "sobol", n: int = 256, seed: int = 0) -> pd.DataFrame:
    """:func:`indices` of ``outputs`` of ``hw`` running ``workload`` over ``params``; every sample
    is a design and all are costed in one batch (the sweep's cost path, equal to ``simulate``)."""
    for p in params:
        for path in p.paths:
            _base_value(hw, path)
    return indices(lambda X: _outputs_of(_designs(hw, params, X), workload, outputs), params, outputs,
                   method=method, n=n, seed=seed)


def front_robustness(front: Sequence[Accelerator], workload: WorkloadPoint, params: Sequence[Parameter],
                     objectives: dict[str, str], *, n: int = 64, seed: int = 0) -> pd.DataFrame:
    """For each design of a Pareto set: the share of ``n`` Latin-hypercube draws of the
    uncertain ``params`` (applied to every design alike) in which it stays non-dominated
    within the set (``stays_optimal``, 1 = always), and its worst rank by the first objective."""
    rng = np.random.default_rng(seed)
    U = (np.stack([rng.permutation(n) for _ in params], axis=1) + rng.random((n, len(params)))) / n
    X = np.array([[p.value(u) for p, u in zip(params, row)] for row in U])
    designs = [d for x in X for d in _designs_for(front, params, x)]
    Y = _outputs_of(designs, workload, list(objectives)).reshape(n, len(front), len(objectives))
    sign = np.array([1.0 if s == "min" else -1.0 for s in objectives.values()])
    on = np.array([nondominated(Y[i] * sign) for i in range(n)])
    rank = np.argsort(np.argsort(Y[:, :, 0] * sign[0], axis=1), axis=1)
    return pd.DataFrame({"design": np.arange(len(front)), "stays_optimal": on.mean(axis=0),
                         "worst_rank_" + next(iter(objectives)): rank.max(axis=0) + 1})


def _designs_for(front: Sequence[Accelerator], params: Sequence[Parameter], x: np.ndarray) -> list[Accelerator]:
    return [_designs(hw, params, x[None, :])[0] for hw in front]


class SensitivitySpec(Frozen):
    """A sensitivity analysis from YAML (``accelmodel sensitivity SPEC``)."""

    hw: Any
    """The design: a bundled config name, a path (relative to the spec file) or a mapping of fields."""
    workload: WorkloadPoint = WorkloadPoint()
    method: Literal["sobol", "morris"] = "sobol"
    """Sobol (variance shares S1, ST) or Morris (elementary effects mu*, sigma; cheaper)."""
    n: PositiveInt = Field(default=256, le=100_000)
    """Base samples (Sobol: a power of two is best; n x (parameters + 2) designs. Morris: trajectories)."""
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    outputs: tuple[str, ...] = ("latency_s", "energy_j")
    """Result columns to analyse (``latency_s``, ``energy_j``, ``area_mm2``, ``power_w``, ...)."""
    parameters: tuple[Parameter, ...]

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
            d = dict(data)
            d["parameters"] = [{"name": k, **({"paths": [k]} if "paths" not in v and "path" not in v else {}), **v}
                               if isinstance(v, dict) else v for k, v in data["parameters"].items()]
            return d
        return data


def load_sensitivity(path) -> tuple[SensitivitySpec, Accelerator]:
    """A sensitivity spec file and its design."""
    from pathlib import Path

    from .inputs import read_yaml_mapping
    from .sweep.load import _resolve_base
    p = Path(path)
    data = read_yaml_mapping(p, "sensitivity spec")
    try:
        spec = SensitivitySpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{p.name}: {format_validation_error(exc)}") from None
    return spec, _resolve_base(spec.hw, p.name, p.parent)


__all__ = ["MAX_DESIGNS", "Parameter", "SensitivityError", "SensitivitySpec", "design_sensitivity",
           "design_updates", "front_robustness", "indices", "load_sensitivity"]
