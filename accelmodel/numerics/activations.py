"""Activation functions: float references, LUT versions and I-BERT integer versions.

Float references ([KimKimSeo-lut] in docs/references.md), computed in ``dtype`` (float64 = the
reference, float32 = a CPU's float path) and returned as float64:
``gelu`` = x/2 (1 + erf(x / sqrt 2)); ``gelu_tanh`` = x/2 (1 + tanh(sqrt(2/pi)
(x + 0.044715 x^3))) (OpenAI GELU); ``silu`` = x / (1 + e^-x); ``relu``.

LUT versions (:func:`lut_activation`): ``entries`` points over [min, max]
inclusive, linear interpolation between neighbours, x < min -> 0, x > max -> x;
default ranges are the published best ranges at 1024 entries
(:data:`PUBLISHED_RANGES`; ReLU, for which any range containing 0 works, uses
[-1, 1]).

I-BERT versions (Kim et al., ICML 2021, and its reference code):

* :func:`gelu_ibert` - i-GELU: erf(x) ~ sign(x) [a (min(|x|, -b) + b)^2 + 1],
  a = -0.2888, b = -1.769, evaluated on integers at scale s / 1.4142; the
  polynomial is shifted right by ``erf_shift`` bits against overflow (I-BERT's
  constant 14 at its 32-bit setting); GELU = x (erf + 1) / 2 in integers.
* :func:`silu_ibert` - not in I-BERT: SiLU built from the same unit's i-exp,
  sigmoid(x) = 1 / (1 + exp(-|x|)) (or exp(-|x|) / (1 + exp(-|x|)) for x < 0) with
  exp requantised to 16 bits and one integer division (15 fraction bits out).
* :func:`relu_ibert` - max(x_int, 0): exact on the quantised input.

The input is quantised as ``round(x / s)`` saturated to ``bits``; by default ``s``
is the finest power of two at which the polynomial fits ``bits``-bit integers
(:func:`accelmodel.numerics.softmax.ibert_scale`; 2^-14 at 32 bits), the same for
every activation so that one unit sees one input format.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from ..errors import SpecError
from .lut import Interpolation, lut_eval, lut_table
from .softmax import i_exp, ibert_scale, quantize_input

SQRT2 = math.sqrt(2.0)
PUBLISHED_RANGES: dict[str, tuple[float, float]] = {
    "gelu_tanh": (-2.567, 2.538),
    "gelu": (-2.509, 2.712),
    "silu": (-3.844, 3.612),
    "relu": (-1.0, 1.0),
}
"""Best [min, max] at 1024 entries as published (Kim, Kim & Seo; [KimKimSeo-lut])."""

IERF_COEF = (-0.2888, -1.769, 1.0)
"""I-BERT i-GELU erf polynomial a (x + b)^2 + c, with |x| clipped at -b."""
IGELU_K = 1.4142
"""I-BERT's sqrt(2) constant (erf is evaluated at x / k)."""
IERF_POLY_BOUND = (IERF_COEF[1] * IGELU_K) ** 2
"""Largest |(|x| + b)^2| of i-erf in units of 1/s^2 (at x = 0, scale s / k)."""
IERF_KEEP_BITS = 17
"""Bits of the erf polynomial kept after the overflow shift (I-BERT: shift 14 at scale 2^-14)."""
ISILU_FRACTION_BITS = 15


_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def erf(x) -> np.ndarray:
    """Error function in float64 (``math.erf`` element-wise, correctly rounded to
    ~1 ulp; no scipy dependency)."""
    x = np.asarray(x, dtype=np.float64)
    return _erf_scalar(x).astype(np.float64) if x.size else x.copy()


def gelu(x, dtype=np.float64) -> np.ndarray:
    """GELU (erf form)."""
    x = np.asarray(x, dtype=dtype)
    e = erf(x / dtype(SQRT2)).astype(dtype)
    return (dtype(0.5) * x * (dtype(1.0) + e)).astype(np.float64)


def gelu_tanh(x, dtype=np.float64) -> np.ndarray:
    """OpenAI GELU (tanh form)."""
    x = np.asarray(x, dtype=dtype)
    c = dtype(math.sqrt(2.0 / math.pi))
    return (dtype(0.5) * x * (dtype(1.0) + np.tanh(c * (x + dtype(0.044715) * x * x * x)))).astype(np.float64)


def silu(x, dtype=np.float64) -> np.ndarray:
    """SiLU (swish)."""
    x = np.asarray(x, dtype=dtype)
    with np.errstate(over="ignore"):
        return (x / (dtype(1.0) + np.exp(-x))).astype(np.float64)


def relu(x, dtype=np.float64) -> np.ndarray:
    """ReLU."""
    x = np.asarray(x, dtype=dtype)
    return np.maximum(x, dtype(0.0)).astype(np.float64)


ACTIVATIONS: dict[str, Callable[..., np.ndarray]] = {"gelu": gelu, "gelu_tanh": gelu_tanh, "silu": silu, "relu": relu}


