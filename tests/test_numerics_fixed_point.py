"""Fixed point <il, fl> ([Kim-fixedpoint] in docs/references.md) and precision plans."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelmodel.errors import SpecError
from accelmodel.numerics import (
    FixedFormat, apply_plan, attention_chain, load_precision_plan, quantize_table, to_fixed, to_fixed_int,
    uniform_plan,
)


def test_to_fixed_hand_cases():
    # <il=2, fl=2>: Mmax = 2^3 - 1 = 7 -> 1.75, Mmin = -8 -> -2.0, step 0.25
    assert to_fixed(1.3, 2, 2) == 1.25          # round(5.2) = 5
    assert to_fixed(1.4, 2, 2) == 1.5           # round(5.6) = 6
    assert to_fixed(5.0, 2, 2) == 1.75          # clamp at Mmax
    assert to_fixed(-5.0, 2, 2) == -2.0         # clamp at Mmin
    assert to_fixed(-1.3, 2, 2) == -1.25
    assert to_fixed(0.375, 2, 2) == 0.5         # round(1.5) = 2 (half to even)
    assert to_fixed(0.125, 2, 2) == 0.0         # round(0.5) = 0 (half to even)
    assert to_fixed_int(5.0, 2, 2) == 7 and to_fixed_int(-5.0, 2, 2) == -8
    # fl = 0: integers in [-2^(il-1), 2^(il-1) - 1]
    np.testing.assert_array_equal(to_fixed([2.6, -9.0, 100.0], 4, 0), [3.0, -8.0, 7.0])


def test_uniform_16_9_range():
    fmt = FixedFormat.from_total(16, 9)
    assert (fmt.il, fmt.fl, fmt.total_bits) == (7, 9, 16)
    assert fmt.max_value == 63.998046875 and fmt.min_value == -64.0   # "-64..63" as the source says
    assert fmt.quantize(100.0) == fmt.max_value


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e3, 1e3), st.integers(1, 12), st.integers(0, 12))
def test_to_fixed_properties(x, il, fl):
    y = float(to_fixed(x, il, fl))
    lo, hi = -(2.0 ** (il - 1)), 2.0 ** (il - 1) - 2.0 ** -fl
    assert lo <= y <= hi
    assert y * 2 ** fl == round(y * 2 ** fl)                 # on the grid
    if lo <= x <= hi:
        assert abs(y - x) <= 2.0 ** -(fl + 1)                 # half a step
    assert float(to_fixed(y, il, fl)) == y                   # idempotent


def test_llama3_plan_loaded():
    plan = load_precision_plan()
    assert len(plan.nodes) == 26
    assert plan.format("normalization") == FixedFormat(8, 9, 1)
    assert plan.bits("normalization") == 18 and plan.format("normalization").il == 9
    assert plan.bits("linear") == 7 and plan.bits("rmsnorm_eps") == 22
    assert plan.labels["attention_softmax_v"] == "attention softmax·V"
    assert plan.format("no_such_node") is None
    with pytest.raises(SpecError):
        plan.bits("no_such_node")


def test_apply_plan():
    plan = load_precision_plan()
    out = apply_plan({"attention_div": np.array([3.14159, 100.0]), "other": np.array([0.123])}, plan)
    # attention div <4, 4> + sign: il = 5, fl = 4 -> step 1/16, max 15.9375
    np.testing.assert_array_equal(out["attention_div"], [3.125, 15.9375])
    np.testing.assert_array_equal(out["other"], [0.123])      # unlisted: passes through
    with pytest.raises(SpecError):
        apply_plan({"other": np.array([0.0])}, plan, strict=True)
    uni = uniform_plan(16, 9)
    assert uni.bits("other") == 16 and set(uni.nodes) == set(plan.nodes)


def test_attention_chain_float_and_quantised():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (8, 32))
    wq, wk, wv = rng.normal(0, 0.2, (32, 32)), rng.normal(0, 0.2, (32, 16)), rng.normal(0, 0.2, (32, 16))
    ref = attention_chain(x, wq, wk, wv, None, n_heads=4, n_kv_heads=2)
    np.testing.assert_allclose(ref["attention_softmax"].sum(axis=-1), 1.0, rtol=1e-12)
    q = attention_chain(x, wq, wk, wv, uniform_plan(16, 9), n_heads=4, n_kv_heads=2)
    for node, v in q.items():
        np.testing.assert_array_equal(v * 512, np.round(v * 512), err_msg=node)   # every node on the 2^-9 grid
    # 9 fraction bits keep the output within a few steps of float
    assert np.abs(q["attention_softmax_v"] - ref["attention_softmax_v"]).max() < 0.02


def test_quantize_table_formats():
    # exp table (0, 1]: unsigned, 15 fraction bits at 16 bits
    np.testing.assert_array_equal(quantize_table([1.0, 0.5, 2.0 ** -17], 16), [1.0, 0.5, 0.0])
    # signed table with max 2.7: 2 integer bits + sign -> 13 fraction bits
    assert quantize_table([-0.1, 2.7], 16)[1] == round(2.7 * 2 ** 13) / 2 ** 13
