"""A whole request: prefill a prompt, then generate token by token.

``simulate_generation(hw, model, prompt_len, gen_len, batch)`` models ``batch``
sequences (a static batch: they start and end together) of ``prompt_len``
prompt tokens each producing ``gen_len`` tokens:

* the prefill pass (:func:`~accelmodel.simulation.simulate`, phase prefill)
  produces the first token: TTFT = its latency;
* decode step j = 1 .. gen_len - 1 feeds token j back with ``kv_len =
  prompt_len + j - 1`` tokens cached (it attends over ``kv_len + 1``: the cache
  plus its own K/V; :mod:`accelmodel.workload.graph`) and produces token j + 1.
  TPOT is the latency of one such step (mean, first, last); every step is
  costed exactly (:mod:`accelmodel.decode_steps`).

latency = TTFT + sum of the steps; tokens/s = batch x gen_len / latency;
energy per token = energy / (batch x gen_len). The footprint (weights +
scales + KV cache + activations, :mod:`accelmodel.footprint`) must fit
``dram.capacity_gib``, else a one-line ``SpecError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import pandas as pd

from .decode_steps import StepCosts, decode_steps
from .errors import SpecError
from .footprint import Footprint, check_fits, footprint
from .hardware.spec import Accelerator
from .simulation import simulate
from .workload.config import TransformerConfig, load_workload
from .workload.sequence import op_sequence
from .workload.limits import MAX_TOKENS


@dataclass(frozen=True)
class Generation:
    """The cost of one request (one static batch)."""

    hw: Accelerator
    model: TransformerConfig
    prompt_len: int
    gen_len: int
    batch: int
    prefill: dict
    """``Report.summary()`` of the prefill pass."""
    steps: Optional[StepCosts]
    """Every decode step (None when ``gen_len`` is 1)."""
    footprint: Footprint
    decode_rows_used: dict = field(default_factory=dict)
    """Array rows (OS: output rows = tokens) the weight matmuls of a decode step fill."""

    @property
    def ttft_s(self) -> float:
        return float(self.prefill["latency_s"])

    @property
    def decode_s(self) -> float:
        return float(self.steps.latency_s.sum()) if self.steps is not None else 0.0

    @property
    def latency_s(self) -> float:
        return self.ttft_s + self.decode_s

    @property
    def energy_j(self) -> float:
        return float(self.prefill["energy_j"]) + (float(self.steps.energy_j.sum()) if self.steps is not None else 0.0)

    def summary(self) -> dict:
        """JSON-ready numbers (seconds, joules, bytes). TPOT keys are None without decode steps."""
        st = self.steps
        tokens = self.batch * self.gen_len
        tp = None if st is None else st.latency_s
        return {
            "model": self.model.name, "hw": self.hw.name, "prompt_len": self.prompt_len, "gen_len": self.gen_len,
            "batch": self.batch, "ttft_s": self.ttft_s,
            "tpot_s": None if tp is None else float(tp.mean()),
            "tpot_first_s": None if tp is None else float(tp[0]),
            "tpot_last_s": None if tp is None else float(tp[-1]),
            "latency_s": self.latency_s, "tokens_per_s": tokens / self.latency_s,
            "energy_j": self.energy_j, "energy_per_token_j": self.energy_j / tokens,
            "footprint_bytes": self.footprint.total,
            "footprint": {"weights_bytes": self.footprint.weights, "scales_bytes": self.footprint.scales,
                          "kv_cache_bytes": self.footprint.kv_cache, "activations_bytes": self.footprint.activations},
            "dram_capacity_bytes": None if self.hw.dram.capacity_gib is None else self.hw.dram.capacity_gib * 2**30,
            "prefill_bound": self.prefill["bottleneck"],
            "decode_bound_share": None if st is None else _bound_shares(st),
            "decode_array_rows": self.decode_rows_used,
            "decode_dram_bytes": None if st is None else float(st.dram_bytes.sum()),
            "decode_flops": None if st is None else float(st.flops.sum()),
        }

    def steps_table(self) -> pd.DataFrame:
        """One row per decode step: kv_len (cached tokens), latency, bound, DRAM bytes, energy, FLOPs."""
        st = self.steps
        if st is None:
            return pd.DataFrame(columns=["step", "kv_len", "latency_s", "bound", "dram_bytes", "energy_j", "flops"])
        return pd.DataFrame({"step": np.arange(1, len(st.kv_len) + 1), "kv_len": st.kv_len,
                             "latency_s": st.latency_s, "bound": st.bound, "dram_bytes": st.dram_bytes,
                             "energy_j": st.energy_j, "flops": st.flops})


def _bound_shares(st: StepCosts) -> dict[str, float]:
    from .cost.names import BOUNDS

    tot = st.latency_by_bound.sum(axis=0)
    return {b: float(v / tot.sum()) for b, v in zip(BOUNDS, tot) if v > 0}


def decode_rows_used(hw: Accelerator, cfg: TransformerConfig, batch: int) -> dict:
    """How many array rows a decode step's weight matmuls fill: on an OS array
    the output rows are the M = batch tokens (so ``min(batch, rows)`` of
    ``rows``), on a WS array the rows hold the reduction dimension K (all
    filled) but each weight tile is preloaded for ``batch`` rows of inputs."""
    R = hw.array.rows
    if hw.array.dataflow == "OS":
        used = min(batch, R)
        return {"dataflow": "OS", "rows_used": used, "rows": R, "fill": used / R,
                "note": f"decode computes M = {batch} token(s) per weight matmul: {used} of {R} PE rows busy "
                        "(a compute floor when weights are not the bound)"}
    return {"dataflow": "WS", "rows_used": R, "rows": R, "fill": 1.0,
            "note": f"each weight tile is preloaded ({R} cycles) for M = {batch} input row(s)"}


def _check_args(cfg: TransformerConfig, prompt_len: int, gen_len: int, batch: int) -> None:
    if cfg.arch == "encoder":
        raise SpecError(f"model: {cfg.name} is an encoder; generation needs a decoder model")
    for name, v in (("prompt_len", prompt_len), ("gen_len", gen_len), ("batch", batch)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise SpecError(f"{name}: must be a positive integer, got {v!r}")
    if prompt_len + gen_len - 1 > MAX_TOKENS:
        raise SpecError(f"gen_len: prompt_len + gen_len - 1 = {prompt_len + gen_len - 1} exceeds {MAX_TOKENS} tokens")
    if cfg.positions == "learned" and prompt_len + gen_len - 1 > cfg.max_positions:
        raise SpecError(f"gen_len: prompt {prompt_len} + {gen_len} generated tokens exceed {cfg.name}'s "
                        f"{cfg.max_positions} learned positions")


def simulate_generation(hw: Accelerator, model: TransformerConfig | str, prompt_len: int, gen_len: int,
                        batch: int = 1, check_capacity: bool = True) -> Generation:
    """Model one request (module docstring). ``check_capacity=False`` skips the
    DRAM-capacity check (the footprint is still reported)."""
    cfg = load_workload(model) if isinstance(model, str) else model
    _check_args(cfg, prompt_len, gen_len, batch)
    fp = footprint(hw, cfg, prompt_len, gen_len, batch)
    if check_capacity:
        check_fits(hw, cfg, fp)
    op_sequence(cfg, "prefill", batch, prompt_len)  # validates the pass's size
    pre = simulate(hw, cfg, "prefill", batch, prompt_len).summary()
    steps = None
    if gen_len > 1:
        steps = decode_steps(hw, cfg, batch, np.arange(prompt_len, prompt_len + gen_len - 1))
    return Generation(hw, cfg, prompt_len, gen_len, batch, pre, steps, fp, decode_rows_used(hw, cfg, batch))
