"""``accelmodel validate``: the survey's case study from accelmodel's own model, and
accelmodel against SCALE-Sim on transformer GEMMs (when ``scalesim`` is installed).

Prints the case-study checks and the SCALE-Sim parity table. ``--out DIR`` writes
``validation.csv`` and ``validation.md`` (one row per case and metric; columns in
``accelmodel/validation/table.py``), plus ``scalesim_runs.csv`` (both tools' raw
numbers per GEMM) and ``parity.csv`` when SCALE-Sim ran. ``--figures DIR`` writes
the PNG figures. Exit code 0 if every asserted model check passed, 1 if one failed;
the speed target (a property of the machine, not of the model) is reported but
does not set the exit code.
"""

from __future__ import annotations

from typing import Any

import sys
import time
from pathlib import Path

from ..errors import AccelModelError
from .common import positive_int


def add_parser(sub) -> None:
    p = sub.add_parser("validate", help="reproduce the survey's case study and compare with SCALE-Sim",
                       description="Reproduce the survey's case study (Kim et al., Full-Stack Optimization of "
                                   "Transformer Inference: a Survey, arXiv 2302.14017; docs/sources.md) and compare "
                                   "array "
                                   "cycles, utilisation and SRAM/DRAM counts with SCALE-Sim (if installed).")
    p.add_argument("--out", metavar="DIR", help="write validation.csv / validation.md (and SCALE-Sim tables) here")
    p.add_argument("--quick", action="store_true",
                   help="a subset that runs in under a minute (small GEMMs, SCALE-Sim traces <= 8k cycles)")
    p.add_argument("--figures", metavar="DIR", help="write the validation figures (PNG) here")
    p.add_argument("--json", action="store_true",
                   help="print the published-number comparison (data/published.csv) as JSON instead of text")
    p.add_argument("--no-scalesim", action="store_true", help="skip the SCALE-Sim comparison even if installed")
    p.add_argument("--jobs", metavar="N", type=positive_int("--jobs"), default=1,
                   help="SCALE-Sim processes (default 1: undisturbed wall times for the speed ratio)")
    p.add_argument("--max-lines", metavar="CYCLES", type=positive_int("--max-lines"),
                   help="largest SCALE-Sim trace (cycles) to run; bigger GEMMs are run on fewer folds "
                        "(default 50000, quick 8000)")
    p.set_defaults(func=run)


def _progress():
    from tqdm import tqdm

    bar = {"t": None}

    def update(done: int, total: int, run: dict) -> None:
        if bar["t"] is None:
            bar["t"] = tqdm(total=total, desc="SCALE-Sim", unit="GEMM", file=sys.stderr, disable=None, leave=False)
        bar["t"].set_postfix_str(f"{run['case']} {run['rows']}x{run['cols']} {run['dataflow']}", refresh=False)
        bar["t"].update(1)
        if done == total:
            bar["t"].close()

    return update


