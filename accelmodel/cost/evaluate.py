"""Demands -> time, bound and energy, in one place, for any number of designs.

An op row's time is the largest of its resource times (double-buffered
overlap) plus what cannot overlap; its bound is the resource with the largest
time (the first of :data:`~accelmodel.cost.demand.TIME_FIELDS` on ties). Its
energy is the sum of its action counts x the design's energy per action, plus
the power drawn while it runs (host CPU for offloaded rows, the accelerator's
static power for every row) x its time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .demand import TIME_FIELDS, Demand
from .design import DesignBatch
from .names import BOUND_CODE, Bound, ENERGY_COMPONENTS

_LOCAL = 1
"""Position of ``local_s`` in TIME_FIELDS (its bound is l2 or dma by design)."""


@dataclass(frozen=True)
class Costs:
    """Time, bound and energy of R rows on D designs ((D, R) arrays)."""

    latency_s: np.ndarray
    bound: np.ndarray
    """Codes into :data:`~accelmodel.cost.names.BOUNDS`."""
    energy: dict[str, np.ndarray]
    """J by component (:data:`~accelmodel.cost.names.ENERGY_COMPONENTS`)."""
    energy_j: np.ndarray


def component_of(key: tuple[str, str]) -> str:
    """The report's energy component of an action (every unit counts as ``nonlinear``)."""
    return "nonlinear" if key[0].startswith("unit:") else key[0]


def evaluate(d: Demand, db: DesignBatch) -> Costs:
    """Time, bound and energy of every row of ``d`` on every design of ``db``."""
    times = np.stack([getattr(d, f) for f in TIME_FIELDS])        # (resources, D, R)
    which = times.argmax(axis=0)                                   # first on ties
    steady = np.take_along_axis(times, which[None], axis=0)[0]
    latency = steady + d.overhead_s
    local_bound = BOUND_CODE[(Bound.L2 if db.has_l2 else Bound.DMA).value]
    codes = np.array([[BOUND_CODE[b] for b in d.work_bound], [local_bound] * d.rows,
                      [BOUND_CODE[Bound.DRAM.value]] * d.rows, [BOUND_CODE[Bound.CPU_MEMORY.value]] * d.rows,
                      [BOUND_CODE[Bound.DECOMPRESS.value]] * d.rows], dtype=np.int64).reshape(len(TIME_FIELDS), -1)
    bound = np.take_along_axis(codes, which, axis=0) if d.rows else which
    energy = {c: np.zeros_like(latency) for c in ENERGY_COMPONENTS}
    for key, count in d.actions.items():
        energy[component_of(key)] = energy[component_of(key)] + count * db.energy[key][:, None]
    energy["cpu"] = energy["cpu"] + d.cpu_power_w * latency
    energy["static"] = db.static_power_w[:, None] * latency
    total = energy[ENERGY_COMPONENTS[0]]
    for c in ENERGY_COMPONENTS[1:]:
        total = total + energy[c]
    return Costs(latency_s=latency, bound=bound, energy=energy, energy_j=total)
