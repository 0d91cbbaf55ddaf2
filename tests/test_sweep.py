"""Sweeps: the fast path equals simulate point by point; specs, sampling,
constraints, ids, errors; the tiling refactor it relies on; Pareto fronts."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import accelmodel as am
from accelmodel.errors import AccelModelError, SpecError
from accelmodel.mapping.tiling import TIME_TIE, candidate_table, choose, table_key
from accelmodel.sweep import (DesignBuilder, PointCodec, WorkloadPoint, evaluate_designs, load_sweep,
                              make_spec, pareto_front, plan_sweep, point_id, run_sweep, sample_points,
                              summary_metrics, sweep)
from accelmodel.sweep.evaluate import METRICS, RESULT_COLUMNS

from conftest import load_hw

UNITS = [{"kind": "cpu_offload"}, {"kind": "ibert"}, {"kind": "exact", "lanes": 32}, {"kind": "lut"},
         {"kind": "vector"}, {"kind": "cordic"}, {"kind": "crossroad"}]


def reference_row(hw, wl: WorkloadPoint) -> dict | str:
    """What simulate says for one point: the metric columns, or the error message."""
    try:
        rep = am.simulate(hw, wl.model, wl.phase, wl.batch, wl.seq_len, wl.kv_len)
    except AccelModelError as exc:
        return str(exc)
    metrics, summary = summary_metrics(rep), rep.summary()
    for c in ("area_mm2", "power_w", "leakage_w", "tops_per_w", "tops_per_mm2"):
        assert metrics[c] == summary[c], c
    return metrics


def assert_identical(df: pd.DataFrame, hws, wls) -> None:
    """Every metric of every row equals simulate's, exactly (NaN where simulate fails)."""
    for i, (hw, wl) in enumerate(zip(hws, wls)):
        ref = reference_row(hw, wl)
        row = df.iloc[i]
        if isinstance(ref, str):
            assert row["error"] == ref, (i, row["error"], ref)
            assert all(math.isnan(row[c]) for c in METRICS if c not in ("area_mm2", "nonlinear_area_mm2",
                                                                          "sram_kib", "edp"))
            continue
        assert row["error"] == "", (i, row["error"])
        for c, v in ref.items():
            got = row[c]
            assert got == v or (np.isnan(got) and np.isnan(v)), (i, c, got, v)


def random_designs(seed: int, n: int, base_name: str = "gemmini_default"):
    base = load_hw(base_name)
    rng = np.random.default_rng(seed)
    hws = []
    while len(hws) < n:
        up = {"scratchpad_kib": float(rng.choice([4, 32, 128, 512])), "accumulator_kib": float(rng.choice([4, 16, 64, 256])),
              "array.rows": int(rng.choice([8, 16, 32, 64])), "array.cols": int(rng.choice([8, 16, 32])),
              "dram.bandwidth_gbps": float(rng.choice([8, 16, 64, 200])),
              "tiling": str(rng.choice(["square", "search"])), "array.dataflow": str(rng.choice(["WS", "OS"])),
              "double_buffered": bool(rng.random() < 0.5),
              "nonlinear.softmax": UNITS[rng.choice([0, 1, 2, 3, 5, 6])],
              "nonlinear.activation": UNITS[rng.choice([0, 1, 2, 3, 4])],
              "nonlinear.norm": UNITS[rng.choice([0, 1, 2])], "nonlinear.elementwise": UNITS[rng.choice([0, 2, 4])],
              "host.memory_bandwidth_gbps": float(rng.choice([4, 8, 100])),
              "sram_cells": str(rng.choice(["hp", "lop", "lstp"]))}
        if rng.random() < 0.3:  # the typed energy table (its static power) instead of the component models
            up.update({"energy.per_action": "table", "energy.static_power_mw": float(rng.choice([0, 20]))})
        if rng.random() < 0.2:
            up["area_mm2"] = float(rng.choice([1.5, 40.0]))  # a typed area override
        if rng.random() < 0.3:
            up["l2"] = None
        up["technology_nm"] = [None, 7.0, 28.0][int(rng.integers(3))]  # optional: None for some designs only
        try:
            hws.append(am.with_updates(base, up))
        except SpecError:
            pass
    return hws


