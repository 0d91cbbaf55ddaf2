"""Validation: the survey's case study reproduced from accelmodel's own model (claims
from [Kim2023-survey] checked against their own thresholds), the SCALE-Sim
comparison's bookkeeping, the validation table and ``accelmodel validate``.

Tests that run SCALE-Sim are marked ``scalesim`` and skipped without the package;
the one that runs the whole ``--quick`` subset is also marked ``slow``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from accelmodel.cli import main
from accelmodel.mapping.systolic import array_cycles
from accelmodel.validation import figures, scalesim_compare as sc, table
from accelmodel.validation.case_study import case_study_rows, extended, run_case_study
from accelmodel.validation.scalesim_peer import scalesim_available
from accelmodel.workload.config import load_workload

needs_scalesim = pytest.mark.skipif(not scalesim_available(), reason="scalesim not installed")


@pytest.fixture(scope="module")
def cs():
    return run_case_study()


# ---------------------------------------------------------------- case study


def test_finding1_flops_vs_latency(cs):
    base = cs.shares[cs.shares["design"] == "baseline"].set_index("kind")
    assert abs(base.loc["matmul", "flops_share"] - 0.99) <= 0.01           # ~99% of FLOPs are matmuls
    assert base.loc["matmul", "latency_share"] < 0.5                        # ... yet not the latency
    offloaded = base.loc[["softmax", "activation", "layernorm", "quantize"], "latency_share"].sum()
    assert offloaded > 0.5                                                  # offloaded ops + (de)quantize dominate
    assert base["flops_share"].sum() == pytest.approx(1.0)
    assert base["latency_share"].sum() == pytest.approx(1.0)


def test_finding2_accumulator_capacity_sets_matmul_utilisation(cs):
    g = cs.memory_grid
    assert len(g) == 9 and set(g["scratchpad_kib"]) == set(g["accumulator_kib"]) == {64, 128, 256}
    assert g["matmul_utilization"].between(0, 1).all()
    for _, by_spad in g.groupby("scratchpad_kib"):
        u = by_spad.sort_values("accumulator_kib")["matmul_utilization"].to_numpy()
        assert np.all(np.diff(u) > 0)   # more partial-sum storage -> bigger output tiles -> higher utilisation
    # matmul latency and utilisation agree: same MACs, so latency x utilisation is constant
    prod = g["matmul_latency_s"] * g["matmul_utilization"]
    assert prod.max() / prod.min() == pytest.approx(1.0, rel=1e-9)


def test_finding2_rebalancing_lowers_matmul_latency(cs):
    rb = cs.rebalance
    assert (rb["from"], rb["to"]) == ("256/64 KiB", "64/256 KiB")
    assert rb["matmul_latency_change"] < 0
    assert rb["matmul_utilization_after"] > rb["matmul_utilization_before"]
    assert rb["qk_latency_change"] < 0
    # end to end the host-CPU ops still dominate, so the total moves much less
    assert abs(rb["latency_change"]) < abs(rb["matmul_latency_change"])


def test_finding3_ibert_speedup(cs):
    ib = cs.ibert
    assert ib["speedup"] > 10 and ib["speedup_units_only"] > 10   # "more than an order of magnitude"
    assert ib["speedup"] == pytest.approx(ib["baseline_latency_s"] / ib["ibert_latency_s"])
    assert ib["matmul_latency_share_after"] > 0.5                 # matmuls then dominate latency
    ops = cs.reports["ibert"].ops
    assert not (ops["kind"] == "quantize").any() and ops["cpu_s"].sum() == 0


def test_finding4_latency_trend(cs):
    tr = cs.trend
    assert set(tr["model"]) == {"bert-base", "bert-large", "gpt2"}
    for mdl, g in tr.groupby("model"):
        g = g.sort_values("seq_len")
        assert list(g["seq_len"]) == [128, 256, 512, 1024, 2048, 4096]
        assert np.all(np.diff(g["latency_s"]) > 0)
        s = g["slope"].to_numpy()[1:]
        assert np.all((s > 0) & (s <= 2)) and np.all(np.diff(s) > 0)
        # the slope matches the latencies
        lat = g["latency_s"].to_numpy()
        assert s[-1] == pytest.approx(math.log2(lat[-1] / lat[-2]))
        limit = load_workload(mdl).max_positions
        assert list(g["positions_extended"]) == [L > limit for L in g["seq_len"]]


def test_extended_positions_is_a_copy():
    cfg = load_workload("bert-base")
    ext, changed = extended(cfg, 4096)
    assert changed and ext.max_positions == 4096 and cfg.max_positions == 512
    same, changed = extended(load_workload("llama3-8b"), 4096)   # RoPE: nothing to extend
    assert not changed


def test_case_study_rows_all_pass(cs):
    df = table.assemble(case_study_rows(cs))
    assert list(df.columns) == list(table.COLUMNS)
    asserted = df[df["passed"].notna()]
    assert len(asserted) >= 20
    assert asserted["passed"].all(), asserted[~asserted["passed"].astype(bool)][["case", "metric"]]
    assert df["reference_source"].str.startswith("survey finding").all()
    assert df["rel_error"].isna().all()   # thresholds, not values to match


# ------------------------------------------------------ SCALE-Sim bookkeeping


@pytest.mark.parametrize("dataflow", ["WS", "OS"])
@pytest.mark.parametrize("rows", [8, 32])
def test_peer_shape_reduces_by_whole_folds(rows, dataflow):
    for c in sc.GEMM_CASES:
        m, k, n = sc.peer_shape(c.m, c.k, c.n, rows, rows, dataflow, 20_000)
        L = array_cycles(m, k, n, rows, rows, dataflow)
        assert L <= 20_000 or (dataflow == "OS" and math.ceil(m / rows) * math.ceil(n / rows) == 1)
        if dataflow == "WS":
            assert m == c.m and k <= c.k and n <= c.n       # M sets the cycles per fold: kept
        else:
            assert k == c.k and m <= c.m and n <= c.n       # K sets the cycles per fold: kept
        if array_cycles(c.m, c.k, c.n, rows, rows, dataflow) <= 20_000:
            assert (m, k, n) == (c.m, c.k, c.n)


def test_matched_hw():
    hw = sc.matched_hw(16, 16, "OS", 128, 128, 64)
    assert (hw.array.rows, hw.array.cols, hw.array.dataflow) == (16, 16, "OS")
    assert hw.scratchpad_kib == 256 and hw.accumulator_kib == 64 and hw.l2 is None
    assert hw.double_buffered and hw.tiling == "search"


def test_accelmodel_counts_hand_count():
    m, k, n, R = 37, 129, 65, 8
    c = sc.accelmodel_counts(sc.matched_hw(R, R, "WS"), m, k, n)
    # small enough that one tile holds it: no M split, each operand read from DRAM once
    assert c["m_tiles"] == 1
    assert c["compute_cycles"] == c["array_cycles"] == math.ceil(k / R) * math.ceil(n / R) * (2 * R + R + m - 2)
    assert c["sram_reads_ifmap"] == m * k * math.ceil(n / R)
    assert c["sram_reads_filter"] == k * n
    assert c["sram_writes_ofmap"] == m * n * math.ceil(k / R)
    assert (c["dram_reads_ifmap"], c["dram_reads_filter"], c["dram_writes_ofmap"]) == (m * k, k * n, m * n)
    assert c["utilization"] == pytest.approx(m * k * n / (R * R * c["compute_cycles"]))
    o = sc.accelmodel_counts(sc.matched_hw(R, R, "OS"), m, k, n)
    assert o["compute_cycles"] == math.ceil(m / R) * math.ceil(n / R) * (R + R + k - 2)
    assert o["sram_reads_filter"] == k * n * math.ceil(m / R)


def test_accelmodel_tiles_m_when_the_accumulator_is_too_small():
    # WS, 8 columns: an M x 8 block of 32-bit sums must fit half the 64 KiB accumulator -> M <= 1024
    c = sc.accelmodel_counts(sc.matched_hw(8, 8, "WS"), 1100, 16, 8)
    assert c["m_split_forced"] and c["m_tiles"] >= 2
    folds = 2 * 1
    assert c["compute_cycles"] - c["array_cycles"] == (c["m_tiles"] - 1) * folds * (2 * 8 + 8 - 2)  # refills
    assert not sc.accelmodel_counts(sc.matched_hw(8, 8, "WS"), 37, 129, 65)["m_split_forced"]


def _fake_comparison() -> pd.DataFrame:
    """Two runs shaped like run_comparison's output, SCALE-Sim side filled by its known conventions."""
    recs = []
    for (m, k, n, R, df) in [(37, 129, 65, 8, "WS"), (1100, 16, 8, 8, "WS"), (37, 129, 65, 16, "OS")]:
        hw = sc.matched_hw(R, R, df)
        c = sc.accelmodel_counts(hw, m, k, n)
        L = c["array_cycles"]
        recs.append({
            "case": f"fake {m}x{k}x{n}", "group": "fake", "full_shape": f"{m}x{k}x{n}", "m": m, "k": k, "n": n,
            "reduced": False, "rows": R, "cols": R, "dataflow": df,
            **{f"am_{key}": v for key, v in c.items()}, "am_wall_s": 2e-4,
            "ss_array_cycles": L, "ss_compute_cycles": L - 1, "ss_stall_cycles": 0,
            "ss_utilization": m * k * n / (R * R * (L - 1)), "ss_folds": 1,
            "ss_sram_reads_ifmap": m * k * math.ceil(n / R),
            "ss_sram_reads_filter": k * n * (1 if df == "WS" else math.ceil(m / R)),
            "ss_sram_writes_ofmap": m * n * math.ceil(k / R) if df == "WS" else m * n,
            "ss_dram_reads_ifmap": m * k, "ss_dram_reads_filter": k * n,
            "ss_dram_writes_ofmap": m * n * (math.ceil(k / R) if df == "WS" else 1), "ss_wall_s": 0.5,
        })
    return sc.add_derived(pd.DataFrame(recs))


