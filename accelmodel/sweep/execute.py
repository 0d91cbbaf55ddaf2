"""Running a sweep: chunks of points, evaluated in this process, in local worker
processes or on a Dask cluster, written to a Parquet dataset as they finish.

Results go to a directory of Parquet parts with a manifest (:mod:`.store`):
a crash or Ctrl-C loses only the chunks being evaluated at that moment, and
``resume=True`` evaluates only the points not yet written, for the same sweep
only. Local worker processes never outlive this process (each polls its
parent and exits when it is gone), and Ctrl-C stops them at once.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from .check import DEFAULT_MAX_POINTS
from .evaluate import evaluate_designs
from .plan import _merge_counts, describe, sample_points, screen
from .spec import RESULT_METRICS, SweepSpec
from .store import FORMAT_VERSION, META_FILE, ResultStore, SweepError, read_results  # noqa: F401 (re-exported)

PARENT_POLL_S = 0.25
"""How often a worker process checks that its parent is alive, seconds."""


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
            vals = [ax.components(i)[j] for i in range(len(ax.value_list))]
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
    """Axis columns (named by path, or by the axis name for labelled axes) of some points:
    each axis's column values are made once per distinct choice and gathered per point."""
    dtypes = axis_dtypes(spec)
    out = {}
    for i, ax in enumerate(spec.axes):
        distinct, inv = _distinct_choices([ch[i] for ch in choices], ax.is_range)
        per_choice = [ax.column_values(c) for c in distinct]
        for k, name in enumerate(ax.columns):
            out[name] = _column([vals[k] for vals in per_choice], dtypes[name], inv)
    return pd.DataFrame(out, index=pd.RangeIndex(len(choices)))


def _distinct_choices(col: list, every_one_new: bool) -> tuple[list, np.ndarray]:
    """The distinct choices of one axis and each point's position among them
    (a range axis's draws are taken as they are, one each)."""
    if every_one_new:
        return col, np.arange(len(col), dtype=np.intp)
    pos: dict = {}
    inv = [pos.setdefault(c, len(pos)) for c in col]
    return list(pos), np.asarray(inv, dtype=np.intp)


def _column(vals: list, dtype: str, inv: np.ndarray):
    """One axis column of dtype ``dtype`` (:func:`axis_dtypes`): ``vals[inv]``."""
    if dtype == "str":
        strs = np.array([None if v is None else str(v) for v in vals] or [None], dtype=object)
        return pd.array(strs[inv], dtype="str")
    if dtype == "object":
        objs = np.empty(len(vals), dtype=object)
        for j, v in enumerate(vals):
            objs[j] = v
        return pd.array(objs[inv], dtype=object)
    return np.array([np.nan if v is None else v for v in vals], dtype=dtype)[inv]


def evaluate_chunk(task: ChunkTask) -> ChunkResult:
    """Screen one chunk of points (:func:`~accelmodel.sweep.plan.screen`) and
    evaluate the designs kept: ``point``, ``point_id``, the axis columns, then
    :data:`~accelmodel.sweep.evaluate.RESULT_COLUMNS`."""
    return evaluate_points(task.spec, task.index, task.choices, task.point_ids, task.accuracy)


def evaluate_points(spec: SweepSpec, index: Sequence[int], choices: Sequence[tuple], point_ids: Sequence[str],
                    accuracy: bool = True) -> ChunkResult:
    """:func:`evaluate_chunk` with the spec apart (Dask scatters it once)."""
    sc = screen(spec, list(choices))
    metrics = evaluate_designs(sc.hws, sc.wls, accuracy=accuracy)
    k = sc.kept
    head = pd.DataFrame({"point": np.asarray([index[j] for j in k], dtype=np.int64),
                         "point_id": pd.array([point_ids[j] for j in k], dtype="str")})
    frame = pd.concat([head, axis_frame(spec, [choices[j] for j in k]), metrics], axis=1)
    frame = drop_outside_result_constraints(spec, frame, sc.dropped)
    return ChunkResult(frame, sc.dropped, len(choices))


def drop_outside_result_constraints(spec: SweepSpec, frame: pd.DataFrame, dropped: dict[str, int]) -> pd.DataFrame:
    """Rows of ``frame`` inside every constraint on a result metric (``power_w <= 0.5``);
    the others are counted in ``dropped`` under the first constraint they break. Rows
    whose design could not be evaluated (``error``) are kept: they say why."""
    keep = np.ones(len(frame), dtype=bool)
    for c in spec.constraints:
        if c.metric not in RESULT_METRICS:
            continue
        v = frame[c.metric].to_numpy(dtype=float)
        bad = keep & (frame["error"].to_numpy() == "")
        bad &= (v < c.min if c.min is not None else False) | (v > c.max if c.max is not None else False)
        if bad.any():
            dropped[f"constraint {c.label}"] = dropped.get(f"constraint {c.label}", 0) + int(bad.sum())
        keep &= ~bad
    return frame if keep.all() else frame[keep].reset_index(drop=True)


def _wl_path(p: str) -> bool:
    return p == "workload" or p.startswith("workload.")


# ---------------------------------------------------------------------------
# executors: each yields (task, frame) as chunks finish

def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)  # the parent is gone (e.g. kill -9): never linger as an orphan


