"""Structured pruning: plans (which weights, which pattern, how much) and masks
(which elements survive), as real numpy data.

Shape convention
----------------
A weight matrix W has shape (K, N) = (in_features, out_features), as in
Y = X . W: **rows are input features, columns are output features**. (PyTorch's
``nn.Linear.weight`` and the pruning papers' W_MA (3d x d), W_F1 (4d x d) are
(out, in), i.e. the transpose: a paper's "row-wise" is our "column".)
Masks are boolean arrays of the same shape, True = kept.

Matrix names (per layer): ``wq``, ``wk``, ``wv`` (d x d_head*heads each),
``wqkv`` (the stacked W_MA, (d, 3d); an entry for it applies to wq/wk/wv too),
``wo`` (W_MP), ``w_up`` (W_F1), ``w_gate`` (gated FFN), ``w_down`` (W_F2).

Patterns (``MatrixPruning.pattern``, discriminated on ``kind``)
--------------------------------------------------------------
``ratio`` is always the fraction of elements (or heads) *pruned*.

* ``unstructured``: keep the largest |w|; pruned count = round(ratio*K*N).
* ``nm`` (n, m): in every group of m consecutive rows (along K) of a column keep
  the n largest. ratio is implied (1 - n/m). A ragged last group of g < m rows
  keeps min(n, g).
* ``block`` (bh, bw): rank bh x bw blocks (rows along K, columns along N) by
  mean square magnitude, prune the weakest.
* ``vector``: ``direction`` row (1 x L vectors lying along a row, spanning L
  output columns), column (L x 1, spanning L input rows) or auto (picked by
  :func:`pick_direction` from a fine-grained magnitude mask at the same ratio).
  One ``length`` or mixed ``lengths`` (see below).
* ``head``: whole attention heads, slices of ``head_dim`` columns (N) of
  wq/wk/wv/wqkv or ``head_dim`` rows (K) of wo, ranked by their norm; the count
  pruned is ``n_heads - pruned_heads(n_heads, ratio)``. Applies to attention
  matrices only (FFN matrices under ``all_matrices`` are left alone).
* ``channel``: whole rows (direction row: input features) or columns
  (direction column: output features / FFN neurons).

Rounding: units of equal size: pruned units = floor(ratio * units + 0.5)
(round half up). Ragged units (edge blocks/vectors when the shape is not a
multiple): units are taken weakest first and the count whose total pruned
elements is closest to ratio*K*N is used (ties: the larger count). So the ratio
is hit exactly up to one unit (one element, block, vector, head or channel).

Mixed-length vectors (TF-MVP style)
-----------------------------------
``lengths`` is a descending chain, each dividing the previous (e.g. [16, 8, 4]).
Along the direction, each row (or column) is cut into aligned regions of the
longest length. Starting from a fine-grained magnitude mask F at the same ratio,
level by level from the longest length: an aligned vector of that length (not
yet pruned, no padding) is pruned whole if at least ``MIXED_COVERAGE`` (3/4) of
its elements are pruned in F, weakest-covered last, while the element budget
round(ratio*K*N) allows. The shortest length then fills the remaining budget
with the weakest (lowest mean square) aligned vectors. Pruned count = target to
within half the shortest length. Elements in a ragged tail (dimension not a
multiple of the longest length) are never pruned.

Weights or random
-----------------
With ``weights`` the ranking uses |w|; without, a seeded random score per
element (``rng``; :meth:`PruningPlan.rng`), except ``head`` which draws one
random score per head so that wq/wk/wv/wo of a layer (same rng seed) drop the
same heads.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import numpy as np
import yaml
from pydantic import Field, NonNegativeInt, PositiveInt, ValidationError, model_validator

from accelmodel.errors import SpecError, format_validation_error
from accelmodel.specbase import Frozen, read_yaml_mapping

MATRIX_NAMES: tuple[str, ...] = ("wq", "wk", "wv", "wqkv", "wo", "w_up", "w_gate", "w_down")
ATTENTION_MATRICES: tuple[str, ...] = ("wq", "wk", "wv", "wqkv", "wo")
MIXED_COVERAGE = 0.75
"""A mixed-length vector is pruned whole when >= this fraction of it is pruned in
the fine-grained mask."""

Direction = Literal["row", "column"]


# ---------------------------------------------------------------------------
# plan models
# ---------------------------------------------------------------------------
class Unstructured(Frozen):
    """Fine-grained: individual weights by magnitude."""

    kind: Literal["unstructured"] = "unstructured"


class NM(Frozen):
    """N:M: keep n of every m consecutive weights along K (per column)."""

    kind: Literal["nm"] = "nm"
    n: PositiveInt = Field(le=4096)
    """Weights kept per group."""
    m: PositiveInt = Field(le=4096)
    """Group size along K."""

    @model_validator(mode="after")
    def _check(self) -> "NM":
        if self.n > self.m:
            raise ValueError(f"n: must be <= m ({self.n} > {self.m})")
        return self


class Block(Frozen):
    """Square or rectangular blocks over (K, N)."""

    kind: Literal["block"] = "block"
    bh: PositiveInt = Field(le=65536)
    """Block height, rows along K."""
    bw: PositiveInt = Field(le=65536)
    """Block width, columns along N."""


class Vector(Frozen):
    """Vectors along a row (1 x L) or a column (L x 1); one length or mixed lengths."""

    kind: Literal["vector"] = "vector"
    direction: Literal["row", "column", "auto"] = "auto"
    """row: 1 x L vectors inside a row; column: L x 1; auto: the fine-grained
    mask's dominant direction (:func:`pick_direction`)."""
    length: Optional[PositiveInt] = Field(default=None, le=65536)
    """Single vector length (give this or ``lengths``)."""
    lengths: Optional[tuple[PositiveInt, ...]] = None
    """Mixed lengths, descending, each dividing the previous (e.g. [16, 8, 4])."""

    @model_validator(mode="after")
    def _check(self) -> "Vector":
        if (self.length is None) == (self.lengths is None):
            raise ValueError("length: give exactly one of length or lengths")
        if self.lengths is not None:
            ls = self.lengths
            if len(ls) == 0:
                raise ValueError("lengths: must not be empty")
            for a, b in zip(ls, ls[1:]):
                if not (a > b and a % b == 0):
                    raise ValueError(f"lengths: must be descending, each dividing the previous (got {list(ls)})")
        return self

    @property
    def all_lengths(self) -> tuple[int, ...]:
        return (self.length,) if self.length is not None else tuple(self.lengths or ())


