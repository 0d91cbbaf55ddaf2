"""Fixed-point formats and per-node precision plans ([Kim-fixedpoint] in docs/references.md).

The conversion formula, with ``il`` and ``fl`` as in the source (``il`` counts
every non-fraction bit, the sign bit included, so a word is ``il + fl`` bits)::

    Mmax = 2^(il+fl-1) - 1,   Mmin = -2^(il+fl-1)
    x_fixed = 2^-fl * min(max(round(x * 2^fl), Mmin), Mmax)

``round`` is numpy's round-half-to-even (the source does not say which rounding;
ties are measure-zero on real data).

The LLaMA-3-8B per-node table lists (integer bits, fraction bits) *plus one sign
bit*: a node ``(i, f)`` is the formula's ``il = i + 1``, ``fl = f``, a word of
``i + f + 1`` bits, range ``[-2^i, 2^i - 2^-f]``. A uniform ``<16, N>`` plan is a
16-bit word with ``N`` fraction bits (``il = 16 - N``); ``<16, 9>`` covers
``-64 .. 63.998`` as the source says.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from ..errors import SpecError
from ._data import data_file

PRECISION_FILE = "llama3_8b_precision.csv"


def to_fixed(x, il: int, fl: int) -> np.ndarray:
    """Quantise ``x`` to the signed fixed-point format ``<il, fl>`` of [Kim-fixedpoint]
    (``il`` includes the sign bit); returns float64 values on the fixed-point grid."""
    if il + fl < 1:
        raise SpecError(f"fixed point: il + fl must be >= 1 bit (got il={il}, fl={fl})")
    x = np.asarray(x, dtype=np.float64)
    m_max = 2.0 ** (il + fl - 1) - 1.0
    m_min = -(2.0 ** (il + fl - 1))
    return np.ldexp(np.clip(np.round(np.ldexp(x, fl)), m_min, m_max), -fl)


def to_fixed_int(x, il: int, fl: int) -> np.ndarray:
    """Same as :func:`to_fixed` but returns the integer code ``min(max(round(x 2^fl), Mmin), Mmax)`` (int64)."""
    if il + fl < 1 or il + fl > 63:
        raise SpecError(f"fixed point: il + fl must be 1..63 bits (got il={il}, fl={fl})")
    x = np.asarray(x, dtype=np.float64)
    m_max = 2.0 ** (il + fl - 1) - 1.0
    m_min = -(2.0 ** (il + fl - 1))
    return np.clip(np.round(np.ldexp(x, fl)), m_min, m_max).astype(np.int64)


def quantize_table(values, bits: Optional[int]) -> np.ndarray:
    """Store a LUT's entries in ``bits``-bit words (None = keep float64).

    The format is chosen from the table itself: just enough integer bits for
    ``max|v|``, a sign bit only if some entry is negative, the rest fraction bits
    (an exp table in (0, 1] becomes unsigned with 15 fraction bits at 16 bits;
    a GELU table over [-2.5, 2.7] becomes signed <3, 13>)."""
    v = np.asarray(values, dtype=np.float64)
    if bits is None:
        return v
    peak = float(np.max(np.abs(v))) if v.size else 0.0
    int_bits = max(0, math.floor(math.log2(peak)) + 1) if peak > 0 else 0
    signed = bool(np.any(v < 0))
    fl = bits - int_bits - (1 if signed else 0)
    codes = np.round(np.ldexp(v, fl))
    lo, hi = (-(2.0 ** (bits - 1)), 2.0 ** (bits - 1) - 1) if signed else (0.0, 2.0 ** bits - 1)
    return np.ldexp(np.clip(codes, lo, hi), -fl)


@dataclass(frozen=True)
class FixedFormat:
    """A signed fixed-point word as the per-node table writes it: ``integer_bits``
    magnitude bits, ``fraction_bits``, plus ``sign_bits`` (1)."""

    integer_bits: int
    fraction_bits: int
    sign_bits: int = 1

    def __post_init__(self):
        if self.integer_bits < 0 or self.fraction_bits < 0 or self.sign_bits not in (0, 1):
            raise SpecError(f"fixed format: bits must be >= 0 and sign_bits 0 or 1 (got {self})")
        if self.total_bits < 1:
            raise SpecError("fixed format: a word needs at least one bit")

    @property
    def total_bits(self) -> int:
        """Word width: integer + fraction + sign bits."""
        return self.integer_bits + self.fraction_bits + self.sign_bits

    @property
    def il(self) -> int:
        """The formula's ``il`` (integer bits including the sign bit)."""
        return self.integer_bits + self.sign_bits

    @property
    def fl(self) -> int:
        """The formula's ``fl``."""
        return self.fraction_bits

    @property
    def max_value(self) -> float:
        return (2.0 ** (self.total_bits - 1) - 1) * 2.0 ** -self.fl if self.sign_bits else \
            (2.0 ** self.total_bits - 1) * 2.0 ** -self.fl

    @property
    def min_value(self) -> float:
        return -(2.0 ** (self.total_bits - 1)) * 2.0 ** -self.fl if self.sign_bits else 0.0

    def quantize(self, x) -> np.ndarray:
        """Round and saturate ``x`` to this format (float64 on the grid)."""
        if self.sign_bits:
            return to_fixed(x, self.il, self.fl)
        x = np.asarray(x, dtype=np.float64)
        return np.ldexp(np.clip(np.round(np.ldexp(x, self.fl)), 0, 2.0 ** self.total_bits - 1), -self.fl)

    @classmethod
    def from_total(cls, total_bits: int, fraction_bits: int) -> "FixedFormat":
        """Signed ``<total_bits, fraction_bits>`` word (e.g. the uniform ``<16, 9>``)."""
        if fraction_bits > total_bits - 1:
            raise SpecError(f"fixed format <{total_bits}, {fraction_bits}>: fraction bits must leave a sign bit")
        return cls(total_bits - fraction_bits - 1, fraction_bits, 1)


