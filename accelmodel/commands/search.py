"""``accelmodel sweep SPEC`` for a spec with a ``search:`` block: run the search, print
the front, and with ``--out`` write the history, ``pareto.parquet``, ``convergence.csv`` and figures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SpecError
from ..inputs import DEFAULT_MAX_POINTS, check_output_dir

if TYPE_CHECKING:  # the sweep package is imported only when a search runs
    from ..sweep.spec import SweepSpec


def _check_options(args) -> None:
    for flag, given in (("--jobs", args.jobs), ("--chunk-size", args.chunk_size),
                        ("--max-points", args.max_points != DEFAULT_MAX_POINTS)):
        if given:
            raise SpecError(f"{flag}: does not apply to a search (each generation is one batch; "
                            f"search.budget bounds the evaluations)")


def describe_search(spec: SweepSpec) -> str:
    s = spec.search
    assert s is not None
    size = 1
    for ax in spec.axes:
        size = size * len(ax.values) if ax.values is not None else -1 if size < 0 else -1
    space = f"{size:,} points" if size > 0 else "a continuous space"
    mix = f"; workload mix {', '.join(s.workloads)}" if s.workloads else ""
    cons = f"; constraints: {', '.join(c.label for c in spec.constraints)}" if spec.constraints else ""
    return (f"{spec.name}: {s.method} search of {space} ({' x '.join(a.name for a in spec.axes)}), budget "
            f"{s.budget} evaluations, population {s.pop_size}, seed {s.seed}; objectives "
            f"{', '.join(f'{k} ({v})' for k, v in s.objectives.items())}{mix}{cons}")


def run_search_command(spec: SweepSpec, args) -> int:
    import pandas as pd

    from ..sweep.search import run_search

    _check_options(args)
    print(describe_search(spec))
    if args.dry_run:
        return 0
    if args.out:
        check_output_dir(args.out, "--out")
    try:
        res = run_search(spec, args.out, scheduler=args.scheduler, resume=args.resume,
                         accuracy=not args.no_accuracy)
    except KeyboardInterrupt:
        if not args.out:
            raise
        print(f"accelmodel: interrupted; evaluated generations are in {args.out}: rerun with --resume to continue",
              file=sys.stderr)
        return 130
    info = res.info
    hv = res.convergence["hypervolume"]
    print(f"evaluated {info['evaluated']} design(s) in {info['generations']} generation(s), {info['seconds']:.2f} s"
          + (f" ({info['skipped']} read back from {args.out})" if info["skipped"] else "")
          + f"; {info['feasible']} feasible; Pareto set {info['front_size']} design(s); hypervolume "
            f"{hv.iloc[-1]:.4f} (normalised by the final front, reference 1.1)")
    if args.out:
        _figures(res, spec, Path(args.out))
        print(f"results: {args.out} (every evaluated design; pareto.parquet, convergence.csv, front.png, "
              f"convergence.png)")
    if args.quiet:
        return 0
    cols = [*spec.columns, *spec.search.objectives] if spec.search else list(spec.columns)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4g}".format):
        print(f"\nPareto set ({', '.join(spec.search.objectives if spec.search else [])}): first 15")
        print(res.pareto[cols].head(15).to_string(index=False))
    return 0


def _figures(res, spec: SweepSpec, out: Path) -> None:
    from ..plots import search_convergence, search_front
    assert spec.search is not None
    search_front(res.history, res.pareto, spec.search.objectives, title=f"{spec.name}: search front").savefig(
        out / "front.png", dpi=150)
    search_convergence(res.convergence, title=f"{spec.name}: convergence").savefig(out / "convergence.png", dpi=150)
