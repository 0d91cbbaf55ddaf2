"""Softmax functional models, along the last axis of a batch of vectors.

* :func:`softmax_exact` - float reference (float64 unless ``dtype`` says otherwise).
* :func:`softmax_lut` - exp from a look-up table (``LutUnit``: entries, range,
  interpolation, entry width); the row max is subtracted first, so the table
  covers ``[x_min, x_max] = [-16, 0]`` by default (exp(-16) = 1.1e-7, below a
  16-bit entry's LSB). Sum and division are exact.
* :func:`softmax_cordic` - exp by hyperbolic CORDIC (``CordicUnit.iterations``)
  after range reduction ``x = q ln2 + r``, ``q = round(x / ln2)``, ``|r| <= ln2/2``
  (inside CORDIC's convergence range, sum of atanh(2^-i) = 1.118), then
  ``exp(x) = 2^q exp(r)`` (a shift). Micro-rotation indices 1, 2, 3, 4, 4, 5, ...,
  13, 13, ... (indices 4, 13, 40 repeat for convergence); ``iterations`` counts
  micro-rotations, and the start value 1/gain uses the gain of exactly those
  rotations. ``frac_bits=None``: arithmetic in float64, so the error is the CORDIC
  truncation error (about 2^-(last index)). ``frac_bits=F``: a fixed-point datapath
  with ``F`` fraction bits: ``r``, the atanh constants and 1/gain rounded to the
  grid, each shifted operand ``y 2^-i`` / ``x 2^-i`` truncated (an arithmetic right
  shift), and the final ``2^q`` a right shift that truncates too (exp values below
  2^-F become 0). Row max subtracted first; sum and division exact.
* :func:`softmax_crossroad` - Kim & Chung's cross-road softmax
  ([KimChung-crossroad] in docs/references.md): one-hot at the argmax when (largest - second largest) >= threshold,
  else ``2^round(x_i log2 e) / sum_j 2^round(x_j log2 e)``; the integer exponents
  are shifted by their row maximum, which changes nothing in the ratio (exact
  powers of two) but keeps 2^n finite.
* :func:`softmax_ibert` - I-BERT's integer softmax (Kim et al., ICML 2021, and
  its reference code): input quantised with scale ``s`` and shifted by the row
  max; i-exp: ``q = floor(x / -ln2)``, ``r = x + q ln2`` in (-ln2, 0], the
  2nd-order polynomial ``0.35815147 r^2 + 0.96963238 r + 1``
  (= 0.3585 (r + 1.353)^2 + 0.344 as the paper rounds it) in integers, shifted
  right by ``q``; exp requantised to 16 bits; integer sum; ``factor =
  floor(2^32 / sum)``; output ``floor(e * factor / 2^(32 - output_bits))``,
  i.e. ``output_bits``-bit probabilities (8 in I-BERT), dequantised here.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..errors import SpecError
from .lut import Interpolation, lut_eval, lut_table

LN2 = math.log(2.0)
LOG2E = 1.0 / LN2
DEFAULT_EXP_RANGE = (-16.0, 0.0)
"""Default input range of an exp look-up table (inputs are shifted by the row max, so <= 0)."""

# I-BERT i-exp: a x^2 + b x + c on (-ln2, 0] (reference code's unrounded coefficients).
IEXP_COEF = (0.35815147, 0.96963238, 1.0)
IEXP_CLIP = 30
"""I-BERT clips shifted inputs at 30 * (-ln 2) (exp < 1e-9) and scales exp by 2^30."""
IEXP_MAX_ERROR = 1.9e-3
"""I-BERT section 3.4: largest |i-exp(x) - exp(x)| of the polynomial on (-ln2, 0]."""
IBERT_EXP_BITS = 16
"""I-BERT requantises exp to 16 bits before the row sum (QuantAct(16))."""
IBERT_NORM_BITS = 32
"""I-BERT normalises with factor = floor(2^32 / sum)."""
IBERT_SOFTMAX_OUTPUT_BITS = 8


def _rows(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise SpecError("softmax: input must have a non-empty last axis")
    return x


def softmax_exact(x, axis: int = -1, dtype=np.float64) -> np.ndarray:
    """Softmax computed in ``dtype`` (float64 = the reference; float32 = a CPU's float path),
    returned as float64."""
    x = np.asarray(x, dtype=dtype)
    z = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(z)
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(np.float64)


def _normalise(e: np.ndarray) -> np.ndarray:
    return e / np.sum(e, axis=-1, keepdims=True)


# ---------------------------------------------------------------- LUT
def exp_lut(x, entries: int = 1024, x_min: Optional[float] = None, x_max: Optional[float] = None,
            interpolation: Interpolation = "linear", entry_bits: Optional[int] = None) -> np.ndarray:
    """exp(x) from a table over [x_min, x_max] (default [-16, 0]); below the range -> 0,
    above it -> the last entry."""
    lo = DEFAULT_EXP_RANGE[0] if x_min is None else float(x_min)
    hi = DEFAULT_EXP_RANGE[1] if x_max is None else float(x_max)
    table = lut_table(np.exp, entries, lo, hi, entry_bits)
    return lut_eval(x, table, lo, hi, interpolation, below=0.0, above="clamp")


def softmax_lut(x, entries: int = 1024, x_min: Optional[float] = None, x_max: Optional[float] = None,
                interpolation: Interpolation = "linear", entry_bits: Optional[int] = None) -> np.ndarray:
    """Softmax with a table exp of the max-shifted inputs (see :func:`exp_lut`)."""
    x = _rows(x)
    return _normalise(exp_lut(x - x.max(axis=-1, keepdims=True), entries, x_min, x_max, interpolation, entry_bits))


# ---------------------------------------------------------------- CORDIC
def cordic_schedule(iterations: int) -> np.ndarray:
    """Shift indices of the first ``iterations`` hyperbolic micro-rotations (4, 13, 40, ... repeat)."""
    if iterations < 1:
        raise SpecError(f"CORDIC: iterations must be >= 1 (got {iterations})")
    out: list[int] = []
    i, repeat = 1, 4
    while len(out) < iterations:
        out.append(i)
        if i == repeat and len(out) < iterations:
            out.append(i)
            repeat = 3 * repeat + 1
        i += 1
    return np.array(out[:iterations], dtype=np.int64)


def exp_cordic(x, iterations: int = 16, frac_bits: Optional[int] = None) -> np.ndarray:
    """exp(x) by range reduction plus ``iterations`` hyperbolic CORDIC micro-rotations, in
    float64 (``frac_bits=None``) or on a fixed-point datapath with ``frac_bits`` fraction
    bits (module docstring; then ``x`` must be <= 0, as after the row-max shift)."""
    x = np.asarray(x, dtype=np.float64)
    if frac_bits is not None:
        return _exp_cordic_fixed(x, iterations, frac_bits)
    finite = np.isfinite(x)
    xs = np.where(finite, x, 0.0)
    q = np.rint(xs / LN2)
    r = xs - q * LN2
    sched = cordic_schedule(iterations)
    pw = np.ldexp(1.0, -sched)
    gain = float(np.prod(np.sqrt(1.0 - pw * pw)))
    cx = np.full_like(r, 1.0 / gain)
    cy = np.zeros_like(r)
    z = r
    for p, ang in zip(pw, np.arctanh(pw)):
        d = np.where(z >= 0.0, 1.0, -1.0)
        cx, cy = cx + d * cy * p, cy + d * cx * p
        z = z - d * ang
    out = np.ldexp(cx + cy, np.clip(q, -2000, 2000).astype(np.int64))
    return np.where(finite, out, np.where(x > 0, np.inf, 0.0))


def _exp_cordic_fixed(x: np.ndarray, iterations: int, frac_bits: int) -> np.ndarray:
    """exp(x <= 0) on a fixed-point CORDIC datapath with ``frac_bits`` fraction bits; the
    integer codes are held exactly in float64 (|code| < 2^53)."""
    if not 1 <= frac_bits <= 50:
        raise SpecError(f"CORDIC: frac_bits must be 1..50 (got {frac_bits})")
    if np.any(x > 0) or np.any(np.isnan(x)):
        raise SpecError("CORDIC (fixed point): inputs must be <= 0 (shift by the row max first)")
    xs = np.maximum(x, -2000.0 * LN2)
    q = np.rint(xs / LN2)
    sched = cordic_schedule(iterations)
    pw = np.ldexp(1.0, -sched)
    gain = float(np.prod(np.sqrt(1.0 - pw * pw)))
    z = np.rint(np.ldexp(xs - q * LN2, frac_bits))
    cx = np.full_like(z, np.rint(np.ldexp(1.0 / gain, frac_bits)))
    cy = np.zeros_like(z)
    for s, ang in zip(sched, np.rint(np.ldexp(np.arctanh(pw), frac_bits))):
        d = np.where(z >= 0.0, 1.0, -1.0)
        cx, cy = cx + d * np.floor(np.ldexp(cy, -int(s))), cy + d * np.floor(np.ldexp(cx, -int(s)))
        z = z - d * ang
    return np.ldexp(np.floor(np.ldexp(cx + cy, q.astype(np.int64))), -frac_bits)


def softmax_cordic(x, iterations: int = 16, frac_bits: Optional[int] = None) -> np.ndarray:
    """Softmax with CORDIC exp of the max-shifted inputs (``frac_bits``: see :func:`exp_cordic`)."""
    x = _rows(x)
    return _normalise(exp_cordic(x - x.max(axis=-1, keepdims=True), iterations, frac_bits))


# ---------------------------------------------------------------- cross-road
def softmax_base2(x) -> np.ndarray:
    """``2^round(x_i log2 e) / sum_j 2^round(x_j log2 e)`` (cross-road's base-2 estimator)."""
    x = _rows(x)
    n = np.rint(x * LOG2E)
    return _normalise(np.exp2(n - n.max(axis=-1, keepdims=True)))


def softmax_crossroad(x, threshold: float = 3.0) -> np.ndarray:
    """Cross-road softmax: one-hot at the argmax if the top-two gap >= ``threshold``,
    else the base-2 estimator."""
    x = _rows(x)
    if x.shape[-1] == 1:
        return np.ones_like(x)
    top2 = np.partition(x, -2, axis=-1)[..., -2:]
    gap = top2[..., 1] - top2[..., 0]
    onehot = np.zeros_like(x)
    np.put_along_axis(onehot, np.argmax(x, axis=-1)[..., None], 1.0, axis=-1)
    return np.where((gap >= threshold)[..., None], onehot, softmax_base2(x))


# ---------------------------------------------------------------- I-BERT
def ibert_scale(bits: int, poly_bound: float) -> float:
    """Default input scale of an I-BERT polynomial unit: the finest power of two ``s``
    for which the polynomial's largest intermediate, ``poly_bound / s^2``, fits a
    ``bits``-bit signed integer (2^-14 for i-exp and i-GELU at 32 bits)."""
    k = math.floor((bits - 1 - math.log2(poly_bound)) / 2)
    return 2.0 ** -k


IEXP_POLY_BOUND = IEXP_COEF[2] / IEXP_COEF[0]
"""Largest |polynomial| of i-exp in units of 1/s^2 (the constant term c/a)."""


def quantize_input(x, scale: float, bits: int) -> np.ndarray:
    """``round(x / scale)`` saturated to ``bits``-bit signed integers (int64)."""
    lim = 2.0 ** (bits - 1)
    return np.clip(np.rint(np.asarray(x, dtype=np.float64) / scale), -lim, lim - 1).astype(np.int64)


def i_exp(x_int, scale: float) -> tuple[np.ndarray, float]:
    """I-BERT integer exp of ``x_int * scale`` for ``x_int <= 0`` (int64).

    Returns ``(e_int, e_scale)`` with ``exp(x) ~ e_int * e_scale``. ``e_int`` =
    polynomial * 2^(30 - q) as in I-BERT; it is held in float64, exactly (the
    polynomial is below 2^53 and the factor a power of two)."""
    a, b, c = IEXP_COEF
    x_int = np.asarray(x_int, dtype=np.int64)
    x0_int = math.floor(-LN2 / scale)
    if x0_int >= 0:
        raise SpecError(f"i-exp: input scale {scale} is coarser than ln 2")
    x_int = np.maximum(x_int, IEXP_CLIP * x0_int)
    q = x_int // x0_int
    r = x_int - x0_int * q
    b_int = math.floor(b / a / scale)
    c_int = math.floor(c / a / scale ** 2)
    z = r * (r + b_int) + c_int
    e_int = np.maximum(np.floor(np.ldexp(z.astype(np.float64), (IEXP_CLIP - q).astype(np.int64))), 0.0)
    return e_int, a * scale ** 2 / 2.0 ** IEXP_CLIP


def exp_ibert(x, bits: int = 32, scale: Optional[float] = None) -> np.ndarray:
    """Float in, float out: exp(x) through I-BERT's i-exp on the quantised input."""
    s = ibert_scale(bits, IEXP_POLY_BOUND) if scale is None else float(scale)
    e_int, e_s = i_exp(quantize_input(x, s, bits), s)
    return e_int * e_s


def softmax_ibert(x, bits: int = 32, output_bits: int = IBERT_SOFTMAX_OUTPUT_BITS,
                  scale: Optional[float] = None) -> np.ndarray:
    """I-BERT integer softmax (module docstring); ``bits`` sets the default input scale
    (:func:`ibert_scale`), ``output_bits`` the probability width. Returns float64."""
    x = _rows(x)
    s = ibert_scale(bits, IEXP_POLY_BOUND) if scale is None else float(scale)
    x_int = quantize_input(x, s, bits)
    x_int = x_int - x_int.max(axis=-1, keepdims=True)
    e_int, e_s = i_exp(x_int, s)
    # requantise to 16 bits: the largest exp is exp(0) (present in every row)
    c_int = math.floor(IEXP_COEF[2] / IEXP_COEF[0] / s ** 2)
    s16 = c_int * IEXP_COEF[0] * s ** 2 / (2.0 ** (IBERT_EXP_BITS - 1) - 1)
    e16 = np.rint(e_int * (e_s / s16)).astype(np.int64)
    total = e16.sum(axis=-1, keepdims=True)
    factor = (1 << IBERT_NORM_BITS) // total
    p_int = (e16 * factor) >> (IBERT_NORM_BITS - output_bits)
    return np.ldexp(p_int.astype(np.float64), -output_bits)
