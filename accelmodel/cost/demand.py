"""Lowering ops to demands: what each op asks of each resource, on D designs.

A :class:`Demand` holds R cost rows (an op may lower to several rows: an op
offloaded to the host CPU becomes dequantize, compute and quantize) on D
designs. Every numeric field is a (D, R) array (or (R,) where it does not
depend on the design):

* time each resource needs, in seconds, were it alone: ``work_s`` (the array,
  a nonlinear/vector unit or the host CPU, named by ``work_bound``),
  ``local_s`` (L2 link, or DMA without L2), ``dram_s``, ``cpu_memory_s``,
  ``decompress_s``; and ``overhead_s``, what cannot overlap;
* ``actions``: counts by (component, action) — MACs, bytes per memory level,
  element-operations per unit — that the energy table prices;
* ``cpu_power_w``: power drawn while the row runs (host-CPU rows);
* ``columns``: report-only columns (cycles, bytes, tile sizes, loop order).

The cost (:mod:`accelmodel.cost.evaluate`) turns demands into time, bound and
energy in one place. The formulas, per op kind:

* matmul (array): counts from the chosen tiling (``accelmodel.mapping``) x the
  op's ``count`` instances, run back to back (the prologue is paid once);
  weights stored in another format than the activations are dequantised on
  the fly (:func:`dequant_elements`, time in ``decompress_s``);
* non-matmul op on an accelerator unit: reads ``elements x inputs`` and writes
  ``elements`` at the output width through DRAM (no fusion); ``PASSES[function]``
  element-operations per element at ``lanes`` per cycle; DRAM latency and the
  unit's pipeline latency do not overlap; scratchpad sees each byte twice
  (in and out), the L2 (if any) too;
* offloaded op: three host-CPU rows (dequantize, compute in float, quantize),
  each the larger of its CPU cycles over the host clock and its bytes over the
  host's memory bandwidth; the compute row also pays the hand-off overhead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..workload.graph import Op
from ..workload.kinds import OpKind
from .design import EMBED_SLOT, HOST_FUNCTIONS, SLOT_FOR_KIND, DesignBatch
from .names import Bound

PASSES = {
    "softmax": 3,    # max, exp + sum, normalise
    "layernorm": 3,  # mean, variance, normalise (scale and shift)
    "rmsnorm": 2,    # mean square, normalise
    "gelu": 1, "gelu_tanh": 1, "silu": 1, "relu": 1,
    "add": 1, "mul": 1, "scale_mask": 1,
    "rope": 2,       # two multiplies and an add per rotated pair element
    "gather": 1,
}
"""Element-operations a unit performs per output element, by function."""

TIME_FIELDS = ("work_s", "local_s", "dram_s", "cpu_memory_s", "decompress_s")
"""Resource times, in the order that breaks ties for the bound (first wins)."""


@dataclass
class Demand:
    """R cost rows on D designs (see the module docstring)."""

    op_index: np.ndarray
    """(R,) index of the op (in the caller's op list) each row belongs to."""
    suffix: list[str]
    """(R,) '' or the offload stage (``dequantize``, ``quantize``)."""
    kind: list[str]
    unit: list[str]
    work_bound: list[str]
    macs: np.ndarray
    flops: np.ndarray
    work_s: np.ndarray
    local_s: np.ndarray
    dram_s: np.ndarray
    cpu_memory_s: np.ndarray
    decompress_s: np.ndarray
    overhead_s: np.ndarray
    cpu_power_w: np.ndarray
    actions: dict[tuple[str, str], np.ndarray]
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.op_index)


def _zeros(D: int, R: int) -> np.ndarray:
    return np.zeros((D, R))