WORKLOADS = [WorkloadPoint(model="bert-base", seq_len=64), WorkloadPoint(model="gpt2", phase="decode", kv_len=100),
             WorkloadPoint(model="olmo-1b", seq_len=32, batch=2)]


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_path_equals_simulate_point_by_point(seed):
    """Random designs (dataflows, tiling policies, no L2, every unit kind, buffers
    too small to map, units that cannot run an op) on three workloads: every
    column identical to simulate's summary, every failure the same message
    (2 seeds x 100 designs = 200 random designs)."""
    hws = random_designs(seed, 100)
    wls = [WORKLOADS[i % 3] for i in range(len(hws))]
    df = evaluate_designs(hws, wls)
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert (df["error"] != "").any() and (df["error"] == "").sum() > 10
    assert_identical(df, hws, wls)


def test_bundled_big_sweep_sample_equals_simulate():
    """Points of the benchmark space (BERT-base prefill 512), through run_sweep."""
    from accelmodel.sweep import Sampling
    spec = load_sweep("bert_big").model_copy(update={"sampling": Sampling(method="random", n=10, seed=3)})
    df = run_sweep(spec, jobs=1, progress=False)
    codec = PointCodec(spec)
    smp = sample_points(spec)
    hws = [am.with_updates(spec.base, codec.updates(ch)[0]) for ch in smp.choices]
    assert list(df["point_id"]) == smp.point_ids
    assert_identical(df, hws, [spec.workload] * len(hws))


def test_spad_acc_reproduces_the_survey_study():
    spec = load_sweep("spad_acc")
    assert spec.base == load_hw("gemmini_default")
    assert (spec.workload.model, spec.workload.phase, spec.workload.seq_len) == ("bert-base", "prefill", 512)
    df = run_sweep(spec, jobs=1, progress=False)
    assert len(df) == 9 and (df["error"] == "").all()
    assert sorted(set(df["scratchpad_kib"])) == sorted(set(df["accumulator_kib"])) == [64, 128, 256]
    at = df.set_index(["scratchpad_kib", "accumulator_kib"])
    # finding 2: capacity moved from scratchpad to accumulator lowers matmul latency noticeably
    assert at.loc[(64, 256), "matmul_latency_s"] < 0.9 * at.loc[(256, 64), "matmul_latency_s"]
    for (s, a), row in at.iterrows():
        ref = summary_metrics(am.simulate(am.with_updates(spec.base, {"scratchpad_kib": s, "accumulator_kib": a}),
                                          "bert-base", "prefill", 1, 512))
        assert all(row[c] == v or (np.isnan(row[c]) and np.isnan(v)) for c, v in ref.items())


def test_workload_axes_and_decode():
    base = load_hw("edge_llm")
    df = sweep(base, {"model": "gpt2", "phase": "decode", "kv_len": 64},
               {"workload.kv_len": [16, 256], "workload.batch": [1, 4], "dram.bandwidth_gbps": [25.6, 102.4]})
    assert len(df) == 8
    wls, hws = [], []
    for _, r in df.iterrows():
        wls.append(WorkloadPoint(model="gpt2", phase="decode", kv_len=int(r["workload.kv_len"]),
                                 batch=int(r["workload.batch"])))
        hws.append(am.with_updates(base, {"dram.bandwidth_gbps": r["dram.bandwidth_gbps"]}))
    assert_identical(df, hws, wls)
    # decode tokens/s counts one token per sequence
    r = df.iloc[0]
    assert r["tokens_per_s"] == pytest.approx(r["workload.batch"] / r["latency_s"])


def test_pruned_points_run_through_simulate():
    base = load_hw("gemmini_default")
    df = sweep(base, {"model": "bert-base", "seq_len": 32, "pruning": "head_25"}, {"scratchpad_kib": [128, 256]})
    from accelmodel.paths import bundled_dir
    plan = bundled_dir("workloads") / "pruning" / "head_25.yaml"
    for _, r in df.iterrows():
        ref = summary_metrics(am.simulate(am.with_updates(base, {"scratchpad_kib": r["scratchpad_kib"]}),
                                          "bert-base", "prefill", 1, 32, pruning=plan))
        assert all(r[c] == v or (np.isnan(r[c]) and np.isnan(v)) for c, v in ref.items())


# ---------------------------------------------------------------------------
# building designs and identifying points

