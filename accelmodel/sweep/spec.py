"""What a sweep is: a base design, a workload, axes, a sampling method and constraints.

A sweep spec is YAML (``hw_configs/sweeps/*.yaml``) or Python::

    name: spad_acc
    base: gemmini_default                  # bundled hw config, a path (relative to this file) or a mapping
    workload: {model: bert-base, phase: prefill, batch: 1, seq_len: 512}
    axes:
      scratchpad_kib: [64, 128, 256]       # dotted path -> values
      dram.bandwidth_gbps: {min: 8, max: 128, log: true, num: 5}   # a range (num: grid points)
      nonlinear.softmax:                   # mapping values need labels: label -> value
        values: {cpu: {kind: cpu_offload}, ibert: {kind: ibert}}
      array:                               # several paths moving together (zipped): a name, paths, tuples
        paths: [array.rows, array.cols]
        values: [[16, 16], [32, 32]]
      workload.seq_len: [128, 512]         # workload fields: model, phase, batch, seq_len, kv_len, pruning
    sampling: grid                         # or {method: random | lhs, n: 1000, seed: 0}
    constraints:
      - {metric: sram_kib, max: 2560}      # any spec field or property (dotted), or a design metric
      - {metric: array.pes, min: 256}

Every point of the sweep is a set of values, one per axis; applied to the base
with :func:`accelmodel.with_updates` semantics (a dict value replaces the
sub-spec; changing a ``kind`` starts from that kind's defaults). Points are
identified by a stable hash of their (path, value) pairs (:func:`point_id`).
Loading (YAML, plain data, Python values) is in :mod:`.load`; content keys in :mod:`.keys`.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Literal, Optional

import numpy as np
from pydantic import Field, PositiveInt, model_validator

from ..components import physical
from ..errors import SpecError
from ..specbase import Frozen
from ..hardware.spec import Accelerator
from ..inputs import brief
from ..workload.point import WORKLOAD_FIELDS, WorkloadPoint
from .keys import _canonical, _hash, point_id
from .search_spec import SearchSpec

__all__ = ["Axis", "Constraint", "Sampling", "SweepSpec", "WorkloadPoint", "WORKLOAD_FIELDS", "WORKLOAD_PREFIX",
           "DESIGN_METRICS", "RESULT_METRICS", "design_metric", "total_area_mm2", "nonlinear_area_mm2", "point_id",
           "_canonical", "_hash"]

WORKLOAD_PREFIX = "workload"




def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


class Axis(Frozen):
    """One dimension of the design space: one dotted path (or several moving
    together) and its values (a list, or a numeric range)."""

    name: str = Field(min_length=1, max_length=200)
    """Column name for a labelled axis (default: the path, or the paths joined with '+')."""
    paths: tuple[str, ...]
    """Dotted paths into the hardware spec (``array.rows``) or ``workload.<field>``."""
    values: Optional[tuple[Any, ...]] = None
    """Explicit values; for several paths, one list per value with a component per path."""
    labels: Optional[tuple[str, ...]] = None
    """Names of the values (required when values are mappings); the result column holds the label."""
    min: Optional[float] = None
    """Lower end of a numeric range (single path only)."""
    max: Optional[float] = None
    """Upper end of a numeric range."""
    log: bool = False
    """Sample the range uniformly in log space (grid: geometric spacing)."""
    integer: bool = False
    """Round range values to integers."""
    num: Optional[PositiveInt] = None
    """Grid points of a range (grid sampling only; random and LHS sample the range)."""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        d = dict(data)
        if "path" in d:
            if "paths" in d:
                raise ValueError("give 'path' or 'paths', not both")
            p = d.pop("path")
            d["paths"] = [p] if isinstance(p, str) else p
        if isinstance(d.get("paths"), str):
            d["paths"] = [d["paths"]]
        vals = d.get("values")
        if isinstance(vals, dict):
            if d.get("labels") is not None:
                raise ValueError("values given as a mapping already carry their labels")
            d["labels"] = [str(k) for k in vals]
            d["values"] = list(vals.values())
        if "name" not in d and d.get("paths"):
            d["name"] = "+".join(d["paths"])
        return d

    @model_validator(mode="after")
    def _check(self) -> "Axis":
        nm = self.name
        if not self.paths:
            raise ValueError(f"axis {nm}: needs at least one path")
        for p in self.paths:
            if not isinstance(p, str) or not p or any(not k for k in p.split(".")):
                raise ValueError(f"axis {nm}: bad path {brief(p)}")
        if len(set(self.paths)) != len(self.paths):
            raise ValueError(f"axis {nm}: a path is repeated")
        is_range = self.min is not None or self.max is not None
        if self.values is None and not is_range:
            raise ValueError(f"axis {nm}: give values or a range (min, max)")
        if self.values is not None:
            if is_range or self.num is not None or self.log or self.integer:
                raise ValueError(f"axis {nm}: give values or a range (min, max, log, integer, num), not both")
            if len(self.values) == 0:
                raise ValueError(f"axis {nm}: no values")
            if len(self.paths) > 1:
                for v in self.values:
                    if not isinstance(v, (list, tuple)) or len(v) != len(self.paths):
                        raise ValueError(f"axis {nm}: each value must be a list of {len(self.paths)} components "
                                         f"(one per path), got {brief(v)}")
            if self.labels is not None:
                if len(self.labels) != len(self.values):
                    raise ValueError(f"axis {nm}: {len(self.labels)} labels for {len(self.values)} values")
                if len(set(self.labels)) != len(self.labels):
                    raise ValueError(f"axis {nm}: labels must be unique")
            else:
                for v in self.values:
                    comps = v if len(self.paths) > 1 else (v,)
                    if not all(_is_scalar(c) for c in comps):
                        raise ValueError(f"axis {nm}: value {brief(v)} is not a number or string; give the values "
                                         f"as a mapping of labels to values")
                keys = [_canonical(v) for v in self.values]
                if len(set(keys)) != len(keys):
                    raise ValueError(f"axis {nm}: repeated value")
        else:
            if len(self.paths) != 1:
                raise ValueError(f"axis {nm}: a range needs exactly one path")
            if self.min is None or self.max is None:
                raise ValueError(f"axis {nm}: a range needs both min and max")
            if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.min > self.max:
                raise ValueError(f"axis {nm}: need finite min <= max (got {self.min}, {self.max})")
            if self.log and self.min <= 0:
                raise ValueError(f"axis {nm}: a log range needs min > 0")
            if self.labels is not None:
                raise ValueError(f"axis {nm}: labels need explicit values")
        return self

    # ---- values -----------------------------------------------------------
    @property
    def is_range(self) -> bool:
        return self.values is None

    @property
    def labelled(self) -> bool:
        return self.labels is not None

    @property
    def value_list(self) -> tuple:
        """The explicit values (an axis that is not a range)."""
        if self.values is None:
            raise SpecError(f"axis {self.name}: a range axis has no explicit values")
        return self.values

    @property
    def bounds(self) -> tuple[float, float]:
        """(min, max) of a range axis."""
        if self.min is None or self.max is None:
            raise SpecError(f"axis {self.name}: an axis of explicit values has no range")
        return self.min, self.max

    def grid_choices(self) -> list:
        """Choices of a grid: value indices, or range values (``num`` of them)."""
        if not self.is_range:
            return list(range(len(self.value_list)))
        if self.num is None:
            raise SpecError(f"axis {self.name}: grid sampling needs 'num' (grid points) for a range, "
                            f"or explicit values")
        lo, hi = self.bounds
        if self.num == 1:
            pts = np.array([lo])
        elif self.log:
            pts = np.geomspace(lo, hi, self.num)
        else:
            pts = np.linspace(lo, hi, self.num)
        out = [self._range_value(float(x)) for x in pts]
        return list(dict.fromkeys(out))  # integer rounding may merge points

    def _range_value(self, x: float):
        if self.integer:
            return int(round(x))
        return float(x)

    def sample_choices(self, u: np.ndarray) -> list:
        """Choices for uniform numbers ``u`` in [0, 1)."""
        if not self.is_range:
            n = len(self.value_list)
            idx = np.minimum((u * n).astype(int), n - 1)
            return [int(i) for i in idx]
        a, b = self.bounds
        if self.log:
            lo, hi = math.log(a), math.log(b)
            xs = np.exp(lo + u * (hi - lo))
        else:
            xs = a + u * (b - a)
        xs = np.clip(xs, a, b)
        return [self._range_value(float(x)) for x in xs]

    def components(self, choice) -> tuple:
        """The value of each path for a choice (an index for explicit values, the value for a range)."""
        if self.is_range:
            return (choice,)
        v = self.value_list[choice]
        return tuple(v) if len(self.paths) > 1 else (v,)

    def column_values(self, choice) -> tuple:
        """What the result columns hold for a choice: the label, or the value per path."""
        if self.labels is not None:
            return (self.labels[choice],)
        return self.components(choice)

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.name,) if self.labelled else self.paths


class Sampling(Frozen):
    """How points are drawn from the axes."""

    method: Literal["grid", "random", "lhs"] = "grid"
    """``grid``: every combination; ``random``: independent uniform draws; ``lhs``: Latin hypercube."""
    n: Optional[PositiveInt] = None
    """Points to draw (random and lhs)."""
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    """Seed of the random generator (numpy PCG64)."""

    @model_validator(mode="before")
    @classmethod
    def _from_str(cls, data: Any) -> Any:
        return {"method": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check(self) -> "Sampling":
        if self.method == "grid" and self.n is not None:
            raise ValueError("sampling.n: grid sampling takes every combination (no n)")
        if self.method != "grid" and self.n is None:
            raise ValueError(f"sampling.n: {self.method} sampling needs n (points to draw)")
        return self


class Constraint(Frozen):
    """Keep only designs whose ``metric`` lies in [min, max]."""

    metric: str
    """A dotted spec field or property (``sram_kib``, ``array.pes``, ``dram.bandwidth_gbps``),
    a design metric (``area_mm2``, ``leakage_w``, ``nonlinear_area_mm2``, ``total_area_mm2``),
    ``workload.<field>``, or a result metric (:data:`RESULT_METRICS`: ``power_w``, ``latency_s``,
    ``energy_j``, ...), which is applied after the design is evaluated."""
    min: Optional[float] = None
    max: Optional[float] = None

    @model_validator(mode="after")
    def _check(self) -> "Constraint":
        if self.min is None and self.max is None:
            raise ValueError(f"constraint {self.metric}: give min and/or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"constraint {self.metric}: min > max")
        return self

    @property
    def label(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min:g} <= {self.metric} <= {self.max:g}"
        if self.max is not None:
            return f"{self.metric} <= {self.max:g}"
        return f"{self.metric} >= {self.min:g}"


def nonlinear_area_mm2(hw: Accelerator) -> float:
    """Area of the on-accelerator nonlinear units (softmax, activation, norm,
    element-wise slots; CPU offload adds none), at the spec's technology node."""
    node = getattr(hw, "technology_nm", None)
    total = 0.0
    for slot in ("softmax", "activation", "norm", "elementwise"):
        unit = getattr(hw.nonlinear, slot)
        if unit.on_accelerator:
            total += unit.area_mm2_at(node) if hasattr(unit, "area_mm2_at") else unit.area_mm2
    return total