def test_derived_columns_and_parity_table():
    df = _fake_comparison()
    assert list(df["same_model"]) == [True, False, True]
    same = df[df["same_model"]]
    assert np.allclose(same["rel_error_compute"], 1 / (same["ss_array_cycles"] - 1))   # SCALE-Sim's minus one
    assert (df["rel_error_array"] == 0).all()
    assert df["speed_ratio"].tolist() == pytest.approx([2500.0] * 3)
    p = sc.parity_table(df)
    ws8 = p[(p["dataflow"] == "WS") & (p["array"] == "8x8")].iloc[0]
    assert (ws8["gemms"], ws8["same_model"], ws8["array_cycles_exact"]) == (2, 1, 2)
    assert ws8["max_rel_error_all"] > ws8["max_rel_error_same"]


def test_comparison_rows():
    df = _fake_comparison()
    rows = table.assemble(sc.comparison_rows(df))
    assert set(rows["metric"]) >= {"array_cycles", "compute_cycles", "utilization", "sram_reads_ifmap",
                                   "sram_reads_filter", "sram_writes_ofmap", "dram_reads_ifmap", "dram_writes_ofmap",
                                   "wall_s", "speed_ratio"}
    cc = rows[rows["metric"] == "compute_cycles"]
    assert cc["passed"].tolist()[0] is True and pd.isna(cc["passed"].tolist()[1])   # the M-tiled run: not asserted
    assert (cc["rel_error"] > 0).all()
    eq = rows[rows["check"].str.startswith("equal")]
    assert eq["passed"].all()
    assert (rows["reference_source"].isin([sc.SCALESIM_SOURCE, table.TARGET_SOURCE])).all()


