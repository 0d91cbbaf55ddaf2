"""Designs per second of a whole-model sweep (prints figures; no assertions).

    python benchmarks/bench_sweep.py [--spec bert_big] [--jobs 1 2] [--no-profile]

Default space: ``hw_configs/sweeps/bert_big.yaml``, BERT-base prefill 512 on
gemmini_default with 10,080 points over square array size (5), scratchpad (6),
accumulator (6), DRAM bandwidth (7) and the nonlinear units (8).
Target (2-core machine): at least 2,000 designs/s.

For each job count it times the whole :func:`accelmodel.sweep.run_sweep`
call (sampling, hashing, screening, evaluation) kept in memory, and again
writing the Parquet dataset. Then it profiles one single-process run and says
where the time goes, by stage.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

from accelmodel.sweep import load_sweep, run_sweep
from accelmodel.sweep.check import workload_ops

# stage -> functions whose cumulative time it is (from the profile)
STAGES = {
    "sample + hash points": ["sample_points"],
    "screen (build + validate designs, constraints)": ["screen"],
    "design batches (rates and energy tables)": ["of"],
    "tiling search (vectorised)": ["matmul_maps"],
    "lowering + evaluation (cost/demand.py, cost/evaluate.py)": ["lower_ops", "evaluate"],
    "totals and shares (cost/totals.py)": ["totals"],
    "nonlinear accuracy (max_rel_error)": ["design_accuracy"],
    "result frames (axis columns)": ["axis_frame"],
    "Parquet writes": ["write"],
}


def timed(spec, jobs: int, out: str | None) -> tuple[float, int]:
    t = time.perf_counter()
    df = run_sweep(spec, out, jobs=jobs, progress=False)
    return time.perf_counter() - t, len(df)


def profile(spec, out: str) -> None:
    prof = cProfile.Profile()
    prof.enable()
    t = time.perf_counter()
    run_sweep(spec, out, jobs=1, progress=False)
    wall = time.perf_counter() - t
    prof.disable()
    st = pstats.Stats(prof)
    cum: dict[str, float] = {}
    for (file, _line, fn), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
        if "accelmodel" in file or fn == "write":
            cum[fn] = max(cum.get(fn, 0.0), ct)
    total = wall
    print(f"\nWhere the time goes (single process, profiled: {wall:.2f} s wall under cProfile):")
    for stage, fns in STAGES.items():
        t = sum(cum.get(f, 0.0) for f in fns)
        print(f"  {stage:<48} {t:6.2f} s  {t / total:6.1%}")
    print("\nTop functions by own time:")
    st.sort_stats("tottime").print_stats(12)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", default="bert_big", help="bundled sweep name or YAML path")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--no-profile", action="store_true")
    a = ap.parse_args()
    spec = load_sweep(a.spec)
    workload_ops(spec.workload)  # warm-up: imports, first graph
    run_sweep(spec.model_copy(update={"axes": spec.axes[:1]}), jobs=1, progress=False)
    print(f"{spec.name}: {spec.description}")
    print(f"cores: {os.cpu_count()}")
    print(f"{'jobs':>4} {'output':<10} {'designs':>8} {'seconds':>8} {'designs/s':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in a.jobs:
            for label, out in (("memory", None), ("parquet", str(Path(tmp) / f"j{jobs}.parquet"))):
                sec, n = timed(spec, jobs, out)
                print(f"{jobs:>4} {label:<10} {n:>8} {sec:>8.2f} {n / sec:>10.0f}")
        if not a.no_profile:
            profile(spec, str(Path(tmp) / "profile.parquet"))


if __name__ == "__main__":
    main()
