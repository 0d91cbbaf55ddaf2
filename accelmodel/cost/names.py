"""Names the cost model reports, as one table: bounds and energy components."""

from __future__ import annotations

from enum import StrEnum


class Bound(StrEnum):
    """The resource that sets an op's overlapped time."""

    COMPUTE = "compute"
    """The systolic array's cycles."""
    CPU = "cpu"
    """Host-CPU instructions of an offloaded op."""
    CPU_MEMORY = "cpu_memory"
    """The host CPU's bandwidth to shared memory."""
    DECOMPRESS = "decompress"
    """The decompressor in front of the array (compressed pruned weights)."""
    DMA = "dma"
    """The scratchpad DMA (designs without an L2)."""
    DRAM = "dram"
    """DRAM bandwidth."""
    L2 = "l2"
    """The L2 <-> scratchpad/accumulator link."""
    NONLINEAR = "nonlinear"
    """A nonlinear unit (softmax, activation, normalisation)."""
    VECTOR = "vector"
    """The vector ALU (element-wise ops)."""


BOUNDS: tuple[str, ...] = tuple(b.value for b in Bound)
"""Every bound, sorted (the order of per-bound columns)."""
BOUND_CODE: dict[str, int] = {b: i for i, b in enumerate(BOUNDS)}

ENERGY_COMPONENTS: tuple[str, ...] = ("mac", "scratchpad", "accumulator", "l2", "dram", "nonlinear", "cpu", "static")
"""Energy components of a report (``energy_<component>_j`` columns)."""
ENERGY_COLUMNS: tuple[str, ...] = tuple(f"energy_{c}_j" for c in ENERGY_COMPONENTS)