def test_comparison_figures_draw():
    figs = figures.comparison_figures(_fake_comparison())
    assert set(figs) == {"scalesim_parity", "scalesim_speed"}
    for f in figs.values():
        assert len(f.axes) == 2


# ------------------------------------------------------------------ table


def test_table_rows_and_files(tmp_path):
    rows = [table.make_row("a | b", "x", 101, 100, source="s", check="equal", passed=False, rel=True),
            table.make_row("c", "y", 3.0, 10.0, source="survey finding 3", check="accelmodel > reference",
                           passed=False),
            table.make_row("d", "z", 0.5)]
    df = table.assemble(rows)
    assert df["rel_error"].iloc[0] == pytest.approx(0.01) and pd.isna(df["rel_error"].iloc[1])
    csv, md = table.write(df, tmp_path)
    back = pd.read_csv(csv)
    assert list(back.columns) == list(table.COLUMNS)
    text = md.read_text()
    assert text.splitlines()[0].startswith("| case | metric |") and "a \\| b" in text
    s = table.summary(df)
    assert (s["checked"], s["passed"], s["failed"]) == (2, 0, 2)
    t = table.summary(table.assemble(rows + [table.make_row("e", "speed_ratio", 5, 1000, source="target",
                                                            check="accelmodel >= 1000", passed=False)]))
    assert (t["failed"], t["targets"], t["targets_missed"]) == (2, 1, 1)


