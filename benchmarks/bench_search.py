"""Search vs enumeration on the bundled ``bert_big`` space (prints figures; no assertions).

    python benchmarks/bench_search.py [--budget 1000] [--seeds 0 1 2 3 4] [--method nsga2] [--population 100]

The exact Pareto front of ``hw_configs/sweeps/bert_big.yaml`` (10,080 designs,
BERT-base prefill 512) is found by enumerating every design. Then the search
(:func:`accelmodel.sweep.search.run_search`, NSGA-II by default) runs with at most
``--budget`` distinct evaluations per seed, and the hypervolume of its front is
compared with the exact front's: objectives latency_s, energy_j and a third,
``area_mm2`` where the model gives one for every design, else ``sram_kib``;
each objective normalised to [0, 1] between the exact front's ideal and nadir,
reference point 1.1 in each. Target: median ratio >= 0.95 over 5 seeds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from accelmodel.sweep import load_sweep, pareto_front, run_sweep
from accelmodel.sweep.search import hypervolume, run_search, signed
from accelmodel.sweep.search_spec import SearchSpec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=1000, help="most distinct evaluations per search")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="optimiser seeds")
    ap.add_argument("--method", choices=["nsga2", "nsga3"], default="nsga2", help="optimiser")
    ap.add_argument("--population", type=int, default=100, help="designs per generation")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes for the enumeration")
    args = ap.parse_args()

    spec = load_sweep("bert_big")
    t0 = time.perf_counter()
    full = run_sweep(spec, jobs=args.jobs, accuracy=False, progress=False)
    t_enum = time.perf_counter() - t0
    ok = full[full["error"] == ""]
    third = "area_mm2" if ok["area_mm2"].notna().all() else "sram_kib"
    objectives = {"latency_s": "min", "energy_j": "min", third: "min"}
    exact = pareto_front(ok, objectives)
    f = signed(exact, objectives)
    ideal, nadir = f.min(axis=0), f.max(axis=0)
    hv_exact = hypervolume(f, ideal, nadir)
    print(f"bert_big: {len(full)} designs enumerated in {t_enum:.1f} s ({len(ok)} evaluated without error); "
          f"exact front over ({', '.join(objectives)}): {len(exact)} designs, normalised hypervolume "
          f"{hv_exact:.4f} (reference point 1.1)")

    ratios, times = [], []
    for seed in args.seeds:
        search = SearchSpec(method=args.method, budget=args.budget, population=args.population, seed=seed,
                            objectives=objectives)
        t0 = time.perf_counter()
        res = run_search(spec.model_copy(update={"search": search}), accuracy=False)
        dt = time.perf_counter() - t0
        hv = hypervolume(signed(res.pareto, objectives), ideal, nadir)
        on_exact = int(np.isin(res.pareto["point_id"].to_numpy(), exact["point_id"].to_numpy()).sum())
        ratios.append(hv / hv_exact)
        times.append(dt)
        print(f"  seed {seed}: {res.info['evaluated']} evaluations in {res.info['generations']} generations, "
              f"{dt:.2f} s; front {len(res.pareto)} designs ({on_exact} on the exact front); "
              f"hypervolume ratio {hv / hv_exact:.4f}")
    print(f"median hypervolume ratio over {len(ratios)} seeds: {statistics.median(ratios):.4f} "
          f"(min {min(ratios):.4f}, max {max(ratios):.4f}); median search time {statistics.median(times):.2f} s "
          f"vs {t_enum:.1f} s to enumerate; target >= 0.95 with <= {args.budget} evaluations")


if __name__ == "__main__":
    main()
