"""unit_accuracy, metrics, APR and the shipped calibration set."""

import numpy as np
import pytest

from accelmodel.errors import SpecError
from accelmodel.hardware import CordicUnit, CpuOffload, CrossRoadSoftmax, ExactUnit, IBertUnit, LutUnit, VectorUnit
from accelmodel.numerics import (
    FUNCTIONS, apr, error_metrics, generate_calibration_set, load_calibration, unit_accuracy,
)
from accelmodel.numerics._data import data_file

KEYS = {"unit", "function", "mae", "rel_error", "max_abs_error"}
SMALL = np.random.default_rng(11).normal(0.0, 2.0, (64, 128))


def test_metrics_hand_case():
    m = error_metrics([1.0, 2.0, 4.0], [1.0, 3.0, 2.0])
    assert m == {"mae": 1.0, "rel_error": 0.5, "max_abs_error": 2.0}


def test_apr():
    assert apr(3e-6, 4.69, 3e-6, 4.69) == pytest.approx(1.0)
    assert apr(1e-3, 5.0, 2e-3, 5.0) == pytest.approx(2.0)      # half the error, same power
    assert apr(1e-3, 10.0, 1e-3, 5.0) == pytest.approx(0.5)     # twice the power
    assert apr(0.0, 1.0, 1e-3, 1.0) == float("inf")


@pytest.mark.parametrize("f", FUNCTIONS)
def test_exact_units_zero_error(f):
    r = unit_accuracy(ExactUnit(), f)
    assert set(r) == KEYS and r["unit"] == "exact" and r["function"] == f
    assert r["mae"] == r["rel_error"] == r["max_abs_error"] == 0.0


@pytest.mark.parametrize("f", FUNCTIONS)
def test_cpu_offload_float32_error(f):
    r = unit_accuracy(CpuOffload(), f)
    # float32 arithmetic: relative error of order 1e-7 (relu on float32 samples is exact)
    assert r["rel_error"] < 1e-6
    if f != "relu":
        assert r["mae"] > 0.0


def test_vector_unit_relu_only():
    assert unit_accuracy(VectorUnit(), "relu")["mae"] == 0.0
    with pytest.raises(SpecError, match="vector unit cannot compute 'softmax'"):
        unit_accuracy(VectorUnit(), "softmax")


@pytest.mark.parametrize("unit,f", [(CrossRoadSoftmax(), "gelu"), (CordicUnit(), "layernorm"),
                                    (LutUnit(), "rmsnorm"), (CrossRoadSoftmax(), "silu")])
def test_unsupported_pairs_raise_one_line(unit, f):
    with pytest.raises(SpecError) as exc:
        unit_accuracy(unit, f)
    assert "\n" not in str(exc.value) and unit.kind in str(exc.value)


def test_unknown_function():
    with pytest.raises(SpecError):
        unit_accuracy(ExactUnit(), "tanh")


def test_unit_parameters_are_used():
    base = unit_accuracy(LutUnit(), "softmax", SMALL)["mae"]
    assert unit_accuracy(LutUnit(entries=64), "softmax", SMALL)["mae"] > base
    assert unit_accuracy(CordicUnit(iterations=8), "softmax", SMALL)["mae"] > \
        unit_accuracy(CordicUnit(), "softmax", SMALL)["mae"]
    assert unit_accuracy(IBertUnit(bits=16), "gelu", SMALL)["mae"] > unit_accuracy(IBertUnit(), "gelu", SMALL)["mae"]
    one_hot = unit_accuracy(CrossRoadSoftmax(threshold=0.5), "softmax", SMALL)["mae"]
    assert one_hot != unit_accuracy(CrossRoadSoftmax(), "softmax", SMALL)["mae"]


def test_samples_from_files(tmp_path):
    np.save(tmp_path / "s.npy", SMALL)
    np.savez(tmp_path / "s.npz", softmax=SMALL, activation=SMALL.ravel())
    a = unit_accuracy(LutUnit(), "softmax", SMALL)
    assert unit_accuracy(LutUnit(), "softmax", tmp_path / "s.npy") == a
    assert unit_accuracy(LutUnit(), "softmax", str(tmp_path / "s.npz")) == a
    assert unit_accuracy(LutUnit(), "gelu", tmp_path / "s.npz") == unit_accuracy(LutUnit(), "gelu", SMALL.ravel())
    with pytest.raises(SpecError):
        unit_accuracy(LutUnit(), "softmax", tmp_path / "missing.npz")


def test_calibration_set_shipped_and_reproducible():
    path = data_file("calibration.npz")
    assert path.stat().st_size < 2_000_000
    shipped = load_calibration()
    fresh = generate_calibration_set()
    assert set(shipped) == set(fresh) == {"softmax", "activation", "norm"}
    assert shipped["softmax"].shape == (2048, 128)
    for k in fresh:
        np.testing.assert_array_equal(shipped[k], fresh[k].astype(np.float64))
    x = shipped["softmax"]
    srt = np.sort(x, axis=1)
    gap_ge_3 = np.mean(srt[:, -1] - srt[:, -2] >= 3.0)
    assert 0.1 < gap_ge_3 < 0.6        # both cross-road paths are exercised


def test_default_units_on_calibration_set_ordering():
    # sanity of the default models on the shipped set (not golden numbers)
    r = {u.kind: unit_accuracy(u, "softmax")["mae"] for u in (LutUnit(), CordicUnit(), CrossRoadSoftmax(), IBertUnit())}
    assert r["cordic"] < r["lut"] < 1e-4
    assert r["crossroad"] > 1e-4 and r["ibert"] > 1e-4
