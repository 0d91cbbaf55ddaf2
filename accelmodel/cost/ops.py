"""Cost of one op: pure functions of (op, hardware[, mapping]) -> rows of counts,
cycles, seconds, bound and energy by component.

An op's time is the largest of its resource demands over their rates (double-
buffered overlap) plus what cannot overlap (first fold in, last fold out,
memory latency, pipeline fill, offload hand-off). Its bound is the resource
that sets the overlapped part. Energy = sum of action counts x energy per
action (``hw.energy``, ``hw.dram``, the units' power) + static power x time.

Non-matmul ops read their inputs from DRAM and write their outputs to DRAM (no
fusion, as in the survey's model). A CPU-offloaded op becomes three rows:
``dequantize`` (read the integer tensor, convert to float), the op itself in
float, and ``quantize`` (convert back, write the integer tensor); they run on
the host, serially with the accelerator.
"""

from __future__ import annotations

from ..errors import MappingError
from functools import reduce

import numpy as np

from ..hardware.nonlinear import VectorUnit, supports
from ..hardware.spec import Accelerator
from ..mapping.tiling import Mapping
from ..workload.graph import Op

# element-operations a unit performs per output element, by function
PASSES = {
    "softmax": 3,    # max, exp + sum, normalise
    "layernorm": 3,  # mean, variance, normalise (scale and shift)
    "rmsnorm": 2,    # mean square, normalise
    "gelu": 1, "gelu_tanh": 1, "silu": 1, "relu": 1,
    "add": 1, "mul": 1, "scale_mask": 1,
    "rope": 2,       # two multiplies and an add per rotated pair element
    "gather": 1,
}

# which entry of hw.nonlinear runs each op kind
UNIT_FOR_KIND = {
    "softmax": "softmax", "activation": "activation", "layernorm": "norm", "rmsnorm": "norm",
    "residual": "elementwise", "elementwise": "elementwise", "rope": "elementwise", "embedding": "elementwise",
}

ENERGY_COLUMNS = ("energy_mac_j", "energy_scratchpad_j", "energy_accumulator_j", "energy_l2_j", "energy_dram_j",
                  "energy_nonlinear_j", "energy_cpu_j", "energy_static_j")


def _row(**kw) -> dict:
    base = dict(unit="", macs=0.0, flops=0.0, compute_cycles=0.0, unit_cycles=0.0, cpu_s=0.0, local_cycles=0.0,
                dram_cycles=0.0, overhead_cycles=0.0, dram_bytes=0.0, l2_bytes=0.0, scratchpad_bytes=0.0,
                accumulator_bytes=0.0, mt=0, kt=0, nt=0, loop_order="")
    base.update(kw)
    for c in ENERGY_COLUMNS:
        base.setdefault(c, 0.0)
    return base


def _finish(row: dict, hw: Accelerator, latency_s: float, bound: str) -> dict:
    row["latency_s"] = latency_s
    row["latency_cycles"] = latency_s * hw.clock_ghz * 1e9
    row["bound"] = bound
    row["energy_static_j"] = hw.energy.static_power_mw * 1e-3 * latency_s
    row["energy_j"] = sum(row[c] for c in ENERGY_COLUMNS)
    return row


def _bound(named: dict[str, float]):
    """The resource with the largest demand (the first one on ties). With numpy
    arrays (many designs at once, as sweeps do) an array of names."""
    vals = list(named.values())
    if any(isinstance(v, np.ndarray) for v in vals):
        return np.asarray(list(named))[np.argmax(np.stack(np.broadcast_arrays(*vals)), axis=0)]
    return max(named, key=named.get)


def _peak(named: dict[str, float]):
    """The largest demand (element-wise for numpy arrays)."""
    vals = list(named.values())
    if any(isinstance(v, np.ndarray) for v in vals):
        return reduce(np.maximum, vals)
    return max(vals)


def _memory_energy(hw: Accelerator, dram: float, l2: float, spad: float, acc: float) -> dict:
    e = hw.energy
    return dict(energy_dram_j=dram * 8 * hw.dram.energy_pj_per_bit * 1e-12, energy_l2_j=l2 * e.l2_pj_per_byte * 1e-12,
                energy_scratchpad_j=spad * e.scratchpad_pj_per_byte * 1e-12,
                energy_accumulator_j=acc * e.accumulator_pj_per_byte * 1e-12)


def matmul_cost(op: Op, hw: Accelerator, mp: Mapping) -> dict:
    """A matmul of ``op.count`` identical instances, each tiled as ``mp``.
    Instances run back to back, so the prologue is paid once."""
    c = op.count
    compute, local, dram = mp.compute_cycles * c, mp.local_cycles * c, mp.dram_cycles * c
    named = {"compute": compute, "l2" if hw.l2 is not None else "dma": local, "dram": dram}
    cycles = _peak(named) + mp.prologue_cycles
    row = _row(unit="array", macs=float(op.macs), flops=float(op.flops), compute_cycles=compute,
               local_cycles=local, dram_cycles=dram, overhead_cycles=mp.prologue_cycles,
               dram_bytes=mp.dram_bytes * c, l2_bytes=mp.l2_bytes * c, scratchpad_bytes=mp.scratchpad_bytes * c,
               accumulator_bytes=mp.accumulator_bytes * c, mt=mp.mt, kt=mp.kt, nt=mp.nt, loop_order=mp.order,
               energy_mac_j=op.macs * hw.energy.mac_pj * 1e-12,
               **_memory_energy(hw, mp.dram_bytes * c, mp.l2_bytes * c, mp.scratchpad_bytes * c,
                                mp.accumulator_bytes * c))
    return _finish(row, hw, cycles / (hw.clock_ghz * 1e9), _bound(named))


