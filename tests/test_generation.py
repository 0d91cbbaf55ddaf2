"""Whole-request generation: the fast decode path equals per-step simulate;
TTFT, TPOT, capacity refusal, formats' DRAM bytes (hand counts)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from accelmodel.errors import SpecError
from accelmodel.footprint import footprint
from accelmodel.generation import simulate_generation
from accelmodel.hardware.spec import load_accelerator, with_updates
from accelmodel.paths import find_file
from accelmodel.simulation import simulate
from accelmodel.workload.config import load_workload


def _hw(name: str):
    return load_accelerator(find_file(name, "hw_configs", "--hw", "config"))


@pytest.mark.parametrize("hw_name,model,prompt,gen,batch", [
    ("edge_llm", "llama3-8b", 60, 140, 1),      # crosses two 64-token tile blocks
    ("gemmini_default", "gpt2", 30, 40, 2),
    ("edge_llm", "olmo-1b", 120, 20, 8),
])
def test_fast_path_equals_per_step_simulate(hw_name, model, prompt, gen, batch):
    hw = _hw(hw_name)
    g = simulate_generation(hw, model, prompt, gen, batch, check_capacity=False)
    pre = simulate(hw, model, "prefill", batch, prompt).summary()
    assert g.ttft_s == pre["latency_s"]
    per_step = [simulate(hw, model, "decode", batch, 1, prompt + j - 1).summary() for j in range(1, gen)]
    for key, got in (("latency_s", g.steps.latency_s), ("energy_j", g.steps.energy_j),
                     ("dram_bytes", g.steps.dram_bytes), ("flops", g.steps.flops)):
        want = np.array([s[key] for s in per_step])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, err_msg=key)
    lat = np.array([s["latency_s"] for s in per_step])
    s = g.summary()
    assert s["tpot_s"] == pytest.approx(lat.mean(), rel=1e-12)
    assert s["tpot_first_s"] == pytest.approx(lat[0], rel=1e-12)
    assert s["tpot_last_s"] == pytest.approx(lat[-1], rel=1e-12)
    assert s["latency_s"] == pytest.approx(pre["latency_s"] + lat.sum(), rel=1e-12)
    assert s["tokens_per_s"] == pytest.approx(batch * gen / s["latency_s"], rel=1e-12)


def test_single_token_has_no_tpot():
    s = simulate_generation(_hw("edge_llm"), "gpt2", 16, 1).summary()
    assert s["tpot_s"] is None and s["latency_s"] == s["ttft_s"]


def _llama_on(capacity_gib: float, **dtypes):
    hw = with_updates(_hw("edge_llm"), {"dram.capacity_gib": capacity_gib,
                                        **{f"dtypes.{k}": v for k, v in dtypes.items()}})
    return hw


def test_16bit_llama_on_8gib_refused_with_sizes():
    hw = _llama_on(8, weight_format="fp16", activation_format="fp16", input_bits=None, output_bits=None,
                   weight_bits=None)
    with pytest.raises(SpecError) as e:
        simulate_generation(hw, "llama3-8b", 512, 512)
    msg = str(e.value)
    assert "\n" not in msg and "dram.capacity_gib" in msg
    assert "14.96 GiB weights" in msg and "GiB KV cache" in msg and "8 GiB" in msg


def test_int4_weights_fit_8gib():
    hw = _llama_on(8, weight_format="int4", weight_bits=None, weight_group_size=128)
    g = simulate_generation(hw, "llama3-8b", 512, 4)
    assert g.footprint.total < 8 * 2**30


def test_cli_refusal_is_one_line_exit_2(tmp_path):
    hw = _llama_on(8, weight_bits=16)
    p = tmp_path / "hw.yaml"
    p.write_text(hw.to_yaml())
    r = subprocess.run([sys.executable, "-m", "accelmodel.cli", "generate", "--hw", str(p), "--prompt-len", "128",
                        "--gen-len", "8"], capture_output=True, text=True)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "weights" in r.stderr


def test_cli_json_keys():
    r = subprocess.run([sys.executable, "-m", "accelmodel.cli", "generate", "--hw", "edge_llm", "--workload", "gpt2",
                        "--prompt-len", "32", "--gen-len", "8", "--batch", "2", "--json"],
                       capture_output=True, text=True, check=True)
    s = json.loads(r.stdout)
    for k in ("ttft_s", "tpot_s", "tpot_first_s", "tpot_last_s", "latency_s", "tokens_per_s", "energy_j",
              "energy_per_token_j", "footprint_bytes"):
        assert isinstance(s[k], (int, float)) and s[k] > 0, k


def _decode_weight_and_kv_bytes(hw, cfg, kv_len):
    """Hand count of a batch-1 decode step's weight + scale + K/V reads (no embedding table: one row gathered)."""
    dt = hw.dtypes
    per_layer_w = cfg.layer_params() - 2 * cfg.norm_params
    w_elems = cfg.n_layers * per_layer_w + cfg.d_model * cfg.vocab_size  # lm_head
    scale_bytes = 0.0 if dt.weight_group_size is None else w_elems / dt.weight_group_size * dt.weight_scale_bits / 8
    kv = 2 * cfg.n_layers * cfg.kv_heads * cfg.hd * (kv_len + 1) * dt.kv_bytes
    return w_elems * dt.weight_bits / 8 + scale_bytes + kv


