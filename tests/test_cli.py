"""The CLI as a user runs it: outputs, files, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest

from accelmodel.cli import main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_run_prints_summary(capsys):
    code, out, err = run_cli(capsys, "run")
    assert code == 0
    assert "bert-base prefill (batch 1, seq 512) on gemmini_default" in out
    for word in ("latency", "energy", "MACs", "utilisation", "by op kind", "By bound", "Top bottleneck ops"):
        assert word in out


def test_run_json_keys(capsys):
    code, out, _ = run_cli(capsys, "run", "--json")
    s = json.loads(out)
    for key in ("latency_s", "energy_j", "macs", "flops", "dram_bytes", "params", "utilization", "tokens_per_s",
                "latency_share_by_kind", "flops_share_by_kind", "latency_share_by_bound"):
        assert key in s
    assert {"matmul", "softmax", "layernorm", "activation", "residual", "quantize"} <= set(s["latency_share_by_kind"])
    assert sum(s["latency_share_by_bound"].values()) == pytest.approx(1.0)


def test_run_out_dir(tmp_path, capsys):
    code, _, _ = run_cli(capsys, "run", "--hw", "edge_llm", "--workload", "llama3-8b", "--phase", "decode",
                         "--kv-len", "128", "--out", str(tmp_path))
    assert code == 0
    import pandas as pd
    ops = pd.read_csv(tmp_path / "ops.csv")
    s = json.loads((tmp_path / "summary.json").read_text())
    assert ops["latency_s"].sum() == pytest.approx(s["latency_s"])
    assert s["phase"] == "decode" and s["kv_len"] == 128


def test_run_hf_config(capsys):
    from accelmodel.paths import bundled_dir
    p = bundled_dir("workloads") / "hf_configs" / "gpt2.json"
    code, out, _ = run_cli(capsys, "run", "--workload", str(p), "--seq-len", "64", "--json")
    assert code == 0 and json.loads(out)["params"] == 124439808


def test_gemm_json(capsys):
    code, out, _ = run_cli(capsys, "gemm", "--hw", "gemmini_default", "--m", "64", "--k", "64", "--n", "64", "--json")
    r = json.loads(out)
    for key in ("compute_cycles", "total_cycles", "utilization", "dram_bytes"):
        assert key in r
    assert r["compute_cycles"] == 16 * (32 + 16 + 64 - 2)  # single 64^3 tile: hand count
    assert r["dram_bytes"] == 3 * 64 * 64
    assert r["tile"]["order"] == "mnk" and r["spill_bytes"] == 0


def test_gemm_reports_loop_order_and_spills(capsys, tmp_path):
    # tiny buffers, no L2, slow DRAM (a case of tests/test_mapping_oracle.py): a K-outer order wins
    hw = tmp_path / "starved.yaml"
    hw.write_text("l2: null\nscratchpad_kib: 0.125\naccumulator_kib: 0.0625\ndouble_buffered: false\n"
                  "dram: {bandwidth_gbps: 4}\narray: {rows: 4, cols: 2}\n")
    code, out, _ = run_cli(capsys, "gemm", "--hw", str(hw), "--m", "10", "--k", "22", "--n", "5", "--json")
    r = json.loads(out)
    assert code == 0 and r["tile"]["order"] not in ("mnk", "nmk") and r["spill_bytes"] > 0
    code, out, _ = run_cli(capsys, "gemm", "--hw", str(hw), "--m", "10", "--k", "22", "--n", "5")
    assert f"order {r['tile']['order']}" in out and f"{r['spill_bytes']:.0f} bytes spilled" in out


def test_schema(capsys):
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0 and json.loads(out)["additionalProperties"] is False


BAD_HW = {
    "wrong_type": ("array:\n  rows: sixteen\n", "array.rows"),
    "negative": ("scratchpad_kib: -4\n", "scratchpad_kib"),
    "zero": ("dram:\n  bandwidth_gbps: 0\n", "dram.bandwidth_gbps"),
    "unknown_key": ("scrachpad_kib: 64\n", "scrachpad_kib: unknown field"),
    "bad_unit_kind": ("nonlinear:\n  softmax:\n    kind: magic\n", "nonlinear.softmax"),
    "never_fits": ("scratchpad_kib: 0.25\n", "scratchpad_kib"),
    "not_yaml": ("array: [1, 2\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD_HW))
def test_bad_hardware_one_line_exit_2(case, tmp_path, capsys):
    text, needle = BAD_HW[case]
    p = tmp_path / "hw.yaml"
    p.write_text(text)
    code, out, err = run_cli(capsys, "run", "--hw", str(p))
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("args,needle", [
    (["run", "--workload", "bert-huge"], "unknown preset"),
    (["run", "--batch", "0"], "--batch"),
    (["run", "--seq-len", "-3"], "--seq-len"),
    (["run", "--hw", "no_such_design"], "--hw"),
    (["run", "--phase", "decode"], "encoder"),
    (["gemm", "--m", "0", "--k", "1", "--n", "1"], "--m"),
])
def test_bad_arguments_one_line_exit_2(args, needle, capsys):
    with pytest.raises(SystemExit) as e:
        code = main(args)
        raise SystemExit(code)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_console_script_installed():
    r = subprocess.run([sys.executable, "-m", "accelmodel.cli", "run", "--json"], capture_output=True, text=True)
    assert r.returncode == 0 and json.loads(r.stdout)["model"] == "bert-base"


def test_sweep_dir_feeds_plot(tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", "spad_acc", "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    fig = tmp_path / "h.png"
    assert main(["plot", "heatmap", str(out), "--x", "scratchpad_kib", "--y", "accumulator_kib",
                 "--value", "matmul_latency_s", "--out", str(fig)]) == 0
    assert fig.stat().st_size > 1000
