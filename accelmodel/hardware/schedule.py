"""The schedule: which ops may run fused, and where the units that run them sit.

Fusion here means an op's result never makes the DRAM round trip: an
element-wise op applied as its producer's output drains from the accumulator,
normalisation statistics gathered on the accumulator read path, and attention
whose l x l score matrix stays on chip (a fused multi-head-attention engine, or
tiled online-softmax attention on the general engine). Which of these a design
can do follows from where its units sit (``accumulator_path``), whether they run
on the accelerator at all (a unit offloaded to the host CPU cannot fuse), and
its buffers. ``fusion`` says which of them to use; ``none`` is the unfused
schedule (every op reads its inputs from DRAM and writes its output back).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat

from ..specbase import Frozen

FusionMode = Literal["none", "elementwise", "norm", "attention_engine", "flash", "all"]
FUSION_MODES: tuple[str, ...] = ("none", "elementwise", "norm", "attention_engine", "flash", "all")
PathSlot = Literal["softmax", "activation", "norm", "elementwise"]


class Schedule(Frozen):
    """What may fuse, and where the units sit."""

    fusion: FusionMode = "none"
    """``none``: every op round-trips DRAM. ``elementwise``: activation, scale/mask, RoPE,
    gated multiply and residual adds run on their producer matmul's output path.
    ``norm``: ``elementwise`` plus LayerNorm/RMSNorm statistics on the accumulator read
    path (the apply pass where the data next moves). ``attention_engine``: QK, scale/mask,
    softmax and SV in the fused MHA engine when one head's scores fit its buffer.
    ``flash``: tiled online-softmax attention (causal prefill skips fully masked tiles).
    ``all``: everything the hardware allows (the engine where it fits, else tiled)."""
    accumulator_path: tuple[PathSlot, ...] = ("activation", "elementwise")
    """Nonlinear-unit slots whose unit sits on the accumulator's move-out/read path, so it
    can process a matmul's output as it drains. Default: Gemmini applies the activation
    and the output scaling as data leaves the accumulator, and adds residuals by
    accumulating into it (Genc et al., DAC 2021)."""
    attention_engine_kib: NonNegativeFloat = Field(default=0.0, le=16777216)
    """Score buffer of a fused multi-head-attention engine (QK -> buffer -> softmax -> SV),
    KiB; it must hold one head's q_len x kv_len scores at the accumulator width. 0: none."""

    @property
    def attention_engine_bytes(self) -> float:
        return self.attention_engine_kib * 1024.0
