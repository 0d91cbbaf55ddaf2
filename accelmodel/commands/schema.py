"""``accelmodel schema``: JSON schema of every kind of input file."""

from __future__ import annotations

import importlib
import json
from typing import Any

SCHEMAS = {
    "hardware": ("accelmodel.hardware.spec:Accelerator", "a hardware design (hw_configs/*.yaml, --hw)"),
    "workload": ("accelmodel.workload.config:TransformerConfig", "a workload (workloads/*.yaml, --workload)"),
    "pruning": ("accelmodel.workload.pruning:PruningPlan", "a pruning plan (workloads/pruning/*.yaml, --pruning)"),
    "sweep": ("accelmodel.sweep.spec:SweepSpec", "a design-space sweep (hw_configs/sweeps/*.yaml, accelmodel sweep)"),
}
"""File kind -> (its pydantic model as ``module:class``, imported when asked for; what the file is)."""


def schema_model(kind: str) -> Any:
    """The pydantic model of a file kind."""
    module, _, name = SCHEMAS[kind][0].partition(":")
    return getattr(importlib.import_module(module), name)


def add_parser(sub) -> None:
    kinds = "; ".join(f"{k}: {what}" for k, (_, what) in SCHEMAS.items())
    p = sub.add_parser("schema", help="print the JSON schema of an input file kind (hardware, workload, pruning, "
                                      "sweep)",
                       description=f"Print the JSON schema (draft 2020-12, from the pydantic models) of one kind "
                                   f"of input file, with every field's type, default and description. Kinds: "
                                   f"{kinds}. Use it for editor completion or to validate a YAML file before a run.")
    p.add_argument("which", metavar="KIND", nargs="?", default="hardware", choices=tuple(SCHEMAS),
                   help=f"file kind: {', '.join(SCHEMAS)} (default hardware)")
    p.set_defaults(func=run)


def run(args) -> int:
    model = schema_model(args.which)
    print(json.dumps(model.model_json_schema(), indent=2))
    return 0
