"""Helpers shared by CLI commands: resolving specs, argument types, formatting."""

from __future__ import annotations

import argparse

from ..hardware.spec import Accelerator, load_accelerator
from ..inputs import brief
from ..paths import find_file
from ..units_format import si  # noqa: F401  (re-exported for the commands)

DEFAULT_HW = "gemmini_default"
DEFAULT_WORKLOAD = "bert-base"


def resolve_hw(name_or_path: str | None) -> Accelerator:
    """A hardware YAML path, or the name of a bundled config (``gemmini_ibert``)."""
    return load_accelerator(find_file(name_or_path or DEFAULT_HW, "hw_configs", "--hw", "config"))


def bounded_int(name: str, lo: int, hi: int, what: str | None = None):
    """An argparse type: an integer in ``lo..hi`` (decimal digits only; a one-line error naming the option)."""
    what = what or f"an integer in {lo}..{hi}"

    def parse(text: str) -> int:
        t = text.strip()
        if not (t.isdigit() or (t[:1] in "+-" and t[1:].isdigit())) or len(t) > 30:
            raise argparse.ArgumentTypeError(f"{name} must be {what}, got {brief(text)}")
        v = int(t)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be {what}, got {v}")
        return v
    return parse


def positive_int(name: str, hi: int = 2**31 - 1):
    return bounded_int(name, 1, hi, f"a positive integer (at most {hi})")


def nonneg_int(name: str, hi: int = 2**31 - 1):
    return bounded_int(name, 0, hi, f"a non-negative integer (at most {hi})")


def resolve_pruning(name_or_path: str):
    """A pruning-plan YAML path, or the name of a bundled plan (``workloads/pruning/``)."""
    from ..workload.pruning import load_pruning_plan

    return load_pruning_plan(find_file(name_or_path, "workloads/pruning", "--pruning", "plan"))


def add_hw_option(p) -> None:
    """The ``--hw`` option every modelling command shares."""
    p.add_argument("--hw", metavar="FILE|NAME", help="hardware YAML or bundled config name (default gemmini_default)")
