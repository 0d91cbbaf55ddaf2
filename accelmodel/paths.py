"""Where the bundled data lives (hardware configs, workload presets, data files).

The YAML/JSON files live at the top of the repository (``hw_configs/``,
``workloads/``, ``data/``) so users can read and copy them. A wheel install maps
them into the package as ``accelmodel/bundled/...`` (see ``pyproject.toml``); an
editable install or a source checkout reads them from the repository. Paths are
resolved from this file, never from the working directory.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent
_NAMES = ("hw_configs", "workloads", "data")


def bundled_dir(name: str) -> Path:
    """Directory of bundled files: ``hw_configs``, ``workloads`` or ``data``."""
    if name not in _NAMES:
        raise ValueError(f"bundled directory must be one of {_NAMES}, got {name!r}")
    installed = _PKG / "bundled" / name
    if installed.is_dir():
        return installed
    source = _PKG.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"bundled directory {name!r} not found next to the accelmodel package")


BUNDLED_KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "design": ("hw_configs", (".yaml", ".yml"), "hardware design (--hw)"),
    "workload": ("workloads", (".yaml", ".yml"), "workload preset (--workload)"),
    "hf_config": ("workloads/hf_configs", (".json",), "Hugging Face config.json (--workload)"),
    "pruning": ("workloads/pruning", (".yaml", ".yml"), "pruning plan (--pruning)"),
    "sweep": ("hw_configs/sweeps", (".yaml", ".yml"), "sweep spec (accelmodel sweep)"),
}
"""Every kind of bundled file: (folder, file suffixes, what it is and where it is used)."""


def bundled_files(kind: str) -> list[Path]:
    """The bundled files of one kind of :data:`BUNDLED_KINDS`, sorted by name."""
    folder, suffixes, _ = BUNDLED_KINDS[kind]
    top, _, sub = folder.partition("/")
    return sorted(p for p in (bundled_dir(top) / sub).iterdir() if p.is_file() and p.suffix in suffixes)


def bundled_file(name: str, folder: str, suffixes: tuple[str, ...] = (".yaml", ".yml")) -> Path | None:
    """The bundled file ``name`` of ``folder`` (e.g. ``"hw_configs"``, ``"hw_configs/sweeps"``,
    ``"workloads/hf_configs"``), or None. ``name`` may be the file's stem (``gemmini_ibert``),
    its file name (``gemmini_ibert.yaml``) or its path from the repository root
    (``hw_configs/gemmini_ibert.yaml``, ``workloads/hf_configs/gpt2.json``): all three work
    from any directory."""
    s = str(name)
    top, _, sub = folder.partition("/")
    if "/" in s:  # a path as written from the repository root, inside ``folder``
        first, _, rest = s.partition("/")
        if first not in _NAMES or not s.startswith(folder.rstrip("/") + "/"):
            return None
        p = bundled_dir(first) / rest
        return p if p.is_file() and p.suffix in suffixes else None
    base = bundled_dir(top) / sub
    for candidate in ([s] if s.endswith(suffixes) else [s + suffix for suffix in suffixes]):
        p = base / candidate
        if p.is_file():
            return p
    return None


def find_file(name_or_path: str | Path, folder: str, what: str, noun: str, root: Path | None = None,
              suffixes: tuple[str, ...] = (".yaml", ".yml")) -> Path:
    """A file given by path (relative to ``root`` when given, else to the working
    directory), else a bundled file of ``folder`` given by name, file name or path from
    the repository root (:func:`bundled_file`). ``SpecError`` naming ``what`` and listing
    the bundled ``noun`` files otherwise."""
    from .errors import SpecError

    s = str(name_or_path)
    p = Path(s) if root is None or Path(s).is_absolute() else root / s
    if p.is_file():
        return p
    if p.is_dir():
        raise SpecError(f"{what}: {s} is a directory, not a file")
    bundled = bundled_file(s, folder, suffixes)
    if bundled is not None:
        return bundled
    top, _, sub = folder.partition("/")
    known = ", ".join(sorted(q.stem for q in (bundled_dir(top) / sub).iterdir() if q.suffix in suffixes))
    shown = repr(s) if len(s) <= 80 else repr(s[:80]) + f"... ({len(s)} characters)"
    raise SpecError(f"{what}: no such file or bundled {noun} {shown} (bundled: {known})")
