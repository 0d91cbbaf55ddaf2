"""Helpers shared by CLI commands: resolving specs, argument types, formatting."""

from __future__ import annotations

import argparse

from ..hardware.spec import Accelerator, load_accelerator
from ..paths import find_file
from ..units_format import si  # noqa: F401  (re-exported for the commands)

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


def resolve_pruning(name_or_path: str):
    """A pruning-plan YAML path, or the name of a bundled plan (``workloads/pruning/``)."""
    from ..workload.pruning import load_pruning_plan

    return load_pruning_plan(find_file(name_or_path, "workloads/pruning", "--pruning", "plan"))
