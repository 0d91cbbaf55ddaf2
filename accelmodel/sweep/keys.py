"""Content keys of a sweep: point ids, file digests, the model-code fingerprint
and the resume key.

* :func:`point_id` names a point by its (path -> value) pairs;
* :func:`file_digest` keys anything read from a file on its content;
* :func:`code_fingerprint` hashes the installed ``accelmodel`` package's ``.py``
  files (once per process): results computed by other code never mix;
* :func:`resume_key` is what ``--resume`` compares, part by part, so a refusal
  can say what differs.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:
    from ..workload.point import WorkloadPoint
    from .spec import SweepSpec


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def _canonical(v: Any) -> str:
    return json.dumps(_jsonable(v), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _hash(v: Any) -> str:
    return hashlib.sha1(_canonical(v).encode()).hexdigest()


def point_id(updates: dict[str, Any]) -> str:
    """Stable id of a point: the first 16 hex digits of the SHA-1 of its
    (path -> value) pairs as canonical JSON (keys sorted, no spaces)."""
    return _hash(updates)[:16]


def file_digest(path: Optional[Path]) -> str:
    """SHA-256 of a file's bytes ("" if there is no such file): the key of anything read from it."""
    if path is None:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the installed ``accelmodel`` package's ``.py`` files (path and
    bytes, in sorted order), computed once per process."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def workload_files(wl: "WorkloadPoint") -> dict[str, str]:
    """Digest of each file a workload reads (model and pruning plan)."""
    out = {"model": file_digest(wl.model_path)}
    if wl.pruning is not None:
        out["pruning"] = file_digest(wl.pruning_path)
    return out


def _axis_files(spec: "SweepSpec") -> dict[str, str]:
    """Digests of the files named by workload axis values (models and pruning plans)."""
    out: dict[str, str] = {}
    for ax in spec.axes:
        for j, p in enumerate(ax.paths):
            if ax.values is None or not (p == "workload" or p in ("workload.model", "workload.pruning")):
                continue
            for i in range(len(ax.values)):
                v = ax.components(i)[j]
                fields = v if isinstance(v, dict) else {p.split(".", 1)[1]: v}
                for f in ("model", "pruning"):
                    if isinstance(fields.get(f), str):
                        wl = spec.workload.model_copy(update={f: fields[f]})
                        path = wl.model_path if f == "model" else wl.pruning_path
                        out[f"{f}:{fields[f]}"] = file_digest(path)
    return out


def resume_key(spec: "SweepSpec") -> dict[str, str]:
    """What ``--resume`` compares: a hash per part of the sweep. Results
    written under one key are never mixed with another's."""
    key = {
        "base design": _hash(spec.base.model_dump(mode="json"))[:16],
        "workload": _hash(spec.workload.model_dump(mode="json"))[:16],
        "workload files": _hash({**workload_files(spec.workload), **_axis_files(spec)})[:16],
        "axes": _hash([ax.model_dump(mode="json") for ax in spec.axes])[:16],
        "sampling": _hash(spec.sampling.model_dump(mode="json"))[:16],
        "constraints": _hash([c.model_dump(mode="json") for c in spec.constraints])[:16],
        "model code": code_fingerprint()[:16],
    }
    if spec.search is not None:  # a plain sweep's key (and manifest) stays as it was
        mix_files = {label: workload_files(wl) for label, wl, _ in spec.search.mix(spec.workload)}
        key["search"] = _hash([spec.search.model_dump(mode="json"), mix_files])[:16]
    return key