class Head(Frozen):
    """Whole attention heads (head_dim slices)."""

    kind: Literal["head"] = "head"


class Channel(Frozen):
    """Whole rows (input features) or columns (output features / FFN neurons)."""

    kind: Literal["channel"] = "channel"
    direction: Direction
    """row: prune whole rows of W (K); column: whole columns (N)."""


Pattern = Annotated[Union[Unstructured, NM, Block, Vector, Head, Channel], Field(discriminator="kind")]


class MatrixPruning(Frozen):
    """How one weight matrix is pruned."""

    pattern: Pattern
    """Granularity (``kind``: unstructured, nm, block, vector, head, channel)."""
    ratio: float = Field(ge=0.0, lt=1.0)
    """Fraction pruned, in [0, 1) (of heads for ``head``). Implied by n:m for
    ``nm`` (may be omitted)."""

    @model_validator(mode="before")
    @classmethod
    def _nm_ratio(cls, data):
        if isinstance(data, dict) and isinstance(data.get("pattern"), NM) and "ratio" not in data:
            p = data["pattern"]
            return {**data, "ratio": 1.0 - p.n / p.m}
        if isinstance(data, dict) and isinstance(data.get("pattern"), dict):
            p = data["pattern"]
            if p.get("kind") == "nm" and "ratio" not in data:
                try:
                    n, m = int(p["n"]), int(p["m"])
                except (KeyError, TypeError, ValueError):
                    return data
                if 0 < m:
                    data = {**data, "ratio": 1.0 - n / m}
        return data

    @model_validator(mode="after")
    def _check(self) -> "MatrixPruning":
        p = self.pattern
        if isinstance(p, NM) and abs(self.ratio - (1.0 - p.n / p.m)) > 1e-9:
            raise ValueError(f"ratio: {p.n}:{p.m} prunes exactly {1 - p.n / p.m:g}, got {self.ratio:g}")
        return self