def test_design_builder_equals_with_updates():
    for name in ("gemmini_default", "edge_llm"):
        base = load_hw(name)
        b = DesignBuilder(base)
        cases = [{}, {"scratchpad_kib": 128}, {"array.rows": 32, "array.cols": 8}, {"nonlinear.softmax.kind": "lut"},
                 {"nonlinear.softmax": {"kind": "lut", "lanes": 4}, "nonlinear.softmax.lanes": 8},
                 {"nonlinear.softmax.kind": "cpu_offload"}, {"l2": None}, {"l2.size_kib": 16},
                 {"l2": None, "l2.size_kib": 3}, {"array.rowz": 3}, {"scratchpad_kib": -1}, {"scratchpad_kib.x": 1},
                 {"nonlinear": {"softmax": {"kind": "ibert"}}}, {"scratchpad_banks": 10 ** 9},
                 {"dram.bandwidth_gbps": "fast"}, {"nonlinear.softmax.lanes": 0}, {"array": {"rows": 4}},
                 {"nonlinear.norm.kind": "lut"}, {"bogus": 1}, {"l2": {"size_kib": 5}}, {"array.rows": 32.0},
                 {"array.rows": 32.5}, {"nonlinear": {"softmax": {"kind": "ibert", "lanes": -1}}}]
        for _ in range(2):  # second pass hits the builder's caches
            for c in cases:
                try:
                    want = am.with_updates(base, c)
                except SpecError as exc:
                    with pytest.raises(SpecError) as got:
                        b.build(c)
                    assert str(got.value) == str(exc)
                    continue
                got = b.build(c)
                assert got == want and got.model_dump() == want.model_dump()


def test_point_ids_are_stable_and_match_the_codec():
    # golden: a change here silently breaks --resume of existing results
    assert point_id({"scratchpad_kib": 64, "accumulator_kib": 256}) == point_id(
        {"accumulator_kib": 256, "scratchpad_kib": 64})
    assert point_id({"scratchpad_kib": 64, "accumulator_kib": 256}) == "bc2f1fad1d19746d"
    assert point_id({"scratchpad_kib": 64}) != point_id({"scratchpad_kib": 64.0})
    spec = load_sweep("bert_big")
    codec = PointCodec(spec)
    for ch in sample_points(spec).choices[::997]:
        hw, wl = codec.updates(ch)
        assert codec.point_id(ch) == point_id({**hw, **{f"workload.{k}": v for k, v in wl.items()}})


# ---------------------------------------------------------------------------
# specs, sampling, constraints, errors

def _spec(axes, **kw):
    return make_spec(load_hw("gemmini_default"), {"model": "bert-base", "seq_len": 64}, axes, **kw)


def test_grid_random_and_lhs_sampling():
    axes = {"scratchpad_kib": [64, 128, 256], "dram.bandwidth_gbps": {"min": 8, "max": 128, "log": True, "num": 5}}
    grid = sample_points(_spec(axes))
    assert grid.n_sampled == 15 and len(grid.choices) == 15
    bw = sorted({c[1] for c in grid.choices})
    assert bw[0] == 8 and bw[-1] == pytest.approx(128) and bw[2] == pytest.approx(32)
    for method in ("random", "lhs"):
        s1 = sample_points(_spec(axes, sampling={"method": method, "n": 40, "seed": 7}))
        s2 = sample_points(_spec(axes, sampling={"method": method, "n": 40, "seed": 7}))
        s3 = sample_points(_spec(axes, sampling={"method": method, "n": 40, "seed": 8}))
        assert s1.choices == s2.choices and s1.point_ids == s2.point_ids and s1.choices != s3.choices
        assert all(8 <= c[1] <= 128 for c in s1.choices)
    # Latin hypercube: each of the n strata of every axis holds exactly one point
    lhs = sample_points(_spec({"dram.bandwidth_gbps": {"min": 1, "max": 101}, "clock_ghz": {"min": 0.5, "max": 1.5}},
                              sampling={"method": "lhs", "n": 50, "seed": 1}))
    bwv = np.array([c[0] for c in lhs.choices])
    clk = np.array([c[1] for c in lhs.choices])
    assert sorted(np.floor((bwv - 1) / 2).astype(int)) == list(range(50))
    assert sorted(np.floor((clk - 0.5) * 50).astype(int)) == list(range(50))
    # discrete axes under random sampling repeat: repeats are dropped and counted
    rnd = sample_points(_spec({"scratchpad_kib": [64, 128]}, sampling={"method": "random", "n": 10, "seed": 0}))
    assert len(rnd.choices) == 2 and rnd.dropped == {"duplicate sample": 8}


