"""``accelmodel list``: every bundled design, workload, Hugging Face config, pruning plan
and sweep, with a one-line description."""

from __future__ import annotations

import json
import sys

from ..catalog import catalog
from ..paths import BUNDLED_KINDS

_TITLES = {"design": "Designs (--hw NAME)", "workload": "Workload presets (--workload NAME)",
           "hf_config": "Hugging Face configs (--workload NAME or NAME.json)",
           "pruning": "Pruning plans (--pruning NAME)", "sweep": "Sweeps (accelmodel sweep NAME)"}


def add_parser(sub) -> None:
    p = sub.add_parser(
        "list", help="list the bundled designs, workloads, HF configs, pruning plans and sweeps",
        description="Every bundled file, by kind, with a one-line description. Each NAME works from any "
                    "directory, as does its file name (gpt2.json) or its path in the repository "
                    "(workloads/hf_configs/gpt2.json).")
    p.add_argument("kind", metavar="KIND", nargs="?", choices=tuple(BUNDLED_KINDS),
                   help=f"list only this kind: {', '.join(BUNDLED_KINDS)} (default: all)")
    p.add_argument("--json", action="store_true", help="print {kind: [{name, file, description}]} as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    cat = catalog()
    if args.kind:
        cat = {args.kind: cat[args.kind]}
    if args.json:
        json.dump(cat, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    blocks = []
    for kind, items in cat.items():
        width = max([len(i["name"]) for i in items] + [4])
        blocks.append("\n".join([f"{_TITLES[kind]}:"] + [f"  {i['name']:<{width}}  {i['description']}" for i in items]))
    print("\n\n".join(blocks))
    return 0
