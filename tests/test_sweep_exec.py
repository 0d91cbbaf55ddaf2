"""Running sweeps: Parquet output, resume after an interruption, local worker
processes and a Dask LocalCluster give the same table, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from accelmodel.cli import main
from accelmodel.sweep import SweepError, make_spec, read_results, run_sweep

from conftest import load_hw

AXES = {"array": {"paths": ["array.rows", "array.cols"], "values": [[8, 8], [16, 16], [64, 64]]},
        "scratchpad_kib": [4, 64, 256], "accumulator_kib": [8, 64],
        "nonlinear.softmax": {"values": {"cpu": {"kind": "cpu_offload"}, "ibert": {"kind": "ibert"}}}}
# 36 points, some of them unmappable (a 64x64 array's smallest tile does not fit 4 KiB)


def small_spec(**kw):
    return make_spec(load_hw("gemmini_default"), {"model": "bert-base", "seq_len": 32}, AXES, name="small", **kw)


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.sort_values("point").reset_index(drop=True)
    b = b.sort_values("point").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=True)


@pytest.fixture(scope="module")
def reference():
    return run_sweep(small_spec(), jobs=1, progress=False)


def test_reference_table_shape(reference):
    df = reference
    assert len(df) == 36 and df["point"].tolist() == list(range(36)) and df["point_id"].is_unique
    assert list(df.columns[:6]) == ["point", "point_id", "array.rows", "array.cols", "scratchpad_kib",
                                    "accumulator_kib"]
    assert "nonlinear.softmax" in df.columns and set(df["nonlinear.softmax"]) == {"cpu", "ibert"}
    bad = df[df["error"] != ""]
    assert len(bad) > 0 and bad["latency_s"].isna().all() and df.attrs["sweep"]["errors"] == len(bad)
    ok = df[df["error"] == ""]
    shares = ok[[c for c in df.columns if c.startswith("share_bound_")]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert np.allclose(ok["edp"], ok["latency_s"] * ok["energy_j"])


def test_parquet_output_and_resume_after_interruption(tmp_path, reference):
    out = tmp_path / "res.parquet"
    seen = []

    def crash(df):
        seen.append(len(df))
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec(), out, jobs=1, chunk_size=5, progress=False, on_chunk=crash)
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 3  # every finished chunk was written: the crash lost nothing else
    partial = read_results(out)
    assert len(partial) == 15
    # without --resume the directory is not overwritten
    with pytest.raises(SweepError, match="pass --resume"):
        run_sweep(small_spec(), out, jobs=1, progress=False)
    done = run_sweep(small_spec(), out, jobs=1, chunk_size=7, progress=False, resume=True)
    assert done.attrs["sweep"]["skipped"] == 15 and done.attrs["sweep"]["evaluated"] == 21
    assert done["point_id"].is_unique and done["point"].tolist() == list(range(36))
    same_table(done, reference)
    same_table(pd.read_parquet(out), reference)
    # resuming a finished sweep evaluates nothing
    again = run_sweep(small_spec(), out, jobs=1, progress=False, resume=True)
    assert again.attrs["sweep"]["evaluated"] == 0
    same_table(again, reference)
    meta = json.loads((out / "_sweep.json").read_text())
    assert meta["columns"] == list(small_spec().columns)
    # results of another base design are never mixed in
    other = make_spec(load_hw("gemmini_ibert"), {"model": "bert-base", "seq_len": 32}, AXES, name="small")
    with pytest.raises(SweepError, match=r"different sweep \(base design differs\)"):
        run_sweep(other, out, jobs=1, progress=False, resume=True)


def test_local_processes_equal_in_process(reference):
    df = run_sweep(small_spec(), jobs=2, chunk_size=8, progress=False)
    assert df.attrs["sweep"]["workers"] == 2
    same_table(df, reference)


def test_dask_local_cluster_equals_local_run(tmp_path, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cl:
        df = run_sweep(small_spec(), tmp_path / "dask.parquet", scheduler=cl.scheduler_address, chunk_size=10,
                       progress=False)
        with distributed.Client(cl) as client:  # an existing client works too
            df2 = run_sweep(small_spec(), scheduler=client, chunk_size=20, progress=False)
    assert df.attrs["sweep"]["workers"] == "dask"
    same_table(df, reference)
    same_table(df2, reference)


def test_cli_sweep(tmp_path, capsys):
    out = tmp_path / "spad_acc.parquet"
    assert main(["sweep", "spad_acc", "--out", str(out), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "spad_acc: 9 points" in text and "Pareto front (latency_s, energy_j)" in text
    assert len(pd.read_parquet(out)) == 9
    assert main(["sweep", "spad_acc", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("accelmodel: error: --out") and err.count("\n") == 1
    assert main(["sweep", "spad_acc", "--out", str(out), "--resume", "--quiet"]) == 0
    assert "9 already written" in capsys.readouterr().out
    assert main(["sweep", "bert_big", "--dry-run"]) == 0
    assert "bert_big: 10080 points" in capsys.readouterr().out


def test_cli_bad_axis_is_one_line(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text("base: gemmini_default\nworkload: {model: bert-base}\naxes:\n  array.rowz: [8, 16]\n")
    assert main(["sweep", str(spec), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == "accelmodel: error: axis array.rowz: value 8: array.rowz: unknown field 'rowz'\n"
    assert main(["sweep", "no_such_sweep"]) == 2
    assert "bundled: " in capsys.readouterr().err
