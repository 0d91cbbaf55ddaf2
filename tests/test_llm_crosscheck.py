"""docs/llm_crosscheck.csv's accelmodel rows equal what accelmodel computes now (the page cannot go stale).

GenZ and llm-analysis are not needed: their rows are only read back (they must exist for every accelmodel row).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from crosscheck_llm_tools import CSV, accelmodel_row, edge_llm  # noqa: E402


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return pd.read_csv(CSV, keep_default_na=False, na_values=[""])


def test_accelmodel_columns_are_current(committed):
    hw = edge_llm()
    rows = committed[committed.tool == "accelmodel"]
    assert len(rows) == 18
    for r in rows.itertuples():
        now = accelmodel_row(hw, r.phase, int(r.batch), int(r.length))
        for f in ("latency_s", "bytes", "flops"):
            assert now[f] == pytest.approx(getattr(r, f), rel=1e-8), (r.phase, r.batch, r.length, f)


def test_every_point_has_both_tools(committed):
    keys = committed.groupby(["phase", "batch", "length"]).tool.apply(set)
    assert all(v == {"accelmodel", "genz", "llm_analysis"} for v in keys)
    ok = committed[committed.error.isna()]
    assert ok.latency_s.notna().all()
