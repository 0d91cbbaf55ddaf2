"""Running a sweep: chunks of points, evaluated in this process, in local worker
processes or on a Dask cluster, written to a Parquet dataset as they finish.

Output layout (``--out results.parquet``): a directory that pandas and pyarrow
read as one table (``pd.read_parquet(path)`` or :func:`read_results`):

    results.parquet/
        _sweep.json                      what wrote it (fingerprint of base spec and workload, columns, spec)
        part-<run>-<n>.parquet           one file per evaluated chunk, written atomically

A chunk's file appears only once the whole chunk is evaluated (written to a
hidden temporary file, then renamed), so a crash or Ctrl-C loses only the
chunks being evaluated at that moment. ``resume=True`` reads the ``point_id``
column of the parts already written and evaluates only the other points.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import sys
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np
import pandas as pd

from ..errors import AccelModelError
from .evaluate import evaluate_designs
from .plan import _merge_counts, describe, sample_points, screen
from .spec import SweepSpec

META_FILE = "_sweep.json"
FORMAT_VERSION = 1


class SweepError(AccelModelError):
    """A sweep cannot run as asked (output directory, resume, cluster)."""


# ---------------------------------------------------------------------------
# one chunk

@dataclass(frozen=True)
class ChunkTask:
    """What a worker needs to evaluate one chunk (picklable; sent to Dask workers)."""

    spec: SweepSpec
    index: tuple[int, ...]
    """Sampled position of each point (the ``point`` column)."""
    choices: tuple[tuple, ...]
    point_ids: tuple[str, ...]
    accuracy: bool = True


@dataclass
class ChunkResult:
    """One evaluated chunk: a row per kept point, and why the others were dropped."""

    frame: pd.DataFrame
    dropped: dict[str, int]
    n_points: int
    """Points in the chunk (kept + dropped)."""


def axis_dtypes(spec: SweepSpec) -> dict[str, str]:
    """A fixed dtype per axis column, so every chunk has the same schema."""
    out: dict[str, str] = {}
    for ax in spec.axes:
        if ax.labelled:
            out[ax.name] = "str"
            continue
        for j, p in enumerate(ax.paths):
            if ax.is_range:
                out[p] = "int64" if ax.integer else "float64"
                continue
            vals = [ax.components(i)[j] for i in range(len(ax.values))]
            present = [v for v in vals if v is not None]
            if present and all(isinstance(v, bool) for v in present):
                out[p] = "bool" if len(present) == len(vals) else "object"
            elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                out[p] = "int64" if len(present) == len(vals) else "float64"
            elif present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
                out[p] = "float64"
            else:
                out[p] = "str"
    return out


def axis_frame(spec: SweepSpec, choices: Sequence[tuple]) -> pd.DataFrame:
    """Axis columns (named by path, or by the axis name for labelled axes) of some points."""
    cols: dict[str, list] = {c: [] for c in spec.columns}
    for ch in choices:
        for ax, c in zip(spec.axes, ch):
            for name, v in zip(ax.columns, ax.column_values(c)):
                cols[name].append(v)
    dtypes = axis_dtypes(spec)
    out = {}
    for name, vals in cols.items():
        dt = dtypes[name]
        if dt == "str":
            out[name] = pd.array([None if v is None else str(v) for v in vals], dtype="str")
        elif dt == "object":
            out[name] = pd.array(vals, dtype=object)
        else:
            out[name] = np.array([np.nan if v is None else v for v in vals], dtype=dt)
    return pd.DataFrame(out, index=pd.RangeIndex(len(choices)))


def evaluate_chunk(task: ChunkTask) -> ChunkResult:
    """Screen one chunk of points (:func:`~accelmodel.sweep.spec.screen`) and
    evaluate the designs kept: ``point``, ``point_id``, the axis columns, then
    :data:`~accelmodel.sweep.evaluate.RESULT_COLUMNS`."""
    spec = task.spec
    sc = screen(spec, list(task.choices))
    metrics = evaluate_designs(sc.hws, sc.wls, accuracy=task.accuracy)
    k = sc.kept
    head = pd.DataFrame({"point": np.asarray([task.index[j] for j in k], dtype=np.int64),
                         "point_id": pd.array([task.point_ids[j] for j in k], dtype="str")})
    frame = pd.concat([head, axis_frame(spec, [task.choices[j] for j in k]), metrics], axis=1)
    return ChunkResult(frame, sc.dropped, len(task.choices))


def _wl_path(p: str) -> bool:
    return p == "workload" or p.startswith("workload.")


# ---------------------------------------------------------------------------
# executors: each yields (task, frame) as chunks finish

def _run_local(tasks: list[ChunkTask], jobs: int) -> Iterator[ChunkResult]:
    """Evaluate chunks here (one job) or in worker processes. The pool is
    started before this returns (forked before any progress-bar thread exists)."""
    if jobs <= 1 or len(tasks) <= 1:
        return (evaluate_chunk(t) for t in tasks)
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    ex = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx)
    try:
        pending = {ex.submit(evaluate_chunk, t) for t in tasks}
    except BaseException:
        ex.shutdown(wait=False, cancel_futures=True)
        raise

    def results() -> Iterator[ChunkResult]:
        nonlocal pending
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        finally:
            ex.shutdown(wait=True, cancel_futures=True)

    return results()


def _run_dask(tasks: list[ChunkTask], scheduler: Any) -> Iterator[ChunkResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - a dependency
        raise SweepError("--scheduler: the dask 'distributed' package is not installed") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout="20s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepError(f"--scheduler {scheduler}: cannot connect ({str(exc).splitlines()[0]})") from None
    else:
        client = scheduler
    futs = []
    try:
        futs = client.map(evaluate_chunk, tasks, pure=False)
        for f in as_completed(futs, loop=client.loop):
            yield f.result()
    finally:
        for f in futs:
            if not f.done():
                f.cancel()
        if own:
            client.close()


# ---------------------------------------------------------------------------
# the Parquet dataset

class ResultStore:
    """A directory of Parquet parts (see the module docstring)."""

    def __init__(self, path: str | Path, spec: SweepSpec, resume: bool):
        self.path = p = Path(path)
        self.run = uuid.uuid4().hex[:8]
        self.seq = 0
        if p.exists() and not p.is_dir():
            raise SweepError(f"--out {p}: exists and is not a sweep results directory")
        meta = {"format": FORMAT_VERSION, "fingerprint": spec.fingerprint(), "columns": list(spec.columns),
                "name": spec.name}
        parts = sorted(p.glob("part-*.parquet")) if p.is_dir() else []
        if parts:
            if not resume:
                raise SweepError(f"--out {p}: already holds {len(parts)} result chunk(s); pass --resume to continue "
                                 f"that sweep, or choose another output")
            old = self._read_meta()
            if old is not None:
                if old.get("fingerprint") != meta["fingerprint"]:
                    raise SweepError(f"--resume: {p} was written for a different base spec or workload "
                                     f"(fingerprint {old.get('fingerprint')} vs {meta['fingerprint']}); "
                                     f"write to another output")
                if old.get("columns") != meta["columns"]:
                    raise SweepError(f"--resume: {p} has axis columns {old.get('columns')}, this sweep "
                                     f"{meta['columns']}; write to another output")
        p.mkdir(parents=True, exist_ok=True)
        for tmp in p.glob(".tmp-*"):
            tmp.unlink(missing_ok=True)  # left by a crash mid-write
        self._write_atomic(p / META_FILE, json.dumps({**meta, "spec": spec.model_dump(mode="json")}, indent=1))

    def _read_meta(self) -> Optional[dict]:
        f = self.path / META_FILE
        try:
            return json.loads(f.read_text()) if f.is_file() else None
        except json.JSONDecodeError:
            return None

    def _write_atomic(self, target: Path, text: str) -> None:
        tmp = self.path / f".tmp-{self.run}-meta"
        tmp.write_text(text)
        os.replace(tmp, target)

    def done_ids(self) -> set[str]:
        parts = sorted(self.path.glob("part-*.parquet"))
        if not parts:
            return set()
        ids = pd.read_parquet(self.path, columns=["point_id"])["point_id"]
        return set(ids.astype(str))

    def write(self, df: pd.DataFrame) -> Path:
        self.seq += 1
        target = self.path / f"part-{self.run}-{self.seq:05d}.parquet"
        tmp = self.path / f".tmp-{self.run}-{self.seq:05d}.parquet"
        df.to_parquet(tmp, index=False)
        os.replace(tmp, target)
        return target


def read_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results directory as one table, one row per point, ordered by ``point``."""
    p = Path(path)
    if not p.is_dir() or not any(p.glob("part-*.parquet")):
        raise SweepError(f"{p}: no sweep results there")
    df = pd.read_parquet(p)
    return df.sort_values(["point", "point_id"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# the driver

def default_chunk_size(n_points: int, workers: int) -> int:
    """Big enough to vectorise well, small enough to spread over the workers
    (about four chunks each) and to lose little on a crash."""
    return int(min(2000, max(64, math.ceil(n_points / max(1, 4 * workers)))))


def run_sweep(
    spec: SweepSpec,
    out: str | Path | None = None,
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
    accuracy: bool = True,
    on_chunk: Callable[[pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """Evaluate every point of ``spec``; return one row per point kept (ordered by ``point``).

    ``out``: a results directory written chunk by chunk (see module docstring);
    the returned table is then read back from it (including points written by
    earlier runs when ``resume``). ``jobs``: local worker processes (default:
    all cores; 1 = this process). ``scheduler``: a Dask scheduler address
    (``tcp://host:8786``) or a ``distributed.Client``; overrides ``jobs``.
    ``progress``: a tqdm bar on stderr (default: when stderr is a terminal).
    ``accuracy=False`` skips the nonlinear units' accuracy (``max_rel_error``).
    ``on_chunk``: called with each chunk's rows as it finishes.

    The table's ``attrs["sweep"]`` says how many points were sampled, dropped
    (and why), evaluated, skipped (already written), failed, and how fast.
    """
    t0 = time.perf_counter()
    smp = sample_points(spec)  # checks the axes first: one-line errors naming the axis
    if chunk_size is not None and chunk_size <= 0:
        raise SweepError(f"--chunk-size: must be a positive integer, got {chunk_size}")
    store = ResultStore(out, spec, resume) if out is not None else None
    done = store.done_ids() if store is not None and resume else set()
    todo = [i for i, pid in enumerate(smp.point_ids) if pid not in done]
    workers = 1 if scheduler is not None else (os.cpu_count() or 1) if jobs is None else max(1, int(jobs))
    size = chunk_size or default_chunk_size(len(todo), workers if scheduler is None else 8)
    tasks = [ChunkTask(spec, tuple(smp.index[i] for i in todo[a:a + size]),
                       tuple(smp.choices[i] for i in todo[a:a + size]),
                       tuple(smp.point_ids[i] for i in todo[a:a + size]), accuracy)
             for a in range(0, len(todo), size)]
    frames: list[pd.DataFrame] = []
    dropped = dict(smp.dropped)
    show = sys.stderr.isatty() if progress is None else progress
    runner = _run_dask(tasks, scheduler) if scheduler is not None else _run_local(tasks, workers)
    n_err = n_rows = 0
    bar = None
    if show and tasks:  # after the worker processes have forked (tqdm starts a monitor thread)
        from tqdm.auto import tqdm
        bar = tqdm(total=len(todo), unit="design", desc=spec.name, file=sys.stderr, smoothing=0.05)
    try:
        for res in runner:
            df = res.frame
            _merge_counts(dropped, res.dropped)
            n_err += int((df["error"] != "").sum())
            n_rows += len(df)
            if store is not None:
                if len(df):
                    store.write(df)
            else:
                frames.append(df)
            if on_chunk is not None:
                on_chunk(df)
            if bar is not None:
                bar.update(res.n_points)
    finally:
        if bar is not None:
            bar.close()
        if hasattr(runner, "close"):
            runner.close()  # stops the workers if we are leaving early (Ctrl-C, a failed write)
    if store is not None and any(store.path.glob("part-*.parquet")):
        table = read_results(store.path)
    elif frames:
        table = pd.concat(frames, ignore_index=True).sort_values("point", kind="stable").reset_index(drop=True)
    else:
        table = _empty(spec)
    elapsed = time.perf_counter() - t0
    table.attrs["sweep"] = {
        "name": spec.name, "sampled": smp.n_sampled, "dropped": dropped, "evaluated": n_rows,
        "skipped": len(smp.point_ids) - len(todo), "errors": n_err, "chunks": len(tasks), "chunk_size": size,
        "workers": (min(workers, len(tasks)) or 1) if scheduler is None else "dask", "seconds": elapsed,
        "designs_per_s": len(todo) / elapsed if elapsed > 0 else float("inf"),
        "summary": describe(spec, smp.n_sampled, n_rows + len(smp.point_ids) - len(todo), dropped),
    }
    return table


def _empty(spec: SweepSpec) -> pd.DataFrame:
    head = pd.DataFrame({"point": np.array([], dtype=np.int64), "point_id": pd.array([], dtype="str")})
    metrics = evaluate_designs([], [])
    return pd.concat([head, axis_frame(spec, []), metrics], axis=1)