def run(args) -> int:
    """Text to stdout; with ``--json`` the text goes to stderr and stdout holds only the
    published-number rows and the fitted-parameter rows (``metric`` = ``fitted_value``, with
    ``fitted_on`` and ``sensitivity``) as JSON (NaN as null)."""
    if not args.json:
        return _run(args)[0]
    import contextlib
    import json

    with contextlib.redirect_stdout(sys.stderr):
        code, (pub, fitted) = _run(args)
    rows = pub + _fitted_json(fitted)
    print(json.dumps([{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in rows],
                     indent=1))
    return code


def _fitted_json(rows: list[dict]) -> list[dict]:
    """Fitted-parameter rows with their structured sensitivity (``--json``)."""
    from ..validation.published import fitted_parameters

    return [{**r, "fitted_on": f["fitted_on"], "target": f["target"], "model_at_fit": f["model_at_fit"],
             "sensitivity": f["sensitivity"]} for r, f in zip(rows, fitted_parameters())]


def _run(args) -> tuple[int, tuple[list[dict], list[dict]]]:
    from ..validation import table
    from ..validation.case_study import run_case_study
    from ..validation.scalesim_peer import scalesim_available

    for flag, path in (("--out", args.out), ("--figures", args.figures)):
        if path and Path(path).exists() and not Path(path).is_dir():
            raise AccelModelError(f"{flag}: {path} exists and is not a directory")
    t0 = time.perf_counter()
    cs = run_case_study()
    rows = cs.rows()
    from ..validation.published import fitted_rows, published_rows

    pub, fitted = published_rows(), fitted_rows()
    rows += pub + fitted
    t_case = time.perf_counter() - t0

    comparison: Any = None
    parity: Any = None
    if args.no_scalesim:
        skipped = "skipped (--no-scalesim)"
    elif not scalesim_available():
        skipped = "skipped: scalesim is not installed (pip install 'accelmodel[validate]')"
    else:
        from ..validation import scalesim_compare as sc

        skipped = None
        comparison = sc.run_comparison(quick=args.quick, jobs=args.jobs, max_lines=args.max_lines,
                                       progress=_progress())
        parity = sc.parity_table(comparison)
        rows += sc.comparison_rows(comparison)
    t_all = time.perf_counter() - t0
    df = table.assemble(rows)

    out = sys.stdout
    pdf = df[df["reference_source"].str.startswith(table.PUBLISHED_SOURCE)]
    print("Published numbers (data/published.csv) vs accelmodel", file=out)
    print(table.to_text(pdf, ("metric", "accelmodel", "reference", "rel_error", "check", "passed"), max_width=40),
          file=out)
    print("Case study (Kim et al. Full-Stack survey, arXiv 2302.14017), accelmodel's own numbers")
    print(table.to_text(df[(df["reference_source"].str.startswith("survey")) & (df["check"] != "info")],
                        ("case", "metric", "accelmodel", "reference", "check", "passed"), max_width=72))
    if parity is None:
        print(f"SCALE-Sim comparison {skipped}")
    else:
        print("accelmodel vs SCALE-Sim: compute cycles (|relative error|), per dataflow and array")
        print(_parity_text(parity))
        n_red = int(comparison["reduced"].sum())
        print(f"{len(comparison)} GEMM runs ({n_red} run on fewer folds than the full shape); "
              f"SCALE-Sim {comparison['ss_wall_s'].sum():.0f} s, accelmodel "
              f"{comparison['am_wall_s'].sum() * 1e3:.1f} ms in all")
    s = table.summary(df)
    print(f"published numbers: {s['published_within']}/{s['published']} within tolerance; outside: "
          f"{', '.join(s['published_outside']) or 'none'}; fitted parameters: {len(fitted)}", file=out)
    for f in fitted:
        print(f"  fitted: {f['case']} = {f['accelmodel']:g}, {f['note']}", file=out)
    print(f"\n{s['checked']} checks: {s['passed']} passed, {s['failed']} failed "
          f"(case study {t_case:.1f} s, total {t_all:.1f} s)")
    if s["targets"]:
        sr = comparison["speed_ratio"]
        print(f"speed target (>= 1,000x SCALE-Sim per GEMM, this machine): met on {s['targets_met']}/{s['targets']} "
              f"GEMMs (min {sr.min():,.0f}x, median {sr.median():,.0f}x)")
    for f in s["failures"][:20]:
        print(f"  failed: {f}")
    if len(s["failures"]) > 20:
        print(f"  ... and {len(s['failures']) - 20} more (see validation.csv)")

    if args.out:
        csv, md = table.write(df, args.out)
        written = [csv, md]
        if comparison is not None:
            comparison.to_csv(Path(args.out) / "scalesim_runs.csv", index=False)
            parity.to_csv(Path(args.out) / "parity.csv", index=False)
            written += [Path(args.out) / "scalesim_runs.csv", Path(args.out) / "parity.csv"]
        print("wrote " + ", ".join(str(p) for p in written))
    if args.figures:
        from ..validation import figures

        figs = figures.case_study_figures(cs)
        if comparison is not None:
            figs.update(figures.comparison_figures(comparison))
        paths = figures.write_figures(figs, args.figures)
        print("wrote " + ", ".join(str(p) for p in paths))
    return (0 if s["failed"] == 0 else 1), (pub, fitted)


def _parity_text(parity) -> str:
    from ..validation.table import to_text

    p = parity.copy()
    pct = lambda v: "" if v != v else f"{v * 100:.3g}%"  # noqa: E731  (NaN -> empty)
    out = p.assign(**{
        "same-model GEMMs": [f"{a}/{b}" for a, b in zip(p["same_model"], p["gemms"])],
        "mean err (same)": p["mean_rel_error_same"].map(pct), "max err (same)": p["max_rel_error_same"].map(pct),
        "mean err (all)": p["mean_rel_error_all"].map(pct), "max err (all)": p["max_rel_error_all"].map(pct),
        "array cycles exact": [f"{a}/{b}" for a, b in zip(p["array_cycles_exact"], p["gemms"])],
        "speed ratio min": p["speed_ratio_min"].map(lambda v: f"{v:,.0f}x"),
        "speed ratio median": p["speed_ratio_median"].map(lambda v: f"{v:,.0f}x"),
    })
    cols = ("dataflow", "array", "same-model GEMMs", "mean err (same)", "max err (same)", "mean err (all)",
            "max err (all)", "array cycles exact", "speed ratio min", "speed ratio median")
    return to_text(out, cols)
