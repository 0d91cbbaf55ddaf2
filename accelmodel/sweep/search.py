"""Multi-objective constrained design search over a sweep's axes (the optional ``search`` extra: pymoo).

A sweep spec with a ``search:`` block (:mod:`.search_spec`) is searched instead
of enumerated. Each axis is a variable (explicit values: an integer index; a
range: a real number, in log space for ``log: true``). NSGA-II or NSGA-III
(pymoo's ask/tell interface) proposes a generation; its new points are costed
in ONE :func:`~accelmodel.sweep.evaluate.evaluate_designs` call
(:func:`.search_eval.evaluate_candidates`; on Dask: split over the workers),
written as a part of the results directory (:mod:`.store`, the same manifest
and resume key as sweeps, plus the search block) and told to the optimiser as
objectives and one constraint (the summed relative violation; pymoo ranks
feasible designs first). A point is never evaluated twice.

Resuming replays the search from its seed: the optimiser is deterministic, so it
proposes the same points again, those already written are read back instead of
costed, and it continues where the earlier run stopped (the same front as an
uninterrupted run).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .execute import axis_dtypes
from .plan import PointCodec
from .check import check_spec
from .pareto import pareto_front
from .search_eval import INVALID, evaluate_candidates, split_constraints
from .spec import SweepSpec
from .store import ResultStore, SweepError, read_results

STALL_GENERATIONS = 10
"""Stop after this many generations in a row that propose no new point (a small space exhausted)."""


class SearchInfeasible(SweepError):
    """No design the search evaluated satisfies the constraints."""


@dataclass
class SearchResult:
    """What a search returns: every evaluated point, the feasible Pareto set, and convergence."""

    history: pd.DataFrame
    """One row per evaluated point (:func:`.search_eval.evaluate_candidates` + ``generation``), in proposal order."""
    pareto: pd.DataFrame
    """The feasible, non-dominated rows of ``history`` over the objectives."""
    convergence: pd.DataFrame
    """Per generation: ``evaluations`` so far, ``feasible`` so far, ``front_size`` and ``hypervolume`` of the
    feasible front so far (objectives normalised by the final front, reference point 1.1 each)."""
    info: dict[str, Any] = field(default_factory=dict)


def _pymoo():
    try:
        import pymoo  # noqa: F401
    except ImportError:
        raise SweepError("search: pymoo is not installed; pip install 'accelmodel[search]'") from None


class _Space:
    """The axes as optimiser variables, and back to sweep points (choices)."""

    def __init__(self, spec: SweepSpec):
        self.axes = spec.axes
        bounds: list[tuple[float, float, bool]] = []
        for ax in spec.axes:
            if ax.values is None:  # a range: min and max are set
                a, b = float(ax.min or 0.0), float(ax.max or 0.0)
                bounds.append((math.log(a), math.log(b), False) if ax.log else (a, b, False))
            else:
                bounds.append((0.0, float(len(ax.values) - 1), True))
        self.xl = np.array([b[0] for b in bounds])
        self.xu = np.array([b[1] for b in bounds])
        self.ints = np.array([b[2] for b in bounds], dtype=bool)

    def decode(self, x: np.ndarray) -> tuple:
        out = []
        for ax, v, is_int in zip(self.axes, x, self.ints):
            if is_int:
                out.append(int(round(float(v))))
            else:
                y = math.exp(float(v)) if ax.log else float(v)
                out.append(ax._range_value(min(max(y, float(ax.min or 0.0)), float(ax.max or 0.0))))
        return tuple(out)


def _algorithm(spec: SweepSpec, space: _Space):
    from pymoo.core.repair import Repair
    from pymoo.operators.crossover.sbx import SBX
    from pymoo.operators.mutation.pm import PM
    from pymoo.operators.sampling.lhs import LHS

    ints = space.ints

    class RoundIndices(Repair):
        def _do(self, problem, X, **kwargs):
            X[:, ints] = np.round(X[:, ints])
            return X

    s = spec.search
    assert s is not None
    common = dict(pop_size=s.pop_size, sampling=LHS(), crossover=SBX(prob=0.9, eta=15), mutation=PM(eta=20),
                  repair=RoundIndices(), eliminate_duplicates=True)
    if s.method == "nsga3":
        from pymoo.algorithms.moo.nsga3 import NSGA3
        from pymoo.util.ref_dirs import get_reference_directions
        m = len(s.objectives)
        parts = max(1, s.pop_size - 1) if m == 2 else max(1, int((2 * s.pop_size) ** 0.5) - 1)
        return NSGA3(ref_dirs=get_reference_directions("das-dennis", m, n_partitions=parts), **common)
    from pymoo.algorithms.moo.nsga2 import NSGA2
    return NSGA2(**common)


def _problem(space: _Space, n_obj: int):
    from pymoo.core.problem import Problem
    return Problem(n_var=len(space.xl), n_obj=n_obj, n_ieq_constr=1, xl=space.xl, xu=space.xu)


def _tell(algorithm, problem, pop, rows: pd.DataFrame, objectives: dict) -> None:
    from pymoo.core.evaluator import Evaluator
    from pymoo.problems.static import StaticProblem
    sign = np.array([1.0 if s == "min" else -1.0 for s in objectives.values()])
    F = rows[list(objectives)].to_numpy(float) * sign
    G = rows["violation"].to_numpy(float)[:, None]
    F[~np.isfinite(F)] = 1e300  # infeasible rows: ranked by violation only
    Evaluator().eval(StaticProblem(problem, F=F, G=G), pop)
    algorithm.tell(infills=pop)


def run_search(spec: SweepSpec, out: str | Path | None = None, *, scheduler: Any = None, resume: bool = False,
               accuracy: bool = True, warn: Callable[[str], None] | None = None,
               on_generation: Callable[[int, int], None] | None = None) -> SearchResult:
    """Search ``spec``'s axes for the Pareto set of ``spec.search.objectives`` under its constraints.

    ``out``: the results directory (every evaluated point, as a sweep writes its rows; plus
    ``pareto.parquet`` and ``convergence.csv``). ``resume``: continue a search written there.
    ``scheduler``: as :func:`~accelmodel.sweep.run_sweep` (Dask). ``on_generation(gen, evaluated)``
    after each generation. Raises :class:`SearchInfeasible` (one line) if no evaluated design is feasible.
    """
    if spec.search is None:
        raise SweepError(f"{spec.name}: no search block; use run_sweep to enumerate the axes")
    _pymoo()
    t0 = time.perf_counter()
    s = spec.search
    design_cs, _ = split_constraints(spec)
    check_spec(spec.model_copy(update={"constraints": design_cs}))  # axes, workloads, design metrics: one line
    for label, wl, _ in s.mix(spec.workload):
        err = _check_mix(wl)
        if err:
            raise SweepError(f"search.workloads.{label}: {err}")
    close_client: Callable[[], None] = lambda: None  # noqa: E731
    client = None
    if scheduler is not None:
        from .cluster import open_client
        client, close_client = open_client(scheduler)
    try:
        store = ResultStore(out, spec, resume, **({"warn": warn} if warn else {})) if out is not None else None
        cached = _read_cached(store) if store is not None and resume else {}
        history, n_new = _loop(spec, store, cached, client, accuracy, on_generation)
    finally:
        close_client()
    return _finish(spec, history, store, n_new, time.perf_counter() - t0)


def _check_mix(wl) -> str | None:
    from .check import _check_workload_files, _workload_error
    try:
        _check_workload_files(wl, "workload")
    except SweepError as exc:
        return str(exc)
    except Exception as exc:  # SpecError: the model or plan does not load
        return str(exc)
    return _workload_error(wl)


def _read_cached(store: ResultStore) -> dict[str, pd.Series]:
    if not store.part_files():
        return {}
    df = pd.concat([pd.read_parquet(f) for f in store.part_files()], ignore_index=True)
    return {str(pid): row for pid, (_, row) in zip(df["point_id"], df.iterrows())}


def _evaluate(spec: SweepSpec, client, index: list[int], choices: list[tuple], ids: list[str],
              accuracy: bool) -> pd.DataFrame:
    """One generation's new points: one batch here, or split over the Dask workers."""
    if client is None or len(choices) < 2:
        return evaluate_candidates(spec, index, choices, ids, accuracy)
    from .cluster import run_dask
    n = max(1, min(len(client.scheduler_info().get("workers", {})) or 1, len(choices)))
    size = math.ceil(len(choices) / n)
    chunks = [(index[a:a + size], choices[a:a + size], ids[a:a + size]) for a in range(0, len(choices), size)]
    frames = list(run_dask(client, spec, chunks, accuracy, evaluate_candidates))
    return pd.concat(frames, ignore_index=True).sort_values("point", kind="stable").reset_index(drop=True)


