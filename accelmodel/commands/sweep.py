"""``accelmodel sweep``: evaluate a design-space sweep and write its results to Parquet."""

from __future__ import annotations

import sys


from ..errors import SpecError
from ..inputs import check_output_dir
from ..inputs import DEFAULT_MAX_POINTS
from .common import positive_int

_SHOW = ("latency_s", "energy_j", "edp", "matmul_latency_s", "utilization", "tokens_per_s")


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="evaluate a design-space sweep (YAML spec) and write results to Parquet",
                       description="Evaluate every design of a sweep spec (a base design, a workload, axes, "
                                   "sampling and constraints; `accelmodel schema sweep`, bundled ones in "
                                   "`accelmodel list sweep`) with the same cost model as `run`, print the results "
                                   "and their latency/energy Pareto front, and with --out write them as a Parquet "
                                   "dataset (one row per design). A spec with a `search:` block is searched "
                                   "instead (NSGA-II/III, needs the 'search' extra): --out then holds every "
                                   "evaluated design, pareto.parquet, convergence.csv, front.png and "
                                   "convergence.png; an infeasible search says so in one line (exit 2).")
    p.add_argument("spec", metavar="SPEC.yaml", help="sweep spec file, or a bundled sweep name (spad_acc, bert_big)")
    p.add_argument("--out", metavar="PATH", help="results directory (a Parquet dataset: pandas.read_parquet(PATH)); "
                                                 "without it the results are only printed")
    p.add_argument("--jobs", type=positive_int("--jobs"), default=None,
                   help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDR", help="run on Dask: a scheduler address (tcp://host:8786), or "
                                                       "local[:N] for a local cluster of N workers (needs the "
                                                       "'distributed' extra)")
    p.add_argument("--resume", action="store_true", help="skip points already written to --out (a search replays "
                                                         "from its seed and reads them back)")
    p.add_argument("--chunk-size", type=positive_int("--chunk-size"), default=None,
                   help="points per chunk (default: automatic, at most 2000)")
    p.add_argument("--dry-run", action="store_true", help="sample and apply constraints, print the plan, stop")
    p.add_argument("--max-points", type=positive_int("--max-points", 10**12), default=DEFAULT_MAX_POINTS,
                   help=f"refuse a plan with more points than this (default {DEFAULT_MAX_POINTS:,})")
    p.add_argument("--no-accuracy", action="store_true", help="skip the nonlinear units' accuracy (max_rel_error)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no result table")
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd

    from ..sweep import load_sweep, pareto_front, plan_sweep, run_sweep
    from .search import run_search_command

    if args.resume and not args.out:
        raise SpecError("--resume: needs --out (the results directory to continue)")
    if args.scheduler is not None and args.jobs is not None:
        raise SpecError("--jobs: local worker processes do not apply with --scheduler (Dask runs the chunks)")
    if args.dry_run:
        for flag, given in (("--out", args.out), ("--jobs", args.jobs), ("--scheduler", args.scheduler),
                            ("--chunk-size", args.chunk_size), ("--no-accuracy", args.no_accuracy)):
            if given:
                raise SpecError(f"{flag}: does not apply with --dry-run (nothing is evaluated)")
    spec = load_sweep(args.spec)
    if spec.search is not None:
        return run_search_command(spec, args)
    if args.dry_run:
        print(plan_sweep(spec, max_points=args.max_points).describe())
        return 0
    if args.out:
        check_output_dir(args.out, "--out")
    try:
        df = run_sweep(spec, args.out, jobs=args.jobs, scheduler=args.scheduler, resume=args.resume,
                       chunk_size=args.chunk_size, progress=False if args.quiet else None,
                       accuracy=not args.no_accuracy, max_points=args.max_points)
    except KeyboardInterrupt:
        if not args.out:
            raise
        print(f"accelmodel: interrupted; finished chunks are in {args.out}: rerun with --resume to continue",
              file=sys.stderr)
        return 130
    info = df.attrs["sweep"]
    print(info["summary"])
    jobs = f"{info['workers']} job{'s' if info['workers'] != 1 else ''}"
    how = f"Dask ({args.scheduler})" if args.scheduler else jobs
    print(f"evaluated {info['evaluated']} design(s) in {info['seconds']:.2f} s "
          f"({info['designs_per_s']:.0f} designs/s, {how}); {info['errors']} failed"
          + (f"; {info['skipped']} already written" if info["skipped"] else ""))
    if args.out:
        print(f"results: {args.out} ({len(df)} rows; pandas.read_parquet to load)")
    if args.quiet or df.empty:
        return 0
    cols = [*spec.columns, *_SHOW]
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
        if len(df) <= 20:
            print()
            print(df[cols].to_string(index=False))
        front = pareto_front(df, ["latency_s", "energy_j"])
        print(f"\nPareto front (latency_s, energy_j): {len(front)} design(s)")
        print(front[cols].head(15).to_string(index=False))
    return 0
