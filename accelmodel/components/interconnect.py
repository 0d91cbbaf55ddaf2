"""On-chip data movement: DMA / network-on-chip energy per byte-hop, L2 as an SRAM.

A *hop* is one pipeline stage of the on-chip bus or NoC: the byte is latched in
flip-flops once per hop (:func:`.arith.flip_flops`, Aladdin 45 nm: 0.009 pJ per bit),
so ``E_hop = 8 * E_ff`` per byte. The wire between stages is not modelled (no cited
per-mm figure in the anchors yet) -- a known underestimate for long global wires.
"""

from __future__ import annotations

from functools import lru_cache

from . import technology
from .arith import flip_flops, logic_leakage_w_per_m2


@lru_cache(maxsize=64)
def byte_hop_energy_j(technology_nm: float | None = None, vdd: float | None = None) -> float:
    """Energy to move one byte one hop (one register stage), J."""
    return flip_flops(8).energy_j * technology.scaling(technology_nm, vdd).energy


@lru_cache(maxsize=1024)
def dma_datapath(bytes_per_cycle: float, stages: int, technology_nm: float | None = None,
                 vdd: float | None = None) -> tuple[float, float]:
    """(area m^2, leakage W) of a DMA / bus datapath ``bytes_per_cycle`` wide with ``stages``
    register stages (flip-flops only; control not modelled)."""
    if stages < 1:
        raise ValueError(f"dma stages: must be at least 1 (got {stages})")
    sc = technology.scaling(technology_nm, vdd)
    area = flip_flops(8 * bytes_per_cycle * stages).area_m2
    return area * sc.area, logic_leakage_w_per_m2() * area * sc.leakage