def _loop(spec: SweepSpec, store, cached: dict, client, accuracy: bool, on_generation) -> tuple[pd.DataFrame, int]:
    s = spec.search
    assert s is not None
    space = _Space(spec)
    codec = PointCodec(spec)
    algorithm = _algorithm(spec, space)
    problem = _problem(space, len(s.objectives))
    algorithm.setup(problem, seed=s.seed, verbose=False)
    rows: dict[str, pd.Series] = {}
    frames: list[pd.DataFrame] = []
    n_new, gen, stall = 0, 0, 0
    while len(rows) < s.budget and stall < STALL_GENERATIONS:
        pop = algorithm.ask()
        if len(pop) == 0:
            break
        choices = [space.decode(x) for x in pop.get("X")]
        ids = [codec.point_id(ch) for ch in choices]
        fresh = list(dict.fromkeys(i for i in ids if i not in rows))
        room = s.budget - len(rows)
        if len(fresh) > room:  # the last generation is cut to the budget
            allowed = set(fresh[:room])
            keep = [k for k, i in enumerate(ids) if i in rows or i in allowed]
            pop, choices, ids, fresh = pop[keep], [choices[k] for k in keep], [ids[k] for k in keep], fresh[:room]
        todo = [i for i in fresh if i not in cached]
        first = {i: k for k, i in reversed(list(enumerate(ids)))}
        if todo:
            base = len(rows)
            pos = {i: base + fresh.index(i) for i in todo}
            df = _evaluate(spec, client, [pos[i] for i in todo], [choices[first[i]] for i in todo], todo, accuracy)
            df.insert(2, "generation", np.full(len(df), gen, dtype=np.int64))
            n_new += len(df)
            if store is not None and len(df):
                store.write(df)
            else:
                frames.append(df)
            for pid, (_, r) in zip(df["point_id"], df.iterrows()):
                cached[str(pid)] = r
        for i in fresh:
            rows[i] = cached[i]
        stall = 0 if fresh else stall + 1
        _tell(algorithm, problem, pop, pd.DataFrame([rows[i] for i in ids]), s.objectives)
        if on_generation is not None:
            on_generation(gen, len(rows))
        gen += 1
    history = pd.DataFrame(list(rows.values())).reset_index(drop=True) if rows else pd.DataFrame()
    return _typed(spec, history), n_new


