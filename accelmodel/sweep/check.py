"""Checks before a sweep runs: the size of its plan, its axes, workloads and
constraints (one-line errors naming what is wrong), and the workload memo.

* :func:`count_points` counts a plan's points without drawing them;
  :func:`check_size` refuses a plan over the limit (``--max-points``);
* :func:`check_spec` tries every axis value alone on the base and loads every
  workload and pruning plan the spec names, before any point runs;
* :func:`workload_ops` is memoised on the workload *and the content* of the
  model file it reads, so an edited file is never served stale.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Optional

from pydantic import ValidationError

from ..errors import AccelModelError, SpecError, format_validation_error
from ..hardware.spec import with_updates
from ..inputs import brief
from ..workload.point import WORKLOAD_FIELDS, WorkloadPoint
from .keys import file_digest
from .spec import RESULT_METRICS, WORKLOAD_PREFIX, SweepSpec, design_metric

from ..inputs import DEFAULT_MAX_POINTS  # noqa: E402,F401  (re-exported)


@lru_cache(maxsize=64)
def _workload_ops(wl: WorkloadPoint, model_digest: str):
    from ..workload.config import load_workload
    from ..workload.sequence import op_sequence
    return op_sequence(load_workload(wl.model), wl.phase, wl.batch, wl.seq_len, wl.kv_len)


def workload_ops(wl: WorkloadPoint):
    """The ops of a workload's pass (:class:`~accelmodel.workload.sequence.OpSequence`),
    as ``simulate`` builds them; memoised on the frozen workload and the SHA-256
    of its model file (edit the file and the next call reads it again). Raises
    what ``op_sequence`` raises."""
    return _workload_ops(wl, file_digest(wl.model_path))


def _workload_error(wl: WorkloadPoint) -> Optional[str]:
    """Why a workload cannot run (None if it can)."""
    try:
        workload_ops(wl)
    except AccelModelError as exc:
        return str(exc)
    return None


def _check_workload_files(wl: WorkloadPoint, where: str) -> None:
    """The model and the pruning plan a workload names must load."""
    from ..workload.config import load_workload
    try:
        load_workload(wl.model)
    except SpecError as exc:
        raise SpecError(f"{where}.model: {exc}") from None
    if wl.pruning is not None:
        from ..workload.pruning import load_pruning_plan
        path = wl.pruning_path
        if path is None or not path.is_file():
            raise SpecError(f"{where}.pruning: pruning plan not found: {brief(wl.pruning)}")
        try:
            load_pruning_plan(path)
        except SpecError as exc:
            raise SpecError(f"{where}.pruning: {exc}") from None


def count_points(spec: SweepSpec) -> int:
    """Points the sampling draws (before duplicates are dropped), without drawing them."""
    if spec.sampling.method != "grid":
        return int(spec.sampling.n or 0)
    sizes = []
    for ax in spec.axes:
        if not ax.is_range:
            sizes.append(len(ax.value_list))
        elif ax.num is None:
            ax.grid_choices()  # the one-line error for a range without grid points
        else:
            sizes.append(ax.num)
    return math.prod(sizes)


def check_size(spec: SweepSpec, max_points: int = DEFAULT_MAX_POINTS) -> int:
    """The plan's point count; ``SpecError`` if it is over ``max_points``."""
    n = count_points(spec)
    if n > max_points:
        raise SpecError(f"{spec.name}: the plan has {n} points ({spec.sampling.method}), over the limit of "
                        f"{max_points}; shrink the sweep or raise the limit with --max-points")
    return n


def check_spec(spec: SweepSpec) -> None:
    """Every path and every value, alone on the base, must be valid, and every
    constraint metric must exist: else a one-line error naming the axis (or
    constraint)."""
    base = spec.base
    _check_workload_files(spec.workload, "workload")
    if not any(_is_workload_path(p) for ax in spec.axes for p in ax.paths):
        err = _workload_error(spec.workload)
        if err is not None:  # every point would be dropped for it
            raise SpecError(f"workload: {err}")
    for ax in spec.axes:
        for p in ax.paths:
            if p.startswith(WORKLOAD_PREFIX + "."):
                f = p[len(WORKLOAD_PREFIX) + 1:]
                if f not in WORKLOAD_FIELDS:
                    raise SpecError(f"axis {ax.name}: unknown workload field {brief(f)} "
                                    f"(fields: {', '.join(WORKLOAD_FIELDS)})")
        choices = ax.grid_choices() if not ax.is_range else [ax._range_value(b) for b in ax.bounds]
        for ch in choices:
            comps = ax.components(ch)
            hw_up = {p: v for p, v in zip(ax.paths, comps) if not _is_workload_path(p)}
            wl_up: dict[str, Any] = {}
            for p, v in zip(ax.paths, comps):
                if p == WORKLOAD_PREFIX:
                    if not isinstance(v, dict):
                        raise SpecError(f"axis {ax.name}: a workload value must be a mapping of workload fields, "
                                        f"got {brief(v)}")
                    wl_up.update(v)
                elif p.startswith(WORKLOAD_PREFIX + "."):
                    wl_up[p[len(WORKLOAD_PREFIX) + 1:]] = v
            what = ax.labels[ch] if ax.labels is not None else (comps[0] if len(comps) == 1 else list(comps))
            if hw_up:
                try:
                    with_updates(base, hw_up)
                except SpecError as exc:
                    # the value itself is wrong (its own field is named); an error elsewhere in the
                    # spec may depend on other axes: screening drops those points with the reason
                    loc = str(exc).split(": ", 1)[0]
                    if any(p == loc or p.startswith(loc + ".") or loc.startswith(p + ".") for p in hw_up):
                        raise SpecError(f"axis {ax.name}: value {brief(what)}: {exc}") from None
            if wl_up:
                try:
                    wl = spec.workload_for(wl_up)
                except ValidationError as exc:
                    raise SpecError(f"axis {ax.name}: value {brief(what)}: workload."
                                    f"{format_validation_error(exc)}") from None
                try:
                    _check_workload_files(wl, "workload")
                except SpecError as exc:
                    raise SpecError(f"axis {ax.name}: value {brief(what)}: {exc}") from None
    for c in spec.constraints:
        if c.metric in RESULT_METRICS:
            continue  # applied to evaluated rows (accelmodel.sweep.execute.evaluate_points)
        v = design_metric(spec.base, spec.workload, c.metric)
        if v is None and not any(c.metric in ax.paths for ax in spec.axes):
            raise SpecError(f"constraint {c.label}: the design has no {c.metric} (the spec gives none)")
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise SpecError(f"constraint {c.label}: {c.metric} is not a number ({brief(v)})")


def _is_workload_path(p: str) -> bool:
    return p == WORKLOAD_PREFIX or p.startswith(WORKLOAD_PREFIX + ".")

