"""A sweep's results directory: Parquet parts and a manifest that says what wrote them.

    results.parquet/
        _sweep.json              the manifest: resume key (a hash per part of the sweep), columns,
                                 spec, and every part's row count and SHA-256
        part-<run>-<n>.parquet   one file per evaluated chunk, written atomically

A part appears under its final name only once it is whole (temporary file, then
rename), and counts only once the manifest lists it. ``--resume`` continues
only the same sweep: a different spec, workload file, pruning plan or model
code is refused with one line naming what differs, before anything is
written. A part that is missing from the manifest, unreadable or whose checksum
does not match is removed with a warning and its points are evaluated again.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Optional

import pandas as pd

from ..errors import AccelModelError
from ..inputs import atomic_write_text
from .keys import resume_key
from .spec import SweepSpec

META_FILE = "_sweep.json"
FORMAT_VERSION = 2


class SweepError(AccelModelError):
    """A sweep cannot run as asked (output directory, resume, cluster)."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _warn_stderr(msg: str) -> None:
    import sys
    print(f"accelmodel: warning: {msg}", file=sys.stderr)


class ResultStore:
    """A directory of Parquet parts with a manifest (see the module docstring).
    ``warn`` receives one line per part that is dropped and recomputed."""

    def __init__(self, path: str | Path, spec: SweepSpec, resume: bool,
                 warn: Callable[[str], None] = _warn_stderr):
        self.path = p = Path(path)
        self.run = uuid.uuid4().hex[:8]
        self.seq = 0
        self.warn = warn
        if p.exists() and not p.is_dir():
            raise SweepError(f"--out {p}: exists and is a file; give a results directory")
        if not p.exists() and not p.parent.is_dir():
            raise SweepError(f"--out {p}: parent directory {p.parent} does not exist; create it first")
        self.key = resume_key(spec)
        self.meta: dict[str, Any] = {"format": FORMAT_VERSION, "key": self.key, "columns": list(spec.columns),
                                     "name": spec.name,
                     "spec": spec.model_dump(mode="json"), "parts": {}}
        parts = sorted(p.glob("part-*.parquet")) if p.is_dir() else []
        old = self._read_meta()
        if parts and not resume:
            raise SweepError(f"--out {p}: already holds {len(parts)} result chunk(s); pass --resume to continue "
                             f"that sweep, or choose another output")
        if resume and (parts or old is not None):
            self._check_same_sweep(old)
            self.meta["parts"] = dict(old["parts"]) if old else {}
        try:
            p.mkdir(exist_ok=True)
            for tmp in p.glob(".tmp-*"):
                tmp.unlink(missing_ok=True)  # left by a crash mid-write
        except OSError as exc:
            raise SweepError(f"--out {p}: cannot write there ({exc.strerror or exc})") from None
        if resume:
            self._drop_bad_parts(parts)
        self._save_meta()

    # ---- manifest ---------------------------------------------------------
    def _read_meta(self) -> Optional[dict]:
        f = self.path / META_FILE
        if not f.is_file():
            return None
        try:
            meta = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _check_same_sweep(self, old: Optional[dict]) -> None:
        p = self.path
        if not old or old.get("format") != FORMAT_VERSION or not isinstance(old.get("key"), dict) \
                or not isinstance(old.get("parts"), dict):
            raise SweepError(f"--resume: {p} has no readable manifest ({META_FILE}) of this accelmodel; "
                             f"write to another output")
        differ = [k for k, v in self.key.items() if old["key"].get(k) != v]
        if old.get("columns") != self.meta["columns"]:
            differ.insert(0, "axis columns")
        if differ:
            verb = "differs" if len(differ) == 1 else "differ"
            raise SweepError(f"--resume: {p} holds a different sweep ({', '.join(differ)} {verb}); nothing "
                             f"written; write to another output")

    def _save_meta(self) -> None:
        atomic_write_text(self.path / META_FILE, json.dumps(self.meta, indent=1))

    def _drop_bad_parts(self, on_disk: list[Path]) -> None:
        listed: dict[str, dict] = self.meta["parts"]
        for f in on_disk:
            entry = listed.get(f.name)
            why = None
            if entry is None:
                why = "is not in the manifest (a run stopped while writing it)"
            else:
                try:
                    ok = _sha256(f) == entry.get("sha256")
                except OSError:
                    ok = False
                if not ok:
                    why = "does not match its checksum (corrupt or partial)"
            if why is not None:
                self.warn(f"part {f.name} {why}; its points will be evaluated again")
                f.unlink(missing_ok=True)
                listed.pop(f.name, None)
        for name in [n for n in listed if not (self.path / n).is_file()]:
            self.warn(f"part {name} is listed in the manifest but missing; its points will be evaluated again")
            listed.pop(name)

    # ---- parts ------------------------------------------------------------
    def part_files(self) -> list[Path]:
        return [self.path / n for n in sorted(self.meta["parts"])]

    def done_ids(self) -> set[str]:
        ids: set[str] = set()
        for f in self.part_files():
            ids.update(pd.read_parquet(f, columns=["point_id"])["point_id"].astype(str))
        return ids

    def write(self, df: pd.DataFrame) -> Path:
        self.seq += 1
        target = self.path / f"part-{self.run}-{self.seq:05d}.parquet"
        tmp = self.path / f".tmp-{self.run}-{self.seq:05d}.parquet"
        df.to_parquet(tmp, index=False)
        digest = _sha256(tmp)
        os.replace(tmp, target)
        self.meta["parts"][target.name] = {"rows": len(df), "sha256": digest}
        self._save_meta()
        return target


def read_results(path: str | Path) -> pd.DataFrame:
    """A sweep's results directory as one table, one row per point, ordered by
    ``point``: the parts its manifest lists (every part if it has none)."""
    p = Path(path)
    files: list[Path] = []
    meta_file = p / META_FILE
    if meta_file.is_file():
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            files = [p / n for n in sorted(meta.get("parts", {})) if (p / n).is_file()]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            files = []
    if not files:
        files = sorted(p.glob("part-*.parquet")) if p.is_dir() else []
    if not files:
        raise SweepError(f"{p}: no sweep results there")
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return df.sort_values(["point", "point_id"], kind="stable").reset_index(drop=True)