class MatrixPlan(Frozen):
    """One matrix name across the layers: a default and per-layer overrides."""

    default: Optional[MatrixPruning] = None
    """Pruning of every layer not listed in ``layers`` (null = not pruned)."""
    layers: dict[NonNegativeInt, Optional[MatrixPruning]] = Field(default_factory=dict)
    """Per-layer overrides by layer index; null = that layer not pruned."""

    def for_layer(self, layer: int) -> Optional[MatrixPruning]:
        if layer in self.layers:
            return self.layers[layer]
        return self.default

    def prunings(self) -> list[MatrixPruning]:
        return [p for p in [self.default, *self.layers.values()] if p is not None]


class PruningPlan(Frozen):
    """Per weight matrix, per layer: pattern and ratio. Lookup: the matrix's own
    entry, then (wq/wk/wv) ``wqkv``, then ``all_matrices``."""

    description: str = ""
    """Free text shown in reports."""
    seed: int = 0
    """Seed of the random scores used when no weights are given."""
    all_matrices: Optional[MatrixPlan] = None
    """Applies to every weight matrix without an entry of its own."""
    wq: Optional[MatrixPlan] = None
    wk: Optional[MatrixPlan] = None
    wv: Optional[MatrixPlan] = None
    wqkv: Optional[MatrixPlan] = None
    """Stacked W_MA (d, 3d); applies to wq, wk and wv."""
    wo: Optional[MatrixPlan] = None
    """Attention output projection W_MP."""
    w_up: Optional[MatrixPlan] = None
    """FFN up projection W_F1 (d, d_ff)."""
    w_gate: Optional[MatrixPlan] = None
    """Gated-FFN gate projection (d, d_ff)."""
    w_down: Optional[MatrixPlan] = None
    """FFN down projection W_F2 (d_ff, d)."""

    @model_validator(mode="after")
    def _check(self) -> "PruningPlan":
        if self.wqkv is not None:
            for name in ("wq", "wk", "wv"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name}: give either wqkv or wq/wk/wv, not both")
        for name in ("w_up", "w_gate", "w_down"):
            mp = getattr(self, name)
            if mp is not None and any(isinstance(p.pattern, Head) for p in mp.prunings()):
                raise ValueError(f"{name}: head pruning applies to attention matrices only (use channel)")
        return self

    # ---- lookup ----------------------------------------------------------
    def _entry(self, name: str) -> Optional[MatrixPlan]:
        own = getattr(self, name)
        if own is not None:
            return own
        if name in ("wq", "wk", "wv") and self.wqkv is not None:
            return self.wqkv
        return self.all_matrices

    def for_matrix(self, layer: int, name: str) -> Optional[MatrixPruning]:
        """The pruning of matrix ``name`` in layer ``layer`` (None = dense).

        ``wqkv`` requested while the plan gives wq/wk/wv separately: returns their
        common pruning, or raises SpecError if they differ (mask them apart).
        Head patterns inherited from ``all_matrices`` do not apply to FFN matrices.
        """
        if name not in MATRIX_NAMES:
            raise ValueError(f"matrix name must be one of {MATRIX_NAMES}, got {name!r}")
        if name == "wqkv" and self.wqkv is None and any(getattr(self, x) is not None for x in ("wq", "wk", "wv")):
            parts = [self.for_matrix(layer, x) for x in ("wq", "wk", "wv")]
            if parts[0] == parts[1] == parts[2]:
                return parts[0]
            raise SpecError(f"wqkv: layer {layer}: wq/wk/wv are pruned differently; mask them separately")
        entry = self._entry(name)
        p = entry.for_layer(layer) if entry is not None else None
        if p is not None and isinstance(p.pattern, Head) and name not in ATTENTION_MATRICES:
            return None
        return p

    def max_layer_index(self) -> int:
        """Largest layer index named in any override (-1 if none)."""
        idx = [i for name in ("all_matrices", *MATRIX_NAMES) if (mp := getattr(self, name)) for i in mp.layers]
        return max(idx, default=-1)

    def check_layers(self, n_layers: int) -> None:
        """Raise SpecError if an override names a layer >= n_layers."""
        for name in ("all_matrices", *MATRIX_NAMES):
            mp = getattr(self, name)
            if mp is None:
                continue
            bad = [i for i in mp.layers if i >= n_layers]
            if bad:
                raise SpecError(f"{name}.layers: layer {bad[0]} out of range (model has {n_layers} layers)")

    def rng(self, layer: int, name: str) -> np.random.Generator:
        """Random source for one matrix of one layer: seeded by (seed, layer,
        matrix). Head-pattern matrices of a layer share one stream so that they
        drop the same heads."""
        p = self.for_matrix(layer, name)
        code = 99 if (p is not None and isinstance(p.pattern, Head)) else MATRIX_NAMES.index(name)
        return np.random.default_rng(np.random.SeedSequence([self.seed & 0xFFFFFFFF, layer, code]))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json", exclude_none=True), sort_keys=False)


