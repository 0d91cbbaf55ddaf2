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
    summary it gave before fusion existed (recorded from the commit before), bit for bit.
    The recording predates the physical component models, so the designs run with the typed
    energy table they had then (``energy.per_action: table``; edge_llm typed 150 mW static
    power); keys added to the summary since are not compared."""
    golden = json.loads(GOLDEN.read_text())
    seen = 0
    for hp in bundled_files("design"):
        then = {"energy.per_action": "table"}
        if hp.stem == "edge_llm":
            then["energy.static_power_mw"] = 150.0
        hw = with_updates(load_accelerator(hp), then)
        for wp in bundled_files("workload"):
            cfg = load_workload(str(wp))
            for phase, kw in (("prefill", dict(seq_len=128)), ("decode", dict(kv_len=128))):
                key = f"{hp.stem}|{wp.stem}|{phase}"
                if key not in golden:
                    continue
                got = json.loads(json.dumps(json_ready(simulate(hw, cfg, phase=phase, **kw).summary())))
                assert {k: got.get(k) for k in golden[key]} == golden[key], key
                seen += 1
    assert seen == len(golden)


# ---------------------------------------------------------------------------
# closed forms

from accelmodel.cost.fused_demand import flash_tiles  # noqa: E402
from accelmodel.workload.config import TransformerConfig  # noqa: E402

GENERAL = load_accelerator(Path(__file__).parents[1] / "hw_configs" / "fusion_general.yaml")


def _ops(hw, mode, model="bert-base", **kw):
    rep = simulate(with_updates(hw, {"schedule.fusion": mode}), model, **kw)
    return rep, rep.ops


def test_fused_elementwise_ops_add_no_dram_bytes():
    rep, df = _ops(GENERAL, "elementwise", seq_len=128)
    fused = df[df["fused_into"] != ""]
    assert set(fused["op"]) == {"scale_mask", "act", "residual_attn", "residual_ffn"}
    one_input = fused[fused["op"].isin(["scale_mask", "act"])]
    assert (one_input["dram_bytes"] == 0).all() and (one_input["l2_bytes"] == 0).all()
    # a residual add reads only its second operand (the residual stream), at the output width
    res = fused[fused["op"].str.startswith("residual")]
    assert np.allclose(res["dram_bytes"], res["elements"] * GENERAL.dtypes.output_bytes)
    assert (fused["unfused_dram_bytes"] > fused["dram_bytes"]).all()
    # the producers are untouched
    base = simulate(GENERAL.model_copy(update={"schedule": GENERAL.schedule.model_copy(update={"fusion": "none"})}),
                    "bert-base", seq_len=128).ops
    mm = df["kind"] == "matmul"
    assert np.array_equal(df.loc[mm, "dram_bytes"].to_numpy(), base.loc[mm, "dram_bytes"].to_numpy())
    assert rep.summary()["dram_bytes_saved"] == pytest.approx(base["dram_bytes"].sum() - df["dram_bytes"].sum())


def test_fused_attention_moves_no_score_bytes():
    hw = with_updates(GENERAL, {"schedule.attention_engine_kib": 1024})
    rep, df = _ops(hw, "attention_engine", seq_len=512)
    att = df[df["op"].isin(["qk", "scale_mask", "softmax", "sv"])]
    assert (att["attention_schedule"] == 1).all()
    assert (att.loc[att["op"].isin(["scale_mask", "softmax"]), "dram_bytes"] == 0).all()
    cfg = load_workload("bert-base")
    l, hd, heads = 512, cfg.hd, cfg.n_heads
    qk = att[att["op"] == "qk"]["dram_bytes"].iloc[0]
    sv = att[att["op"] == "sv"]["dram_bytes"].iloc[0]
    assert qk == pytest.approx((l * hd + l * hd) * 1.0 * heads)   # Q and K, 8-bit inputs (MHA: a K/V head per head)
    assert sv == pytest.approx((l * hd * 1.0 + l * hd * 1.0) * heads)  # V (8-bit) and O (8-bit outputs)
    # one head's 512 x 512 scores at 32 bits are 1024 KiB: a smaller buffer falls back, and says so
    small = with_updates(hw, {"schedule.attention_engine_kib": 1023, "schedule.fusion": "attention_engine"})
    s = simulate(small, "bert-base", seq_len=512).summary()
    assert s["fusion"]["attention"] == ["unfused_fallback"]
    assert any("falls back" in n and "1024 KiB" in n for n in s["fusion"]["not_fused"])


def test_tiled_attention_traffic_equals_its_io_formula():
    """LLaMA-3-8B prefill 2048 on fusion_general: tile sizes from the buffers by hand."""
    cfg = load_workload("llama3-8b")
    l, hd = 2048, cfg.hd
    hw = GENERAL
    g = cfg.n_heads // cfg.n_kv_heads                              # 4 query heads per K/V head
    bc = max(hw.array.cols, hd)                                    # 128
    spad, acc = hw.usable_scratchpad_bytes, hw.usable_accumulator_bytes  # 128 KiB, 64 KiB
    br = int(min((spad - 2 * bc * hd) // (g * (hd + bc)), acc // (g * (bc + hd + 2) * 4), l))
    assert br == 15                                                # 60 query rows x 258 x 4 B <= 64 KiB
    t = flash_tiles(l, l, br, bc, causal=True)
    rep, df = _ops(hw, "flash", "llama3-8b", seq_len=l)
    q_bytes = o_bytes = l * hd * 1.0 * cfg.n_heads
    kv = t["kv_rows"] * hd * 1.0 * cfg.n_kv_heads
    row = df[df["name"] == "L0.qk"].iloc[0]
    assert row["attention_schedule"] == 2
    assert row["dram_bytes"] == pytest.approx(q_bytes + kv)
    assert df[df["name"] == "L0.sv"]["dram_bytes"].iloc[0] == pytest.approx(kv + o_bytes)
    assert (df[df["op"].isin(["scale_mask", "softmax"])]["dram_bytes"] == 0).all()
    # the array computes only the visited area
    area = t["area"] / (l * l)
    assert row["executed_macs"] == pytest.approx(row["macs"] * area)


def _brute_tiles(q, ctx, br, bc, causal):
    visited = 0
    for i in range(0, q, br):
        for j in range(0, ctx, bc):
            rows, keys = range(i, min(i + br, q)), range(j, min(j + bc, ctx))
            if not causal or any(k <= r for r in rows for k in keys):
                visited += 1
    return visited


@pytest.mark.parametrize("q, br, bc, visited", [(8, 4, 2, 6), (5, 2, 2, 6), (6, 3, 3, 3), (7, 7, 2, 4)])
def test_causal_skipping_removes_exactly_the_fully_masked_tiles(q, br, bc, visited):
    """Hand counts: 8 tokens in 4-row x 2-key tiles: of 2 x 4 tiles, block 0 (queries 0-3) skips the
    key blocks 4-5 and 6-7, block 1 none -> 6. 5 tokens, 2 x 2 tiles (3 x 3): 1 + 2 + 3 = 6.
    6 tokens, 3 x 3: 1 + 2 = 3. 7 tokens in one 7-row block, 2-key blocks: all 4 visited."""
    t = flash_tiles(q, q, br, bc, causal=True)
    assert t["tiles"] == visited == _brute_tiles(q, q, br, bc, True)
    full = flash_tiles(q, q, br, bc, causal=False)
    assert full["tiles"] == _brute_tiles(q, q, br, bc, False) == -(-q // br) * -(-q // bc)


def test_impossible_fusions_are_listed_with_the_reason():
    default = load_accelerator(Path(__file__).parents[1] / "hw_configs" / "gemmini_default.yaml")
    s = simulate(with_updates(default, {"schedule.fusion": "all"}), "bert-base", seq_len=128).summary()
    notes = " | ".join(s["fusion"]["not_fused"])
    assert "offloaded to the host CPU" in notes and "act" in notes
    assert "attention: not fused" in notes
    df = simulate(with_updates(default, {"schedule.fusion": "all"}), "bert-base", seq_len=128).ops
    assert (df[df["unit"] == "cpu"]["fused_into"] == "").all()


def test_sweep_takes_fusion_as_an_axis_and_rows_equal_simulate():
    from accelmodel.sweep.evaluate import evaluate_designs
    from accelmodel.sweep.spec import WorkloadPoint

    hws = [with_updates(GENERAL, {"schedule.fusion": m, "schedule.attention_engine_kib": kib})
           for m in ("none", "elementwise", "norm", "attention_engine", "flash", "all") for kib in (0, 256)]
    wl = WorkloadPoint(model="gpt2", phase="prefill", batch=1, seq_len=256)
    df = evaluate_designs(hws, wl, accuracy=False)
    for hw, row in zip(hws, df.itertuples()):
        s = simulate(hw, "gpt2", seq_len=256).summary()
        assert row.latency_s == s["latency_s"] and row.dram_bytes == s["dram_bytes"]
        assert row.energy_j == s["energy_j"] and row.utilization == s["utilization"]


# ---------------------------------------------------------------------------
# properties

from hypothesis import given, settings, strategies as st  # noqa: E402

TINY = TransformerConfig(name="tiny", arch="decoder", n_layers=2, d_model=64, n_heads=4, n_kv_heads=2, head_dim=16,
                         d_ff=128, gated_ffn=True, activation="silu", norm="rmsnorm", positions="rotary",
                         max_positions=4096, vocab_size=256, bias=False, tie_embeddings=True, lm_head=True)


@settings(max_examples=25, deadline=None)
@given(rows=st.sampled_from([4, 8, 16, 32]), spad=st.sampled_from([32, 64, 256]), acc=st.sampled_from([16, 64, 128]),
       bw=st.sampled_from([4.0, 64.0, 512.0]), lanes=st.sampled_from([4, 16, 64]),
       engine=st.sampled_from([0, 16, 1024]), seq=st.sampled_from([16, 100, 256]),
       mode=st.sampled_from(["elementwise", "norm", "attention_engine", "all"]))
def test_fusing_never_adds_dram_bytes_or_latency(rows, spad, acc, bw, lanes, engine, seq, mode):
    """With the same units fused as unfused (a fused unit is as fast as itself unfused), fusing
    elementwise ops, norms or attention into the engine never adds DRAM bytes or latency."""
    hw = with_updates(GENERAL, {"array.rows": rows, "array.cols": rows, "scratchpad_kib": spad,
                                "accumulator_kib": acc, "dram.bandwidth_gbps": bw,
                                "nonlinear.softmax.lanes": lanes, "nonlinear.norm.lanes": lanes,
                                "schedule.attention_engine_kib": engine})
    unf = simulate(with_updates(hw, {"schedule.fusion": "none"}), TINY, seq_len=seq).summary()
    fused = simulate(with_updates(hw, {"schedule.fusion": mode}), TINY, seq_len=seq)
    s = fused.summary()
    if mode == "all":  # tiled attention trades K/V re-reads and rescaling for the scores: check the rest
        df = fused.ops
        assert (df["dram_bytes"] <= df["unfused_dram_bytes"] + 1e-9)[df["attention_schedule"] != 2].all()
        return
    assert s["dram_bytes"] <= unf["dram_bytes"] * (1 + 1e-12)
    assert s["latency_s"] <= unf["latency_s"] * (1 + 1e-12)
    assert s["dram_bytes_saved"] == pytest.approx(unf["dram_bytes"] - s["dram_bytes"], rel=1e-9, abs=1e-6)


def test_cli_fusion_override(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "accelmodel.cli", "run", "--hw", "gemmini_ibert", "--fusion", "flash",
                          "--workload", "gpt2", "--seq-len", "256", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    s = json.loads(out.stdout)
    assert s["fusion"]["mode"] == "flash" and s["dram_bytes_saved"] > 0


def test_timeline_draws_a_fused_group_as_one_bar():
    from accelmodel.plots.timeline import fused_groups

    rep, df = _ops(GENERAL, "all", "llama3-8b", seq_len=256)
    layer1 = df[df["layer"] == 1]
    g = fused_groups(layer1)
    assert "L1.qk+scale_mask+softmax+sv" in set(g["name"])
    assert "L1.ffn_gate+act+gated_mul" in set(g["name"])
    assert len(g) < len(layer1)
    assert g["latency_s"].sum() == pytest.approx(layer1["latency_s"].sum())
