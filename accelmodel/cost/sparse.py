"""Lowering a matmul whose weight matrix is pruned (a real boolean mask) to a demand.

Compute cycles come from counting, on the mask, which array-sized folds the
hardware can skip or shorten (``accelmodel.mapping.sparse.sparse_fold_stats``),
re-priced for the mapping's M tiling — never from multiplying by (1 - ratio).

Bytes. ``rho`` = stored / dense weight bytes, the stored size being the storage
format's exact size (``format_bytes``: CSR 2a + K + 1 numbers, ...; dense
storage: rho = 1). Every W transfer of the dense mapping (L2 link / DMA, DRAM,
scratchpad fills) moves rho times the dense bytes, so the change in each is
``(stored - dense) x`` that level's W re-read factor (the mapping's ``w_*_bytes``
/ dense W bytes). rho may exceed 1 (e.g. CSR with 16-bit indices at density 0.5
for INT8 weights): the model then charges the larger size, honestly; the row's
``stored_weight_bytes`` shows it. Scratchpad reads by the array: X and (with
dense storage) W scale with ``work_fraction`` (the weight rows / K-stream that
still runs); compressed W is read as stored (rho). Accumulator traffic (WS):
each fold that runs reads and writes its partial sums, plus one final write:
``acc x (2 kb f + 1) / (2 kb + 1)`` with f = folds run / dense folds; OS keeps
partial sums in the PEs, so only all-zero column strips (skipped) save theirs.

A compressed format adds a decompressor between scratchpad and array; it must
consume the stored W stream of the mapping (``w_local_bytes x rho``) at
``decompressor_bytes_per_cycle``, and may be the op's bound (``decompress``).

MAC energy counts only the MACs the array executes: ``macs x work_fraction``
(skipped folds / rows cost nothing); with ``gate_zero_macs`` only MACs with a
non-zero weight draw energy (``stats.nonzero_macs``).

The tiling is the dense op's (chosen without looking at the mask). One design
at a time (pruned workloads are evaluated point by point).
"""

from __future__ import annotations

import numpy as np

from ..hardware.spec import Accelerator
from ..mapping.sparse import SparseFoldStats
from ..mapping.systolic import ceil_div
from ..mapping.tiling import x_array_read_bytes
from ..workload.graph import Op
from .demand import Demand
from .names import Bound


def _one(v: float) -> np.ndarray:
    return np.array([[float(v)]])


def lower_pruned_matmul(op: Op, index: int, hw: Accelerator, mp: dict[str, float], stats: SparseFoldStats,
                        stored_w_bytes: float) -> Demand:
    """The one-row demand of a pruned weight matmul (``op.count`` must be 1) on
    ``hw``, tiled as ``mp`` (the dense op's mapping fields, scalars)."""
    if op.count != 1:
        raise ValueError("pruned matmuls are weight matmuls with count 1")
    if (stats.k, stats.n, stats.m_rows) != (op.k, op.n, op.m):
        raise ValueError(f"fold stats are for {stats.m_rows}x{stats.k}x{stats.n}, op is {op.m}x{op.k}x{op.n}")
    sp = hw.sparsity
    dense_w = op.k * op.n * hw.dtypes.weight_bytes
    rho = stored_w_bytes / dense_w
    work = stats.work_fraction
    compute = float(stats.cycles_for(op.m, int(mp["mt"])))
    local_b = mp["local_bytes"] - (1 - rho) * mp["w_local_bytes"]
    dram_b = mp["dram_bytes"] - (1 - rho) * mp["w_dram_bytes"]
    l2_b = (local_b + dram_b) if hw.l2 is not None else 0.0
    x_array = x_array_read_bytes(op.m, op.k, op.n, hw)
    w_array = mp["w_scratchpad_bytes"] - mp["w_local_bytes"]
    w_read = rho if sp.compressed else work
    spad_b = (mp["scratchpad_bytes"] - (1 - work) * x_array - (1 - rho) * mp["w_local_bytes"]
              - (1 - w_read) * w_array)
    if hw.array.dataflow == "WS":
        kb = ceil_div(op.k, hw.array.rows)
        f = stats.active_folds / stats.dense_folds if stats.dense_folds else 0.0
        acc_b = mp["accumulator_bytes"] * (2 * kb * f + 1) / (2 * kb + 1)
    else:
        strips = ceil_div(op.n, hw.array.cols)
        acc_b = mp["accumulator_bytes"] * stats.active_units / strips
    local_c, dram_c = local_b / hw.local_bytes_per_cycle, dram_b / hw.dram_bytes_per_cycle
    decompress_c = mp["w_local_bytes"] * rho / sp.decompressor_bytes_per_cycle if sp.compressed else 0.0
    executed = op.macs * work  # MACs in the folds / weight rows that run, zeros included
    mac_count = stats.nonzero_macs if sp.gate_zero_macs else executed
    clock = hw.clock_ghz * 1e9
    return Demand(
        op_index=np.array([index], dtype=np.int64), suffix=[""], kind=[op.kind], unit=["array"],
        work_bound=[Bound.COMPUTE.value], macs=np.array([float(op.macs)]), flops=np.array([float(op.flops)]),
        work_s=_one(compute / clock), local_s=_one(local_c / clock), dram_s=_one(dram_c / clock),
        cpu_memory_s=_one(0.0), decompress_s=_one(decompress_c / clock), overhead_s=_one(mp["prologue_cycles"] / clock),
        cpu_power_w=_one(0.0),
        actions={("mac", "mac"): _one(mac_count), ("scratchpad", "byte"): _one(spad_b),
                 ("accumulator", "byte"): _one(acc_b), ("l2", "byte"): _one(l2_b), ("dram", "byte"): _one(dram_b)},
        columns={"compute_cycles": _one(compute), "local_cycles": _one(local_c), "dram_cycles": _one(dram_c),
                 "overhead_cycles": _one(mp["prologue_cycles"]), "dram_bytes": _one(dram_b), "l2_bytes": _one(l2_b),
                 "scratchpad_bytes": _one(spad_b), "accumulator_bytes": _one(acc_b), "mt": _one(mp["mt"]),
                 "kt": _one(mp["kt"]), "nt": _one(mp["nt"]), "loop_order": np.array([[mp["order"]]], dtype=object),
                 "density": _one(stats.density), "executed_macs": _one(executed),
                 "nonzero_macs": _one(stats.nonzero_macs), "stored_weight_bytes": _one(stored_w_bytes),
                 "dense_weight_bytes": _one(dense_w), "decompress_cycles": _one(decompress_c)},
    )