# -------------------------------------------------------------------- CLI


def test_validate_cli_without_scalesim(tmp_path, capsys):
    code = main(["validate", "--quick", "--no-scalesim", "--out", str(tmp_path / "v"),
                 "--figures", str(tmp_path / "f")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Case study" in out and "SCALE-Sim comparison skipped" in out and "0 failed" in out
    df = pd.read_csv(tmp_path / "v" / "validation.csv")
    for col in ("case", "metric", "accelmodel", "reference", "rel_error", "reference_source"):
        assert col in df.columns
    assert (tmp_path / "v" / "validation.md").read_text().count("\n") == len(df) + 2
    assert {p.name for p in (tmp_path / "f").iterdir()} == {
        "case_study_flops_vs_latency.png", "case_study_memory_heatmap.png", "case_study_ibert_breakdown.png",
        "case_study_latency_vs_seq.png"}


def test_validate_cli_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "x.txt"
    f.write_text("")
    assert main(["validate", "--quick", "--no-scalesim", "--out", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--out" in err and "not a directory" in err


def test_validate_cli_bad_jobs(capsys):
    with pytest.raises(SystemExit) as e:
        main(["validate", "--jobs", "0"])
    assert e.value.code == 2
    assert "--jobs must be a positive integer" in capsys.readouterr().err


# ------------------------------------------------------- with SCALE-Sim


@pytest.mark.scalesim
@needs_scalesim
def test_scalesim_tiny_subset():
    """Both tools on three small GEMMs (< 2 s of SCALE-Sim): exact array cycles, compute
    cycles within 2% where both model the same thing, and the M-tiled case explained."""
    cases = [sc.GemmCase("odd 37x129x65", "odd", 37, 129, 65), sc.GemmCase("long M", "odd", 1100, 16, 8)]
    df = sc.run_comparison(cases=cases, arrays=(8,), dataflows=("WS", "OS"))
    assert len(df) == 4 and (df["ss_stall_cycles"] == 0).all()
    assert (df["am_array_cycles"] == df["ss_array_cycles"]).all()
    assert (df["ss_compute_cycles"] == df["ss_array_cycles"] - 1).all()
    same = df[df["same_model"]]
    assert len(same) == 3 and (same["rel_error_compute"].abs() <= 0.02).all()
    tiled = df[~df["same_model"]].iloc[0]
    assert tiled["dataflow"] == "WS" and tiled["am_m_tiles"] >= 2 and tiled["am_m_split_forced"]
    assert tiled["am_compute_cycles"] - (tiled["ss_compute_cycles"] + 1) == tiled["tiling_refill_cycles"]
    assert (df["am_sram_reads_ifmap"] == df["ss_sram_reads_ifmap"]).all()
    ws = df[df["dataflow"] == "WS"]
    assert (ws["am_sram_writes_ofmap"] == ws["ss_sram_writes_ofmap"]).all()
    rows = table.assemble(sc.comparison_rows(df))
    eq = rows[rows["check"].str.startswith("equal")]
    assert eq["passed"].all()


@pytest.mark.slow
@pytest.mark.scalesim
@needs_scalesim
def test_validate_cli_quick_with_scalesim(tmp_path, capsys):
    code = main(["validate", "--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    df = pd.read_csv(tmp_path / "validation.csv")
    assert set(df["reference_source"]) >= {"scalesim 3.0.0", "survey finding 1"}
    cc = df[(df["metric"] == "compute_cycles") & df["passed"].notna()]
    assert len(cc) > 0 and cc["passed"].all()
    assert "accelmodel vs SCALE-Sim" in out
    assert code == 0        # the speed target is reported, not part of the exit code
    assert "speed target" in out
