"""Cost of a matmul whose weight matrix is pruned (a real boolean mask).

Compute cycles come from counting, on the mask, which array-sized folds the
hardware can skip or shorten (``accelmodel.mapping.sparse.sparse_fold_stats``),
re-priced for the mapping's M tiling — never from multiplying by (1 - ratio).

Bytes. ``rho`` = stored / dense weight bytes, the stored size being the storage
format's exact size (``format_bytes``: CSR 2a + K + 1 numbers, ...; dense
storage: rho = 1). Every W transfer of the dense mapping (L2 link / DMA, DRAM,
scratchpad fills) moves rho times the dense bytes, so the change in each is
``(stored - dense) x`` that level's W re-read factor (``Mapping.w_*_bytes`` /
dense W bytes). rho may exceed 1 (e.g. CSR with 16-bit indices at density 0.5
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

The tiling is the dense op's (chosen without looking at the mask).
"""

from __future__ import annotations

from ..hardware.spec import Accelerator
from ..mapping.sparse import SparseFoldStats
from ..mapping.systolic import ceil_div
from ..mapping.tiling import Mapping, x_array_read_bytes
from ..workload.graph import Op
from .ops import _bound, _finish, _memory_energy, _row


def sparse_matmul_cost(op: Op, hw: Accelerator, mp: Mapping, stats: SparseFoldStats, stored_w_bytes: float) -> dict:
    """Cost row of one pruned weight matmul (``op.count`` must be 1).

    ``stats`` is the fold count of the op's mask at ``hw``'s skip level,
    ``stored_w_bytes`` the size of W in ``hw.sparsity.storage``. Besides the
    usual columns the row has ``density``, ``executed_macs``, ``nonzero_macs``,
    ``stored_weight_bytes``, ``dense_weight_bytes`` and ``decompress_cycles``.
    """
    if op.count != 1:
        raise ValueError("pruned matmuls are weight matmuls with count 1")
    if (stats.k, stats.n, stats.m_rows) != (op.k, op.n, op.m):
        raise ValueError(f"fold stats are for {stats.m_rows}x{stats.k}x{stats.n}, op is {op.m}x{op.k}x{op.n}")
    sp = hw.sparsity
    dt = hw.dtypes
    dense_w = op.k * op.n * dt.weight_bytes
    rho = stored_w_bytes / dense_w  # stored / dense weight bytes
    work = stats.work_fraction
    compute = float(stats.cycles_for(op.m, mp.mt))

    # memory traffic: every W transfer carries rho x the dense bytes
    local_b = mp.local_bytes - (1 - rho) * mp.w_local_bytes
    dram_b = mp.dram_bytes - (1 - rho) * mp.w_dram_bytes
    l2_b = (local_b + dram_b) if hw.l2 is not None else 0.0
    # scratchpad: W fills (= w_local_bytes) carry rho; array reads of X scale with
    # the work that runs, of W with rho (compressed) or the work (dense storage)
    x_array = x_array_read_bytes(op.m, op.k, op.n, hw)
    w_array = mp.w_scratchpad_bytes - mp.w_local_bytes
    w_read = rho if sp.compressed else work
    spad_b = (mp.scratchpad_bytes - (1 - work) * x_array - (1 - rho) * mp.w_local_bytes
              - (1 - w_read) * w_array)
    if hw.array.dataflow == "WS":
        kb = ceil_div(op.k, hw.array.rows)
        f = stats.active_folds / stats.dense_folds if stats.dense_folds else 0.0
        acc_b = mp.accumulator_bytes * (2 * kb * f + 1) / (2 * kb + 1)
    else:
        strips = ceil_div(op.n, hw.array.cols)
        acc_b = mp.accumulator_bytes * stats.active_units / strips

    local_c, dram_c = local_b / hw.local_bytes_per_cycle, dram_b / hw.dram_bytes_per_cycle
    named = {"compute": compute, "l2" if hw.l2 is not None else "dma": local_c, "dram": dram_c}
    decompress_c = mp.w_local_bytes * rho / sp.decompressor_bytes_per_cycle if sp.compressed else 0.0
    if sp.compressed:
        named["decompress"] = decompress_c
    cycles = max(named.values()) + mp.prologue_cycles
    executed = op.macs * work  # MACs in the folds / weight rows that run, zeros included
    mac_energy_count = stats.nonzero_macs if sp.gate_zero_macs else executed
    row = _row(unit="array", macs=float(op.macs), flops=float(op.flops), compute_cycles=compute,
               local_cycles=local_c, dram_cycles=dram_c, overhead_cycles=mp.prologue_cycles, dram_bytes=dram_b,
               l2_bytes=l2_b, scratchpad_bytes=spad_b, accumulator_bytes=acc_b, mt=mp.mt, kt=mp.kt, nt=mp.nt,
               loop_order=mp.order, energy_mac_j=mac_energy_count * hw.energy.mac_pj * 1e-12,
               **_memory_energy(hw, dram_b, l2_b, spad_b, acc_b))
    row["density"] = stats.density
    row["executed_macs"] = float(executed)
    row["nonzero_macs"] = float(stats.nonzero_macs)
    row["stored_weight_bytes"] = float(stored_w_bytes)
    row["dense_weight_bytes"] = float(dense_w)
    row["decompress_cycles"] = float(decompress_c)
    return _finish(row, hw, cycles / (hw.clock_ghz * 1e9), _bound(named))
