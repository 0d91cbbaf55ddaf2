"""Configs, presets, HF import and the op graph against closed forms."""

import csv

import pytest

from accelmodel.errors import SpecError
from accelmodel.paths import bundled_dir
from accelmodel.workload.config import PRESET_NAMES, from_hf_config, list_presets, load_workload
from accelmodel.workload.graph import build_graph, closed_form_macs, ops_in_order, total_macs

GOLDEN = list(csv.DictReader(open(bundled_dir("data") / "golden.csv")))


def test_every_preset_is_bundled():
    assert set(PRESET_NAMES) <= set(list_presets())


@pytest.mark.parametrize("row", [r for r in GOLDEN if r["quantity"] == "params"], ids=lambda r: r["case"])
def test_param_counts_match_published(row):
    got = load_workload(row["case"]).param_count()
    assert got == pytest.approx(float(row["value"]), rel=float(row["rel_tol"]) or 1e-12), row["source"]


def test_llama3_8b_weight_bytes():
    row = next(r for r in GOLDEN if r["quantity"] == "weight_gb_16bit")
    gib = load_workload("llama3-8b").param_count() * 2 / 2**30
    assert gib == pytest.approx(float(row["value"]), rel=float(row["rel_tol"]))


def test_bert_base_params_by_hand():
    emb = 30522 * 768 + 512 * 768 + 2 * 768 + 2 * 768
    layer = 4 * (768 * 768 + 768) + 2 * 2 * 768 + (768 * 3072 + 3072) + (3072 * 768 + 768)
    pooler = 768 * 768 + 768
    assert load_workload("bert-base").param_count() == emb + 12 * layer + pooler


@pytest.mark.parametrize("name", PRESET_NAMES)
@pytest.mark.parametrize("phase,seq,kv", [("prefill", 128, 0), ("decode", 1, 300)])
def test_graph_macs_equal_closed_form(name, phase, seq, kv):
    cfg = load_workload(name)
    if phase == "decode" and cfg.arch == "encoder":
        pytest.skip("encoders have no decode phase")
    g = build_graph(cfg, phase, batch=2, seq_len=seq, kv_len=kv)
    assert total_macs(g) == closed_form_macs(cfg, phase, 2, seq, kv)


def test_bert_base_macs_by_hand():
    l, d, f = 512, 768, 3072
    per_layer = 4 * l * d * d + 2 * l * d * f + 2 * l * l * d
    assert total_macs(build_graph(load_workload("bert-base"), "prefill", 1, 512)) == 12 * per_layer + d * d


def test_gqa_shapes_llama3():
    g = build_graph(load_workload("llama3-8b"), "prefill", batch=2, seq_len=64)
    ops = {o.name: o for o in ops_in_order(g)}
    assert (ops["L0.q_proj"].k, ops["L0.q_proj"].n) == (4096, 4096)
    assert (ops["L0.k_proj"].k, ops["L0.k_proj"].n) == (4096, 1024)    # 8 KV heads x 128
    qk = ops["L0.qk"]
    assert (qk.m, qk.k, qk.n, qk.count) == (4 * 64, 128, 64, 2 * 8)    # 4 query heads per KV head stacked
    assert ops["L0.softmax"].elements == 2 * 32 * 64 * 64
    assert ops["L0.ffn_gate"].n == 14336 and ops["L0.act"].function == "silu"
    assert "L0.rope_q" in ops and "L0.gated_mul" in ops


def test_decode_reads_kv_cache():
    cfg = load_workload("llama3-8b")
    g = build_graph(cfg, "decode", batch=3, kv_len=1000)
    ops = {o.name: o for o in ops_in_order(g)}
    qk, sv = ops["L5.qk"], ops["L5.sv"]
    assert (qk.m, qk.k, qk.n, qk.count) == (4, 128, 1001, 3 * 8)       # cache + the appended token
    assert (sv.m, sv.k, sv.n) == (4, 1001, 128)
    assert ops["L5.q_proj"].m == 3
    # KV-cache bytes read per layer (int8): K and V, 1001 tokens x 1024 values x batch 3
    kv_edges = [d for _, _, d in g.in_edges("L5.qk", data=True) if d["tensor"] == "k_cache"]
    assert kv_edges[0]["elements"] == 3 * 1001 * 1024
    assert qk.w_elements + sv.w_elements == 2 * 3 * 1001 * 1024
    assert ops["lm_head"].m == 3


def test_graph_edges_carry_bytes():
    g = build_graph(load_workload("gpt2"), "prefill", 1, 16, act_bytes=2)
    d = g.edges["L0.q_proj", "L0.qk"]
    assert d["elements"] == 16 * 768 and d["bytes"] == 2 * 16 * 768


def test_hf_configs_match_presets():
    hf = bundled_dir("workloads") / "hf_configs"
    pairs = {"bert-base-uncased.json": "bert-base", "gpt2.json": "gpt2", "Meta-Llama-3-8B.json": "llama3-8b",
             "OLMo-1B.json": "olmo-1b"}
    for f, preset in pairs.items():
        a, b = load_workload(str(hf / f)), load_workload(preset)
        assert a.param_count() == b.param_count(), f
        assert closed_form_macs(a, "prefill", 1, 128) == closed_form_macs(b, "prefill", 1, 128), f


def test_hf_unknown_model_type():
    with pytest.raises(SpecError, match="model_type"):
        from_hf_config({"model_type": "t5"})


def test_bad_workload_inputs(tmp_path):
    with pytest.raises(SpecError, match="unknown preset"):
        load_workload("bert-huge")
    p = tmp_path / "w.yaml"
    p.write_text("name: x\narch: decoder\nn_layers: 2\nd_model: 64\nn_heads: 3\nd_ff: 128\nvocab_size: 10\n")
    with pytest.raises(SpecError, match="n_heads"):
        load_workload(str(p))
    with pytest.raises(SpecError, match="seq_len"):
        build_graph(load_workload("bert-base"), "prefill", 1, 1024)
    with pytest.raises(SpecError, match="phase"):
        build_graph(load_workload("bert-base"), "decode", 1, 1, 10)