def total_area_mm2(hw: Accelerator) -> float:
    """The component models' total area (units included); with a typed ``area_mm2`` (an
    override of the accelerator without its units), that plus :func:`nonlinear_area_mm2`."""
    ph = physical(hw)
    return ph.area_mm2 + nonlinear_area_mm2(hw) if ph.area_source == "spec" else ph.area_mm2


DESIGN_METRICS: dict[str, Callable[[Accelerator], Optional[float]]] = {
    "area_mm2": lambda hw: physical(hw).area_mm2,
    "leakage_w": lambda hw: physical(hw).leakage_w,
    "nonlinear_area_mm2": nonlinear_area_mm2,
    "total_area_mm2": total_area_mm2,
}
"""Design metrics beyond the spec's own fields and properties (for constraints and columns):
``area_mm2`` is the component models' total or the spec's typed override
(:func:`accelmodel.components.physical`)."""

RESULT_METRICS: tuple[str, ...] = (
    "latency_s", "energy_j", "edp", "power_w", "tops_per_w", "tops_per_mm2", "utilization", "matmul_utilization",
    "matmul_latency_s", "tokens_per_s", "energy_per_token_j", "dram_bytes", "max_rel_error")
"""Metrics known only after evaluation; a constraint on one drops the evaluated rows outside it."""