def test_constraints_drop_exactly_the_invalid_points():
    axes = {"array": {"paths": ["array.rows", "array.cols"], "values": [[8, 8], [16, 16], [32, 32]]},
            "scratchpad_kib": [64, 256, 1024], "accumulator_kib": [64, 256]}
    cons = [{"metric": "sram_kib", "max": 2048 + 512}, {"metric": "array.pes", "min": 200}]
    spec = _spec(axes, constraints=cons)
    df = run_sweep(spec, jobs=1, progress=False, chunk_size=5)
    want, why = [], {}
    for (r, c), s, a in itertools.product([(8, 8), (16, 16), (32, 32)], [64, 256, 1024], [64, 256]):
        if 2048 + s + a > 2560:
            why["constraint sram_kib <= 2560"] = why.get("constraint sram_kib <= 2560", 0) + 1
        elif r * c < 200:
            why["constraint array.pes >= 200"] = why.get("constraint array.pes >= 200", 0) + 1
        else:
            want.append((r, s, a))
    got = list(zip(df["array.rows"], df["scratchpad_kib"], df["accumulator_kib"]))
    assert sorted(got) == sorted(want)
    assert df.attrs["sweep"]["dropped"] == why
    plan = plan_sweep(spec)
    assert plan.dropped == why and len(plan) == len(want) and plan.point_ids == list(df["point_id"])
    # invalid combinations (here: decode on an encoder) are dropped with the reason
    spec2 = _spec({"workload.model": ["bert-base", "gpt2"], "workload.phase": ["prefill", "decode"],
                   "workload.kv_len": [32]})
    d2 = run_sweep(spec2, jobs=1, progress=False)
    assert len(d2) == 3
    (reason, n), = d2.attrs["sweep"]["dropped"].items()
    assert n == 1 and reason.startswith("invalid workload: phase:") and "encoder" in reason


@pytest.mark.parametrize("axes, needle", [
    ({"array.rowz": [8, 16]}, "axis array.rowz: value 8: array.rowz: unknown field 'rowz'"),
    ({"scratchpad_kib": [64, -1]}, "axis scratchpad_kib: value -1: scratchpad_kib:"),
    ({"workload.seqlen": [64]}, "axis workload.seqlen: unknown workload field 'seqlen'"),
    ({"workload.model": ["bert-base", "bert-huge"]}, "axis workload.model: value 'bert-huge'"),
    ({"nonlinear.softmax.kind": ["lut", "magic"]}, "axis nonlinear.softmax.kind: value 'magic'"),
    ({"nonlinear.softmax": [{"kind": "lut"}]}, "axis nonlinear.softmax: value {'kind': 'lut'} is not a number"),
    ({"array": {"paths": ["array.rows", "array.cols"], "values": [[8, 8], [16]]}}, "axis array: each value"),
    ({"dram.bandwidth_gbps": {"min": 8}}, "axis dram.bandwidth_gbps: a range needs both min and max"),
    ({"dram.bandwidth_gbps": {"min": 8, "max": 64}}, "axis dram.bandwidth_gbps: grid sampling needs 'num'"),
])
def test_bad_axes_give_one_line_errors_naming_the_axis(axes, needle):
    with pytest.raises(SpecError) as exc:
        sample_points(_spec(axes))
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg


def test_bad_constraints_and_sampling():
    with pytest.raises(SpecError, match="constraint sram_kb: unknown metric"):
        sample_points(_spec({"scratchpad_kib": [64]}, constraints=[{"metric": "sram_kb", "max": 10}]))
    with pytest.raises(SpecError, match="constraint name <= 10: name is not a number"):
        sample_points(_spec({"scratchpad_kib": [64]}, constraints=[{"metric": "name", "max": 10}]))
    with pytest.raises(SpecError, match="sampling.n"):
        _spec({"scratchpad_kib": [64]}, sampling={"method": "lhs"})


