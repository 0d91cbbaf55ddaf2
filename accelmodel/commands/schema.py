"""``accelmodel schema``: JSON schema of every kind of input file."""

from __future__ import annotations

from typing import Any

import json

from ..hardware.spec import Accelerator
from ..sweep.spec import SweepSpec
from ..workload.config import TransformerConfig
from ..workload.pruning import PruningPlan

SCHEMAS = {
    "hardware": (Accelerator, "a hardware design (hw_configs/*.yaml, --hw)"),
    "workload": (TransformerConfig, "a workload (workloads/*.yaml, --workload)"),
    "pruning": (PruningPlan, "a pruning plan (workloads/pruning/*.yaml, --pruning)"),
    "sweep": (SweepSpec, "a design-space sweep (hw_configs/sweeps/*.yaml, accelmodel sweep)"),
}
"""File kind -> (pydantic model, what the file is)."""


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
    model: Any = SCHEMAS[args.which][0]
    print(json.dumps(model.model_json_schema(), indent=2))
    return 0
