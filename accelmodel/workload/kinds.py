"""Op kinds, as one table: what an op is, for reports and sums."""

from __future__ import annotations

from enum import StrEnum


class OpKind(StrEnum):
    """The ``kind`` of an op row. Values are plain strings in reports."""

    ACTIVATION = "activation"
    ELEMENTWISE = "elementwise"
    EMBEDDING = "embedding"
    LAYERNORM = "layernorm"
    MATMUL = "matmul"
    QUANTIZE = "quantize"
    """The dequantize / quantize stages around an op offloaded to the host CPU
    (they exist only in cost rows, never in the op graph)."""
    RESIDUAL = "residual"
    RMSNORM = "rmsnorm"
    ROPE = "rope"
    SOFTMAX = "softmax"


KINDS: tuple[str, ...] = tuple(k.value for k in OpKind)
"""Every kind, sorted (the order of per-kind columns)."""
KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
