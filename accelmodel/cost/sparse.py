"""Cost of a matmul whose weight matrix is pruned (a real boolean mask).

Compute cycles come from counting, on the mask, which array-sized folds the
hardware can skip or shorten (``accelmodel.mapping.sparse.sparse_fold_stats``),
re-priced for the mapping's M tiling — never from multiplying by (1 - ratio).
Weight bytes come from the storage format's exact size (CSR: 2a + n + 1
numbers, ...), scaled by how often the mapping re-reads W; a compressed format
adds a decompressor whose throughput may bound the op. MAC energy counts only
the MACs the array executes (skipped folds cost nothing; with clock gating,
only MACs with a non-zero weight draw energy).

The tiling is the dense op's (chosen without looking at the mask).
"""

from __future__ import annotations

from ..hardware.spec import Accelerator
from ..mapping.sparse import SparseFoldStats
from ..mapping.tiling import Mapping
from ..workload.graph import Op
from .ops import _bound, _finish, _memory_energy, _row


def sparse_matmul_cost(op: Op, hw: Accelerator, mp: Mapping, stats: SparseFoldStats, stored_w_bytes: float) -> dict:
    """Cost row of one pruned weight matmul (``op.count`` must be 1)."""
    if op.count != 1:
        raise ValueError("pruned matmuls are weight matmuls with count 1")
    sp = hw.sparsity
    dense_w = op.k * op.n * hw.dtypes.weight_bytes
    rho = stored_w_bytes / dense_w  # stored / dense weight bytes
    compute = float(stats.cycles_for(op.m, mp.mt))
    local_b = mp.local_bytes - (1 - rho) * mp.w_local_bytes
    dram_b = mp.dram_bytes - (1 - rho) * mp.w_dram_bytes
    l2_b = (local_b + dram_b) if hw.l2 is not None else 0.0
    spad_b = mp.scratchpad_bytes - (1 - rho) * mp.w_scratchpad_bytes
    run_frac = compute / mp.compute_cycles if mp.compute_cycles else 0.0
    acc_b = mp.accumulator_bytes * min(1.0, run_frac)
    local_c, dram_c = local_b / hw.local_bytes_per_cycle, dram_b / hw.dram_bytes_per_cycle
    named = {"compute": compute, "l2" if hw.l2 is not None else "dma": local_c, "dram": dram_c}
    if sp.compressed:
        named["decompress"] = mp.w_local_bytes * rho / sp.decompressor_bytes_per_cycle
    cycles = max(named.values()) + mp.prologue_cycles
    if sp.gate_zero_macs:
        executed = stats.nonzero_macs
    else:  # MACs in the folds that run (zeros included)
        executed = min(op.macs, op.macs * run_frac)
    row = _row(unit="array", macs=float(op.macs), flops=float(op.flops), compute_cycles=compute,
               local_cycles=local_c, dram_cycles=dram_c, overhead_cycles=mp.prologue_cycles, dram_bytes=dram_b,
               l2_bytes=l2_b, scratchpad_bytes=spad_b, accumulator_bytes=acc_b, mt=mp.mt, kt=mp.kt, nt=mp.nt,
               loop_order=mp.order, energy_mac_j=executed * hw.energy.mac_pj * 1e-12,
               **_memory_energy(hw, dram_b, l2_b, spad_b, acc_b))
    row["density"] = stats.density
    row["executed_macs"] = float(executed)
    return _finish(row, hw, cycles / (hw.clock_ghz * 1e9), _bound(named))