def concat(parts: Sequence[Demand], D: int) -> Demand:
    """Rows of several demands side by side (columns missing in a part are 0;
    string columns '')."""
    parts = [p for p in parts if p.rows]
    if not parts:
        empty = _zeros(D, 0)
        return Demand(np.zeros(0, dtype=np.int64), [], [], [], [], np.zeros(0), np.zeros(0), work_s=empty,
                      local_s=empty, dram_s=empty, cpu_memory_s=empty, decompress_s=empty, overhead_s=empty,
                      cpu_power_w=empty, actions={})

    def cat(name: str) -> np.ndarray:
        return np.concatenate([np.broadcast_to(getattr(p, name), (D, p.rows)) for p in parts], axis=1)

    def cat_dict(dicts: list[dict]) -> dict:
        keys = list(dict.fromkeys(k for d in dicts for k in d))
        out = {}
        for key in keys:
            blocks = []
            for p, d in zip(parts, dicts):
                v = d.get(key)
                if v is None:
                    v = np.full((D, p.rows), "", dtype=object) if _is_text(dicts, key) else _zeros(D, p.rows)
                blocks.append(np.broadcast_to(v, (D, p.rows)))
            out[key] = np.concatenate(blocks, axis=1)
        return out

    return Demand(
        op_index=np.concatenate([p.op_index for p in parts]),
        suffix=[s for p in parts for s in p.suffix], kind=[s for p in parts for s in p.kind],
        unit=[s for p in parts for s in p.unit], work_bound=[s for p in parts for s in p.work_bound],
        macs=np.concatenate([p.macs for p in parts]), flops=np.concatenate([p.flops for p in parts]),
        work_s=cat("work_s"), local_s=cat("local_s"), dram_s=cat("dram_s"), cpu_memory_s=cat("cpu_memory_s"),
        decompress_s=cat("decompress_s"), overhead_s=cat("overhead_s"), cpu_power_w=cat("cpu_power_w"),
        actions=cat_dict([p.actions for p in parts]), columns=cat_dict([p.columns for p in parts]),
    )


def _is_text(dicts: list[dict], key) -> bool:
    return any(d.get(key) is not None and np.asarray(d[key]).dtype == object for d in dicts)


