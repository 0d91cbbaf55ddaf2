"""One matmul on one design: cycles, utilisation, traffic and energy, through
the same cost path as a whole pass (:func:`accelmodel.cost.engine.cost_pass`)."""

from __future__ import annotations

from .cost.engine import cost_pass, raise_if_failed
from .hardware.spec import Accelerator
from .mapping.tiling import tile_matmul
from .simulation import row_columns
from .workload.graph import Op


def gemm_result(hw: Accelerator, m: int, k: int, n: int, weight: bool = True) -> dict:
    """Y[M,N] = X[M,K] . W[K,N] on ``hw`` (``weight=False``: W is an activation,
    at the input width). JSON-ready: integers for cycle and byte counts that are
    whole, SI units in the names."""
    op = Op("gemm", 0, "gemm", "matmul", m=m, k=k, n=n, weight="w" if weight else None)
    pc = cost_pass([op], [hw])
    raise_if_failed(pc)
    row = {c: v[0] for c, v in row_columns(pc.demand, pc.costs, hw, [op]).items()}
    mp = tile_matmul(m, k, n, hw, weight)
    return {
        "m": m, "k": k, "n": n, "array": f"{hw.array.rows}x{hw.array.cols}", "dataflow": hw.array.dataflow,
        "compute_cycles": _whole(row["compute_cycles"]), "total_cycles": float(row["latency_cycles"]),
        "utilization": op.macs / (hw.array.pes * row["latency_cycles"]),
        "compute_utilization": op.macs / (hw.array.pes * row["compute_cycles"]),
        "dram_bytes": _whole(row["dram_bytes"]), "l2_bytes": _whole(row["l2_bytes"]),
        "local_bytes": _whole(mp.local_bytes), "latency_s": float(row["latency_s"]),
        "energy_j": float(row["energy_j"]), "bound": str(row["bound"]),
        "tile": {"m": mp.mt, "k": mp.kt, "n": mp.nt, "order": mp.order}, "tilings_considered": mp.n_candidates,
        "spill_bytes": _whole(mp.spill_bytes),
    }


def _whole(v: float) -> int | float:
    """An integer when the count is whole (JSON prints it without a fraction)."""
    f = float(v)
    return int(f) if f.is_integer() else f
