"""Helpers shared by CLI commands: resolving specs, argument types, formatting."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import SpecError
from ..hardware.spec import Accelerator, load_accelerator
from ..paths import bundled_dir

DEFAULT_HW = "gemmini_default"
DEFAULT_WORKLOAD = "bert-base"


def resolve_hw(name_or_path: str | None) -> Accelerator:
    """A hardware YAML path, or the name of a bundled config (``gemmini_ibert``)."""
    s = name_or_path or DEFAULT_HW
    p = Path(s)
    if p.is_file():
        return load_accelerator(p)
    bundled = bundled_dir("hw_configs") / (s if s.endswith((".yaml", ".yml")) else f"{s}.yaml")
    if "/" not in s and bundled.is_file():
        return load_accelerator(bundled)
    known = ", ".join(sorted(q.stem for q in bundled_dir("hw_configs").glob("*.yaml")))
    raise SpecError(f"--hw: no such file or bundled config {s!r} (bundled: {known})")


def positive_int(name: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a positive integer, got {text!r}") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be a positive integer, got {v}")
        return v
    return parse


def nonneg_int(name: str):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a non-negative integer, got {text!r}") from None
        if v < 0:
            raise argparse.ArgumentTypeError(f"{name} must be a non-negative integer, got {v}")
        return v
    return parse


def si(x: float, unit: str = "", digits: int = 3) -> str:
    """Format with an SI prefix: 1.23 G, 4.5 m."""
    ax = abs(x)
    for f, p in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "u"), (1e-9, "n")):
        if ax >= f:
            return f"{x / f:.{digits}g} {p}{unit}".rstrip()
    return f"{x:.{digits}g} {unit}".rstrip()


def resolve_pruning(name_or_path: str):
    """A pruning-plan YAML path, or the name of a bundled plan (``workloads/pruning/``)."""
    from ..workload.pruning import load_pruning_plan

    p = Path(name_or_path)
    if p.is_file():
        return load_pruning_plan(p)
    d = bundled_dir("workloads") / "pruning"
    bundled = d / (name_or_path if name_or_path.endswith((".yaml", ".yml")) else f"{name_or_path}.yaml")
    if "/" not in name_or_path and bundled.is_file():
        return load_pruning_plan(bundled)
    known = ", ".join(sorted(q.stem for q in d.glob("*.yaml")))
    raise SpecError(f"--pruning: no such file or bundled plan {name_or_path!r} (bundled: {known})")
