"""Sweeps never mix, orphan or lose; counts never overflow.

* the workload memo follows the model file's content (edit 2 -> 8 layers);
* ``--resume`` continues only the same sweep (values, sampler, workload file
  differ: refused with one line naming what differs, nothing appended);
* a corrupt or unlisted part is dropped with a warning and recomputed;
* plans over ``max_points`` are refused without being drawn;
* kill -9 of a sweep with worker processes: no worker survives the parent,
  and resuming gives the uninterrupted table;
* utilisation <= 1 over random designs and workloads (``simulate``).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import load_hw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accelmodel as am
from accelmodel.errors import AccelModelError, SpecError
from accelmodel.sweep import SweepError, make_spec, plan_sweep, read_results, run_sweep, sweep

ROOT = Path(__file__).resolve().parent.parent
TINY = ("name: tiny\narch: decoder\nn_layers: {n}\nd_model: 64\nn_heads: 4\nd_ff: 128\nvocab_size: 1000\n"
        "max_positions: 256\n")
AXES = {"scratchpad_kib": [64, 128, 256], "accumulator_kib": [32, 64, 128]}


def spec_for(axes=AXES, **kw):
    return make_spec(load_hw("gemmini_default"), {"model": "bert-base", "seq_len": 32}, axes, name="r", **kw)


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.sort_values("point").reset_index(drop=True)
    b = b.sort_values("point").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_dtype=True)


# ---------------------------------------------------------------------------
# the workload memo is keyed on content

def test_editing_the_model_file_changes_the_sweep(tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(TINY.format(n=2))
    wl = {"model": str(f), "seq_len": 16}
    two = sweep("gemmini_default", wl, {"scratchpad_kib": [256]}, jobs=1, progress=False, accuracy=False)
    f.write_text(TINY.format(n=8))
    eight = sweep("gemmini_default", wl, {"scratchpad_kib": [256]}, jobs=1, progress=False, accuracy=False)
    sim = am.simulate(load_hw("gemmini_default"), am.load_workload(str(f)), seq_len=16).summary()
    assert eight["macs"].iloc[0] == sim["macs"] and eight["macs"].iloc[0] > two["macs"].iloc[0]


# ---------------------------------------------------------------------------
# resume: only the same sweep

def _state(out: Path) -> tuple:
    return sorted(p.name for p in out.glob("part-*")), (out / "_sweep.json").read_text()


@pytest.mark.parametrize("change, differs", [
    (dict(axes={"scratchpad_kib": [64, 128, 512], "accumulator_kib": [32, 64, 128]}), "axes differ"),
    (dict(sampling={"method": "random", "n": 4, "seed": 1}), "sampling"),
    (dict(constraints=[{"metric": "sram_kib", "max": 4000}]), "constraints differ"),
])
def test_resume_refuses_another_sweep_and_appends_nothing(tmp_path, change, differs):
    out = tmp_path / "res"
    run_sweep(spec_for(), out, jobs=1, progress=False)
    before = _state(out)
    with pytest.raises(SweepError, match=differs) as exc:
        run_sweep(spec_for(**change), out, jobs=1, progress=False, resume=True)
    assert "\n" not in str(exc.value)
    assert _state(out) == before


def test_resume_refuses_an_edited_workload_file(tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(TINY.format(n=2))
    spec = make_spec("gemmini_default", {"model": str(f), "seq_len": 16}, {"scratchpad_kib": [64, 256]})
    out = tmp_path / "res"
    run_sweep(spec, out, jobs=1, progress=False)
    f.write_text(TINY.format(n=8))
    spec2 = make_spec("gemmini_default", {"model": str(f), "seq_len": 16}, {"scratchpad_kib": [64, 256]})
    with pytest.raises(SweepError, match="workload files differs"):
        run_sweep(spec2, out, jobs=1, progress=False, resume=True)


def test_cli_resume_with_other_values_is_one_line(tmp_path, capsys):
    from accelmodel.cli import main
    s1, s2 = tmp_path / "a.yaml", tmp_path / "b.yaml"
    body = "name: s\nbase: gemmini_default\nworkload: {{model: bert-base, seq_len: 32}}\naxes:\n  scratchpad_kib: {v}\n"
    s1.write_text(body.format(v="[64, 128, 256]"))
    s2.write_text(body.format(v="[64, 128, 512]"))
    out = tmp_path / "res"
    assert main(["sweep", str(s1), "--out", str(out), "--jobs", "1", "--quiet"]) == 0
    capsys.readouterr()
    before = _state(out)
    assert main(["sweep", str(s2), "--out", str(out), "--jobs", "1", "--resume", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "axes differs" in err
    assert _state(out) == before and len(read_results(out)) == 3


def test_corrupt_and_unlisted_parts_are_recomputed_with_a_warning(tmp_path):
    out = tmp_path / "res"
    ref = run_sweep(spec_for(), out, jobs=1, chunk_size=3, progress=False)
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == 3
    parts[0].write_bytes(parts[0].read_bytes()[:100])  # truncated
    stray = out / "part-zzzzzzzz-00001.parquet"  # a part the manifest never listed
    stray.write_bytes(parts[1].read_bytes())
    warnings: list[str] = []
    again = run_sweep(spec_for(), out, jobs=1, chunk_size=3, progress=False, resume=True, warn=warnings.append)
    assert len(warnings) == 2 and all("\n" not in w for w in warnings)
    assert any("checksum" in w for w in warnings) and any("not in the manifest" in w for w in warnings)
    assert again.attrs["sweep"]["evaluated"] == 3 and not stray.exists()
    same_table(again, ref)
    meta = json.loads((out / "_sweep.json").read_text())
    assert sum(p["rows"] for p in meta["parts"].values()) == 9


# ---------------------------------------------------------------------------
# plan size

def test_huge_plans_are_refused_without_drawing_them():
    big = {f"array.{k}": list(range(1, 101)) for k in ("rows", "cols")}
    big.update({"scratchpad_banks": list(range(1, 101)), "accumulator_banks": list(range(1, 101))})
    t0 = time.process_time()
    with pytest.raises(SpecError, match="100000000 points"):
        plan_sweep(spec_for(big))
    with pytest.raises(SpecError, match="100000000 points"):
        run_sweep(spec_for(sampling={"method": "random", "n": 100_000_000}), progress=False)
    assert time.process_time() - t0 < 5  # nothing materialised (drawing 1e8 points takes minutes)
    assert len(plan_sweep(spec_for(), max_points=9)) == 9
    with pytest.raises(SpecError, match="--max-points"):
        plan_sweep(spec_for(), max_points=8)


# ---------------------------------------------------------------------------
# kill -9 of a sweep with worker processes

SWEEP_SCRIPT = """
import sys
from accelmodel.sweep import load_sweep, run_sweep
run_sweep(load_sweep(sys.argv[1]), sys.argv[2], jobs=2, chunk_size=4, progress=False, resume=True)
"""


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or sys.platform != "linux", reason="needs Linux /proc")
def test_kill_9_leaves_no_orphans_and_resume_equals_uninterrupted(tmp_path):
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text("name: k\nbase: gemmini_default\nworkload: {model: bert-base, seq_len: 128}\naxes:\n"
                         "  scratchpad_kib: [64, 128, 256, 512]\n  accumulator_kib: [32, 64, 128, 256]\n"
                         "  array: {paths: [array.rows, array.cols], values: [[8, 8], [16, 16], [32, 32]]}\n")
    out = tmp_path / "res"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers: list[int] = []
    proc = subprocess.Popen([sys.executable, "-c", SWEEP_SCRIPT, str(spec_file), str(out)], env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:  # workers forked and a part written
            workers = _children(proc.pid) or workers
            if workers and any(out.glob("part-*.parquet")):
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed; make it bigger"
        assert workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "a worker outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:  # never leave an orphan behind, even when the test fails
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    partial = len(read_results(out))
    assert 0 < partial < 48
    resumed = run_sweep(am_sweep_spec(spec_file), out, jobs=1, progress=False, resume=True)
    full = run_sweep(am_sweep_spec(spec_file), None, jobs=1, progress=False)
    same_table(resumed, full)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or sys.platform != "linux", reason="needs Linux /proc")
def test_ctrl_c_stops_the_workers_and_keeps_what_finished(tmp_path):
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text("name: c\nbase: gemmini_default\nworkload: {model: bert-base, seq_len: 128}\naxes:\n"
                         "  scratchpad_kib: [64, 128, 256, 512]\n  accumulator_kib: [32, 64, 128, 256]\n"
                         "  array: {paths: [array.rows, array.cols], values: [[8, 8], [16, 16], [32, 32]]}\n")
    out = tmp_path / "res"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers: list[int] = []
    proc = subprocess.Popen([sys.executable, "-m", "accelmodel.cli", "sweep", str(spec_file), "--out", str(out),
                             "--jobs", "2", "--chunk-size", "2", "--quiet"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid) or workers
            if workers and any(out.glob("part-*.parquet")):
                break
            time.sleep(0.01)
        assert proc.poll() is None and workers
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 130 and err.count("\n") == 1 and "--resume" in err and "Traceback" not in err
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    kept = read_results(out)
    assert 0 < len(kept) < 48
    resumed = run_sweep(am_sweep_spec(spec_file), out, jobs=1, progress=False, resume=True)
    same_table(resumed, run_sweep(am_sweep_spec(spec_file), None, jobs=1, progress=False))


def am_sweep_spec(path):
    from accelmodel.sweep import load_sweep
    return load_sweep(path)


# ---------------------------------------------------------------------------
# utilisation <= 1 over random designs and workloads

designs = st.fixed_dictionaries({
    "array.rows": st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]),
    "array.cols": st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]),
    "array.dataflow": st.sampled_from(["WS", "OS"]),
    "scratchpad_kib": st.sampled_from([16, 64, 256, 1024, 8192]),
    "accumulator_kib": st.sampled_from([8, 64, 256, 2048]),
    "clock_ghz": st.floats(0.1, 5.0),
    "dram.bandwidth_gbps": st.floats(1.0, 2000.0),
    "dma_bytes_per_cycle": st.sampled_from([4, 16, 64, 256]),
    "double_buffered": st.booleans(),
    "tiling": st.sampled_from(["search", "square"]),
    "dtypes.input_bits": st.sampled_from([4, 8, 16]),
})
workloads = st.tuples(st.sampled_from(["bert-base", "gpt2", "olmo-1b", "llama3-8b"]),
                      st.sampled_from(["prefill", "decode"]), st.sampled_from([1, 3, 16, 256]),
                      st.sampled_from([1, 7, 64, 500]))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(designs, workloads)
def test_utilisation_never_exceeds_one(updates, wl):
    model, phase, batch, tokens = wl
    if model == "bert-base" and phase == "decode":
        phase = "prefill"
    try:
        hw = am.with_updates(load_hw("gemmini_default"), updates)
        kw = dict(seq_len=tokens) if phase == "prefill" else dict(kv_len=tokens)
        s = am.simulate(hw, model, phase=phase, batch=batch, **kw).summary()
    except AccelModelError:  # e.g. a tile that does not fit: a clean refusal is fine
        return
    for key in ("utilization", "matmul_utilization"):
        assert math.isfinite(s[key]) and 0 <= s[key] <= 1 + 1e-12, (key, s[key])
    assert s["latency_s"] > 0 and math.isfinite(s["energy_j"])


@pytest.mark.parametrize("model, phase, batch, tokens", [
    ("gpt2", "prefill", 65536, 1024), ("llama3-8b", "prefill", 64, 131072), ("olmo-1b", "decode", 65536, 2**24),
    ("bert-base", "prefill", 65536, 512)])
def test_utilisation_at_the_input_bounds(model, phase, batch, tokens):
    kw = dict(seq_len=tokens) if phase == "prefill" else dict(kv_len=tokens)
    s = am.simulate(load_hw("gemmini_default"), model, phase=phase, batch=batch, **kw).summary()
    assert 0 < s["utilization"] <= s["matmul_utilization"] <= 1
    assert math.isfinite(s["latency_s"]) and math.isfinite(s["energy_j"]) and s["macs"] > 0
