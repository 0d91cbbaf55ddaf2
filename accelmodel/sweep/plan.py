"""Planning a sweep: draw the points, identify them, build and screen their designs.

* :func:`sample_points` checks the axes (one-line errors naming the axis),
  draws the points (grid, random or Latin hypercube) and gives each a stable id;
* :class:`DesignBuilder` turns a point's updates into an :class:`Accelerator`
  (``with_updates`` semantics, faster for many points on one base);
* :func:`screen` builds and validates each point's design and workload and
  applies the constraints, counting dropped points by reason;
* :func:`plan_sweep` does both for a whole sweep without evaluating (a dry run).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..errors import SpecError, format_validation_error
from ..hardware.spec import Accelerator, apply_update as _apply
from .check import (DEFAULT_MAX_POINTS, _is_workload_path, _workload_error, check_size, check_spec,  # noqa: F401
                    workload_ops)  # re-exported for callers
from .spec import RESULT_METRICS, WORKLOAD_PREFIX, SweepSpec, WorkloadPoint, _canonical, _is_scalar, design_metric


class DesignBuilder:
    """:func:`~accelmodel.with_updates` for many points on one base, faster.

    The base's fields stay validated sub-models; a point's updates are grouped
    by top-level field, and each changed sub-model is validated once per
    distinct set of updates and reused (pydantic does not re-validate model
    instances), so a point costs little more than the top-level validators.
    Same designs and same errors as ``with_updates`` (``tests/test_sweep.py``)."""

    def __init__(self, base: Accelerator):
        self.base = base
        self._data = dict(base)
        self._subs: dict[tuple, Any] = {}
        self._adapters: dict[str, Any] = {}
        self._json: dict[int, tuple[Any, str]] = {}
        self._points: dict[tuple, Any] = {}

    def _vkey(self, v: Any) -> tuple:
        if _is_scalar(v):
            return (type(v).__name__, v)
        hit = self._json.get(id(v))
        if hit is None or hit[0] is not v:
            hit = self._json[id(v)] = (v, _canonical(v))
        return ("json", hit[1])

    def _adapter(self, top: str):
        if top not in self._adapters:
            from pydantic import TypeAdapter
            fi = Accelerator.model_fields.get(top)
            annotation = None if fi is None or fi.metadata else fi.annotation
            self._adapters[top] = None if annotation is None else TypeAdapter(annotation)
        return self._adapters[top]

    def build(self, updates: dict[str, Any]) -> Accelerator:
        """The base with ``updates`` (dotted path -> value) applied, validated."""
        if not updates:
            return self.base
        data = dict(self._data)
        groups: dict[str, list[tuple[str, Any]]] = {}
        for path, value in updates.items():
            groups.setdefault(path.split(".", 1)[0], []).append((path, value))
        for top, ups in groups.items():
            data[top] = self._group_value(top, ups)
        return self._validate(data)

    def build_point(self, codec: "PointCodec", choices: tuple) -> Accelerator:
        """:meth:`build` of a point's hardware updates (``codec.updates(choices)[0]``),
        with each top-level field's value made once per distinct choice of the axes
        that touch it (a sweep's designs then share their sub-model objects)."""
        data = dict(self._data)
        changed = False
        for top, axes, pick in codec.hw_tops:
            key = (top, pick(choices))
            value = self._points.get(key, _MISSING)
            if value is _MISSING:
                ups = codec.top_updates(top, axes, choices)
                try:
                    value = self._group_value(top, ups) if ups else _UNCHANGED
                except SpecError as exc:
                    value = exc
                self._points[key] = value
            if isinstance(value, SpecError):
                raise SpecError(str(value))
            if value is not _UNCHANGED:
                data[top] = value
                changed = True
        return self._validate(data) if changed else self.base

    def _group_value(self, top: str, ups: list[tuple[str, Any]]) -> Any:
        """What the top-level field ``top`` becomes with ``ups`` (paths under ``top``)
        applied: a validated sub-model (memoised per distinct updates), or the raw
        value for the whole spec's validation to check (and name what is wrong)."""
        if len(ups) == 1 and "." not in ups[0][0] and _is_scalar(ups[0][1]):
            mini = {top: self._data[top]} if top in self._data else {}
            _apply(mini, *ups[0])  # a top-level number or string: validated with the whole spec
            return mini[top]
        key = (top, tuple((p, self._vkey(v)) for p, v in ups))
        sub = self._subs.get(key)
        if sub is not None:
            return sub
        mini = {top: self._data.get(top)} if top in self._data else {}
        for p, v in ups:
            _apply(mini, p, v)
        adapter = self._adapter(top)
        try:
            sub = adapter.validate_python(mini[top]) if adapter is not None else None
        except ValidationError:
            sub = None
        if sub is None:  # let the whole spec's validation say what is wrong, as with_updates does
            return mini[top]
        self._subs[key] = sub
        return sub

    @staticmethod
    def _validate(data: dict[str, Any]) -> Accelerator:
        try:
            return Accelerator.model_validate(data)
        except ValidationError as exc:
            raise SpecError(format_validation_error(exc)) from None


_MISSING = object()
_UNCHANGED = object()
"""Markers of :meth:`DesignBuilder.build_point`'s memo: not computed yet; no update to that field."""


def _fragment(path: str, value: Any) -> tuple[str, str]:
    """(path, its ``"path":value`` text in the point's canonical JSON) of one update."""
    return path, f"{json.dumps(path)}:{_canonical(value)}"


def _pick(t: tuple, idx: list[int]) -> tuple:
    if len(idx) == len(t):
        return t
    return tuple([t[i] for i in idx])


class PointCodec:
    """Turns a point (one choice per axis) into its updates and its id, caching
    what each axis choice contributes (a sweep has few distinct choices per axis)."""

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self._cache: list[dict] = [{} for _ in spec.axes]
        self.hw_axes = [i for i, ax in enumerate(spec.axes) if not all(_is_workload_path(p) for p in ax.paths)]
        self.wl_axes = [i for i, ax in enumerate(spec.axes) if any(_is_workload_path(p) for p in ax.paths)]
        tops: dict[str, list[int]] = {}
        for i, ax in enumerate(spec.axes):
            for p in ax.paths:
                if not _is_workload_path(p):
                    axes = tops.setdefault(p.split(".", 1)[0], [])
                    if i not in axes:
                        axes.append(i)
        self.hw_tops = [(top, axes, operator.itemgetter(*axes)) for top, axes in tops.items()]
        """Each top-level hardware field the axes update, the axes that update it (in the
        order of the first update of each field), and a getter of their choices."""

    def _entry(self, i: int, choice) -> tuple[list, list, list]:
        c = self._cache[i]
        e = c.get(choice)
        if e is None:
            ax = self.spec.axes[i]
            if ax.is_range:  # every draw is new: nothing to cache
                return self._make(ax, choice)
            e = c[choice] = self._make(ax, choice)
        return e

    @staticmethod
    def _make(ax, choice) -> tuple[list, list, list]:
        """(hardware updates, workload updates, id fragments) of one axis choice."""
        hw: list = []
        wl: list = []
        frags: list = []
        for p, v in zip(ax.paths, ax.components(choice)):
            if p == WORKLOAD_PREFIX:
                wl.extend(v.items())
                frags.extend(_fragment(f"{WORKLOAD_PREFIX}.{k}", x) for k, x in v.items())
            elif p.startswith(WORKLOAD_PREFIX + "."):
                wl.append((p[len(WORKLOAD_PREFIX) + 1:], v))
                frags.append(_fragment(p, v))
            else:
                hw.append((p, v))
                frags.append(_fragment(p, v))
        return hw, wl, frags

    def updates(self, choices: tuple) -> tuple[dict[str, Any], dict[str, Any]]:
        """(hardware updates, workload updates) of one point."""
        hw: dict[str, Any] = {}
        wl: dict[str, Any] = {}
        for i, ch in enumerate(choices):
            h, w, _ = self._entry(i, ch)
            hw.update(h)
            wl.update(w)
        return hw, wl

    def top_updates(self, top: str, axes: list[int], choices: tuple) -> list[tuple[str, Any]]:
        """The hardware updates of one point under the top-level field ``top``
        (in :meth:`updates` order), from the choices of ``axes``."""
        out: dict[str, Any] = {}
        for i in axes:
            for p, v in self._entry(i, choices[i])[0]:
                if p.split(".", 1)[0] == top:
                    out[p] = v
        return list(out.items())

    def point_id(self, choices: tuple) -> str:
        """Equals :func:`point_id` of the point's (path -> value) pairs."""
        frags: dict[str, str] = {}
        for i, ch in enumerate(choices):
            frags.update(self._entry(i, ch)[2])
        text = "{" + ",".join([frags[k] for k in sorted(frags)]) + "}"
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def hw_key(self, choices: tuple) -> tuple:
        return _pick(choices, self.hw_axes)

    def wl_key(self, choices: tuple) -> tuple:
        return _pick(choices, self.wl_axes)


@dataclass
class Screened:
    """Points that survived :func:`screen`, with their designs and workloads."""

    kept: list[int]
    """Positions (in the screened list) of the points kept."""
    hws: list[Accelerator]
    wls: list[WorkloadPoint]
    dropped: dict[str, int]
    """Why points were dropped -> how many (each point counted once, under its first reason)."""


def screen(spec: SweepSpec, choices: list[tuple], codec: PointCodec | None = None,
           builder: DesignBuilder | None = None) -> Screened:
    """Build and validate each point's design and workload and apply the
    constraints. A design the spec rejects (e.g. more banks than bytes) or a
    workload that cannot run (decode on an encoder) is dropped with its reason,
    like a point outside a constraint."""
    codec = codec or PointCodec(spec)
    builder = builder or DesignBuilder(spec.base)
    hw_cache: dict[tuple, Any] = {}
    wl_cache: dict[tuple, Any] = {}
    out = Screened([], [], [], {})

    def drop(why: str) -> None:
        out.dropped[why] = out.dropped.get(why, 0) + 1

    for j, ch in enumerate(choices):
        hk = codec.hw_key(ch)
        hw = hw_cache.get(hk)
        if hw is None:
            try:
                hw = builder.build_point(codec, ch)
            except SpecError as exc:
                hw = exc
            hw_cache[hk] = hw
        if isinstance(hw, SpecError):
            drop(f"invalid design: {hw}")
            continue
        wk = codec.wl_key(ch)
        wl = wl_cache.get(wk)
        if wl is None:
            w = spec.workload_for(codec.updates(ch)[1])
            wl = wl_cache[wk] = (w, _workload_error(w))
        wl, err = wl
        if err is not None:
            drop(f"invalid workload: {err}")
            continue
        why = None
        for c in spec.constraints:
            if c.metric in RESULT_METRICS:
                continue  # after evaluation (execute.evaluate_points)
            v = design_metric(hw, wl, c.metric)
            if v is None or (c.min is not None and v < c.min) or (c.max is not None and v > c.max):
                why = f"constraint {c.label}"
                break
        if why is None:
            why = capacity_drop(hw, wl)
        if why is not None:
            drop(why)
            continue
        out.kept.append(j)
        out.hws.append(hw)
        out.wls.append(wl)
    return out


def capacity_drop(hw: Accelerator, wl: WorkloadPoint) -> str | None:
    """The drop reason of a point whose pass does not fit ``dram.capacity_gib``
    (weights + scales + KV cache + activations, :mod:`accelmodel.footprint`;
    the KV cache holds ``kv_len + 1`` tokens in decode, ``seq_len`` in prefill), else None."""
    if hw.dram.capacity_gib is None:
        return None
    from ..footprint import GIB, footprint
    from ..workload.config import load_workload

    cfg = load_workload(wl.model)
    prompt, gen = (wl.seq_len, 1) if wl.phase == "prefill" else (1, wl.kv_len + 1)
    if cfg.arch == "encoder":
        prompt, gen = wl.seq_len, 1
    fp = footprint(hw, cfg, prompt, gen, wl.batch)
    if fp.total <= hw.dram.capacity_gib * GIB:
        return None
    return f"constraint dram.capacity_gib (footprint > {hw.dram.capacity_gib:g} GiB)"


@dataclass
class Sampled:
    """Every distinct point drawn from the axes, before screening."""

    choices: list[tuple]
    """Per point, one choice per axis (a value index, or a range value)."""
    index: list[int]
    """Position of each point in the sampled order (the ``point`` column)."""
    point_ids: list[str]
    n_sampled: int
    dropped: dict[str, int]
    """Repeated draws of random / LHS sampling -> how many."""


def sample_points(spec: SweepSpec, max_points: int = DEFAULT_MAX_POINTS) -> Sampled:
    """Refuse a plan over ``max_points`` (before drawing anything), check the
    axes (one-line errors naming the axis), draw the points, and give each its
    stable id (:func:`point_id`); repeated draws are dropped."""
    check_size(spec, max_points)
    check_spec(spec)
    drawn = _sample(spec)
    codec = PointCodec(spec)
    seen: set[str] = set()
    choices, index, ids = [], [], []
    for i, ch in enumerate(drawn):
        pid = codec.point_id(ch)
        if pid in seen:
            continue
        seen.add(pid)
        choices.append(ch)
        index.append(i)
        ids.append(pid)
    dups = len(drawn) - len(choices)
    return Sampled(choices, index, ids, len(drawn), {"duplicate sample": dups} if dups else {})


@dataclass
class SweepPlan:
    """The points a sweep evaluates, after sampling and screening (a dry run)."""

    spec: SweepSpec
    choices: list[tuple]
    """Per kept point, one choice per axis."""
    index: list[int]
    """Position of each kept point in the sampled order (the ``point`` column)."""
    point_ids: list[str]
    n_sampled: int
    dropped: dict[str, int] = field(default_factory=dict)
    """Why points were dropped -> how many (each point counted once, under its first reason)."""

    def __len__(self) -> int:
        return len(self.choices)

    @property
    def n_dropped(self) -> int:
        return sum(self.dropped.values())

    def describe(self) -> str:
        return describe(self.spec, self.n_sampled, len(self), self.dropped)


def describe(spec: SweepSpec, n_sampled: int, n_kept: int, dropped: dict[str, int]) -> str:
    """One line for the points, one per reason points were dropped."""
    ax = " x ".join(f"{a.name} ({len(a.values) if a.values is not None else 'range'})" for a in spec.axes)
    lines = [f"{spec.name}: {n_sampled} points ({spec.sampling.method} over {ax}); "
             f"{n_kept} kept, {sum(dropped.values())} dropped"]
    for why, n in dropped.items():
        lines.append(f"  dropped {n}: {why}")
    return "\n".join(lines)


def _merge_counts(into: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    for k, v in more.items():
        into[k] = into.get(k, 0) + v
    return into


def _sample(spec: SweepSpec) -> list[tuple]:
    smp = spec.sampling
    if smp.method == "grid":
        return list(itertools.product(*(ax.grid_choices() for ax in spec.axes)))
    rng = np.random.default_rng(smp.seed)
    n = int(smp.n or 0)
    cols = []
    for ax in spec.axes:
        if smp.method == "random":
            u = rng.random(n)
        else:  # Latin hypercube: one draw in each of n equal strata, strata shuffled per axis
            u = (rng.permutation(n) + rng.random(n)) / n
        cols.append(ax.sample_choices(u))
    return list(zip(*cols))


def plan_sweep(spec: SweepSpec, chunk: int = 2000, max_points: int = DEFAULT_MAX_POINTS) -> SweepPlan:
    """Sample every point and screen it (build and validate its design, apply
    the constraints) without evaluating anything: what a dry run reports."""
    smp = sample_points(spec, max_points)
    codec, builder = PointCodec(spec), DesignBuilder(spec.base)
    dropped = dict(smp.dropped)
    keep: list[int] = []
    for a in range(0, len(smp.choices), chunk):
        sc = screen(spec, smp.choices[a:a + chunk], codec, builder)
        keep.extend(a + j for j in sc.kept)
        _merge_counts(dropped, sc.dropped)
    return SweepPlan(spec=spec, choices=[smp.choices[i] for i in keep], index=[smp.index[i] for i in keep],
                     point_ids=[smp.point_ids[i] for i in keep], n_sampled=smp.n_sampled, dropped=dropped)
