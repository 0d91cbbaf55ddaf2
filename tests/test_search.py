"""Design search (pymoo) and sensitivity (SALib): feasibility, resume, infeasible problems, closed-form indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from accelmodel.cli import main
from accelmodel.sweep import load_sweep, run_sweep, sweep_from_dict
from accelmodel.sweep.search import SearchInfeasible, run_search

pytest.importorskip("pymoo")

SPACE = {
    "name": "small_search",
    "base": "gemmini_default",
    "workload": {"model": "bert-base", "phase": "prefill", "batch": 1, "seq_len": 128},
    "axes": {"array": {"paths": ["array.rows", "array.cols"], "values": [[8, 8], [16, 16], [32, 32], [64, 64]]},
             "scratchpad_kib": [64, 128, 256, 512],
             "accumulator_kib": [32, 64, 128, 256],
             "dram.bandwidth_gbps": [16, 64, 256]},
    "constraints": [{"metric": "sram_kib", "max": 2400}, {"metric": "power_w", "max": 1.2}],
    "search": {"method": "nsga2", "budget": 120, "population": 24, "seed": 1,
               "objectives": {"latency_s": "min", "energy_j": "min", "sram_kib": "min"}},
}


def _spec(**search):
    d = {**SPACE, "search": {**SPACE["search"], **search}}
    return sweep_from_dict(d)


def test_search_returns_only_feasible_designs_within_budget():
    res = run_search(_spec(), accuracy=False)
    h, front = res.history, res.pareto
    assert 0 < len(h) <= 120 and h["point_id"].is_unique
    assert len(front) and front["feasible"].all()
    assert (front["sram_kib"] <= 2400).all()
    assert (front["energy_j"] / front["latency_s"] <= 1.2).all()
    # some proposals were infeasible, so the constraints did work
    assert (~h["feasible"]).any()
    # the front is the non-dominated set of the feasible history
    from accelmodel.sweep import pareto_front
    again = pareto_front(h[h["feasible"]], ["latency_s", "energy_j", "sram_kib"])
    assert set(again["point_id"]) == set(front["point_id"])
    assert res.convergence["hypervolume"].is_monotonic_increasing


def test_search_rows_equal_the_sweep_rows_of_the_same_points():
    res = run_search(_spec(budget=40, population=20), accuracy=False)
    plain = sweep_from_dict({k: v for k, v in SPACE.items() if k not in ("search", "constraints")})
    full = run_sweep(plain, jobs=1, accuracy=False, progress=False).set_index("point_id")
    ok = res.history[res.history["error"] == ""].set_index("point_id")
    for c in ("latency_s", "energy_j", "dram_bytes", "sram_kib"):
        assert np.array_equal(ok[c].to_numpy(), full.loc[ok.index, c].to_numpy())


def test_small_search_resumes_to_the_uninterrupted_result(tmp_path):
    spec = _spec()
    whole = run_search(spec, tmp_path / "a", accuracy=False)
    # a run interrupted after two generations (Ctrl-C), then resumed
    part = tmp_path / "b"

    def stop(gen: int, evaluated: int) -> None:
        if gen == 1:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        run_search(spec, part, accuracy=False, on_generation=stop)
    resumed = run_search(spec, part, resume=True, accuracy=False)
    assert resumed.info["skipped"] == 48 and resumed.info["new"] == len(whole.history) - 48
    assert list(resumed.history["point_id"]) == list(whole.history["point_id"])
    assert set(resumed.pareto["point_id"]) == set(whole.pareto["point_id"])
    stored = pd.read_parquet(part / "pareto.parquet")
    assert set(stored["point_id"]) == set(whole.pareto["point_id"])


def test_resume_refuses_a_different_search(tmp_path):
    run_search(_spec(budget=24), tmp_path / "r", accuracy=False)
    from accelmodel.sweep import SweepError
    with pytest.raises(SweepError, match="search differs"):
        run_search(_spec(budget=24, seed=2), tmp_path / "r", resume=True, accuracy=False)


def test_infeasible_problem_is_one_line_and_exit_2(tmp_path, capsys):
    spec = _spec(budget=24)
    spec = spec.model_copy(update={"constraints": (*spec.constraints[:1],
                                                   type(spec.constraints[0])(metric="latency_s", max=1e-9))})
    with pytest.raises(SearchInfeasible, match="infeasible: none of the 24 designs"):
        run_search(spec, accuracy=False)
    import yaml
    d = {**SPACE, "constraints": [{"metric": "power_w", "max": 1e-6}],
         "search": {**SPACE["search"], "budget": 24}}
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(d))
    assert main(["sweep", str(f), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "infeasible" in err[0] and "power_w <= 1e-06" in err[0]


def test_workload_mix_averages_by_weight():
    spec = _spec(budget=24, workloads={"short": {"seq_len": 64, "weight": 3}, "long": {"seq_len": 256, "weight": 1}})
    res = run_search(spec, accuracy=False)
    ok = res.history[res.history["error"] == ""]
    expect = 0.75 * ok["latency_s[short]"] + 0.25 * ok["latency_s[long]"]
    assert np.allclose(ok["latency_s"], expect, rtol=1e-12)
    assert (ok["latency_s[long]"] > ok["latency_s[short]"]).all()


def test_search_cli_writes_front_history_and_figures(tmp_path):
    import yaml
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({**SPACE, "search": {**SPACE["search"], "budget": 48}}))
    out = tmp_path / "out"
    assert main(["sweep", str(f), "--out", str(out), "--quiet"]) == 0
    for name in ("pareto.parquet", "convergence.csv", "front.png", "convergence.png", "_sweep.json"):
        assert (out / name).is_file()
    from accelmodel.sweep import read_results
    assert len(read_results(out)) <= 48
    assert main(["sweep", str(f), "--jobs", "2"]) == 2


def test_bad_search_block_is_one_line():
    from accelmodel.errors import SpecError
    with pytest.raises(SpecError, match="search.objectives: unknown metric"):
        _spec(objectives={"latency_s": "min", "speed": "max"})
    with pytest.raises(SpecError, match="two or three objectives"):
        _spec(objectives={"latency_s": "min"})


def test_bundled_space_parses_with_a_search_block():
    spec = load_sweep("bert_big")
    d = spec.model_dump()
    d["search"] = {"budget": 10, "objectives": {"latency_s": "min", "energy_j": "min"}}
    assert sweep_from_dict(d).search.pop_size == 10
