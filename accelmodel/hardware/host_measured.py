"""Measured host-CPU costs: executed RISC-V instructions per element turned into cycles.

``data/host_cpu_cycles.csv`` is written by ``tools/host_cpu/measure.py``: plain C
float32 kernels (glibc libm) compiled for rv64gc, run under ``qemu-riscv64`` with an
instruction-counting plugin, counted by instruction class per element (driver
baseline subtracted; see ``docs/host_cpu.md``). This module holds the timing model
that turns class counts into cycles (:data:`ROCKET_CPI`) and reads the table into a
:class:`~accelmodel.hardware.spec.CpuCycles`.

Timing model ``rocket_inorder_dependent``: a single-issue in-order core (Rocket, a
5-stage RV64GC pipeline: Chipyard documentation, "Rocket Core"). Every instruction
issues in 1 cycle; a class with a result latency ``L > 1`` is charged its full
dependent-stall cost ``L - 1`` on every instance, i.e. as if the next instruction
always consumed the result. That is an upper bound for the streaming loops and close
to exact for libm's polynomial chains (Horner evaluation, each step dependent on
the last). The instruction count per element is the matching lower bound (CPI 1).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

from .spec import CpuCycles

CPU_TABLE_FILE = "host_cpu_cycles.csv"
CPI_MODEL_NAME = "rocket_inorder_dependent"

INSTRUCTION_CLASSES: tuple[str, ...] = (
    "int_alu", "int_mul", "int_div", "load", "store", "branch", "jump",
    "fp_fma_s", "fp_fma_d", "fp_divsqrt_s", "fp_divsqrt_d", "fp_other", "system",
)
"""Instruction classes counted per element (columns ``n_<class>`` of the CSV)."""

ROCKET_CPI: dict[str, float] = {
    # 1-cycle integer ALU ops (add, shifts, logic, lui/auipc, compares), fully bypassed.
    "int_alu": 1.0,
    # Rocket's iterative MulDiv with mulUnroll = 8 (rocket-chip subsystem Configs, WithNBigCores):
    # a 64-bit multiply takes 64 / 8 = 8 cycles; charged in full (the unit is not pipelined).
    "int_mul": 8.0,
    # the same unit divides one bit per cycle: 64 cycles for a 64-bit divide (no early-out assumed).
    "int_div": 64.0,
    # integer and FP loads: 1 issue + 1 load-use stall (data cache hit, the consumer is the next
    # instruction) -- assumption for a 5-stage pipeline, no miss (the offload streams through L1/L2).
    "load": 2.0,
    # stores do not stall an in-order pipeline with a store buffer.
    "store": 1.0,
    # conditional branches: 1 + 10 % mispredicted x 3-cycle redirect (resolved in EX) -- assumption;
    # loop branches predict well (BHT/BTB), data-dependent libm range branches less so.
    "branch": 1.3,
    # jal/jalr/ret: predicted by the BTB and the return-address stack.
    "jump": 1.0,
    # FMA pipeline (fadd/fsub/fmul/fmadd/...): FPUParams sfmaLatency = 3 (single), dfmaLatency = 4
    # (double) in rocket-chip src/main/scala/tile/FPU.scala; pipelined, dependent stall L - 1.
    "fp_fma_s": 3.0,
    "fp_fma_d": 4.0,
    # fdiv/fsqrt: Berkeley HardFloat divSqrtRecFN_small, one cycle per significand bit
    # (24 single, 53 double); not pipelined, charged in full.
    "fp_divsqrt_s": 24.0,
    "fp_divsqrt_d": 53.0,
    # conversions, moves, sign-injection, min/max, compares, class: IntToFP(2) / FPToFP(2) in
    # rocket-chip FPU.scala, latency 2 -> dependent stall 1.
    "fp_other": 2.0,
    # CSR reads/writes (frflags/fsflags/frrm) and ecall: 1 (only ecall is serialising, and the driver's
    # ecalls are subtracted with the baseline).
    "system": 1.0,
}
"""Cycles charged per executed instruction of each class (issue + full dependent stall)."""


def cycles_from_class_counts(counts: Mapping[str, float], cpi: Mapping[str, float] | None = None) -> float:
    """Cycles per element = sum over classes of (instructions per element x cycles per instruction).

    ``counts`` maps every class of :data:`INSTRUCTION_CLASSES` to instructions per element;
    ``cpi`` defaults to :data:`ROCKET_CPI`. KeyError naming the class if one is missing."""
    table = ROCKET_CPI if cpi is None else cpi
    missing = [c for c in INSTRUCTION_CLASSES if c not in counts]
    if missing:
        raise KeyError(f"instruction class counts lack {', '.join(missing)}")
    return float(sum(float(counts[c]) * table[c] for c in INSTRUCTION_CLASSES))


def read_cpu_table(path: str | Path | None = None) -> list[dict[str, str]]:
    """Rows of the measured table (default: the bundled ``data/host_cpu_cycles.csv``)."""
    if path is None:
        from ..paths import (
            bundled_dir,  # a leaf module (imports nothing from accelmodel)
        )

        path = bundled_dir("data") / CPU_TABLE_FILE
    with open(path, newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def measured_cpu_cycles(path: str | Path | None = None) -> CpuCycles:
    """:class:`CpuCycles` from the measured table's ``cycles_per_element`` column (one row per
    ``CpuCycles`` field; ValueError naming the missing functions otherwise)."""
    rows = {r["function"]: float(r["cycles_per_element"]) for r in read_cpu_table(path)}
    missing = [f for f in CpuCycles.model_fields if f not in rows]
    if missing:
        raise ValueError(f"{CPU_TABLE_FILE}: no measured row for {', '.join(missing)}")
    return CpuCycles(**{f: rows[f] for f in CpuCycles.model_fields})
