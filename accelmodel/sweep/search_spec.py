"""What a design search is: the ``search:`` block of a sweep spec.

    search:
      method: nsga2                 # or nsga3 (reference directions; better for 3 objectives)
      budget: 1000                  # most distinct design points proposed (each evaluated once)
      population: 100               # designs per generation (default: min(100, budget))
      seed: 0
      objectives: {latency_s: min, energy_j: min, area_mm2: min}
      workloads:                    # optional workload mix: label -> workload fields + weight
        bert: {model: bert-base, seq_len: 512, weight: 3}
        gpt2: {model: gpt2, phase: decode, kv_len: 512, weight: 1}

The axes of the sweep are the search space (an explicit list of values: an
integer variable; a range: a real variable). The sweep's ``constraints`` apply
as usual: a constraint on a design metric (a spec field or property,
``area_mm2``, ...) is checked before the design is costed; a constraint on a
result column (:func:`result_metrics`: ``max_rel_error``, ``power_w``,
``latency_s``, ...) after. With a workload mix, every design runs every
workload and each result column is the weighted mean over the mix
(``max_rel_error``: the worst), weights normalised to sum to 1.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field, PositiveFloat, PositiveInt, model_validator

from ..inputs import brief
from ..specbase import Frozen
from ..workload.point import WorkloadPoint


def result_metrics() -> tuple[str, ...]:
    """Result columns a search may minimise / maximise or constrain: the sweep's
    metrics and ``power_w`` (= energy_j / latency_s, W)."""
    from .evaluate import METRICS  # evaluate imports .spec, which imports this module
    return (*METRICS, "power_w")

MAX_BUDGET = 10_000_000
"""Most design points one search may propose."""


class MixEntry(Frozen):
    """One workload of a mix: workload fields (merged onto the sweep's ``workload``) and a weight."""

    weight: PositiveFloat = Field(default=1.0, le=1e12)
    """Relative weight of this workload in the objectives (normalised over the mix)."""
    model: Optional[str] = Field(default=None, max_length=4096)
    phase: Optional[Literal["prefill", "decode"]] = None
    batch: Optional[PositiveInt] = None
    seq_len: Optional[PositiveInt] = None
    kv_len: Optional[int] = Field(default=None, ge=0)
    pruning: Optional[str] = Field(default=None, max_length=4096)

    def workload(self, base: WorkloadPoint) -> WorkloadPoint:
        """This entry's fields on top of ``base``."""
        upd = {k: v for k, v in self.model_dump().items() if k != "weight" and v is not None}
        return WorkloadPoint.model_validate({**base.model_dump(), **upd})


class SearchSpec(Frozen):
    """A multi-objective search over a sweep's axes (pymoo NSGA-II / NSGA-III)."""

    method: Literal["nsga2", "nsga3"] = "nsga2"
    """``nsga2`` (Deb et al., IEEE TEVC 2002) or ``nsga3`` (Deb and Jain, IEEE TEVC 2014)."""
    budget: PositiveInt = Field(le=MAX_BUDGET)
    """Most distinct design points the search proposes; each is evaluated once (a point
    rejected by a design constraint counts too). The last generation is cut to fit."""
    population: Optional[PositiveInt] = Field(default=None, le=100_000)
    """Designs per generation (default: min(100, budget))."""
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    """Seed of the optimiser's random generator."""
    objectives: dict[str, Literal["min", "max"]]
    """Two or three result columns (:func:`result_metrics`) -> ``min`` or ``max``."""
    workloads: Optional[dict[str, MixEntry]] = None
    """A workload mix: label -> workload fields and ``weight``; each design runs all of them."""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("workloads"), (list, tuple)):
            raise ValueError("search.workloads: a mapping of labels to workloads (with a weight each)")
        return data

    @model_validator(mode="after")
    def _check(self) -> "SearchSpec":
        if not 2 <= len(self.objectives) <= 3:
            raise ValueError(f"search.objectives: give two or three objectives, got {len(self.objectives)}")
        for m in self.objectives:
            if m not in result_metrics():
                raise ValueError(f"search.objectives: unknown metric {brief(m)} "
                                 f"(one of {', '.join(result_metrics())})")
        if self.workloads is not None and not self.workloads:
            raise ValueError("search.workloads: an empty mix; give at least one workload or leave it out")
        return self

    @property
    def pop_size(self) -> int:
        return min(self.population or 100, self.budget)

    def mix(self, base: WorkloadPoint) -> list[tuple[str, WorkloadPoint, float]]:
        """(label, workload, normalised weight) of each workload of the mix; the base alone without one."""
        if not self.workloads:
            return [("", base, 1.0)]
        total = sum(e.weight for e in self.workloads.values())
        return [(k, e.workload(base), e.weight / total) for k, e in self.workloads.items()]
