"""``accelmodel sensitivity SPEC``: Sobol or Morris indices of a design's outputs to uncertain parameters."""

from __future__ import annotations

import json
from pathlib import Path


from ..errors import SpecError
from ..inputs import check_output_dir
from .common import nonneg_int, positive_int


def add_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="which parameters move latency, energy and area most (SALib Sobol/Morris)",
                       description="Sensitivity analysis of one design and workload (a YAML spec: hw, workload, "
                                   "method sobol|morris, n, seed, outputs, parameters with ranges; see "
                                   "accelmodel/sensitivity.py and docs/search.md). Every sample is a design, all "
                                   "costed in one batch with the same cost model as `run`. Prints one row per "
                                   "(output, parameter); needs the 'sensitivity' extra (SALib).")
    p.add_argument("spec", metavar="SPEC.yaml", help="sensitivity spec file")
    p.add_argument("--method", choices=["sobol", "morris"], default=None,
                   help="override the spec's method: sobol (variance shares S1, ST) or morris (elementary effects)")
    p.add_argument("--n", type=positive_int("--n", 100_000), default=None,
                   help="override the spec's base sample count (Sobol: n x (parameters + 2) designs)")
    p.add_argument("--seed", type=nonneg_int("--seed", 2**32 - 1), default=None,
                   help="override the spec's seed (a non-negative integer)")
    p.add_argument("--out", metavar="DIR", help="write indices.csv and tornado.png (and .pdf) there")
    p.add_argument("--json", action="store_true", help="print the indices as JSON records")
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd

    from ..sensitivity import design_sensitivity, load_sensitivity

    spec, hw = load_sensitivity(args.spec)
    if args.out:
        check_output_dir(args.out, "--out")
    method = args.method or spec.method
    if not spec.parameters:
        raise SpecError("parameters: give at least one parameter")
    df = design_sensitivity(hw, spec.workload, spec.parameters, spec.outputs, method=method,
                            n=args.n or spec.n, seed=spec.seed if args.seed is None else args.seed)
    if args.out:
        from ..plots import sensitivity_bars
        out = Path(args.out)
        out.mkdir(exist_ok=True)
        df.to_csv(out / "indices.csv", index=False)
        fig = sensitivity_bars(df, title=f"{hw.name}: {spec.workload.label} ({method})")
        fig.savefig(out / "tornado.png", dpi=150)
        fig.savefig(out / "tornado.pdf")
    if args.json:
        print(json.dumps(df.to_dict(orient="records"), indent=1))
        return 0
    print(f"{hw.name}, {spec.workload.label}: {method} indices over {len(spec.parameters)} parameters "
          f"({df.attrs['samples']} designs)")
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(df.to_string(index=False))
    if args.out:
        print(f"written: {args.out}/indices.csv, tornado.png, tornado.pdf")
    return 0