@pytest.mark.parametrize("fmt", [
    dict(weight_bits=8),
    dict(weight_format="int4", weight_bits=None, weight_group_size=128),
    dict(weight_format="fp16", weight_bits=None, kv_format="fp8"),
    dict(weight_format="bf16", weight_bits=None, kv_bits=16),
    dict(weight_bits=16, kv_format="int4"),
])
def test_decode_dram_bytes_hand_count(fmt):
    """The weight matmuls and the Q.K^T / softmax.V reads of their second operand in a
    decode step: exactly weights (+ scales) + KV at their formats' widths."""
    hw = with_updates(_hw("edge_llm"), {f"dtypes.{k}": v for k, v in fmt.items()})
    cfg = load_workload("llama3-8b")
    kv_len = 300
    rep = simulate(hw, cfg, "decode", 1, 1, kv_len)
    ops = rep.ops
    mm = ops[ops["kind"] == "matmul"]
    dt = hw.dtypes
    # subtract the activation operands and outputs of the matmuls: X at input width, Y at output width
    seq = [op for op in rep_ops(cfg, kv_len)]
    act = sum(op.x_elements * dt.input_bytes + op.y_elements * dt.output_bytes for op in seq if op.is_matmul)
    assert mm["dram_bytes"].sum() - act == pytest.approx(_decode_weight_and_kv_bytes(hw, cfg, kv_len), rel=1e-12)


def rep_ops(cfg, kv_len):
    from accelmodel.workload.sequence import op_sequence

    return list(op_sequence(cfg, "decode", 1, 1, kv_len).instances())


def test_weight_only_quantisation_charges_dequantisation():
    base = _hw("edge_llm")
    w4a16 = with_updates(base, {"dtypes.weight_format": "int4", "dtypes.weight_bits": None,
                                "dtypes.activation_format": "fp16", "dtypes.input_bits": None,
                                "dtypes.output_bits": None, "dtypes.weight_group_size": 128})
    assert w4a16.dtypes.dequantizes_weights and not base.dtypes.dequantizes_weights
    rep = simulate(w4a16, "llama3-8b", "decode", 1, 1, 128)
    ops = rep.ops
    assert rep.summary()["energy_j"] > 0
    assert (ops[ops["op"] == "ffn_up"]["energy_nonlinear_j"] > 0).all()


def test_footprint_counts():
    hw = _hw("edge_llm")
    cfg = load_workload("llama3-8b")
    fp = footprint(hw, cfg, 512, 2048, 8)
    assert fp.weights == cfg.param_count()
    assert fp.kv_cache == 2 * 32 * 8 * 128 * (512 + 2047) * 8 * 1.0


def test_format_bits_disagree_is_error():
    with pytest.raises(SpecError, match="weight_bits"):
        with_updates(_hw("edge_llm"), {"dtypes.weight_format": "int4"})  # weight_bits 8 given in the YAML


def test_sweep_drops_what_does_not_fit():
    from accelmodel.sweep.plan import capacity_drop
    from accelmodel.sweep.spec import WorkloadPoint

    small = with_updates(_hw("edge_llm"), {"dram.capacity_gib": 8, "dtypes.weight_bits": 16})
    wl = WorkloadPoint(model="llama3-8b", phase="decode", batch=1, seq_len=1, kv_len=512)
    assert "dram.capacity_gib" in capacity_drop(small, wl)
    assert capacity_drop(_hw("edge_llm"), wl) is None
