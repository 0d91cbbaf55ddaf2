"""Write a :class:`~accelmodel.report.Report` to a run directory and read it back.

A run directory (``accelmodel run --out DIR``) holds:

- ``ops.csv``: :attr:`Report.ops`, one row per op (columns documented in
  :mod:`accelmodel.report`);
- ``summary.json``: :meth:`Report.summary` plus the pass's shape (phase,
  batch, seq_len, kv_len);
- ``hw.yaml``: the hardware spec, loadable with ``--hw``;
- ``workload.yaml``: the transformer config (older directories without it are
  read if ``summary.json`` names a bundled preset).

:func:`load_run` rebuilds a Report from these files, so plots and summaries can
be made later without re-running the model.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .errors import AccelModelError, SpecError
from .hardware.spec import load_accelerator
from .inputs import atomic_path, atomic_write_text, read_json_mapping
from .report import Report
from .workload.config import load_config_file, load_workload

OPS_FILE, SUMMARY_FILE, HW_FILE, WORKLOAD_FILE = "ops.csv", "summary.json", "hw.yaml", "workload.yaml"

_STRING_COLUMNS = ("name", "op", "kind", "function", "unit", "loop_order", "bound", "fused_into")


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else str(v)
    return x


def save_run(report: Report, out: str | Path) -> Path:
    """Write ``ops.csv``, ``summary.json``, ``hw.yaml`` and ``workload.yaml`` into
    directory ``out`` (created if needed). Returns the directory."""
    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    with atomic_path(d / OPS_FILE) as tmp:  # each file appears whole or not at all
        report.ops.to_csv(tmp, index=False)
    atomic_write_text(d / HW_FILE, report.hw.to_yaml())
    atomic_write_text(d / WORKLOAD_FILE, yaml.safe_dump(report.model.model_dump(mode="json"), sort_keys=False))
    atomic_write_text(d / SUMMARY_FILE, json.dumps(_jsonable(report.summary()), indent=2) + "\n")  # last
    return d


def load_run(path: str | Path) -> Report:
    """Rebuild the :class:`Report` of a run directory written by
    ``accelmodel run --out DIR`` (or :func:`save_run`).

    Raises :class:`~accelmodel.errors.AccelModelError` with a one-line message
    if a file is missing or unreadable.
    """
    d = Path(path)
    if not d.is_dir():
        raise AccelModelError(f"run directory not found: {d}")
    for f in (OPS_FILE, SUMMARY_FILE, HW_FILE):
        if not (d / f).is_file():
            raise AccelModelError(f"{d}: not a run directory (missing {f}; write one with `accelmodel run --out DIR`)")
    summary = read_json_mapping(d / SUMMARY_FILE, f"run directory {d.name}:")
    hw = load_accelerator(d / HW_FILE)
    if (d / WORKLOAD_FILE).is_file():
        model = load_config_file(d / WORKLOAD_FILE)
    else:
        try:
            model = load_workload(str(summary.get("model", "")))
        except SpecError:
            raise AccelModelError(f"{d}: no {WORKLOAD_FILE} and summary.json's model {summary.get('model')!r} "
                                  "is not a bundled preset") from None
    try:
        ops = pd.read_csv(d / OPS_FILE, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise AccelModelError(f"{d / OPS_FILE}: not a readable CSV ({str(exc).splitlines()[0]})") from None
    for c in ("latency_s", "energy_j", "flops", "kind", "bound", "layer"):
        if c not in ops.columns:
            raise AccelModelError(f"{d / OPS_FILE}: missing column {c!r}")
    for c in _STRING_COLUMNS:
        if c in ops.columns:
            ops[c] = ops[c].fillna("").astype(str)
    try:
        phase = str(summary["phase"])
        batch, seq_len, kv_len = int(summary["batch"]), int(summary["seq_len"]), int(summary["kv_len"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AccelModelError(f"{d / SUMMARY_FILE}: missing or bad field {exc}") from None
    base = Report.from_frame(ops, hw=hw, model=model, phase=phase, batch=batch, seq_len=seq_len, kv_len=kv_len)
    standard = set(base.summary())
    extra = {k: v for k, v in summary.items() if k not in standard}
    if not extra:
        return base
    return Report.from_frame(ops, hw=hw, model=model, phase=phase, batch=batch, seq_len=seq_len, kv_len=kv_len,
                  extra=extra)