def _io_bytes(op: Op, hw: Accelerator) -> tuple[float, float]:
    """Bytes read and written by a non-matmul op on the accelerator."""
    ob = hw.dtypes.output_bytes
    if op.kind == "embedding":  # gather rows of the embedding tables (weights)
        return op.elements * op.inputs * hw.dtypes.weight_bytes, op.elements * ob
    return op.elements * op.inputs * ob, op.elements * ob


def vector_cost(op: Op, hw: Accelerator, unit) -> dict:
    """A non-matmul op on an accelerator unit (vector ALU, SFU, LUT, ...)."""
    rd, wr = _io_bytes(op, hw)
    moved = rd + wr
    passes = PASSES.get(op.function, 1)
    if op.kind == "embedding":
        passes = max(op.inputs - 1, 0)  # adds of token + position (+ type) rows
    elem_ops = op.elements * passes
    unit_cycles = elem_ops / unit.lanes
    local = moved / hw.local_bytes_per_cycle
    dram = moved / hw.dram_bytes_per_cycle
    l2 = 2 * moved if hw.l2 is not None else 0.0
    named = {"nonlinear" if op.kind in ("softmax", "activation", "layernorm", "rmsnorm") else "vector": unit_cycles,
             "l2" if hw.l2 is not None else "dma": local, "dram": dram}
    latency = hw.dram.latency_ns * hw.clock_ghz + unit.latency_cycles
    cycles = _peak(named) + latency
    row = _row(unit=unit.kind, flops=float(op.flops), unit_cycles=unit_cycles, local_cycles=local, dram_cycles=dram,
               overhead_cycles=latency, dram_bytes=moved, l2_bytes=l2, scratchpad_bytes=2 * moved,
               energy_nonlinear_j=elem_ops * unit.energy_pj_per_element_at(hw.technology_nm) * 1e-12,
               **_memory_energy(hw, moved, l2, 2 * moved, 0.0))
    return _finish(row, hw, cycles / (hw.clock_ghz * 1e9), _bound(named))


def offload_cost(op: Op, hw: Accelerator) -> list[tuple[str, str, dict]]:
    """A non-matmul op run on the host CPU: (op suffix, kind, row) for the
    dequantize, compute and quantize stages."""
    cpu = hw.host
    clk = cpu.clock_ghz * 1e9
    bw = cpu.memory_bandwidth_gbps * 1e9
    fb = cpu.float_bits / 8.0
    rd_int, wr_int = _io_bytes(op, hw)
    n_in = op.elements * op.inputs
    cyc = cpu.cycles_per_element
    fn_cycles = getattr(cyc, op.function, cyc.elementwise)  # add, mul, scale_mask: element-wise
    stages = [
        ("dequantize", "quantize", n_in * cyc.dequantize, rd_int, n_in * fb, rd_int),
        ("", op.kind, op.elements * fn_cycles, n_in * fb, op.elements * fb, 0.0),
        ("quantize", "quantize", op.elements * cyc.quantize, op.elements * fb, wr_int, wr_int),
    ]
    rows = []
    for suffix, kind, cycles, rd, wr, dram_int in stages:
        t_cpu = cycles / clk
        t_mem = (rd + wr) / bw
        named = {"cpu": t_cpu, "cpu_memory": t_mem}
        overhead = cpu.offload_overhead_us * 1e-6 if suffix == "" else 0.0
        latency = _peak(named) + overhead
        moved = rd + wr
        row = _row(unit="cpu", flops=float(op.flops) if suffix == "" else 0.0,
                   cpu_s=t_cpu, overhead_cycles=overhead * hw.clock_ghz * 1e9, dram_bytes=moved,
                   energy_cpu_j=cpu.power_w * latency, **_memory_energy(hw, moved, 0.0, 0.0, 0.0))
        rows.append((suffix, kind, _finish(row, hw, latency, _bound(named))))
    return rows


def op_cost(op: Op, hw: Accelerator, mapping: Mapping | None = None) -> list[tuple[str, str, dict]]:
    """Rows for one op: [(name suffix, kind, row)]. Matmuls need their mapping.

    Every formula here is element-wise, so ``hw`` (and ``mapping``) may also be
    views of many designs whose numeric fields are numpy arrays (the sweep's fast
    path); ``bound`` is then an array of names."""
    if op.is_matmul:
        if mapping is None:
            raise ValueError("matmul_cost needs a mapping")
        return [("", op.kind, matmul_cost(op, hw, mapping))]
    slot = UNIT_FOR_KIND[op.kind]
    unit = getattr(hw.nonlinear, slot)
    if op.kind != "embedding" and not supports(unit.kind, op.function):
        raise MappingError(f"nonlinear.{slot}: a {unit.kind!r} unit cannot compute {op.function} ({op.name})")
    if unit.kind == "cpu_offload":
        if op.kind == "embedding":  # the gather is a DMA; its adds run on a default vector ALU
            return [("", op.kind, vector_cost(op, hw, VectorUnit()))]
        return offload_cost(op, hw)
    return [("", op.kind, vector_cost(op, hw, unit))]
