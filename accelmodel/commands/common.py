"""Helpers shared by CLI commands: resolving specs, argument types, formatting."""

from __future__ import annotations

import argparse

from ..hardware.spec import Accelerator, load_accelerator
from ..paths import find_file

DEFAULT_HW = "gemmini_default"
DEFAULT_WORKLOAD = "bert-base"


def resolve_hw(name_or_path: str | None) -> Accelerator:
    """A hardware YAML path, or the name of a bundled config (``gemmini_ibert``)."""
    return load_accelerator(find_file(name_or_path or DEFAULT_HW, "hw_configs", "--hw", "config"))


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

    return load_pruning_plan(find_file(name_or_path, "workloads/pruning", "--pruning", "plan"))