def activation(function: str, x, dtype=np.float64) -> np.ndarray:
    """Float activation by name (gelu, gelu_tanh, silu, relu)."""
    try:
        fn = ACTIVATIONS[function]
    except KeyError:
        raise SpecError(f"activation must be one of {sorted(ACTIVATIONS)} (got {function!r})") from None
    return fn(x, dtype=dtype)


def lut_range(function: str, x_min: Optional[float] = None, x_max: Optional[float] = None) -> tuple[float, float]:
    """[x_min, x_max] with Nones filled from :data:`PUBLISHED_RANGES`."""
    if function not in PUBLISHED_RANGES:
        raise SpecError(f"LUT activation must be one of {sorted(PUBLISHED_RANGES)} (got {function!r})")
    lo, hi = PUBLISHED_RANGES[function]
    return (lo if x_min is None else float(x_min), hi if x_max is None else float(x_max))


def lut_activation(x, function: str, entries: int = 1024, x_min: Optional[float] = None,
                   x_max: Optional[float] = None, interpolation: Interpolation = "linear",
                   entry_bits: Optional[int] = None) -> np.ndarray:
    """Activation from a look-up table (module docstring); ``entry_bits`` = width of the
    stored entries (None = float table, as on a GPU)."""
    lo, hi = lut_range(function, x_min, x_max)
    table = lut_table(ACTIVATIONS[function], entries, lo, hi, entry_bits)
    return lut_eval(x, table, lo, hi, interpolation, below=0.0, above="identity")


# ---------------------------------------------------------------- I-BERT
def default_activation_scale(bits: int = 32) -> float:
    """Input scale of the I-BERT activation unit: 2^-14 at 32 bits."""
    return ibert_scale(bits, IERF_POLY_BOUND)


def erf_shift(scale: float) -> int:
    """Overflow shift of i-erf at input scale ``scale`` (14 at 2^-14, as I-BERT)."""
    bound = IERF_POLY_BOUND / scale ** 2
    return max(0, math.floor(math.log2(bound)) - IERF_KEEP_BITS)


def i_erf(x_int, scale: float, shift: int = 0) -> tuple[np.ndarray, float]:
    """I-BERT integer erf of ``x_int * scale``: returns ``(y_int, y_scale)``."""
    a, b, c = IERF_COEF
    x_int = np.asarray(x_int, dtype=np.int64)
    b_int = math.floor(b / scale)
    c_int = math.floor(c / a / scale ** 2)
    sign = np.sign(x_int)
    abs_int = np.minimum(np.abs(x_int), -b_int)
    y_int = sign * ((abs_int + b_int) ** 2 + c_int)
    y_int = y_int >> shift  # floor division by 2^shift, as I-BERT's floor
    return y_int, a * scale ** 2 * 2.0 ** shift


def gelu_ibert(x, bits: int = 32, scale: Optional[float] = None) -> np.ndarray:
    """I-BERT i-GELU on ``round(x / scale)``; returns float64."""
    s = default_activation_scale(bits) if scale is None else float(scale)
    x_int = quantize_input(x, s, bits)
    sig_int, sig_s = i_erf(x_int, s / IGELU_K, erf_shift(s / IGELU_K))
    shift_int = math.floor(1.0 / sig_s)
    y_int = x_int * (sig_int + shift_int)
    return y_int * (s * sig_s / 2.0)


def silu_ibert(x, bits: int = 32, scale: Optional[float] = None) -> np.ndarray:
    """SiLU from the I-BERT unit's i-exp (module docstring); returns float64."""
    s = default_activation_scale(bits) if scale is None else float(scale)
    x_int = quantize_input(x, s, bits)
    e_int, e_s = i_exp(-np.abs(x_int), s)
    one = 1 << ISILU_FRACTION_BITS
    e15 = np.rint(e_int * (e_s * one)).astype(np.int64)  # exp(-|x|) on a 2^-15 grid
    num = np.where(x_int >= 0, one, e15)
    sig = (num << ISILU_FRACTION_BITS) // (one + e15)
    return np.ldexp((x_int * sig).astype(np.float64), -ISILU_FRACTION_BITS) * s


def relu_ibert(x, bits: int = 32, scale: Optional[float] = None) -> np.ndarray:
    """ReLU on the quantised input (exact in integers)."""
    s = default_activation_scale(bits) if scale is None else float(scale)
    return np.maximum(quantize_input(x, s, bits), 0) * s


IBERT_ACTIVATIONS: dict[str, Callable[..., np.ndarray]] = {
    "gelu": gelu_ibert, "gelu_tanh": gelu_ibert, "silu": silu_ibert, "relu": relu_ibert,
}
"""What the I-BERT unit computes for each requested activation: OpenAI GELU runs on i-GELU
(the unit has no tanh form; the error against tanh-GELU is reported honestly)."""
