"""``accelmodel schema``: JSON schema of the YAML specs."""

from __future__ import annotations

import json

from ..hardware.spec import Accelerator
from ..workload.config import TransformerConfig


def add_parser(sub) -> None:
    p = sub.add_parser("schema", help="print the JSON schema of a spec (hardware or workload)")
    p.add_argument("which", nargs="?", default="hardware", choices=("hardware", "workload"))
    p.set_defaults(func=run)


def run(args) -> int:
    model = Accelerator if args.which == "hardware" else TransformerConfig
    print(json.dumps(model.model_json_schema(), indent=2))
    return 0
