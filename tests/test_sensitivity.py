"""Sensitivity indices against closed forms (SALib), and on the model."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("SALib")

from accelmodel.sweep import load_sweep  # noqa: E402
from accelmodel.sensitivity import Parameter, design_sensitivity, front_robustness, indices  # noqa: E402


def _unit(name: str, lo: float = 0.0, hi: float = 1.0) -> Parameter:
    return Parameter(paths=[name], name=name, min=lo, max=hi)


def test_sobol_of_a_linear_model_matches_the_closed_form():
    # y = sum a_i x_i, x_i ~ U(0, 1): S1_i = ST_i = a_i^2 / sum a_j^2 (no interactions)
    a = np.array([1.0, 2.0, 3.0])
    params = [_unit(f"x{i}") for i in range(3)]
    df = indices(lambda X: X @ a, params, ["y"], method="sobol", n=1024, seed=3)
    want = a**2 / (a**2).sum()
    assert np.allclose(df["S1"], want, atol=0.03)
    assert np.allclose(df["ST"], want, atol=0.03)


def test_sobol_of_ishigami_matches_the_closed_form():
    # Ishigami (a=7, b=0.1) on [-pi, pi]^3: S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)
    params = [_unit(f"x{i}", -np.pi, np.pi) for i in range(3)]

    def f(X):
        return np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0])
    df = indices(f, params, ["y"], n=2048, seed=0)
    assert np.allclose(df["S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    assert np.allclose(df["ST"], [0.5576, 0.4424, 0.2437], atol=0.04)


def test_morris_ranks_a_linear_model_by_its_slopes():
    # elementary effect of x_i on a linear model is a_i x (range) exactly: mu* = a_i, sigma = 0
    a = np.array([0.5, 4.0, 2.0])
    params = [_unit(f"x{i}") for i in range(3)]
    df = indices(lambda X: X @ a, params, ["y"], method="morris", n=20, seed=0)
    assert np.allclose(df["mu_star"], a, rtol=1e-9)
    assert np.allclose(df["sigma"], 0.0, atol=1e-9)


def test_design_sensitivity_names_the_parameters_that_move_each_output():
    from accelmodel.workload.point import WorkloadPoint
    hw = load_sweep("spad_acc").base  # gemmini_default
    params = [Parameter(paths=["host.cycles_per_element"], name="host", min=0.5, max=2.0, scale=True),
              Parameter(paths=["dram.energy_pj_per_bit"], name="dram_pj", min=10, max=40)]
    df = design_sensitivity(hw, WorkloadPoint(seq_len=128), params, ("latency_s", "energy_j"), n=64)
    st = df.set_index(["output", "parameter"])["ST"]
    assert st["latency_s", "dram_pj"] == 0.0      # DRAM energy per bit cannot move latency
    assert st["latency_s", "host"] > 0.9          # the baseline offloads the nonlinear ops to the host
    assert st["energy_j", "dram_pj"] > 0.0


def test_front_robustness_counts_designs_that_stay_optimal():
    from accelmodel.workload.point import WorkloadPoint
    hw = load_sweep("spad_acc").base  # gemmini_default
    import accelmodel as am
    big = am.with_updates(hw, {"array.rows": 32, "array.cols": 32})
    worse = am.with_updates(hw, {"dram.bandwidth_gbps": 8})   # dominated: slower at the same energy or more
    params = [Parameter(paths=["dram.energy_pj_per_bit"], name="dram_pj", min=10, max=40)]
    df = front_robustness([hw, big, worse], WorkloadPoint(seq_len=128), params,
                          {"latency_s": "min", "energy_j": "min"}, n=8)
    assert df["stays_optimal"].between(0, 1).all()
    assert df["stays_optimal"].iloc[2] == 0.0
