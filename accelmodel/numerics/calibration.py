"""The calibration set (synthetic, seeded, shipped as ``data/calibration.npz``),
loading user samples, and the LUT range search.

The set stands in for the sources' data (2,048 x 128 GLUE-CoLA attention
vectors; BERT/GPT-2/OLMo pre-activations), which accelmodel cannot ship. It is
regenerated bit-for-bit by :func:`generate_calibration_set` (numpy's PCG64 with
:data:`CALIBRATION_SEED`); ``data/README.md`` describes the distributions:

* ``softmax`` (2048, 128): BERT-like attention logits - per-row offset U(-4, 4),
  per-row spread lognormal around 1.5, Student-t (5 dof) tails; 30 % of rows get
  one dominant logit (a [CLS]/[SEP]-style sink at position 0 or a content
  token) above the row max by U(0, 8), so some rows are peaked enough for
  cross-road's one-hot path; clipped to [-30, 30].
* ``activation`` (65536,): FFN pre-activations - 85 % N(-0.5, 1.2^2) and 15 %
  a heavy tail 0.5 + 2 t(3), clipped to [-30, 30].
* ``norm`` (64, 768): residual-stream rows for LayerNorm/RMSNorm - per-row mean
  N(0, 0.2^2), per-row scale lognormal(0, 0.3), Gaussian values, and three
  outlier channels of magnitude U(5, 20) with a fixed sign per channel.

All arrays are float32 (the reference is computed in float64 on them).
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import NamedTuple, Optional, Union

import numpy as np

from ..errors import SpecError
from ._data import data_dir, data_file
from .activations import ACTIVATIONS, activation, lut_range
from .fixed_point import quantize_table
from .lut import Interpolation, lut_eval

CALIBRATION_FILE = "calibration.npz"
CALIBRATION_SEED = 20240521
SAMPLE_KEYS = {"softmax": "softmax", "gelu": "activation", "gelu_tanh": "activation", "silu": "activation",
               "relu": "activation", "layernorm": "norm", "rmsnorm": "norm"}
"""Which array of the calibration set each function is measured on."""

Samples = Union[np.ndarray, str, Path, None]


def generate_calibration_set(seed: int = CALIBRATION_SEED, rows: int = 2048, cols: int = 128,
                             activations: int = 65536, norm_rows: int = 64,
                             norm_dim: int = 768) -> dict[str, np.ndarray]:
    """Build the calibration set (module docstring). Same arguments, same arrays."""
    rng = np.random.default_rng(seed)
    # attention logits
    offset = rng.uniform(-4.0, 4.0, (rows, 1))
    spread = np.exp(rng.normal(np.log(1.5), 0.5, (rows, 1)))
    logits = offset + spread * rng.standard_t(5, (rows, cols))
    peaked = rng.random(rows) < 0.3
    pos = np.where(rng.random(rows) < 0.5, 0, rng.integers(0, cols, rows))
    gap = rng.uniform(0.0, 8.0, rows)
    r = np.nonzero(peaked)[0]
    logits[r, pos[r]] = logits[r].max(axis=1) + gap[r]
    logits = np.clip(logits, -30.0, 30.0)
    # FFN pre-activations
    n_tail = int(round(0.15 * activations))
    act = np.concatenate([rng.normal(-0.5, 1.2, activations - n_tail), 0.5 + 2.0 * rng.standard_t(3, n_tail)])
    act = np.clip(rng.permutation(act), -30.0, 30.0)
    # residual-stream rows
    mean = rng.normal(0.0, 0.2, (norm_rows, 1))
    scale = np.exp(rng.normal(0.0, 0.3, (norm_rows, 1)))
    norm = mean + scale * rng.normal(0.0, 1.0, (norm_rows, norm_dim))
    channels = rng.choice(norm_dim, size=3, replace=False)
    signs = rng.choice(np.array([-1.0, 1.0]), size=3)
    norm[:, channels] = signs * rng.uniform(5.0, 20.0, (norm_rows, 3))
    return {"softmax": logits.astype(np.float32), "activation": act.astype(np.float32),
            "norm": norm.astype(np.float32)}


def write_calibration_set(path: Union[str, Path, None] = None, seed: int = CALIBRATION_SEED, **sizes) -> Path:
    """Write :func:`generate_calibration_set` to ``path`` (default: the bundled
    ``data/calibration.npz``) as a compressed npz; returns the path."""
    p = Path(path) if path is not None else data_dir() / CALIBRATION_FILE
    arrays = generate_calibration_set(seed, **sizes)
    np.savez_compressed(p, seed=np.int64(seed), **arrays)  # type: ignore[arg-type]
    return p


_DECODED: dict[str, dict[str, np.ndarray]] = {}
_DECODED_LOCK = threading.Lock()


def load_calibration(path: Union[str, Path, None] = None) -> dict[str, np.ndarray]:
    """The calibration arrays (``softmax``, ``activation``, ``norm``) as float64,
    read-only. Decoded once per file content (memoised on a hash of the file's
    bytes, so an edited file is decoded again)."""
    p = Path(path) if path is not None else data_file(CALIBRATION_FILE)
    raw = p.read_bytes()
    key = hashlib.blake2b(raw, digest_size=16).hexdigest()
    with _DECODED_LOCK:
        hit = _DECODED.get(key)
    if hit is not None:
        return dict(hit)
    with np.load(io.BytesIO(raw)) as z:
        arrays = {k: np.asarray(z[k], dtype=np.float64) for k in z.files if k != "seed"}
    for a in arrays.values():
        a.setflags(write=False)
    with _DECODED_LOCK:
        _DECODED[key] = arrays
    return dict(arrays)


_VECTOR_FUNCTIONS = ("softmax", "layernorm", "rmsnorm")


def _checked(arr, function: str, where: str) -> np.ndarray:
    """float64 samples, or SpecError saying what is wrong with their shape or values."""
    try:
        x = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpecError(f"{where}: samples for {function} must be numeric (got dtype "
                        f"{getattr(arr, 'dtype', type(arr).__name__)})") from None
    if x.size == 0:
        raise SpecError(f"{where}: samples for {function} are empty (shape {x.shape})")
    if function in _VECTOR_FUNCTIONS and (x.ndim < 1 or x.shape[-1] < 2):
        raise SpecError(f"{where}: {function} samples must be vectors along the last axis, at least 2 long "
                        f"(got shape {x.shape})")
    if not np.all(np.isfinite(x)):
        raise SpecError(f"{where}: samples for {function} contain NaN or infinite values")
    return x


MAX_SAMPLES_BYTES = 256 << 20
"""Largest samples file read, bytes."""


def load_samples(samples: Samples, function: str) -> np.ndarray:
    """Samples for ``function`` as float64: None = the bundled calibration set's array for it;
    an array; or a path to a ``.npy`` file or an ``.npz`` holding an array named after the
    function or its group (``softmax`` / ``activation`` / ``norm``) or a single array.

    SpecError (one line) if the file is missing or not a numpy array file, or if the array is
    empty, not numeric, has NaN/inf, or (softmax and norms) is not vectors of length >= 2."""
    if function not in SAMPLE_KEYS:
        raise SpecError(f"function must be one of {sorted(SAMPLE_KEYS)} (got {function!r})")
    if samples is None:
        return load_calibration()[SAMPLE_KEYS[function]]
    if isinstance(samples, (str, Path)):
        p = Path(samples)
        if p.is_dir():
            raise SpecError(f"samples file {p}: is a directory, not a file")
        if not p.is_file():
            raise SpecError(f"samples file not found: {p}")
        if p.stat().st_size > MAX_SAMPLES_BYTES:
            raise SpecError(f"samples file {p.name}: {p.stat().st_size} bytes; at most {MAX_SAMPLES_BYTES} "
                            f"bytes (256 MiB) allowed")
        try:
            loaded = np.load(p, allow_pickle=False)
        except (ValueError, OSError, EOFError, MemoryError):  # not numpy's format, truncated, pickled objects
            raise SpecError(f"samples file {p.name}: not a readable .npy/.npz numpy array file") from None
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded as z:
                try:
                    for key in (function, SAMPLE_KEYS[function]):
                        if key in z.files:
                            return _checked(z[key], function, f"samples file {p.name}")
                    if len(z.files) == 1:
                        return _checked(z[z.files[0]], function, f"samples file {p.name}")
                except ValueError as exc:  # e.g. an object array that needs pickle
                    raise SpecError(f"samples file {p.name}: cannot read array ({str(exc).splitlines()[0]})") from None
                names = " or ".join(repr(k) for k in dict.fromkeys((function, SAMPLE_KEYS[function])))
                raise SpecError(f"samples file {p.name}: no array named {names} for {function} "
                                f"(has {', '.join(z.files) or 'no arrays'})")
        return _checked(loaded, function, f"samples file {p.name}")
    return _checked(samples, function, "samples")


class LutRange(NamedTuple):
    """Result of :func:`calibrate_lut_range`."""

    x_min: float
    x_max: float
    mae: float
    """MAE on the samples at [x_min, x_max]."""
    start_mae: float
    """MAE at the starting range (the published one by default)."""


def _batch_mae(x: np.ndarray, ref: np.ndarray, function: str, entries: int, lo: np.ndarray, hi: np.ndarray,
               interpolation: str, entry_bits: Optional[int]) -> np.ndarray:
    """MAE of K tables (ranges lo[k]..hi[k]) on the samples; inf where hi <= lo."""
    ok = hi > lo
    lo_ok, hi_ok = np.where(ok, lo, 0.0), np.where(ok, hi, 1.0)
    grid = np.linspace(lo_ok, hi_ok, entries, axis=-1)
    tables = ACTIVATIONS[function](grid)
    if entry_bits is not None:
        tables = np.stack([quantize_table(t, entry_bits) for t in tables])
    y = lut_eval(x[None, :], tables, lo_ok[:, None], hi_ok[:, None], interpolation,  # type: ignore[arg-type]
                 below=0.0, above="identity")
    err = np.mean(np.abs(y - ref[None, :]), axis=1)
    return np.where(ok, err, np.inf)


def calibrate_lut_range(samples, function: str, entries: int = 1024, interpolation: Interpolation = "linear",
                        entry_bits: Optional[int] = None, start: Optional[tuple[float, float]] = None,
                        candidates: int = 17, rounds: int = 8, width: float = 2.0) -> LutRange:
    """Find the table range [x_min, x_max] that minimises the MAE of :func:`lut_activation`
    on ``samples`` (array or path, see :func:`load_samples`; None = the calibration set).

    Deterministic coordinate search: from ``start`` (default: the published range), each
    round scores ``candidates`` evenly spaced values of x_min within +-w of the current one
    (x_max fixed), moves only on a strict improvement, then does the same for x_max;
    w starts at ``width`` and shrinks 4x per round. The result is never worse than the start.
    """
    if function not in ACTIVATIONS:
        raise SpecError(f"LUT range search: function must be one of {sorted(ACTIVATIONS)} (got {function!r})")
    if candidates < 2 or rounds < 1:
        raise SpecError("LUT range search: candidates must be >= 2 and rounds >= 1")
    x = load_samples(samples, function).ravel()
    ref = activation(function, x)
    lo, hi = lut_range(function, *(start or (None, None)))
    best = float(_batch_mae(x, ref, function, entries, np.array([lo]), np.array([hi]), interpolation, entry_bits)[0])
    start_mae = best
    w = float(width)
    offsets = np.linspace(-1.0, 1.0, candidates)
    for _ in range(rounds):
        for axis in (0, 1):
            cand = (lo if axis == 0 else hi) + w * offsets
            los = cand if axis == 0 else np.full_like(cand, lo)
            his = np.full_like(cand, hi) if axis == 0 else cand
            errs = _batch_mae(x, ref, function, entries, los, his, interpolation, entry_bits)
            k = int(np.argmin(errs))
            if errs[k] < best:
                best = float(errs[k])
                lo, hi = float(los[k]), float(his[k])
        w /= 4.0
    return LutRange(lo, hi, best, start_mae)


if __name__ == "__main__":  # python -m accelmodel.numerics.calibration  -> rewrites data/calibration.npz
    print(write_calibration_set())
