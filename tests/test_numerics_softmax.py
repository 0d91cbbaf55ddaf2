"""Softmax functional models (accelmodel.numerics.softmax)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelmodel.errors import SpecError
from accelmodel.numerics import (
    cordic_schedule, exp_cordic, exp_ibert, exp_lut, i_exp, lut_grid, quantize_table, softmax_base2,
    softmax_cordic, softmax_crossroad, softmax_exact, softmax_ibert, softmax_lut,
)
from accelmodel.numerics.softmax import IEXP_MAX_ERROR

RNG = np.random.default_rng(7)
ROWS = RNG.normal(0.0, 2.0, (64, 128))


def test_exact_hand_case():
    # softmax([0, ln 2]) = [1/3, 2/3]; shift invariance
    np.testing.assert_allclose(softmax_exact([[0.0, math.log(2.0)]]), [[1 / 3, 2 / 3]], rtol=1e-15)
    np.testing.assert_allclose(softmax_exact(ROWS + 100.0), softmax_exact(ROWS), atol=1e-15)


def test_crossroad_one_hot_is_exact():
    # gap = 5.0 - 2.0 = 3.0 >= threshold 3 -> exactly one-hot at the argmax
    x = np.array([[1.0, 5.0, 2.0, 1.9], [0.0, -1.0, -2.0, 3.5]])
    out = softmax_crossroad(x, threshold=3.0)
    np.testing.assert_array_equal(out, [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])


def test_crossroad_threshold_parameter():
    x = np.array([[2.5, 0.0, -1.0]])  # gap 2.5
    np.testing.assert_array_equal(softmax_crossroad(x, threshold=2.0), [[1.0, 0.0, 0.0]])
    assert softmax_crossroad(x, threshold=3.0)[0, 1] > 0.0


def test_crossroad_base2_below_threshold_hand_case():
    # round(x log2 e): 1.0 -> 1, 0.5 -> 1, -1.0 -> -1: [2, 2, 0.5] / 4.5 (exact powers of two: tol 1e-15)
    x = np.array([[1.0, 0.5, -1.0]])
    expected = [[4 / 9, 4 / 9, 1 / 9]]
    np.testing.assert_allclose(softmax_crossroad(x), expected, rtol=1e-15)
    np.testing.assert_allclose(softmax_base2(x), expected, rtol=1e-15)


def test_crossroad_equals_base2_formula_below_threshold():
    x = RNG.normal(0.0, 1.0, (200, 16))
    srt = np.sort(x, axis=1)
    below = (srt[:, -1] - srt[:, -2]) < 3.0
    assert below.all()
    p = 2.0 ** np.round(x * math.log2(math.e))  # the paper's formula, literally (no shift)
    np.testing.assert_allclose(softmax_crossroad(x), p / p.sum(axis=1, keepdims=True), rtol=1e-13)


def test_lut_exp_exact_at_table_points():
    grid = lut_grid(257, -8.0, 0.0)
    # float table: interpolation at a table point returns the entry (tol: 1e-12 from index arithmetic)
    np.testing.assert_allclose(exp_lut(grid, 257, -8.0, 0.0), np.exp(grid), rtol=0, atol=1e-12)
    # 16-bit table: returns the stored (quantised) entry
    np.testing.assert_allclose(exp_lut(grid, 257, -8.0, 0.0, entry_bits=16), quantize_table(np.exp(grid), 16),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(exp_lut(grid, 257, -8.0, 0.0, interpolation="nearest"), np.exp(grid), atol=1e-15)


def test_lut_exp_out_of_range():
    assert exp_lut(np.array([-20.0]), 64, -16.0, 0.0)[0] == 0.0          # below -> 0
    assert exp_lut(np.array([0.5]), 64, -16.0, -1.0)[0] == pytest.approx(math.exp(-1.0))  # above -> last entry


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=8, max_value=256))
def test_lut_softmax_error_shrinks_with_entries(entries):
    ref = softmax_exact(ROWS)
    e1 = np.abs(softmax_lut(ROWS, entries) - ref).mean()
    e2 = np.abs(softmax_lut(ROWS, 2 * entries) - ref).mean()
    assert e2 < e1


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=36))
def test_cordic_error_shrinks_with_iterations(n):
    # +2 iterations: strictly better (a single step can tie at a repeated index 4, 13, 40)
    x = np.linspace(-12.0, 0.0, 501)
    e1 = np.abs(exp_cordic(x, n) - np.exp(x)).mean()
    e2 = np.abs(exp_cordic(x, n + 2) - np.exp(x)).mean()
    assert e2 < e1


def test_cordic_schedule_and_accuracy():
    assert cordic_schedule(16).tolist() == [1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 14]
    x = np.linspace(-20.0, 5.0, 1001)
    # 24 micro-rotations (last index 22): relative error ~2^-22
    np.testing.assert_allclose(exp_cordic(x, 24), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(softmax_cordic(ROWS, 24), softmax_exact(ROWS), atol=1e-7)
    with pytest.raises(SpecError):
        cordic_schedule(0)


def test_ibert_iexp_within_paper_error():
    # I-BERT section 3.4: i-exp's polynomial is within 1.9e-3 of exp; the integer version at the
    # default 32-bit scale (2^-14) adds rounding of the constants and input: allow 1e-4 on top.
    x = np.linspace(-25.0, 0.0, 20001)
    assert np.max(np.abs(exp_ibert(x) - np.exp(x))) <= IEXP_MAX_ERROR + 1e-4
    p = np.linspace(-math.log(2.0), 0.0, 10001)
    poly = 0.35815147 * p ** 2 + 0.96963238 * p + 1.0
    assert np.max(np.abs(poly - np.exp(p))) <= 1.92e-3  # the float polynomial: 1.913e-3
    e_int, _ = i_exp(np.array([0, -5, -100000]), 2.0 ** -14)
    assert np.all(e_int == np.floor(e_int))  # integers


def test_ibert_softmax_grid_and_error():
    out = softmax_ibert(ROWS)
    np.testing.assert_array_equal(out * 256, np.floor(out * 256))  # 8-bit probabilities
    # floor to 2^-8 plus i-exp error: every element within 2^-8 + 2e-3 of the float softmax
    assert np.max(np.abs(out - softmax_exact(ROWS))) < 2.0 ** -8 + 2e-3
    assert np.all(out.sum(axis=1) <= 1.0 + 1e-12)
    assert np.max(np.abs(softmax_ibert(ROWS, output_bits=16) - softmax_exact(ROWS))) < 2e-3
