"""Help, schema, names from anywhere, `list`, the self-explaining report, SI formatting."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import accelmodel as am
from accelmodel import explain as ex
from accelmodel.cli import build_parser, main
from accelmodel.commands.schema import SCHEMAS
from accelmodel.errors import SpecError
from accelmodel.paths import BUNDLED_KINDS, bundled_file, bundled_files, find_file
from accelmodel.units_format import binary_bytes, json_ready, kib, si
from accelmodel.workload.config import load_workload

ROOT = Path(__file__).resolve().parent.parent


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    p = build_parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_help_describes_the_command_and_every_option(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    parser = _subparsers()[command]
    assert parser.description and parser.description.split()[0] in text, f"{command}: no description"
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = action.option_strings[0] if action.option_strings else (action.metavar or action.dest)
        assert action.help, f"{command} {name}: no help text"
        # the option appears in --help followed by its text
        lines = [ln for ln in text.splitlines() if ln.strip().startswith(name)]
        assert lines, f"{command}: {name} missing from --help"
        assert action.help.split()[0] in text


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_schema_for_every_file_kind(kind, capsys):
    assert main(["schema", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object" and schema["properties"]


def test_schema_rejects_an_unknown_kind(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["schema", "nope"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["gpt2.json", "workloads/hf_configs/gpt2.json", "OLMo-1B", "bert-base"])
def test_workload_names_work_from_any_directory(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_workload(name)
    assert cfg.n_layers > 0


def test_workload_errors_name_what_is_bundled(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError, match="gpt2.json"):
        load_workload("nope.json")
    with pytest.raises(SpecError, match="unknown preset 'nope'.*bert-base"):
        load_workload("nope")


def test_one_lookup_for_every_kind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for kind, (folder, suffixes, _) in BUNDLED_KINDS.items():
        files = bundled_files(kind)
        assert files, kind
        for p in files:
            for given in (p.stem, p.name, f"{folder}/{p.name}"):
                assert bundled_file(given, folder, suffixes) == p
                assert find_file(given, folder, "--x", kind, suffixes=suffixes) == p
    # a repository path of another kind is not taken for this one
    assert bundled_file("workloads/gpt2.yaml", "hw_configs") is None
    with pytest.raises(SpecError, match=r"--hw: .*bundled: .*gemmini_ibert"):
        find_file("nope", "hw_configs", "--hw", "config")


def test_list_prints_every_bundled_file_from_outside_the_repo(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-m", "accelmodel.cli", "list"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True).stdout
    for kind in BUNDLED_KINDS:
        for p in bundled_files(kind):
            line = next((ln for ln in out.splitlines() if ln.split()[:1] == [p.stem]), None)
            assert line is not None, f"{p.name} not listed"
            assert len(line.split()) > 2, f"{p.name}: no description"


def test_list_json_and_kind(capsys):
    assert main(["list", "sweep", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["sweep"]
    assert {d["name"] for d in data["sweep"]} == {p.stem for p in bundled_files("sweep")}
    assert all(d["description"] for d in data["sweep"])


def test_run_from_outside_the_repo_by_hf_file_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--workload", "gpt2.json", "--seq-len", "64", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["model"] == "gpt2" and "explain" not in s
    assert isinstance(s["macs"], int)


# ---- the report explains itself -------------------------------------------------------

@pytest.fixture(scope="module")
def baseline():
    return am.simulate(am.load_accelerator(find_file("gemmini_default", "hw_configs", "--hw", "config")),
                       "bert-base", seq_len=128)


def test_bounds_are_named_with_their_rates(baseline):
    hw = baseline.hw
    why = ex.explain(baseline, alternatives_too=False)
    assert set(why["bounds"]) == set(baseline.ops["bound"])
    cpu = why["bounds"]["cpu"]
    assert "host-CPU offload" in cpu and f"softmax {hw.host.cycles_per_element.softmax:g}" in cpu
    assert f"{hw.host.clock_ghz:g} GHz" in cpu
    assert f"{hw.local_bytes_per_cycle:g} B/cycle" in ex.bound_rate("l2", baseline)
    assert f"{hw.dram.bandwidth_gbps:g} GB/s" in ex.bound_rate("dram", baseline)
    faster = baseline.hw.model_copy(update={"host": hw.host.model_copy(update={
        "cycles_per_element": hw.host.cycles_per_element.model_copy(update={"softmax": 7.0})})})
    rep = am.simulate(faster, "bert-base", seq_len=128)
    assert "softmax 7 " in ex.bound_rate("cpu", rep) or "softmax 7," in ex.bound_rate("cpu", rep)


def test_quantize_rows_are_tied_to_the_op_they_serve(baseline):
    assert ex.served_op("L0.softmax.dequantize") == ("dequantize", "softmax")
    assert ex.served_op("embed_norm.quantize") == ("quantize", "embed_norm")
    assert ex.served_op("L0.q_proj") is None
    assert ex.op_label("softmax.quantize") == "softmax.quantize (float -> int after softmax)"
    served = ex.quantize_served(baseline)
    assert set(served) == {"softmax", "activation", "layernorm"}
    assert sum(served.values()) == pytest.approx(1.0)
    q = baseline.ops[baseline.ops["kind"] == "quantize"]
    soft = q[q["name"].str.contains(".softmax.", regex=False)]["latency_s"].sum()
    assert served["softmax"] == pytest.approx(soft / q["latency_s"].sum())


def test_what_would_help_is_simulated(baseline):
    help_ = ex.what_would_help(baseline, top=10)
    opts = help_["options"]
    assert "estimate" in help_["note"]
    assert [o["speedup"] for o in opts] == sorted((o["speedup"] for o in opts), reverse=True)
    by_change = {o["change"]: o for o in opts}
    ibert = by_change["the bundled design gemmini_ibert"]
    again = am.simulate(am.load_accelerator(find_file("gemmini_ibert", "hw_configs", "--hw", "config")),
                        "bert-base", seq_len=128)
    assert ibert["latency_s"] == pytest.approx(again.latency_s)
    assert ibert["speedup"] == pytest.approx(baseline.latency_s / again.latency_s)
    # the offloaded kind with the most time is offered an on-accelerator unit
    assert any("I-BERT integer unit instead of the host CPU" in c or "I-BERT integer unit (" in c for c in by_change)
    # no bundled design with a different array size is offered as like-for-like
    assert "the bundled design edge_llm" not in by_change


def test_text_report_explains_itself(capsys):
    assert main(["run", "--seq-len", "128"]) == 0
    out = capsys.readouterr().out
    cpu_line = next(ln for ln in out.splitlines() if ln.split()[:1] == ["cpu"])
    assert "host-CPU offload:" in cpu_line and "softmax 60" in cpu_line and "cycles/element at 1 GHz" in cpu_line
    assert "quantize = the dequantize (int -> float) before and quantize (float -> int) after" in out
    assert re.search(r"\.(de)?quantize \((float -> int after|int -> float before) \w+\)", out)
    assert "What would help (the model's estimate" in out
    assert main(["run", "--seq-len", "128", "--json", "--explain"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["explain"]["what_would_help"]["options"]


# ---- formatting ------------------------------------------------------------------------

def test_si_formatting():
    assert si(2.226115e-3, "J") == "2.23 mJ"
    assert si(4.766, "s") == "4.77 s"
    assert si(0, "s") == "0 s"
    assert si(999.96, "s") == "1 ks"
    assert si(98.4e-6, "s") == "98.4 us"
    assert kib(512) == "512 KiB" and kib(2048) == "2 MiB"
    assert binary_bytes(100) == "100 B"


def test_json_integers_stay_integers():
    out = json_ready({"cycles": 7686144.0, "share": 0.5, "nested": [3.0, float("nan")], "label": "x"})
    assert out["cycles"] == 7686144 and isinstance(out["cycles"], int)
    assert isinstance(out["share"], float) and isinstance(out["nested"][0], int)


def test_gemm_prints_si_and_integer_json(capsys):
    assert main(["gemm", "--m", "64", "--k", "64", "--n", "64"]) == 0
    text = capsys.readouterr().out
    lines = {ln.split()[0]: ln for ln in text.splitlines()[1:]}
    assert re.search(r"latency\s+[\d.]+ [munp]?s ", lines["latency"])
    assert re.search(r"energy\s+[\d.]+ [kmunp]?J$", lines["energy"].rstrip())
    assert main(["gemm", "--m", "64", "--k", "64", "--n", "64", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert isinstance(r["compute_cycles"], int) and isinstance(r["dram_bytes"], int)
