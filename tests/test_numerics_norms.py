"""LayerNorm / RMSNorm references and the integer (I-BERT style) versions."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelmodel.errors import SpecError
from accelmodel.numerics import i_sqrt, layernorm, layernorm_ibert, load_calibration, rmsnorm, rmsnorm_ibert


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2 ** 62), min_size=1, max_size=20))
def test_isqrt_matches_math_isqrt(values):
    assert i_sqrt(np.array(values, dtype=np.int64)).tolist() == [math.isqrt(v) for v in values]


def test_isqrt_rejects_negative():
    with pytest.raises(SpecError):
        i_sqrt(np.array([-1]))


def test_float_norms_hand_case():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    # mean 2.5, var 1.25
    np.testing.assert_allclose(layernorm(x, eps=0.0), (x - 2.5) / math.sqrt(1.25), rtol=1e-15)
    np.testing.assert_allclose(rmsnorm(x, eps=0.0), x / math.sqrt(7.5), rtol=1e-15)
    np.testing.assert_allclose(layernorm(x, weight=2.0, bias=1.0, eps=0.0), 2 * (x - 2.5) / math.sqrt(1.25) + 1)


def test_integer_norms_close_to_float():
    x = load_calibration()["norm"]
    # 22-bit input, 32-bit variance: mean error well under 1e-3 of a unit-variance output
    assert np.abs(layernorm_ibert(x) - layernorm(x)).mean() < 1e-3
    assert np.abs(rmsnorm_ibert(x) - rmsnorm(x)).mean() < 1e-3
    # a zero row does not divide by zero
    np.testing.assert_array_equal(layernorm_ibert(np.zeros((1, 8))), 0.0)
