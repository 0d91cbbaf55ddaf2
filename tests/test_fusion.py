"""Operator fusion and attention schedules (accelmodel.cost.fusion, accelmodel.cost.fused_demand)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from accelmodel.hardware.spec import load_accelerator, with_updates
from accelmodel.paths import bundled_files
from accelmodel.simulation import simulate
from accelmodel.units_format import json_ready
from accelmodel.workload.config import load_workload

GOLDEN = Path(__file__).parent / "data" / "summaries_before_fusion.json"


def test_fusion_none_reproduces_the_unfused_model_exactly():
    """Every bundled design x workload preset (prefill 128, decode with 128 cached) gives the
    summary it gave before fusion existed (recorded from the commit before), bit for bit."""
    golden = json.loads(GOLDEN.read_text())
    seen = 0
    for hp in bundled_files("design"):
        hw = load_accelerator(hp)
        for wp in bundled_files("workload"):
            cfg = load_workload(str(wp))
            for phase, kw in (("prefill", dict(seq_len=128)), ("decode", dict(kv_len=128))):
                key = f"{hp.stem}|{wp.stem}|{phase}"
                if key not in golden:
                    continue
                got = json.loads(json.dumps(json_ready(simulate(hw, cfg, phase=phase, **kw).summary())))
                assert got == golden[key], key
                seen += 1
    assert seen == len(golden)
