"""Design-space sweeps: a base design, axes over any spec field (dotted paths)
and workload parameters, grid / random / Latin-hypercube sampling, constraints;
evaluated many designs at a time (:mod:`.evaluate`, identical to ``simulate``), in
this process, local worker processes or on a Dask cluster; results written
chunk by chunk to Parquet, resumable; Pareto fronts.

    from accelmodel.sweep import load_sweep, run_sweep, pareto_front
    df = run_sweep(load_sweep("spad_acc"), out="results.parquet", jobs=2)
    pareto_front(df, ["latency_s", "energy_j"])

Or in one call::

    from accelmodel.sweep import sweep
    df = sweep("gemmini_default", {"model": "bert-base", "seq_len": 512},
               {"scratchpad_kib": [64, 128, 256], "accumulator_kib": [64, 128, 256]})
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..hardware.spec import Accelerator
from .execute import ChunkResult, ChunkTask, ResultStore, SweepError, evaluate_chunk, read_results, run_sweep
from ..cost.names import BOUNDS
from ..workload.kinds import KINDS
from .evaluate import METRICS, RESULT_COLUMNS, evaluate_designs, summary_metrics
from ..pareto import nondominated
from .pareto import pareto_front
from .plan import (DesignBuilder, PointCodec, Sampled, Screened, SweepPlan, check_spec, plan_sweep, sample_points,
                   screen, workload_ops)
from .keys import code_fingerprint, file_digest, point_id, resume_key
from .load import load_sweep, make_spec, sweep_from_dict
from .spec import Axis, Constraint, Sampling, SweepSpec, WorkloadPoint, design_metric, nonlinear_area_mm2


def sweep(
    base_hw: Accelerator | str,
    workload: WorkloadPoint | dict | str | None,
    axes: dict | Sequence[Axis | dict],
    *,
    sampling: Sampling | dict | str = "grid",
    constraints: Sequence[Constraint | dict] = (),
    out: str | Path | None = None,
    jobs: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
    accuracy: bool = True,
    name: str = "sweep",
) -> pd.DataFrame:
    """Build a :class:`SweepSpec` from Python values and run it (:func:`run_sweep`).

    ``axes``: ``{"array.rows": [8, 16, 32], "workload.seq_len": [128, 512]}`` or
    a list of :class:`Axis`. One row per design point: a column per axis (named
    by its dotted path), then :data:`RESULT_COLUMNS`.
    """
    spec = make_spec(base_hw, workload, axes, sampling=sampling, constraints=constraints, name=name)
    return run_sweep(spec, out, jobs=jobs, scheduler=scheduler, resume=resume, chunk_size=chunk_size,
                     progress=progress, accuracy=accuracy)


__all__ = [
    "Axis", "Constraint", "Sampling", "SweepSpec", "SweepPlan", "WorkloadPoint", "DesignBuilder", "ChunkTask",
    "ChunkResult", "PointCodec", "Sampled", "Screened", "check_spec", "design_metric", "sample_points", "screen",
    "workload_ops",
    "ResultStore", "SweepError", "BOUNDS", "KINDS", "METRICS", "RESULT_COLUMNS",
    "sweep", "run_sweep", "plan_sweep", "load_sweep", "sweep_from_dict", "make_spec",
    "evaluate_designs", "evaluate_chunk", "summary_metrics", "read_results", "pareto_front",
    "nondominated", "point_id", "nonlinear_area_mm2", "code_fingerprint", "file_digest", "resume_key",
]
