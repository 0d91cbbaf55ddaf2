"""Cost one pass (its unique ops) on a batch of designs: the single cost path.

``simulate`` calls :func:`cost_pass` with one design, sweeps with thousands;
both then sum with :func:`accelmodel.cost.totals.totals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import MappingError
from ..hardware.nonlinear import supports
from ..hardware.spec import Accelerator
from ..mapping.batch import design_keys, map_designs
from ..workload.graph import Op
from .demand import Demand, lower_ops
from .design import EMBED_SLOT, SLOT_FOR_KIND, DesignBatch
from .evaluate import Costs, evaluate
from .fused_demand import apply_fusion


@dataclass(frozen=True)
class PassCosts:
    """Rows of a pass's unique ops on D designs; ``errors[d]`` is why design d
    cannot run the pass (None if it can; its numbers are then NaN)."""

    batch: DesignBatch
    demand: Demand
    costs: Costs
    errors: tuple[str | None, ...]


def unit_error(ops: Sequence[Op], hw: Accelerator) -> str | None:
    """Why a design's units cannot run ``ops`` (None if they can): the first op
    whose function the unit in its slot cannot compute."""
    for op in ops:
        if op.is_matmul:
            continue
        slot = SLOT_FOR_KIND[op.kind]
        if slot == EMBED_SLOT:
            continue
        unit = getattr(hw.nonlinear, slot)
        if not supports(unit.kind, op.function):
            return f"nonlinear.{slot}: a {unit.kind!r} unit cannot compute {op.function} ({op.name})"
    return None


def matmul_maps(ops: Sequence[Op], hws: Sequence[Accelerator]) -> tuple[dict[str, np.ndarray], list[str | None]]:
    """Tiling fields of every matmul of ``ops`` (in order) on every design, as
    (D, U_mm) arrays, and per design the first op's reason why nothing fits."""
    D = len(hws)
    per_op: list[dict[str, np.ndarray]] = []
    errors: list[str | None] = [None] * D
    keys = design_keys(hws)
    for op in ops:
        if not op.is_matmul:
            continue
        fields, errs = map_designs(op.m, op.k, op.n, op.weight is not None, hws, keys)
        per_op.append(fields)
        for i, e in enumerate(errs):
            if e is not None and errors[i] is None:
                errors[i] = e
    if not per_op:
        return {}, errors
    return {f: np.stack([p[f] for p in per_op], axis=1) for f in per_op[0]}, errors


def cost_pass(ops: Sequence[Op], hws: Sequence[Accelerator],
              maps: tuple[dict[str, np.ndarray], list[str | None]] | None = None) -> PassCosts:
    """Demand, time, bound and energy of every op of ``ops`` on every design of
    ``hws`` (which must share a :func:`~accelmodel.cost.design.structure_key`).
    ``maps``: :func:`matmul_maps` of ``ops`` on ``hws`` if already known."""
    batch = DesignBatch.of(hws)
    unit_err = unit_error(ops, hws[0])
    tilings, errors = matmul_maps(ops, hws) if maps is None else maps
    if unit_err is not None:
        errors = [unit_err] * len(hws)
    with np.errstate(invalid="ignore"):
        demand = apply_fusion(lower_ops(ops, tilings, batch), ops, batch)
        costs = evaluate(demand, batch)
    return PassCosts(batch, demand, costs, tuple(errors))


def raise_if_failed(pc: PassCosts) -> None:
    """``simulate``'s view: a design that cannot run the pass is an error."""
    if pc.errors[0] is not None:
        raise MappingError(pc.errors[0])
