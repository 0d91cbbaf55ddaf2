"""LayerNorm and RMSNorm over the last axis: float references and I-BERT-style
integer versions.

Float: ``layernorm`` = (x - mean) / sqrt(var + eps) (eps 1e-12, BERT's);
``rmsnorm`` = x / sqrt(mean(x^2) + eps) (eps 1e-5, LLaMA's); optional
element-wise ``weight`` (gamma) and ``bias`` (beta).

Integer (I-BERT's IntLayerNorm, Kim et al. ICML 2021, and its reference code):
the input is quantised to ``input_bits`` (22 in I-BERT) with a power-of-two
scale just covering max|x| (a calibrated activation quantiser); then in
integers ``y = x - round(mean)``; ``var = sum(floor(y / 2^shift)^2)`` with the
smallest ``shift`` that keeps var below 2^(bits-1) (searched upward from
the float estimate; I-BERT grows its shift the same way on overflow);
``std = isqrt(var) * 2^shift`` by Newton iteration on
integers (:func:`i_sqrt`, I-BERT Algorithm 4); ``factor = floor(2^(bits-1) /
std)``; ``out = floor(y * factor / 2)`` at scale ``sqrt(d) / 2^(bits-2)``.
RMSNorm is the same without the mean. eps is not modelled in the integer
versions (it changes the result only for rows with near-zero variance; a zero
row gives 0). gamma/beta are applied to the dequantised output in float.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..errors import SpecError

LAYERNORM_EPS = 1e-12
RMSNORM_EPS = 1e-5
IBERT_NORM_INPUT_BITS = 22
"""I-BERT quantises LayerNorm's input to 22 bits."""


def _affine(y: np.ndarray, weight, bias) -> np.ndarray:
    if weight is not None:
        y = y * np.asarray(weight, dtype=np.float64)
    if bias is not None:
        y = y + np.asarray(bias, dtype=np.float64)
    return y


def layernorm(x, weight=None, bias=None, eps: float = LAYERNORM_EPS, dtype=np.float64) -> np.ndarray:
    """LayerNorm over the last axis, computed in ``dtype``, returned as float64."""
    x = np.asarray(x, dtype=dtype)
    mu = x.mean(axis=-1, keepdims=True, dtype=dtype)
    d = x - mu
    var = (d * d).mean(axis=-1, keepdims=True, dtype=dtype)
    y = (d / np.sqrt(var + dtype(eps))).astype(np.float64)
    return _affine(y, weight, bias)


def rmsnorm(x, weight=None, eps: float = RMSNORM_EPS, dtype=np.float64) -> np.ndarray:
    """RMSNorm over the last axis, computed in ``dtype``, returned as float64."""
    x = np.asarray(x, dtype=dtype)
    ms = (x * x).mean(axis=-1, keepdims=True, dtype=dtype)
    y = (x / np.sqrt(ms + dtype(eps))).astype(np.float64)
    return _affine(y, weight, None)


def i_sqrt(n) -> np.ndarray:
    """floor(sqrt(n)) of non-negative int64 integers by Newton's iteration on integers
    (start 2^ceil(bitlength/2) >= sqrt(n); x <- floor((x + floor(n/x)) / 2) until it stops
    decreasing). Element-wise, vectorised."""
    n = np.asarray(n, dtype=np.int64)
    if np.any(n < 0):
        raise SpecError("i_sqrt: input must be non-negative")
    nz = np.where(n > 0, n, 1)
    # bit length from the float exponent: never below the true bit length, so x0 >= sqrt(n)
    bitlen = np.frexp(nz.astype(np.float64))[1].astype(np.int64)
    x = np.left_shift(np.int64(1), (bitlen + 1) // 2)
    done = np.zeros(n.shape, dtype=bool)
    while not np.all(done):
        nxt = (x + nz // x) // 2
        done |= nxt >= x
        x = np.where(done, x, nxt)
    return np.where(n > 0, x, 0)


def norm_input_scale(x, input_bits: int = IBERT_NORM_INPUT_BITS) -> float:
    """Power-of-two scale at which max|x| fits ``input_bits``-bit signed integers."""
    peak = float(np.max(np.abs(x))) if np.size(x) else 0.0
    if peak == 0.0:
        return 1.0
    return 2.0 ** math.ceil(math.log2(peak / (2.0 ** (input_bits - 1) - 1)))


def _int_norm(x, center: bool, bits: int, input_bits: int, scale: Optional[float]) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise SpecError("norm: input must have a non-empty last axis")
    if bits > 62:
        raise SpecError(f"integer norm: bits must be <= 62 (got {bits})")
    s = norm_input_scale(x, input_bits) if scale is None else float(scale)
    lim = 2.0 ** (input_bits - 1)
    y = np.clip(np.rint(x / s), -lim, lim - 1).astype(np.int64)
    if center:
        y = y - np.rint(y.mean(axis=-1, keepdims=True)).astype(np.int64)
    dim = y.shape[-1]
    # smallest shift with sum(floor(y / 2^shift)^2) < 2^(bits-1) in every row
    yf = y.astype(np.float64)
    v0 = float(np.max(np.sum(yf * yf, axis=-1)))
    shift = max(0, math.ceil((math.log2(v0) - (bits - 1)) / 2) - 1) if v0 > 0 else 0
    while True:
        ys = y >> shift
        var = np.sum(ys * ys, axis=-1, keepdims=True)
        if np.all(var < 2 ** (bits - 1)):
            break
        shift += 1
    std = i_sqrt(var) << shift
    factor = np.where(std > 0, (1 << (bits - 1)) // np.maximum(std, 1), 0)
    out = (y * factor) >> 1
    return out * (math.sqrt(dim) / 2.0 ** (bits - 2))


def layernorm_ibert(x, weight=None, bias=None, bits: int = 32, input_bits: int = IBERT_NORM_INPUT_BITS,
                    scale: Optional[float] = None) -> np.ndarray:
    """I-BERT integer LayerNorm (module docstring); returns float64."""
    return _affine(_int_norm(x, True, bits, input_bits, scale), weight, bias)


def rmsnorm_ibert(x, weight=None, bits: int = 32, input_bits: int = IBERT_NORM_INPUT_BITS,
                  scale: Optional[float] = None) -> np.ndarray:
    """Integer RMSNorm in the same style (no mean subtraction); returns float64."""
    return _affine(_int_norm(x, False, bits, input_bits, scale), weight, None)
