"""Every decode step of a generation, costed on the one cost path, fast.

A generation's decode steps differ only in the KV length: the ops that do not
touch the cache (projections, FFN, norms, the LM head) are identical in every
step, and the ones that do (``qk``: n = ctx, ``scale_mask`` and ``softmax``:
elements and row length ~ ctx, ``sv``: k = ctx) change affinely with ctx. So

* the KV-independent ops are costed once (:func:`~accelmodel.cost.engine.cost_pass`);
* the KV-dependent ops of *all* steps are lowered and evaluated together in
  one ``cost_pass`` over a list of S x V ops (S steps, V such ops per block);
* their matmul tilings come from :func:`accelmodel.mapping.batch.map_designs`
  at the two ends of every tile block of ctx (the values ``(u-1) g + 1 .. u g``
  for the array granule g of the ctx dimension), and in between by linear
  interpolation. Within a block every candidate's tile counts are constant and
  its counts affine in ctx (``mapping/tiling.py``); the interpolation is used
  only if the two ends chose the same tiling (tile counts, loop order, tile
  sizes equal or the whole ctx) and an interior point mapped exactly agrees
  with it to 1e-9 (relative); otherwise every step of the block is mapped
  exactly. The result equals per-step :func:`~accelmodel.simulation.simulate`
  to float round-off (tests/test_generation.py: 1e-12 relative; the sums run
  in another order).

``kv_len`` follows :func:`accelmodel.workload.sequence.op_sequence`: the tokens
already in the cache; the step attends over ``kv_len + 1`` (the cache plus
the new token's own K/V).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .cost.engine import cost_pass, raise_if_failed
from .cost.names import BOUNDS
from .errors import MappingError
from .hardware.spec import Accelerator
from .mapping.batch import FLOAT_FIELDS, design_keys, map_designs
from .workload.config import TransformerConfig
from .workload.graph import Op
from .workload.sequence import op_sequence

_VARYING = ("m", "k", "n", "elements", "row_len")
"""Op fields that may depend on the KV length (affinely)."""
_INTERP_RTOL = 1e-9


@dataclass(frozen=True)
class StepCosts:
    """Per decode step (arrays of length S, in the order of ``kv_len``)."""

    kv_len: np.ndarray
    latency_s: np.ndarray
    energy_j: np.ndarray
    dram_bytes: np.ndarray
    flops: np.ndarray
    bound: np.ndarray
    """Name of the bound with the largest share of the step's time."""
    latency_by_bound: np.ndarray
    """(S, len(BOUNDS)) seconds."""
    matmul_latency_s: np.ndarray
    useful_macs: np.ndarray


@dataclass(frozen=True)
class _Split:
    const_ops: tuple[Op, ...]
    const_mult: np.ndarray
    var_ops: tuple[Op, ...]
    """At ``kv0``."""
    var_delta: tuple[dict[str, int], ...]
    """Per varying op, the change of each varying field per cached token."""
    var_mult: np.ndarray
    kv0: int


def _split(cfg: TransformerConfig, batch: int, kv0: int) -> _Split:
    """The decode pass's ops split into those the KV length leaves alone and
    those it changes (with their change per token, checked on a third length)."""
    seqs = [op_sequence(cfg, "decode", batch, 1, kv0 + i) for i in range(3)]
    const: dict[tuple, list] = {}
    var_ops, var_delta, var_mult = [], [], []
    for segs in zip(*(s.segments for s in seqs)):
        for a, b, c in zip(*(seg.ops for seg in segs)):
            if a.signature() == b.signature():
                entry = const.setdefault(a.signature(), [a, 0])
                entry[1] += segs[0].repeat
                continue
            delta = {f: getattr(b, f) - getattr(a, f) for f in _VARYING if getattr(b, f) != getattr(a, f)}
            if any(getattr(c, f) - getattr(b, f) != d for f, d in delta.items()):
                raise AssertionError(f"{a.name}: not affine in kv_len")  # the graph builder changed
            var_ops.append(a)
            var_delta.append(delta)
            var_mult.append(segs[0].repeat)
    return _Split(tuple(v[0] for v in const.values()), np.array([v[1] for v in const.values()], dtype=float),
                  tuple(var_ops), tuple(var_delta), np.array(var_mult, dtype=float), kv0)


