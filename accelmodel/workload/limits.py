"""Bounds on what one modelled pass may be, so every count stays exact.

Per-field limits keep each argument physical; :func:`check_run_shape` bounds
the whole pass: its multiply-accumulates, counted in closed form with Python
integers, must stay at or below :data:`MAX_MACS` (10^18), below what a 64-bit
integer holds (9.2 x 10^18), so no integer count of the forward pass (shapes,
elements, MACs) can overflow, and float64 cycle and byte counts stay finite.
"""

from __future__ import annotations

from ..errors import SpecError
from .config import TransformerConfig

MAX_BATCH = 65_536
"""Most sequences per pass."""
MAX_TOKENS = 16_777_216
"""Most tokens per sequence (``seq_len``) or in the KV cache (``kv_len``): 2^24."""
MAX_MACS = 10**18
"""Most multiply-accumulates in one modelled pass."""


def _check_int(name: str, v: object, lo: int, hi: int) -> None:
    if isinstance(v, bool) or not isinstance(v, int):
        raise SpecError(f"{name}: must be an integer in {lo}..{hi}, got {type(v).__name__} {v!r:.40}")
    if not lo <= v <= hi:
        raise SpecError(f"{name}: must be an integer in {lo}..{hi}, got {v}")


def pass_macs(cfg: TransformerConfig, batch: int, q_len: int, ctx: int) -> int:
    """Multiply-accumulates of one pass in closed form (exact integers): the
    projections, attention (Q.K^T and softmax.V), the FFN and the LM head."""
    d, T = cfg.d_model, batch * q_len
    proj = T * d * (2 * cfg.d_q + 2 * cfg.d_kv)
    attn = 2 * batch * cfg.n_heads * q_len * ctx * cfg.hd
    ffn = T * d * cfg.d_ff * (3 if cfg.gated_ffn else 2)
    head = T * d * cfg.vocab_size if cfg.lm_head else 0
    return cfg.n_layers * (proj + attn + ffn) + head


def check_run_shape(cfg: TransformerConfig, phase: str, batch: int, seq_len: int, kv_len: int) -> None:
    """One-line ``SpecError`` naming the field unless the pass is one the model counts exactly."""
    if phase not in ("prefill", "decode"):
        raise SpecError(f"phase: must be 'prefill' or 'decode', got {phase!r:.40}")
    _check_int("batch", batch, 1, MAX_BATCH)
    _check_int("seq_len", seq_len, 1, MAX_TOKENS)
    _check_int("kv_len", kv_len, 0, MAX_TOKENS)
    if phase == "decode":
        if cfg.arch == "encoder":
            raise SpecError(f"phase: {cfg.name} is an encoder; decode (KV cache) needs a decoder model")
        if kv_len <= 0:
            raise SpecError("kv_len: decode needs kv_len >= 1 (tokens already in the KV cache)")
        q_len, ctx = 1, kv_len + 1
        if cfg.positions == "learned" and ctx > cfg.max_positions:
            raise SpecError(f"kv_len: {kv_len} cached tokens + 1 new token exceed {cfg.name}'s "
                            f"{cfg.max_positions} learned positions; at most kv_len {cfg.max_positions - 1}")
    else:
        q_len, ctx = seq_len, seq_len
        if cfg.positions == "learned" and ctx > cfg.max_positions:
            raise SpecError(f"seq_len: {ctx} tokens exceed {cfg.name}'s {cfg.max_positions} learned positions")
    macs = pass_macs(cfg, batch, q_len, ctx)
    if macs > MAX_MACS:
        raise SpecError(f"batch x {'seq_len' if phase == 'prefill' else 'kv_len'}: {cfg.name} with batch {batch} "
                        f"and {'seq_len ' + str(seq_len) if phase == 'prefill' else 'kv_len ' + str(kv_len)} is "
                        f"{macs:.3g} MACs per pass; at most {MAX_MACS:.0e} allowed (counts must stay in 64-bit range)")