def _typed(spec: SweepSpec, df: pd.DataFrame) -> pd.DataFrame:
    """Rows gathered from Series back to the sweep's column types."""
    if df.empty:
        return df
    for c, dt in axis_dtypes(spec).items():
        if c in df and dt != "object":
            df[c] = df[c].astype(dt)
    for c in ("point", "generation"):
        df[c] = df[c].astype(np.int64)
    df["feasible"] = df["feasible"].astype(bool)
    for c in ("point_id", "error"):
        df[c] = df[c].astype("str")
    num = [c for c in df.columns if c not in axis_dtypes(spec) and c not in ("point_id", "error", "feasible")]
    df[num] = df[num].apply(pd.to_numeric)
    return df.sort_values("point", kind="stable").reset_index(drop=True)


def _finish(spec: SweepSpec, history: pd.DataFrame, store, n_new: int, seconds: float) -> SearchResult:
    s = spec.search
    assert s is not None
    n = len(history)
    feas = history[history["feasible"]] if n else history
    info = {"name": spec.name, "method": s.method, "evaluated": n, "new": n_new, "skipped": n - n_new,
            "generations": int(history["generation"].max()) + 1 if n else 0, "seconds": seconds,
            "feasible": len(feas)}
    if len(feas) == 0:
        raise SearchInfeasible(_infeasible_line(spec, history))
    front = pareto_front(feas, s.objectives)
    conv = convergence(history, s.objectives, front)
    if store is not None:
        front.to_parquet(store.path / "pareto.parquet", index=False)
        conv.to_csv(store.path / "convergence.csv", index=False)
    info["front_size"] = len(front)
    return SearchResult(history, front, conv, info)


