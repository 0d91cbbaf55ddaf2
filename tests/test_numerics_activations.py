"""Activation functional models (accelmodel.numerics.activations) and the LUT range search."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelmodel.errors import SpecError
from accelmodel.numerics import (
    PUBLISHED_RANGES, activation, calibrate_lut_range, gelu, gelu_ibert, gelu_tanh, load_calibration,
    lut_activation, lut_grid, relu, relu_ibert, silu, silu_ibert,
)

FUNCS = ("gelu", "gelu_tanh", "silu")


def test_references_hand_values():
    # GELU(1) = Phi(1); SiLU(1) = 1/(1+e^-1); tanh-GELU(1) from the formula
    assert gelu(np.array([1.0]))[0] == pytest.approx(0.8413447460685429, abs=1e-15)
    assert silu(np.array([1.0]))[0] == pytest.approx(1.0 / (1.0 + math.exp(-1.0)), abs=1e-15)
    t = 0.5 * (1 + math.tanh(math.sqrt(2 / math.pi) * (1 + 0.044715)))
    assert gelu_tanh(np.array([1.0]))[0] == pytest.approx(t, abs=1e-15)
    np.testing.assert_array_equal(relu(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 2.0])


def test_published_ranges():
    assert PUBLISHED_RANGES["gelu_tanh"] == (-2.567, 2.538)
    assert PUBLISHED_RANGES["gelu"] == (-2.509, 2.712)
    assert PUBLISHED_RANGES["silu"] == (-3.844, 3.612)


@pytest.mark.parametrize("f", FUNCS)
def test_lut_exact_at_table_points(f):
    lo, hi = PUBLISHED_RANGES[f]
    grid = lut_grid(1024, lo, hi)
    # float table at its own points: tol 1e-12 (index arithmetic only)
    np.testing.assert_allclose(lut_activation(grid, f), activation(f, grid), rtol=0, atol=1e-12)


@pytest.mark.parametrize("f", FUNCS)
def test_lut_out_of_range_rule(f):
    lo, hi = PUBLISHED_RANGES[f]
    below = np.array([lo - 1e-9, lo - 1.0, -50.0])
    above = np.array([hi + 1e-9, hi + 1.0, 50.0])
    np.testing.assert_array_equal(lut_activation(below, f), 0.0)      # x < min -> 0
    np.testing.assert_array_equal(lut_activation(above, f), above)    # x > max -> x


def test_lut_linear_interpolation_midpoint_and_nearest():
    # 3 entries over [-1, 1] for ReLU: points -1, 0, 1; halfway between 0 and 1 -> 0.5
    assert lut_activation(np.array([0.5]), "relu", 3, -1.0, 1.0)[0] == pytest.approx(0.5, abs=1e-15)
    # SiLU at 0.25 between entries 0 and 1 (entries over [-1,1] with 3 points), linear: silu(1)/4
    assert lut_activation(np.array([0.25]), "silu", 3, -1.0, 1.0)[0] == pytest.approx(silu(np.array([1.0]))[0] / 4)
    assert lut_activation(np.array([0.4]), "silu", 3, -1.0, 1.0, interpolation="nearest")[0] == 0.0
    with pytest.raises(SpecError):
        lut_activation(np.array([0.0]), "gelu", 1024, 1.0, -1.0)


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=8, max_value=512), st.sampled_from(FUNCS))
def test_lut_error_shrinks_with_entries(entries, f):
    x = np.random.default_rng(3).uniform(-2.5, 2.5, 4000)  # inside every published range
    ref = activation(f, x)
    e1 = np.abs(lut_activation(x, f, entries) - ref).mean()
    e2 = np.abs(lut_activation(x, f, 2 * entries) - ref).mean()
    assert e2 < e1


@pytest.mark.parametrize("f", FUNCS)
def test_calibration_search_beats_published_range(f):
    x = load_calibration()["activation"][:8192]
    res = calibrate_lut_range(x, f, entries=1024, rounds=4)
    published = np.abs(lut_activation(x, f) - activation(f, x)).mean()
    assert res.start_mae == pytest.approx(published, rel=1e-12)
    assert res.mae <= published
    assert np.abs(lut_activation(x, f, 1024, res.x_min, res.x_max) - activation(f, x)).mean() == \
        pytest.approx(res.mae, rel=1e-12)
    # deterministic
    assert calibrate_lut_range(x, f, entries=1024, rounds=4) == res


def test_ibert_gelu_error():
    x = np.linspace(-6.0, 6.0, 20001)
    # i-GELU's float polynomial is within 0.0182 of GELU on this range (computed); integer rounding < 3e-4
    assert np.max(np.abs(gelu_ibert(x) - gelu(x))) < 0.0185
    assert gelu_ibert(np.array([0.0]))[0] == 0.0


def test_ibert_silu_and_relu():
    x = np.linspace(-20.0, 20.0, 20001)
    # i-exp (<= 2e-3 on exp) through sigmoid, 15 fraction bits: within 1e-3 of SiLU
    assert np.max(np.abs(silu_ibert(x) - silu(x))) < 1e-3
    # ReLU on the 2^-14 grid: within half a step
    assert np.max(np.abs(relu_ibert(x) - relu(x))) <= 2.0 ** -15