def _worker_init(parent: int) -> None:
    """Runs first in each worker process: Ctrl-C is the parent's to handle, and
    the worker exits as soon as its parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _stop_workers(ex: ProcessPoolExecutor) -> None:
    for proc in list((getattr(ex, "_processes", None) or {}).values()):
        if proc.is_alive():
            proc.terminate()


def _run_local(tasks: list[ChunkTask], jobs: int) -> Iterator[ChunkResult]:
    """Evaluate chunks here (one job) or in worker processes. The pool is
    started before this returns (forked before any progress-bar thread exists)."""
    if jobs <= 1 or len(tasks) <= 1:
        return (evaluate_chunk(t) for t in tasks)
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    ex = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx, initializer=_worker_init,
                             initargs=(os.getpid(),))
    try:
        pending = {ex.submit(evaluate_chunk, t) for t in tasks}
    except BaseException:
        _stop_workers(ex)
        ex.shutdown(wait=False, cancel_futures=True)
        raise

    def results() -> Iterator[ChunkResult]:
        nonlocal pending
        finished = False
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
            finished = True
        finally:
            if not finished:  # Ctrl-C, a failed write or an error: stop the chunks still running
                _stop_workers(ex)
            ex.shutdown(wait=True, cancel_futures=True)

    return results()


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
    max_points: int = DEFAULT_MAX_POINTS,
    warn: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Evaluate every point of ``spec``; return one row per point kept (ordered by ``point``).

    ``out``: a results directory written chunk by chunk (:mod:`.store`); the
    returned table is then read back from it (including points written by
    earlier runs when ``resume``). ``jobs``: local worker processes (default:
    all cores; 1 = this process). ``scheduler``: ``"local"`` / ``"local:N"``
    (a Dask ``LocalCluster`` for this run), a scheduler address
    (``tcp://host:8786``) or a ``distributed.Client``; overrides ``jobs``.
    ``progress``: a tqdm bar on stderr (default: when stderr is a terminal).
    ``accuracy=False`` skips the nonlinear units' accuracy (``max_rel_error``).
    ``on_chunk``: called with each chunk's rows as it finishes.
    ``max_points``: a plan with more points is refused before anything is drawn.
    ``warn``: receives one line per damaged part dropped on resume (default: stderr).

    The table's ``attrs["sweep"]`` says how many points were sampled, dropped
    (and why), evaluated, skipped (already written), failed, and how fast.
    """
    t0 = time.perf_counter()
    if chunk_size is not None and chunk_size <= 0:
        raise SweepError(f"--chunk-size: must be a positive integer, got {chunk_size}")
    smp = sample_points(spec, max_points)  # size and axes checked first: one-line errors
    close_client: Callable[[], None] = lambda: None  # noqa: E731
    client = None
    if scheduler is not None:
        from .cluster import open_client
        client, close_client = open_client(scheduler)  # a bad address fails here, before anything is written
    try:
        store = ResultStore(out, spec, resume, **({"warn": warn} if warn else {})) if out is not None else None
        done = store.done_ids() if store is not None and resume else set()
        todo = [i for i, pid in enumerate(smp.point_ids) if pid not in done]
        workers = 1 if client is not None else (os.cpu_count() or 1) if jobs is None else max(1, int(jobs))
        size = chunk_size or default_chunk_size(len(todo), workers if client is None else 8)
        chunks = [(tuple(smp.index[i] for i in todo[a:a + size]), tuple(smp.choices[i] for i in todo[a:a + size]),
                   tuple(smp.point_ids[i] for i in todo[a:a + size])) for a in range(0, len(todo), size)]
        if client is not None:
            from .cluster import run_dask
            runner = run_dask(client, spec, chunks, accuracy, evaluate_points)
        else:
            runner = _run_local([ChunkTask(spec, *c, accuracy) for c in chunks], workers)
        frames, dropped, n_err, n_rows = _drain(runner, spec, smp, store, on_chunk, progress, len(todo))
    finally:
        close_client()
    if store is not None and store.part_files():
        table = read_results(store.path)
    elif frames:
        table = pd.concat(frames, ignore_index=True).sort_values("point", kind="stable").reset_index(drop=True)
    else:
        table = _empty(spec)
    elapsed = time.perf_counter() - t0
    table.attrs["sweep"] = {
        "name": spec.name, "sampled": smp.n_sampled, "dropped": dropped, "evaluated": n_rows,
        "skipped": len(smp.point_ids) - len(todo), "errors": n_err, "chunks": len(chunks), "chunk_size": size,
        "workers": (min(workers, len(chunks)) or 1) if client is None else "dask", "seconds": elapsed,
        "designs_per_s": len(todo) / elapsed if elapsed > 0 else float("inf"),
        "summary": describe(spec, smp.n_sampled, n_rows + len(smp.point_ids) - len(todo), dropped),
    }
    return table


def _drain(runner, spec: SweepSpec, smp, store, on_chunk, progress, n_todo: int):
    """Consume the chunks as they finish: write each (or keep it), count rows,
    errors and drops; stop the workers if we leave early (Ctrl-C, a failed write)."""
    frames: list[pd.DataFrame] = []
    dropped = dict(smp.dropped)
    n_err = n_rows = 0
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show and n_todo:  # after the worker processes have forked (tqdm starts a monitor thread)
        from tqdm.auto import tqdm
        bar = tqdm(total=n_todo, unit="design", desc=spec.name, file=sys.stderr, smoothing=0.05)
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
            runner.close()
    return frames, dropped, n_err, n_rows


def _empty(spec: SweepSpec) -> pd.DataFrame:
    head = pd.DataFrame({"point": np.array([], dtype=np.int64), "point_id": pd.array([], dtype="str")})
    metrics = evaluate_designs([], [])
    return pd.concat([head, axis_frame(spec, []), metrics], axis=1)