def load_pruning_plan(path: str | Path) -> PruningPlan:
    """Read a pruning-plan YAML file. Raises SpecError with a one-line message."""
    p = Path(path)
    data = read_yaml_mapping(p, "pruning plan")
    try:
        return PruningPlan.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"pruning plan {p.name}: {_format_error(exc)}") from None


def _format_error(exc: ValidationError) -> str:
    """One line naming the field, as ``errors.format_validation_error``, except
    that an unknown (misspelt) field is reported before the 'required field is
    missing' it usually causes, and validator messages (which name their field
    themselves) lose pydantic's 'Value error, ' prefix."""
    errs = exc.errors()
    extra = [e for e in errs if e.get("type") == "extra_forbidden"]
    err = extra[0] if extra else errs[0]
    if err.get("type") != "value_error" and err is errs[0]:
        return format_validation_error(exc)
    loc = ".".join(str(x) for x in err.get("loc", ()))
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    else:
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    more = len(errs) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{loc}: {msg}{tail}" if loc else f"{msg}{tail}"


# ---------------------------------------------------------------------------
# published quality
# ---------------------------------------------------------------------------
class QualityPoint(Frozen):
    """One row of data/pruning_quality.csv ([YooLee-pruning] in docs/references.md)."""

    method: str
    """baseline, fine-grained, head-level, block-level or mixed-vector-level."""
    ratio: float
    """Pruning ratio as the source reports it."""
    bert_squad_f1: float
    """BERT on SQuAD v1.1, F1 (higher is better)."""
    gpt2_wikitext2_ppl: float
    """GPT-2 on WikiText-2, perplexity (lower is better)."""
    source: str


def quality_table() -> tuple[QualityPoint, ...]:
    """Published quality versus pruning ratio (16-bit models), from the bundled
    ``data/pruning_quality.csv``. For a DataFrame:
    ``pd.DataFrame([q.model_dump() for q in quality_table()])``."""
    from accelmodel.paths import bundled_dir

    path = bundled_dir("data") / "pruning_quality.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(QualityPoint.model_validate(r, strict=False) for r in rows)  # CSV cells are text