def test_yaml_spec_forms(tmp_path):
    (tmp_path / "hw.yaml").write_text(load_hw("gemmini_default").to_yaml())
    (tmp_path / "s.yaml").write_text("""
name: forms
base: hw.yaml
workloads:
  bert: {model: bert-base, seq_len: 32}
  gpt: {model: gpt2, phase: decode, kv_len: 16}
axes:
  - {name: arr, paths: [array.rows, array.cols], values: {small: [8, 8], big: [32, 32]}}
  - {path: nonlinear.softmax, values: {cpu: {kind: cpu_offload}, lut: {kind: lut}}}
  - {path: dram.bandwidth_gbps, min: 16, max: 64, num: 2, integer: true}
constraints:
  - {metric: nonlinear_area_mm2, max: 0.1}
""")
    spec = load_sweep(tmp_path / "s.yaml")
    assert spec.columns == ("workload", "arr", "nonlinear.softmax", "dram.bandwidth_gbps")
    df = run_sweep(spec, jobs=1, progress=False)
    assert set(df["workload"]) == {"bert", "gpt"} and set(df["arr"]) == {"small", "big"}
    assert set(df["nonlinear.softmax"]) == {"cpu"}  # the LUT unit's 0.2 mm^2 breaks the area budget
    assert df.attrs["sweep"]["dropped"] == {"constraint nonlinear_area_mm2 <= 0.1": 8}
    assert df["dram.bandwidth_gbps"].dtype == np.int64 and set(df["dram.bandwidth_gbps"]) == {16, 64}
    with pytest.raises(SpecError, match="bad.yaml: base: no such file"):
        (tmp_path / "bad.yaml").write_text("base: nope.yaml\naxes: {scratchpad_kib: [1]}\n")
        load_sweep(tmp_path / "bad.yaml")


# ---------------------------------------------------------------------------
# the tiling refactor the fast path relies on

def _choose_reference(table, hw) -> int:
    """``choose`` as it was before the sweep refactor (kept as the reference)."""
    time = np.maximum(np.maximum(table["compute"], table["local_cyc"]), table["dram_cyc"]) + table["prologue"]
    e = hw.energy
    energy = (table["dram"] * 8 * hw.dram.energy_pj_per_bit + table["l2"] * e.l2_pj_per_byte
              + table["spad"] * e.scratchpad_pj_per_byte + table["acc"] * e.accumulator_pj_per_byte)
    near = np.flatnonzero(time <= time.min() * (1 + TIME_TIE))
    e_near = energy[near]
    near = near[e_near <= e_near.min() * (1 + TIME_TIE)]
    volume = table["mt"][near] * table["kt"][near] * table["nt"][near]
    return int(near[np.argmax(volume)])


def test_tiling_choice_unchanged_and_unfiltered_table_consistent():
    hws = [h for h in random_designs(5, 30) if True]
    for hw in hws:
        for m, k, n, w in [(512, 768, 768, True), (512, 64, 512, False), (1, 768, 3072, True), (77, 300, 50, True)]:
            try:
                t = candidate_table(m, k, n, hw, w)
            except AccelModelError:
                continue
            assert choose(t, hw) == _choose_reference(t, hw)
            # the unfiltered table, masked by the buffer fit, is the filtered table
            u = candidate_table(m, k, n, hw, w, fit_buffers=False)
            fit = (u["spad_need"] <= hw.usable_scratchpad_bytes) & (u["acc_need"] <= hw.usable_accumulator_bytes)
            for key in ("mt", "kt", "nt", "compute", "local", "dram", "local_cyc", "dram_cyc", "prologue"):
                assert np.array_equal(u[key][fit], t[key]), key
            assert len(table_key(hw)) > 0


# ---------------------------------------------------------------------------
# Pareto fronts

def test_pareto_front_two_and_three_objectives():
    df = pd.DataFrame({"lat": [1, 2, 3, 2, 4, 1, np.nan], "en": [5, 3, 1, 3, 1, 6, 0], "area": [1, 1, 1, 0.5, 1, 0, 0]})
    f2 = pareto_front(df, ["lat", "en"])
    assert list(f2.index) == [0, 1, 3, 2]  # 4 dominated by 2, 5 by 0, NaN row left out; ties kept
    f3 = pareto_front(df, ["lat", "en", "area"])
    assert list(f3.index) == [0, 5, 3, 2]  # 1 dominated by 3 (less area), 5 survives (least area)
    fmax = pareto_front(df.assign(tps=1 / df["lat"]), {"tps": "max", "en": "min"})
    assert set(fmax.index) == set(f2.index)
    # against the definition, on random integer points (many ties)
    from accelmodel.sweep import nondominated as pareto_mask
    rng = np.random.default_rng(0)
    for k in (2, 3):
        for _ in range(50):
            v = rng.integers(0, 5, size=(int(rng.integers(1, 30)), k)).astype(float)
            ref = [not any((w <= p).all() and (w < p).any() for w in v) for p in v]
            assert pareto_mask(v).tolist() == ref
    with pytest.raises(SpecError):
        pareto_front(df, ["lat"])
    with pytest.raises(SpecError):
        pareto_front(df, ["lat", "nope"])
