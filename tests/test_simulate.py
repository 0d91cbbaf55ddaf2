"""End-to-end model: shares, closed-form checks of costed ops, the survey's findings."""

import pytest
from hypothesis import given, settings, strategies as st

import accelmodel as am
from accelmodel.hardware import Accelerator, with_updates

from conftest import load_hw


@pytest.fixture(scope="module")
def bert_default():
    return am.simulate(load_hw("gemmini_default"), "bert-base")


def test_shares_sum_to_one(bert_default):
    s = bert_default.summary()
    for key in ("latency_share_by_kind", "flops_share_by_kind", "latency_share_by_bound"):
        assert sum(s[key].values()) == pytest.approx(1.0, abs=1e-12)


def test_totals_are_sums_of_rows(bert_default):
    df = bert_default.ops
    s = bert_default.summary()
    assert s["latency_s"] == pytest.approx(df["latency_s"].sum())
    assert s["macs"] == 48318971904  # closed form, see test_workload
    e = df[[c for c in df.columns if c.startswith("energy_") and c != "energy_j"]].sum(axis=1)
    assert (abs(e - df["energy_j"]) <= 1e-12 * df["energy_j"].abs().max()).all()


def test_identical_ops_cost_the_same(bert_default):
    df = bert_default.ops
    q = df[df["op"] == "q_proj"]
    assert len(q) == 12 and q["latency_s"].nunique() == 1


def test_energy_counts_with_unit_table():
    # every energy per action = 1 pJ (and DRAM 1/8 pJ/bit = 1 pJ/byte), static 0: energy is the count sum
    hw = with_updates(Accelerator(nonlinear={"softmax": {"kind": "exact"}, "activation": {"kind": "exact"},
                                             "norm": {"kind": "exact"}}),
                      {"energy.per_action": "table", "energy.mac_pj": 1, "energy.scratchpad_pj_per_byte": 1,
                       "energy.accumulator_pj_per_byte": 1,
                       "energy.l2_pj_per_byte": 1, "energy.static_power_mw": 0, "dram.energy_pj_per_bit": 0.125})
    df = am.simulate(hw, "gpt2", seq_len=64).ops
    mm = df[df["kind"] == "matmul"]
    counts = mm["macs"] + mm["scratchpad_bytes"] + mm["accumulator_bytes"] + mm["l2_bytes"] + mm["dram_bytes"]
    assert (mm["energy_j"] * 1e12).values == pytest.approx(counts.values, rel=1e-9)


def test_offloaded_op_has_dequant_and_quant_rows(bert_default):
    df = bert_default.ops
    names = set(df["name"])
    assert {"L0.softmax", "L0.softmax.dequantize", "L0.softmax.quantize"} <= names
    hw = load_hw("gemmini_default")
    deq = df[df["name"] == "L0.softmax.dequantize"].iloc[0]
    el = 12 * 512 * 512
    cpu = hw.host
    # max(CPU conversion time, bytes moved / CPU bandwidth): int8 in, fp32 out
    expect = max(el * cpu.cycles_per_element.dequantize / (cpu.clock_ghz * 1e9),
                 el * (1 + 4) / (cpu.memory_bandwidth_gbps * 1e9))
    assert deq["latency_s"] == pytest.approx(expect, rel=1e-12)


def test_finding1_matmuls_are_flops_not_latency(bert_default):
    s = bert_default.summary()
    assert s["flops_share_by_kind"]["matmul"] > 0.99
    assert s["latency_share_by_kind"]["matmul"] < 0.2
    nonlin = sum(s["latency_share_by_kind"].get(k, 0) for k in ("softmax", "activation", "layernorm", "quantize"))
    assert nonlin > 0.8


def test_finding2_rebalancing_lowers_matmul_latency(bert_default):
    reb = am.simulate(load_hw("gemmini_rebalanced"), "bert-base").summary()
    assert reb["matmul_latency_s"] < 0.9 * bert_default.summary()["matmul_latency_s"]


def test_finding3_ibert_removes_offload(bert_default):
    ib = am.simulate(load_hw("gemmini_ibert"), "bert-base").summary()
    assert bert_default.latency_s / ib["latency_s"] > 10
    assert max(ib["latency_share_by_kind"], key=ib["latency_share_by_kind"].get) == "matmul"
    assert "cpu" not in ib["latency_share_by_bound"]


def test_llama_decode_on_edge_is_dram_bound():
    s = am.simulate(load_hw("edge_llm"), "llama3-8b", phase="decode", kv_len=2048).summary()
    assert max(s["latency_share_by_bound"], key=s["latency_share_by_bound"].get) == "dram"
    assert s["latency_share_by_bound"]["dram"] > 0.9
    # every weight is read once per token: DRAM bytes >= params (int8) minus the tied/untied embedding table
    assert s["dram_bytes"] >= (s["params"] - 128256 * 4096)


@settings(max_examples=10, deadline=None)
@given(st.floats(4, 200), st.floats(1.1, 8))
def test_more_bandwidth_never_slows_the_model(bw, f):
    hw = with_updates(load_hw("edge_llm"), {"dram.bandwidth_gbps": bw})
    a = am.simulate(hw, "gpt2", phase="decode", kv_len=128)
    b = am.simulate(with_updates(hw, {"dram.bandwidth_gbps": bw * f}), "gpt2", phase="decode", kv_len=128)
    assert (b.ops["latency_s"].values <= a.ops["latency_s"].values * (1 + 1e-12)).all()


def test_identical_ops_are_mapped_once(monkeypatch):
    from accelmodel.cost import engine

    calls = []
    real = engine.map_designs

    def counting(m, k, n, weight, hws, keys=None):
        calls.append((m, k, n, weight))
        return real(m, k, n, weight, hws, keys)

    monkeypatch.setattr(engine, "map_designs", counting)
    am.simulate(load_hw("gemmini_default"), "bert-base")
    # 12 layers x 6 matmuls + pooler, but only the distinct shapes are tiled:
    # 512x768x768 (q, k, v, o), 512x768x3072, 512x3072x768, 512x64x512, 512x512x64, 1x768x768 (pooler)
    assert len(calls) == len(set(calls)) == 6