def _infeasible_line(spec: SweepSpec, history: pd.DataFrame) -> str:
    if len(history) == 0:
        return f"{spec.name}: infeasible: the search evaluated no design"
    why = history["error"].value_counts()
    top = why.index[0] if len(why) else "?"
    best = float(history["violation"].min())
    tail = f"; least violation {best:.3g} (relative)" if best < INVALID else ""
    return (f"{spec.name}: infeasible: none of the {len(history)} designs evaluated satisfies the constraints "
            f"(most often: {top}, {int(why.iloc[0])} designs){tail}")


def hypervolume(points: np.ndarray, ideal: np.ndarray, nadir: np.ndarray, ref: float = 1.1) -> float:
    """Hypervolume of ``points`` (rows, every objective minimised) after normalising each
    objective to [0, 1] between ``ideal`` and ``nadir``; reference point ``ref`` in every
    objective (points beyond it add nothing). pymoo's exact algorithm (moocore)."""
    from pymoo.indicators.hv import HV
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    z = (np.asarray(points, float) - ideal) / span
    z = z[np.all(z < ref, axis=1)]
    if len(z) == 0:
        return 0.0
    return float(HV(ref_point=np.full(z.shape[1], ref))(z))


def signed(df: pd.DataFrame, objectives: dict) -> np.ndarray:
    """Objective columns of ``df`` with maximised ones negated (all minimised)."""
    sign = np.array([1.0 if v == "min" else -1.0 for v in objectives.values()])
    return df[list(objectives)].to_numpy(float) * sign


def convergence(history: pd.DataFrame, objectives: dict, front: pd.DataFrame) -> pd.DataFrame:
    """Hypervolume of the feasible front found by each generation, normalised by ``front``'s ideal and nadir."""
    f = signed(front, objectives)
    ideal, nadir = f.min(axis=0), f.max(axis=0)
    out = []
    gens = history["generation"].to_numpy()
    feas = history["feasible"].to_numpy(bool)
    vals = signed(history, objectives)
    for g in range(int(gens.max()) + 1):
        upto = gens <= g
        sel = vals[upto & feas]
        out.append({"generation": g, "evaluations": int(upto.sum()), "feasible": int(len(sel)),
                    "front_size": int(_nondominated(sel).sum()) if len(sel) else 0,
                    "hypervolume": hypervolume(sel, ideal, nadir) if len(sel) else 0.0})
    return pd.DataFrame(out)


def _nondominated(v: np.ndarray) -> np.ndarray:
    from ..pareto import nondominated
    return nondominated(v)


def read_search(path: str | Path) -> SearchResult:
    """A search's results directory: history (every part), ``pareto.parquet`` and ``convergence.csv``."""
    p = Path(path)
    hist = read_results(p)
    if not (p / "pareto.parquet").is_file():
        raise SweepError(f"{p}: no pareto.parquet (not a finished search)")
    return SearchResult(hist, pd.read_parquet(p / "pareto.parquet"), pd.read_csv(p / "convergence.csv"))
