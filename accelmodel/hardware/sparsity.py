"""What the hardware can exploit of a sparse (pruned) weight matrix.

Three independent abilities, all off by default (a dense accelerator):

* **Compressed storage** (``storage``): weights travel from DRAM (and sit in the
  scratchpad) in a sparse format, so fewer bytes move, plus metadata; a
  decompressor expands them at ``decompressor_bytes_per_cycle``. Sizes come from
  ``accelmodel.mapping.sparse.format_bytes``.
* **Zero skipping in the array** (``skip``), coarse to fine, each level including
  the coarser ones:

  - ``none``: every fold runs, zeros are multiplied.
  - ``tile``: an all-zero array-sized (rows x cols) weight tile is skipped, i.e.
    a whole fold costs nothing.
  - ``vector``: the all-zero rows of a fold's weight block are not loaded and
    the fold is shortened (``accelmodel.mapping.sparse`` gives the cycle rule).
  - ``element``: fine-grained zero skipping (index matching per PE column); the
    densest column sets the time, times ``load_imbalance`` >= 1 for the
    scheduler's imperfect balancing.

  ``compact_k`` (WS only) lets the scheduler re-pack the surviving weight rows of
  one column strip across K-folds, so fewer folds run (OS streams the whole K of
  a strip anyway, so skipping there is compaction by nature).
* **Clock-gating** (``gate_zero_macs``): MACs whose weight is zero draw no
  dynamic energy even when they are not skipped (time is unchanged).
* **Structural shrinking** (``structured_shrink``): pruned heads / channels are
  removed from the shapes (smaller matmuls) instead of being masked.

Weight matrices follow the package convention W[K, N] (in_features x
out_features, Y = X . W).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, PositiveFloat, PositiveInt, model_validator

from ..specbase import Frozen

StorageFormat = Literal["dense", "csr", "csc", "bitmap", "nm", "block_csr"]
SkipLevel = Literal["none", "tile", "vector", "element"]

STORAGE_FORMATS: tuple[str, ...] = ("dense", "csr", "csc", "bitmap", "nm", "block_csr")
SKIP_LEVELS: tuple[str, ...] = ("none", "tile", "vector", "element")


class SparsitySupport(Frozen):
    """Sparsity features of the accelerator. Defaults: dense storage, no skipping."""

    storage: StorageFormat = "dense"
    """Weight storage format in DRAM / scratchpad: dense, csr (row pointers over K
    rows), csc (column pointers over N columns), bitmap (one bit per element),
    nm (N:M metadata, ceil(log2 m) bits per kept value) or block_csr (kept
    ``block`` tiles stored whole, with block indices and block-row pointers)."""
    block: Optional[tuple[PositiveInt, PositiveInt]] = None
    """Block size (rows along K, columns along N) for ``block_csr``; required
    there and only there."""
    value_bits: Optional[PositiveInt] = Field(default=None, le=64)
    """Bits per stored non-zero value; null = the accelerator's weight width
    (``dtypes.weight_bits``)."""
    index_bits: PositiveInt = Field(default=16, le=64)
    """Bits per column/row (or block) index in CSR/CSC/block-CSR."""
    pointer_bits: PositiveInt = Field(default=32, le=64)
    """Bits per row (column, block-row) pointer in CSR/CSC/block-CSR."""
    decompressor_bytes_per_cycle: PositiveFloat = Field(default=16.0, le=65536)
    """Compressed bytes the decompressor consumes per accelerator cycle (ignored
    for dense storage)."""
    skip: SkipLevel = "none"
    """Finest granularity of zeros the array skips: none, tile, vector or element
    (each includes the coarser ones)."""
    load_imbalance: float = Field(default=1.0, ge=1.0)
    """Element skipping only: factor >= 1 on the densest column's non-zero count
    (1 = perfect balancing)."""
    compact_k: bool = False
    """WS only: re-pack surviving weight rows of a column strip across K-folds
    (vector/element skipping), so fewer folds run."""
    gate_zero_macs: bool = False
    """Clock-gate MACs on zero weights: energy of zero MACs saved, time unchanged."""
    structured_shrink: bool = False
    """Pruned heads / channels shrink the matmul shapes (head/channel patterns)."""

    @model_validator(mode="after")
    def _check(self) -> "SparsitySupport":
        if self.storage == "block_csr" and self.block is None:
            raise ValueError("block: required when storage is block_csr, e.g. block: [16, 16]")
        if self.storage != "block_csr" and self.block is not None:
            raise ValueError(f"block: only used with storage block_csr (storage is {self.storage})")
        if self.load_imbalance != 1.0 and self.skip != "element":
            raise ValueError(f"load_imbalance: only used with skip element (skip is {self.skip})")
        return self

    # ---- derived values -------------------------------------------------
    @property
    def compressed(self) -> bool:
        """True if weights are stored in a sparse format."""
        return self.storage != "dense"

    @property
    def skips(self) -> bool:
        """True if the array skips any zeros."""
        return self.skip != "none"

    def value_bits_for(self, weight_bits: int) -> int:
        """Bits per stored value given the accelerator's weight width."""
        return self.value_bits if self.value_bits is not None else int(weight_bits)