def _at(op: Op, delta: dict[str, int], steps: int) -> Op:
    return replace(op, **{f: getattr(op, f) + d * steps for f, d in delta.items()})


_OP_FIELDS = tuple(Op.__dataclass_fields__)


def _many(op: Op, delta: dict[str, int], steps: np.ndarray) -> list[Op]:
    """``_at(op, delta, s)`` for every s of ``steps`` (built field by field: fast)."""
    base = [getattr(op, f) for f in _OP_FIELDS]
    cols = {_OP_FIELDS.index(f): (getattr(op, f) + d * steps).tolist() for f, d in delta.items()}
    out = []
    for j in range(len(steps)):
        for i, col in cols.items():
            base[i] = col[j]
        out.append(Op(*base))
    return out


def _map_exact(op: Op, hw: Accelerator, keys: tuple) -> dict:
    """The tiling of ``op`` on ``hw`` (``keys``: :func:`design_keys` of ``[hw]``, computed once)."""
    fields, errors = map_designs(op.m, op.k, op.n, op.weight is not None, [hw], keys)
    if errors[0] is not None:
        raise MappingError(errors[0])
    return fields


def _same_tiling(a: dict, b: dict, dim: str, xa: int, xb: int) -> bool:
    """Same loop order and tile sizes at both ends (the ctx dimension's tile may be the whole ctx at both)."""
    if a["order"][0] != b["order"][0]:
        return False
    tile = {"m": "mt", "k": "kt", "n": "nt"}[dim]
    for f in ("mt", "kt", "nt"):
        if f == tile and int(a[f][0]) == xa and int(b[f][0]) == xb:
            continue
        if int(a[f][0]) != int(b[f][0]):
            return False
    return True


def _interp(a: dict, b: dict, xa: int, xb: int, xs: np.ndarray, dim: str) -> dict[str, np.ndarray]:
    t = (xs - xa) / (xb - xa) if xb != xa else np.zeros(len(xs))
    out = {f: a[f][0] + (b[f][0] - a[f][0]) * t for f in FLOAT_FIELDS}
    tile = {"m": "mt", "k": "kt", "n": "nt"}[dim]
    for f in ("mt", "kt", "nt"):
        whole = f == tile and int(a[f][0]) == xa and int(b[f][0]) == xb and xb != xa
        out[f] = xs.astype(np.int64) if whole else np.full(len(xs), int(a[f][0]), dtype=np.int64)
    out["order"] = np.full(len(xs), a["order"][0], dtype=object)
    return out


def _agrees(row: dict[str, np.ndarray], i: int, exact: dict) -> bool:
    for f in FLOAT_FIELDS:
        want, got = float(exact[f][0]), float(row[f][i])
        if abs(got - want) > _INTERP_RTOL * max(abs(want), 1.0):
            return False
    return all(int(row[f][i]) == int(exact[f][0]) for f in ("mt", "kt", "nt")) and row["order"][i] == exact["order"][0]


def _block_maps(op: Op, delta: dict[str, int], steps: np.ndarray, hw: Accelerator) -> dict[str, np.ndarray]:
    """Tiling fields of ``op`` advanced by each of ``steps`` (sorted, consecutive) tokens."""
    (dim,) = [f for f in ("m", "k", "n") if f in delta]
    gran = hw.array.cols if dim == "n" else hw.array.rows
    xs = getattr(op, dim) + delta[dim] * steps
    keys = design_keys([hw])
    block = (xs - 1) // gran
    parts: list[dict[str, np.ndarray]] = []
    for u in np.unique(block):
        sel = steps[block == u]
        lo, hi = int(sel[0]), int(sel[-1])
        ea, eb = _map_exact(_at(op, delta, lo), hw, keys), _map_exact(_at(op, delta, hi), hw, keys)
        xa, xb = getattr(op, dim) + delta[dim] * lo, getattr(op, dim) + delta[dim] * hi
        x_sel = getattr(op, dim) + delta[dim] * sel
        ok = _same_tiling(ea, eb, dim, xa, xb)
        if ok:
            part = _interp(ea, eb, xa, xb, x_sel, dim)
            if len(sel) > 2:
                mid = len(sel) // 2
                ok = _agrees(part, mid, _map_exact(_at(op, delta, int(sel[mid])), hw, keys))
        if not ok:
            exact = [_map_exact(_at(op, delta, int(s)), hw, keys) for s in sel]
            part = {f: np.array([e[f][0] for e in exact], dtype=object if f == "order" else None)
                    for f in (*FLOAT_FIELDS, "mt", "kt", "nt", "order")}
        parts.append(part)
    return {f: np.concatenate([p[f] for p in parts]) for f in parts[0]}


