"""Memory footprint of a request: what must sit in DRAM, and whether it fits.

footprint = weights (+ their group-wise scales) + KV cache + activations:

* weights: ``param_count x weight_bits / 8`` bytes, plus, if the weights are
  quantised in groups (``dtypes.weight_group_size``), one scale of
  ``dtypes.weight_scale_bits`` per group of each weight matrix;
* KV cache: ``2 x n_layers x kv_heads x head_dim x tokens x batch x kv_bits / 8``
  at its largest (``tokens`` = prompt + generated - 1: the last token is
  produced, never cached);
* activations: the largest input + output of one op at the activation width
  (buffers are reused from op to op; no fusion), over the prefill pass, which
  has the most tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import SpecError
from .hardware.spec import Accelerator
from .workload.config import TransformerConfig
from .workload.sequence import op_sequence

GIB = 1024**3


@dataclass(frozen=True)
class Footprint:
    """Bytes a request keeps in DRAM."""

    weights: float
    scales: float
    kv_cache: float
    activations: float

    @property
    def total(self) -> float:
        return self.weights + self.scales + self.kv_cache + self.activations


def weight_scale_bytes(cfg: TransformerConfig, hw: Accelerator) -> float:
    """Bytes of group-wise weight scales (0 without groups): one scale per
    ``weight_group_size`` weights along each matrix's reduction dimension."""
    g = hw.dtypes.weight_group_size
    if g is None:
        return 0.0
    return -(-cfg.param_count() // g) * hw.dtypes.weight_scale_bits / 8.0


def kv_cache_bytes(cfg: TransformerConfig, hw: Accelerator, tokens: int, batch: int) -> float:
    """Bytes of the KV cache holding ``tokens`` tokens of ``batch`` sequences."""
    return 2.0 * cfg.n_layers * cfg.kv_heads * cfg.hd * tokens * batch * hw.dtypes.kv_bytes


def footprint(hw: Accelerator, cfg: TransformerConfig, prompt_len: int, gen_len: int, batch: int) -> Footprint:
    """The footprint of a request (module docstring)."""
    tokens = prompt_len + gen_len - 1 if cfg.arch != "encoder" else 0
    ab = hw.dtypes.input_bytes
    largest = max((op.x_elements + op.y_elements) if op.is_matmul else op.elements * (op.inputs + 1)
                  for seg in op_sequence(cfg, "prefill", batch, prompt_len).segments for op in seg.ops)
    return Footprint(weights=cfg.param_count() * hw.dtypes.weight_bits / 8.0, scales=weight_scale_bytes(cfg, hw),
                     kv_cache=kv_cache_bytes(cfg, hw, tokens, batch), activations=largest * ab)


def check_fits(hw: Accelerator, cfg: TransformerConfig, fp: Footprint) -> None:
    """One-line ``SpecError`` if the footprint exceeds ``dram.capacity_gib`` (no check if it is null)."""
    cap = hw.dram.capacity_gib
    if cap is None or fp.total <= cap * GIB:
        return
    raise SpecError(
        f"dram.capacity_gib: {cfg.name} needs {fp.total / GIB:.2f} GiB ({fp.weights / GIB:.2f} GiB weights"
        f" + {fp.scales / GIB:.2f} GiB scales + {fp.kv_cache / GIB:.2f} GiB KV cache"
        f" + {fp.activations / GIB:.3f} GiB activations) but {hw.name} has {cap:g} GiB")
