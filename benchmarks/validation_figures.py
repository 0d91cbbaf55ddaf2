"""Regenerate the validation figures of ``docs/validation.md`` (PNG, ``docs/figures/``).

    python benchmarks/validation_figures.py [--runs results/scalesim_runs.csv] [--out docs/figures]

The case-study figures are computed (a few seconds). The SCALE-Sim figures
(parity, speed) come from ``--runs``, the ``scalesim_runs.csv`` that
``accelmodel validate --out DIR`` writes; without it the comparison is run here
(the full set, several minutes; needs ``pip install 'accelmodel[validate]'``).
Same as ``accelmodel validate --figures DIR``, without re-running SCALE-Sim.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from accelmodel.validation import figures, scalesim_compare
from accelmodel.validation.case_study import run_case_study
from accelmodel.validation.scalesim_peer import scalesim_available

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=Path, help="scalesim_runs.csv from `accelmodel validate --out DIR`")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures", help="output directory")
    ap.add_argument("--dpi", type=int, default=160)
    args = ap.parse_args()

    figs = figures.case_study_figures(run_case_study())
    if args.runs is not None:
        runs = pd.read_csv(args.runs)
        runs["same_model"] = runs["same_model"].astype(bool)
    elif scalesim_available():
        runs = scalesim_compare.run_comparison()
    else:
        runs = None
        print("scalesim not installed and no --runs: SCALE-Sim figures skipped")
    if runs is not None:
        figs.update(figures.comparison_figures(runs))
    for p in figures.write_figures(figs, args.out, dpi=args.dpi):
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)


if __name__ == "__main__":
    main()