@dataclass(frozen=True)
class PrecisionPlan:
    """Fixed-point format per named node. ``default`` (if set) covers nodes the
    table does not list; otherwise such nodes are left in float."""

    name: str
    formats: Mapping[str, FixedFormat]
    default: Optional[FixedFormat] = None
    labels: Mapping[str, str] = field(default_factory=dict)
    """Node id -> the name as the source prints it."""

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(self.formats)

    def format(self, node: str) -> Optional[FixedFormat]:
        """Format of ``node`` (the default if unlisted; None = float)."""
        return self.formats.get(node, self.default)

    def bits(self, node: str) -> int:
        """Word width of ``node``; SpecError if the plan has no format for it."""
        fmt = self.format(node)
        if fmt is None:
            raise SpecError(f"precision plan {self.name!r}: no format for node {node!r}")
        return fmt.total_bits

    def quantize(self, node: str, x) -> np.ndarray:
        """``x`` in ``node``'s format (unchanged float64 if the plan has none)."""
        fmt = self.format(node)
        return np.asarray(x, dtype=np.float64) if fmt is None else fmt.quantize(x)


def load_precision_plan(path: Union[str, Path, None] = None) -> PrecisionPlan:
    """The LLaMA-3-8B per-node plan of [Kim-fixedpoint] (``data/llama3_8b_precision.csv``),
    or a CSV of the same columns: node, name, integer_bits, fraction_bits, sign_bits."""
    p = Path(path) if path is not None else data_file(PRECISION_FILE)
    formats: dict[str, FixedFormat] = {}
    labels: dict[str, str] = {}
    with open(p, newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            try:
                node = row["node"].strip()
                fmt = FixedFormat(int(row["integer_bits"]), int(row["fraction_bits"]), int(row.get("sign_bits") or 1))
            except (KeyError, TypeError, ValueError) as exc:
                raise SpecError(f"{p.name}: bad precision row {row!r} ({exc})") from None
            if node in formats:
                raise SpecError(f"{p.name}: node {node!r} listed twice")
            formats[node] = fmt
            labels[node] = (row.get("name") or node).strip()
    return PrecisionPlan(name=p.stem, formats=formats, labels=labels)


def uniform_plan(total_bits: int = 16, fraction_bits: int = 9, nodes: Optional[Sequence[str]] = None) -> PrecisionPlan:
    """Every node in the signed ``<total_bits, fraction_bits>`` word ([Kim-fixedpoint]: ``<16, 9>`` works best).
    ``nodes`` defaults to the LLaMA-3-8B table's nodes; unlisted nodes get the same format too."""
    fmt = FixedFormat.from_total(total_bits, fraction_bits)
    names = tuple(nodes) if nodes is not None else load_precision_plan().nodes
    return PrecisionPlan(name=f"uniform<{total_bits},{fraction_bits}>", formats={n: fmt for n in names}, default=fmt)


def apply_plan(values_by_node: Mapping[str, np.ndarray], plan: PrecisionPlan,
               strict: bool = False) -> dict[str, np.ndarray]:
    """Quantise each node's values to the plan's format. Nodes the plan has no format
    for pass through as float64, or raise SpecError if ``strict``."""
    out = {}
    for node, value in values_by_node.items():
        if strict and plan.format(node) is None:
            raise SpecError(f"precision plan {plan.name!r}: no format for node {node!r}")
        out[node] = plan.quantize(node, value)
    return out


def _q(plan: Optional[PrecisionPlan], node: str, x: np.ndarray, trace: dict) -> np.ndarray:
    y = x if plan is None else plan.quantize(node, x)
    trace[node] = y
    return y


def rope_tables(seq_len: int, head_dim: int, theta: float = 500000.0) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of RoPE angles, shape (seq_len, head_dim // 2) (LLaMA 3: theta = 500000)."""
    inv = theta ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    ang = np.arange(seq_len, dtype=np.float64)[:, None] * inv[None, :]
    return np.cos(ang), np.sin(ang)


def _rope(v: np.ndarray, cos: np.ndarray, sin: np.ndarray, prefix: str, plan, trace) -> np.ndarray:
    """Rotate (real, imag) pairs: (a + ib)(c + id) = (ac - bd) + i(ad + bc), quantising the
    table's named partial products (``{prefix}_real_ac`` ...) where the plan has them."""
    a, b = v[..., 0::2], v[..., 1::2]
    ac = _q(plan, f"{prefix}_real_ac", a * cos, trace)
    bd = _q(plan, f"{prefix}_real_bd", b * sin, trace)
    ad = _q(plan, f"{prefix}_imag_ad", a * sin, trace)
    bc = _q(plan, f"{prefix}_imag_bc", b * cos, trace)
    real = _q(plan, f"{prefix}_real", ac - bd, trace)
    imag = _q(plan, f"{prefix}_imag", ad + bc, trace)
    out = np.empty_like(v)
    out[..., 0::2], out[..., 1::2] = real, imag
    return _q(plan, f"{prefix}_rope", out, trace)


def attention_chain(x, wq, wk, wv, plan: Optional[PrecisionPlan] = None, *, n_heads: int = 1,
                    n_kv_heads: Optional[int] = None, eps: float = 1e-5, causal: bool = True,
                    rope_theta: float = 500000.0) -> dict[str, np.ndarray]:
    """One LLaMA-style attention front end in numpy, quantising every named node of the
    [Kim-fixedpoint] table to ``plan`` (None = float64 throughout):

    RMSNorm (``rmsnorm_eps`` = mean(x^2) + eps, ``rmsnorm_rsqrt``, ``normalization``) ->
    Q = h wq (``query``), K = h wk, V = h wv -> RoPE on Q and K (``query_real_ac`` ...
    ``key_rope``) -> ``attention_score`` = Q K^T -> ``attention_div`` = score / sqrt(d_head)
    -> ``attention_softmax`` (causal mask) -> ``attention_softmax_v`` = P V.

    ``x``: (tokens, d_model); ``wq``: (d_model, n_heads * d_head); ``wk``, ``wv``:
    (d_model, n_kv_heads * d_head) (grouped-query attention when n_kv_heads < n_heads).
    Returns every node's (quantised) value; ``attention_softmax_v`` has shape
    (tokens, n_heads * d_head). Compare two calls (plan vs None) to measure a plan's error.
    """
    x = np.asarray(x, dtype=np.float64)
    wq, wk, wv = (np.asarray(w, dtype=np.float64) for w in (wq, wk, wv))
    n_kv = n_kv_heads or n_heads
    t, d_model = x.shape
    d_head = wq.shape[1] // n_heads
    if wq.shape != (d_model, n_heads * d_head) or wk.shape != (d_model, n_kv * d_head) or wv.shape != wk.shape:
        raise SpecError("attention_chain: weight shapes do not match d_model, heads and head size")
    if d_head % 2 or n_heads % n_kv:
        raise SpecError("attention_chain: head size must be even and n_heads a multiple of n_kv_heads")
    tr: dict[str, np.ndarray] = {}
    ms = _q(plan, "rmsnorm_eps", np.mean(x * x, axis=-1, keepdims=True) + eps, tr)
    rs = _q(plan, "rmsnorm_rsqrt", 1.0 / np.sqrt(ms), tr)
    h = _q(plan, "normalization", x * rs, tr)
    q = _q(plan, "query", h @ wq, tr).reshape(t, n_heads, d_head).transpose(1, 0, 2)
    k = (h @ wk).reshape(t, n_kv, d_head).transpose(1, 0, 2)
    v = (h @ wv).reshape(t, n_kv, d_head).transpose(1, 0, 2)
    cos, sin = rope_tables(t, d_head, rope_theta)
    q = _rope(q, cos, sin, "query", plan, tr)
    k = _rope(k, cos, sin, "key", plan, tr)
    rep = n_heads // n_kv
    k, v = np.repeat(k, rep, axis=0), np.repeat(v, rep, axis=0)
    score = _q(plan, "attention_score", q @ k.transpose(0, 2, 1), tr)
    div = _q(plan, "attention_div", score / math.sqrt(d_head), tr)
    if causal:
        div = np.where(np.tril(np.ones((t, t), dtype=bool)), div, -np.inf)
    z = div - div.max(axis=-1, keepdims=True)
    e = np.exp(z)
    p = _q(plan, "attention_softmax", e / e.sum(axis=-1, keepdims=True), tr)
    sv = p @ v
    _q(plan, "attention_softmax_v", sv.transpose(1, 0, 2).reshape(t, n_heads * d_head), tr)
    return tr
