"""One workload point: a model, a phase and the shape of one pass (what
:func:`accelmodel.simulate` runs; a sweep's ``workload`` and its workload axes)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, NonNegativeInt, PositiveInt

from ..specbase import Frozen
from ..paths import bundled_file
from .limits import MAX_BATCH, MAX_TOKENS


class WorkloadPoint(Frozen):
    """One workload of a sweep: what :func:`accelmodel.simulate` runs."""

    model: str = Field(default="bert-base", max_length=4096)
    """Preset name (``bert-base``, ``llama3-8b``, ...), workload YAML or HF ``config.json`` path."""
    phase: Literal["prefill", "decode"] = "prefill"
    batch: PositiveInt = Field(default=1, le=MAX_BATCH)
    """Sequences per pass."""
    seq_len: PositiveInt = Field(default=512, le=MAX_TOKENS)
    """Prefill tokens per sequence."""
    kv_len: NonNegativeInt = Field(default=0, le=MAX_TOKENS)
    """Decode: tokens already in the KV cache."""
    pruning: Optional[str] = Field(default=None, max_length=4096)
    """Pruning plan: a bundled plan name (``head_25``) or a YAML path. Pruned points are
    evaluated one by one through :func:`accelmodel.simulate` (no fast path)."""

    @property
    def pruning_path(self) -> Optional[Path]:
        """The pruning plan file (a bundled plan for a bare name), or None."""
        if self.pruning is None:
            return None
        s = self.pruning
        if s.endswith((".yaml", ".yml")):  # a file name, never a bundled plan's name
            return Path(s)
        return bundled_file(s, "workloads/pruning") or Path(s)

    @property
    def model_path(self) -> Optional[Path]:
        """The file the model is read from (a bundled preset for a bare name), or None if there is none."""
        s = self.model
        if "/" not in s and not s.endswith((".yaml", ".yml", ".json")):
            p = bundled_file(s, "workloads")
            return p
        return Path(s)

    @property
    def label(self) -> str:
        what = f"s{self.seq_len}" if self.phase == "prefill" else f"kv{self.kv_len}"
        tail = f"/{Path(self.pruning).stem}" if self.pruning else ""
        return f"{Path(self.model).stem}/{self.phase}/b{self.batch}/{what}{tail}"


WORKLOAD_FIELDS = tuple(WorkloadPoint.model_fields)