def design_metric(hw: Accelerator, workload: WorkloadPoint, metric: str):
    """Value of a constraint metric for one design (not a :data:`RESULT_METRICS` one)."""
    if metric in RESULT_METRICS:
        raise SpecError(f"constraint {metric}: a result metric, known only after evaluation")
    if metric in DESIGN_METRICS:
        return DESIGN_METRICS[metric](hw)
    keys = metric.split(".")
    obj: Any = hw
    if keys[0] == WORKLOAD_PREFIX:
        obj, keys = workload, keys[1:]
    for k in keys:
        if k.startswith("_") or not hasattr(obj, k):
            raise SpecError(f"constraint {metric}: unknown metric (a spec field or property such as sram_kib, "
                            f"array.pes, or one of {', '.join(DESIGN_METRICS)})")
        obj = getattr(obj, k)
    return obj


class SweepSpec(Frozen):
    """A whole sweep. Build it in Python or load it with :func:`load_sweep`."""

    name: str = Field(default="sweep", min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    base: Accelerator
    """The design every point starts from."""
    workload: WorkloadPoint = WorkloadPoint()
    """The workload every point runs (workload axes change its fields)."""
    axes: tuple[Axis, ...]
    sampling: Sampling = Sampling()
    constraints: tuple[Constraint, ...] = ()
    search: Optional[SearchSpec] = None
    """Search the axes with a multi-objective optimiser instead of enumerating them
    (:mod:`.search_spec`; ``accelmodel sweep`` then runs :func:`~accelmodel.sweep.search.run_search`)."""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        d = dict(data)
        axes = d.get("axes")
        if isinstance(axes, dict):
            d["axes"] = [_axis_entry(k, v) for k, v in axes.items()]
        elif isinstance(axes, (list, tuple)):
            d["axes"] = list(axes)
        elif axes is not None:
            raise ValueError(f"axes: a mapping of paths to values or a list of axes, got {brief(axes)}")
        wls = d.pop("workloads", None)
        if wls is not None:
            if isinstance(wls, dict):
                labels, vals = [str(k) for k in wls], list(wls.values())
            elif isinstance(wls, (list, tuple)):
                vals = list(wls)
                base_wl = d.get("workload") or {}
                if not isinstance(base_wl, (dict, WorkloadPoint)):
                    raise ValueError(f"workload: a mapping of workload fields, got {brief(base_wl)}")
                base_wl = base_wl.model_dump() if isinstance(base_wl, WorkloadPoint) else dict(base_wl)
                labels = [WorkloadPoint.model_validate({**base_wl, **dict(v)}).label if isinstance(v, dict)
                          else str(v) for v in vals]
            else:
                raise ValueError("workloads: a list of workloads or a mapping of labels to workloads")
            d["axes"] = [dict(name="workload", paths=[WORKLOAD_PREFIX], values=vals, labels=labels),
                         *(d.get("axes") or [])]
        return d

    @model_validator(mode="after")
    def _check(self) -> "SweepSpec":
        if not self.axes:
            raise ValueError("axes: a sweep needs at least one axis")
        seen: dict[str, str] = {}
        for ax in self.axes:
            for p in ax.paths:
                if p in seen:
                    raise ValueError(f"axes: path {p} is on two axes ({seen[p]} and {ax.name})")
                seen[p] = ax.name
        cols = [c for ax in self.axes for c in ax.columns]
        if len(set(cols)) != len(cols):
            raise ValueError("axes: two axes have the same column name; give them distinct names")
        return self

    # ---- helpers ----------------------------------------------------------
    @property
    def columns(self) -> tuple[str, ...]:
        """Axis columns of the results, in order."""
        return tuple(c for ax in self.axes for c in ax.columns)

    def workload_for(self, wl_updates: dict[str, Any]) -> WorkloadPoint:
        if not wl_updates:
            return self.workload
        return WorkloadPoint.model_validate({**self.workload.model_dump(), **wl_updates})

    def fingerprint(self) -> str:
        """Hash of everything that decides the sweep's rows (:func:`.keys.resume_key`):
        results written under one fingerprint are not mixed with another's."""
        from .keys import resume_key
        return _hash(resume_key(self))[:16]


def _axis_entry(key: str, v: Any) -> dict:
    if isinstance(v, dict) and ("paths" in v or "path" in v):
        return {"name": key, **v}
    if isinstance(v, dict):
        return {"paths": [key], **v}
    if isinstance(v, (list, tuple)):
        return {"paths": [key], "values": list(v)}
    return {"paths": [key], "values": [v]}
