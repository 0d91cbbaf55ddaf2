"""Loading a sweep spec: YAML files, plain data and Python values.

Relative paths inside a sweep file (base design, workload model, pruning plan)
are relative to the file; bare names stay names (bundled configs and presets).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from pydantic import ValidationError

from ..errors import SpecError, format_validation_error
from ..specbase import read_yaml_mapping
from ..hardware.spec import Accelerator, load_accelerator
from ..paths import find_file
from ..workload.point import WorkloadPoint
from .spec import Sampling, SweepSpec


def load_sweep(path_or_name: str | Path) -> SweepSpec:
    """A sweep YAML file, or the name of a bundled one (``spad_acc``). Relative
    paths inside it (base, workload model, pruning plan) are relative to the file."""
    p = find_file(path_or_name, "hw_configs/sweeps", "sweep spec", "sweep")
    data = read_yaml_mapping(p, "sweep spec")
    return sweep_from_dict(data, where=p.name, root=p.parent)


def _resolve_base(base: Any, where: str, root: Path | None) -> Accelerator:
    if isinstance(base, Accelerator):
        return base
    if isinstance(base, dict):
        try:
            return Accelerator.model_validate(base)
        except ValidationError as exc:
            raise SpecError(f"{where}: base: {format_validation_error(exc)}") from None
    if isinstance(base, (str, Path)):
        return load_accelerator(find_file(base, "hw_configs", f"{where}: base", "hardware config", root=root))
    raise SpecError(f"{where}: base: a bundled config name, a path or a mapping of fields")


def _resolve_file(value: Any, root: Path | None) -> Any:
    """Paths in a sweep file are relative to it; bare names stay names (presets, bundled plans)."""
    if not isinstance(value, str):
        return value
    if root is None or ("/" not in value and not value.endswith((".yaml", ".yml", ".json"))):
        return value
    p = Path(value)
    return str(p if p.is_absolute() else (root / p).resolve())


def _resolve_workload_dict(wl: dict, root: Path | None) -> dict:
    out = dict(wl)
    if "model" in out:
        out["model"] = _resolve_file(out["model"], root)
    if out.get("pruning") is not None:
        out["pruning"] = _resolve_file(out["pruning"], root)
    return out


def sweep_from_dict(data: dict, where: str = "sweep spec", root: Path | None = None) -> SweepSpec:
    """Validate a sweep given as plain data (what the YAML holds)."""
    d = dict(data)
    if "base" not in d:
        raise SpecError(f"{where}: base: required field is missing (a hardware config name or path)")
    d["base"] = _resolve_base(d["base"], where, root)
    if isinstance(d.get("workload"), dict):
        d["workload"] = _resolve_workload_dict(d["workload"], root)
    elif isinstance(d.get("workload"), str):
        d["workload"] = {"model": _resolve_file(d["workload"], root)}
    if isinstance(d.get("workloads"), (list, dict)):
        w = d["workloads"]
        items = w.items() if isinstance(w, dict) else enumerate(w)
        res = {k: _resolve_workload_dict(v, root) if isinstance(v, dict) else v for k, v in items}
        d["workloads"] = res if isinstance(w, dict) else list(res.values())
    axes = d.get("axes")
    if isinstance(axes, dict):  # resolve workload file paths in axis values
        for key in ("workload.model", "workload.pruning"):
            if key in axes and isinstance(axes[key], list):
                axes = {**axes, key: [_resolve_file(v, root) for v in axes[key]]}
        d["axes"] = axes
    try:
        spec = SweepSpec.model_validate(d)
    except ValidationError as exc:
        raise SpecError(f"{where}: {format_validation_error(exc)}") from None
    return spec


def make_spec(base: Accelerator | str, workload: WorkloadPoint | dict | str | None, axes: dict | Sequence,
              sampling: Sampling | dict | str = "grid", constraints: Sequence = (),
              name: str = "sweep") -> SweepSpec:
    """A :class:`SweepSpec` from Python values (axes as ``{path: values}`` or a list of :class:`Axis`)."""
    wl: Any = workload if workload is not None else WorkloadPoint()
    if isinstance(wl, str):
        wl = {"model": wl}
    data = {"name": name, "base": _resolve_base(base, "sweep", None), "workload": wl,
            "axes": axes if isinstance(axes, dict) else list(axes), "sampling": sampling,
            "constraints": list(constraints)}
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"sweep: {format_validation_error(exc)}") from None