def _col(v: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.asarray(v, dtype=float)[None, :]


def _per_design(v: np.ndarray) -> np.ndarray:
    return v[:, None]


# ---------------------------------------------------------------------------
# matmuls on the array

def lower_matmuls(ops: Sequence[Op], index: Sequence[int], maps: dict[str, np.ndarray], db: DesignBatch) -> Demand:
    """Matmul rows. ``maps``: the chosen tiling of each op's instance, fields as
    (D, U) arrays (``accelmodel.mapping.batch``), U = len(ops)."""
    U, D = len(ops), db.size
    count = _col([op.count for op in ops])
    clock = _per_design(db.clock_hz)
    compute, local, dram = maps["compute_cycles"] * count, maps["local_cycles"] * count, maps["dram_cycles"] * count
    bytes_ = {lvl: maps[f"{lvl}_bytes"] * count for lvl in ("dram", "l2", "scratchpad", "accumulator")}
    macs = np.array([float(op.macs) for op in ops])
    dequant = dequant_elements(ops, maps, db) * count
    dequant_cycles = dequant / _per_design(db.units[EMBED_SLOT].lanes)
    actions = {("mac", "mac"): np.broadcast_to(macs, (D, U)), ("scratchpad", "byte"): bytes_["scratchpad"],
               ("accumulator", "byte"): bytes_["accumulator"], ("l2", "byte"): bytes_["l2"],
               ("dram", "byte"): bytes_["dram"]}
    if dequant.any():
        actions[(f"unit:{EMBED_SLOT}", "element_op")] = dequant
    return Demand(
        op_index=np.asarray(index, dtype=np.int64), suffix=[""] * U, kind=[op.kind for op in ops],
        unit=["array"] * U, work_bound=[Bound.COMPUTE.value] * U, macs=macs,
        flops=np.array([float(op.flops) for op in ops]),
        work_s=compute / clock, local_s=local / clock, dram_s=dram / clock, cpu_memory_s=_zeros(D, U),
        decompress_s=dequant_cycles / clock, overhead_s=maps["prologue_cycles"] / clock, cpu_power_w=_zeros(D, U),
        actions=actions,
        columns={"compute_cycles": compute, "local_cycles": local, "dram_cycles": dram,
                 "overhead_cycles": maps["prologue_cycles"], "dram_bytes": bytes_["dram"], "l2_bytes": bytes_["l2"],
                 "scratchpad_bytes": bytes_["scratchpad"], "accumulator_bytes": bytes_["accumulator"],
                 "spill_bytes": maps["spill_bytes"] * count,
                 "mt": maps["mt"].astype(float), "kt": maps["kt"].astype(float), "nt": maps["nt"].astype(float),
                 "loop_order": maps["order"]},
    )


def dequant_elements(ops: Sequence[Op], maps: dict[str, np.ndarray], db: DesignBatch) -> np.ndarray:
    """(D, U) weight elements of one instance dequantised on the fly (weight-only
    quantisation, ``dtypes.dequantizes_weights``): every weight element the array
    reads from the scratchpad is converted to the activation format on its way
    in, by the elementwise slot's vector unit (``lanes`` per cycle, its energy
    per element-operation), overlapped with the rest (``decompress`` bound)."""
    has_w = _col([op.weight is not None for op in ops])
    array_reads = maps["w_scratchpad_bytes"] - maps["w_local_bytes"]
    return has_w * _per_design(db.dequant_weights) * array_reads / _per_design(db.weight_bytes)


# ---------------------------------------------------------------------------
# non-matmul ops on an accelerator unit

def io_bytes(ops: Sequence[Op], db: DesignBatch) -> tuple[np.ndarray, np.ndarray]:
    """(D, U) bytes read and written by non-matmul ops on the accelerator: inputs
    and outputs at the output width (embedding rows at the weight width)."""
    elements = _col([op.elements for op in ops])
    inputs = _col([op.inputs for op in ops])
    embed = np.array([op.kind == OpKind.EMBEDDING for op in ops])[None, :]
    in_width = np.where(embed, _per_design(db.weight_bytes), _per_design(db.output_bytes))
    return elements * inputs * in_width, elements * _per_design(db.output_bytes)


def element_ops(op: Op) -> int:
    """Element-operations a unit performs for ``op``."""
    if op.kind == OpKind.EMBEDDING:
        return op.elements * max(op.inputs - 1, 0)  # adds of token + position (+ type) rows
    return op.elements * PASSES.get(op.function, 1)


def lower_unit_ops(ops: Sequence[Op], index: Sequence[int], db: DesignBatch) -> Demand:
    """Rows of non-matmul ops that run on an accelerator unit (one row each)."""
    U, D = len(ops), db.size
    clock = _per_design(db.clock_hz)
    rd, wr = io_bytes(ops, db)
    moved = rd + wr
    slots = [SLOT_FOR_KIND[op.kind] for op in ops]
    lanes = np.stack([db.units[s].lanes for s in slots], axis=1)
    pipe = np.stack([db.units[s].latency_cycles for s in slots], axis=1)
    elem_ops = _col([element_ops(op) for op in ops])
    unit_cycles = elem_ops / lanes
    local_cycles = moved / _per_design(db.local_bytes_per_cycle)
    dram_cycles = moved / _per_design(db.dram_bytes_per_cycle)
    overhead = _per_design(db.dram_latency_cycles) + pipe
    l2 = 2 * moved if db.has_l2 else _zeros(D, U)
    nonlinear = {OpKind.SOFTMAX, OpKind.ACTIVATION, OpKind.LAYERNORM, OpKind.RMSNORM}
    actions = {("scratchpad", "byte"): 2 * moved, ("l2", "byte"): l2, ("dram", "byte"): moved}
    for slot in dict.fromkeys(slots):
        mask = np.array([s == slot for s in slots])[None, :]
        actions[(f"unit:{slot}", "element_op")] = np.broadcast_to(np.where(mask, elem_ops, 0.0), (D, U))
    return Demand(
        op_index=np.asarray(index, dtype=np.int64), suffix=[""] * U, kind=[op.kind for op in ops],
        unit=[db.units[s].kind for s in slots],
        work_bound=[(Bound.NONLINEAR if op.kind in nonlinear else Bound.VECTOR).value for op in ops],
        macs=np.zeros(U), flops=np.array([float(op.flops) for op in ops]),
        work_s=unit_cycles / clock, local_s=local_cycles / clock, dram_s=dram_cycles / clock,
        cpu_memory_s=_zeros(D, U), decompress_s=_zeros(D, U), overhead_s=overhead / clock,
        cpu_power_w=_zeros(D, U), actions=actions,
        columns={"unit_cycles": unit_cycles, "local_cycles": local_cycles, "dram_cycles": dram_cycles,
                 "overhead_cycles": overhead, "dram_bytes": moved, "l2_bytes": l2, "scratchpad_bytes": 2 * moved},
    )


# ---------------------------------------------------------------------------
# ops offloaded to the host CPU

def _host_cycles(function: str, db: DesignBatch) -> np.ndarray:
    return db.host_cycles[function if function in HOST_FUNCTIONS else "elementwise"]


def lower_offloaded(ops: Sequence[Op], index: Sequence[int], db: DesignBatch) -> Demand:
    """Three host-CPU rows per op: dequantize, compute (float), quantize."""
    U, D = len(ops), db.size
    rd_int, wr_int = io_bytes(ops, db)
    fb = _per_design(db.host_float_bytes)
    n_in = _col([op.elements * op.inputs for op in ops])
    n_out = _col([op.elements for op in ops])
    fn_cycles = np.stack([_host_cycles(op.function, db) for op in ops], axis=1)
    stages = (  # suffix, CPU cycles, bytes read, bytes written (all through shared memory)
        ("dequantize", n_in * _per_design(db.host_cycles["dequantize"]), rd_int, n_in * fb),
        ("", n_out * fn_cycles, n_in * fb, n_out * fb),
        ("quantize", n_out * _per_design(db.host_cycles["quantize"]), n_out * fb, wr_int),
    )
    parts = []
    for suffix, cycles, rd, wr in stages:
        moved = rd + wr
        cpu_s = cycles / _per_design(db.host_clock_hz)
        overhead = np.broadcast_to(_per_design(db.host_overhead_s), (D, U)) if suffix == "" else _zeros(D, U)
        parts.append(Demand(
            op_index=np.asarray(index, dtype=np.int64), suffix=[suffix] * U,
            kind=[op.kind if suffix == "" else OpKind.QUANTIZE.value for op in ops], unit=["cpu"] * U,
            work_bound=[Bound.CPU.value] * U, macs=np.zeros(U),
            flops=np.array([float(op.flops) if suffix == "" else 0.0 for op in ops]),
            work_s=cpu_s, local_s=_zeros(D, U), dram_s=_zeros(D, U),
            cpu_memory_s=moved / _per_design(db.host_bytes_per_s),
            decompress_s=_zeros(D, U), overhead_s=overhead,
            cpu_power_w=np.broadcast_to(_per_design(db.host_power_w), (D, U)),
            actions={("dram", "byte"): moved},
            columns={"cpu_s": cpu_s, "overhead_cycles": overhead * _per_design(db.clock_hz), "dram_bytes": moved},
        ))
    return _interleave(parts, D)


def _interleave(parts: list[Demand], D: int) -> Demand:
    """Rows of equally long demands interleaved (op 0's stages, op 1's, ...)."""
    whole = concat(parts, D)
    U = parts[0].rows
    order = np.arange(U * len(parts)).reshape(len(parts), U).T.ravel()
    return take_rows(whole, order)


def take_rows(d: Demand, order: np.ndarray) -> Demand:
    """The rows ``order`` of a demand, in that order."""
    def pick(a):
        return a[..., order]
    return Demand(
        op_index=d.op_index[order], suffix=[d.suffix[i] for i in order], kind=[d.kind[i] for i in order],
        unit=[d.unit[i] for i in order], work_bound=[d.work_bound[i] for i in order], macs=d.macs[order],
        flops=d.flops[order], work_s=pick(d.work_s), local_s=pick(d.local_s), dram_s=pick(d.dram_s),
        cpu_memory_s=pick(d.cpu_memory_s), decompress_s=pick(d.decompress_s), overhead_s=pick(d.overhead_s),
        cpu_power_w=pick(d.cpu_power_w), actions={k: pick(v) for k, v in d.actions.items()},
        columns={k: pick(v) for k, v in d.columns.items()},
    )


def lower_ops(ops: Sequence[Op], maps: dict[str, np.ndarray], db: DesignBatch) -> Demand:
    """Every op's rows, in op order. ``maps``: tiling fields as (D, U_mm) arrays
    for the matmuls of ``ops`` in order."""
    mm, unit, host = [], [], []
    for i, op in enumerate(ops):
        if op.is_matmul:
            mm.append(i)
        elif SLOT_FOR_KIND[op.kind] != EMBED_SLOT and db.units[SLOT_FOR_KIND[op.kind]].offloaded:
            host.append(i)
        else:
            unit.append(i)
    parts = []
    if mm:
        parts.append(lower_matmuls([ops[i] for i in mm], mm, maps, db))
    if unit:
        parts.append(lower_unit_ops([ops[i] for i in unit], unit, db))
    if host:
        parts.append(lower_offloaded([ops[i] for i in host], host, db))
    whole = concat(parts, db.size)
    return take_rows(whole, np.argsort(whole.op_index, kind="stable"))