def _per_op(values: np.ndarray, op_index: np.ndarray, n_ops: int) -> np.ndarray:
    return np.bincount(op_index, weights=values, minlength=n_ops)


def decode_steps(hw: Accelerator, cfg: TransformerConfig, batch: int, kv_lens: np.ndarray) -> StepCosts:
    """Costs of the decode steps with cached lengths ``kv_lens`` (consecutive
    integers, ascending), each as :func:`~accelmodel.simulation.simulate` of
    that step would give them."""
    kv_lens = np.asarray(kv_lens, dtype=np.int64)
    S = len(kv_lens)
    if S == 0 or np.any(np.diff(kv_lens) != 1):
        raise ValueError("decode_steps: kv_lens must be consecutive ascending integers")
    sp = _split(cfg, batch, int(kv_lens[0]))
    steps = kv_lens - sp.kv0
    # KV-independent ops: once
    pc = cost_pass(sp.const_ops, [hw])
    raise_if_failed(pc)
    nb = len(BOUNDS)
    n_c = len(sp.const_ops)
    cm = sp.const_mult[pc.demand.op_index]
    c_lat = pc.costs.latency_s[0]
    const_lat = float((c_lat * cm).sum())
    const_energy = float((pc.costs.energy_j[0] * cm).sum())
    const_dram = float((pc.demand.columns["dram_bytes"][0] * cm).sum())
    const_flops = float((pc.demand.flops * cm).sum())
    const_by_bound = np.array([(np.where(pc.costs.bound[0] == b, c_lat, 0.0) * cm).sum() for b in range(nb)])
    mm_const = np.array([sp.const_ops[i].is_matmul for i in pc.demand.op_index])
    const_mm_lat = float((np.where(mm_const, c_lat, 0.0) * cm).sum())
    const_macs = float((pc.demand.macs * cm).sum())
    del n_c
    # KV-dependent ops of every step: op-major (all steps of op 0, then op 1, ...)
    ops = [op for op, d in zip(sp.var_ops, sp.var_delta) for op in _many(op, d, steps)]
    mm_maps = [_block_maps(op, d, steps, hw) for op, d in zip(sp.var_ops, sp.var_delta) if op.is_matmul]
    tilings = {f: np.concatenate([m[f] for m in mm_maps])[None, :] for f in mm_maps[0]} if mm_maps else {}
    vc = cost_pass(ops, [hw], maps=(tilings, [None]))
    raise_if_failed(vc)
    V = len(sp.var_ops)
    idx = vc.demand.op_index
    lat_rows = vc.costs.latency_s[0]
    mult = np.repeat(sp.var_mult, S)

    def per_step(row_values: np.ndarray) -> np.ndarray:
        return (_per_op(row_values, idx, V * S) * mult).reshape(V, S).sum(axis=0)

    latency = const_lat + per_step(lat_rows)
    by_bound = const_by_bound[None, :] + np.stack(
        [per_step(np.where(vc.costs.bound[0] == b, lat_rows, 0.0)) for b in range(nb)], axis=1)
    is_mm = np.array([ops[i].is_matmul for i in idx])
    return StepCosts(
        kv_len=kv_lens, latency_s=latency,
        energy_j=const_energy + per_step(vc.costs.energy_j[0]),
        dram_bytes=const_dram + per_step(vc.demand.columns["dram_bytes"][0]),
        flops=const_flops + per_step(vc.demand.flops.astype(float)),
        bound=np.asarray(BOUNDS, dtype=object)[by_bound.argmax(axis=1)],
        latency_by_bound=by_bound,
        matmul_latency_s=const_mm_lat + per_step(np.where(is_mm, lat_rows, 0.0)),
        useful_macs=const_macs + per_step(vc.demand.macs.astype(float)),
    )
