"""The cross-road paper's softmax units as built: fixed-point CORDIC, presets, fit, APR, sensitivity."""

import math

import numpy as np
import pytest
from pydantic import ValidationError

from accelmodel.cli import main
from accelmodel.errors import SpecError
from accelmodel.hardware.nonlinear import CordicUnit, CrossRoadSoftmax, LutUnit
from accelmodel.numerics.softmax import exp_cordic, softmax_cordic
from accelmodel.validation import softmax_units as su


def test_fixed_point_cordic_by_hand():
    # exp(0) with 2 fraction bits and one micro-rotation (shift 1): 1/gain = 1/sqrt(1 - 1/4) = 1.1547 -> 5/4
    # (code 5); z = 0 -> d = +1: x = 5 + floor(0/2) = 5, y = 0 + floor(5/2) = 2; x + y = 7 -> 7/4
    assert exp_cordic(np.array([0.0]), iterations=1, frac_bits=2)[0] == 1.75
    # the 2^q shift truncates: exp(-6 ln 2) = 1/64 is below the 4-bit grid (1/16) -> 0
    assert exp_cordic(np.array([-6 * math.log(2)]), iterations=16, frac_bits=4)[0] == 0.0


def test_fixed_point_cordic_converges_to_float():
    x = -np.linspace(0.0, 12.0, 97)
    wide = exp_cordic(x, iterations=30, frac_bits=40)
    assert np.max(np.abs(wide - np.exp(x))) < 1e-8
    # each truncated shift is off by up to one LSB: 16 iterations on 6 fraction bits stay within 16 LSBs
    narrow = exp_cordic(x, iterations=16, frac_bits=6)
    assert np.all(np.abs(narrow - np.exp(x)) <= 16 * 2 ** -6) and np.max(np.abs(narrow - np.exp(x))) > 2 ** -6
    rows = np.random.default_rng(0).normal(size=(4, 16))
    assert np.allclose(softmax_cordic(rows, 30, frac_bits=40), softmax_cordic(rows, 30), atol=1e-9)


def test_fixed_point_cordic_refuses_positive_inputs_and_bad_widths():
    with pytest.raises(SpecError, match="<= 0"):
        exp_cordic(np.array([0.5]), frac_bits=8)
    with pytest.raises(SpecError, match="frac_bits"):
        exp_cordic(np.array([-0.5]), frac_bits=60)
    with pytest.raises(ValidationError, match="frac_bits"):
        CordicUnit(frac_bits=51)


def test_high_precision_defaults_kept():
    assert CordicUnit().frac_bits is None and LutUnit().entries == 1024 and CrossRoadSoftmax().threshold == 3.0
    assert su.mae_of(CordicUnit()) < 1e-6 and su.mae_of(LutUnit()) < 1e-5


def test_presets_hold_the_fitted_values():
    fit = su.fit_units()
    assert su.preset_unit("lut").entries == fit["lut"]
    assert su.preset_unit("cordic").frac_bits == fit["cordic"]
    assert su.preset_unit("crossroad").threshold == 3.0            # published, not fitted
    # the fit is the closest integer: its neighbours are farther from the published MAE (in log)
    for kind, (name, _, target, _) in su.FIT_TARGETS.items():
        u = su.preset_unit(kind)
        err = [abs(math.log(su.mae_of(u.model_copy(update={name: fit[kind] + d})) / target)) for d in (-1, 0, 1)]
        assert err[1] < err[0] and err[1] < err[2]


def test_apr_from_modelled_mae_and_power():
    v = su.unit_values()
    for k in su.PRESETS:
        assert v[f"softmax_{k}_power_mw"] == pytest.approx(su.modelled_cost(su.preset_unit(k))[0])
        assert v[f"softmax_{k}_apr"] == pytest.approx(
            v["softmax_lut_mae"] * v["softmax_lut_power_mw"] / (v[f"softmax_{k}_mae"] * v[f"softmax_{k}_power_mw"]))
    assert v["softmax_lut_apr"] == 1.0
    assert su.datapath_bits(su.preset_unit("cordic")) == su.preset_unit("cordic").frac_bits + 2


def test_sensitivity_moves_the_fitted_units_predictions():
    rows = su.sensitivity()
    assert [r["fitted_on"] for r in rows] == ["softmax_lut_mae", "softmax_cordic_mae"]
    lut = rows[0]["sensitivity"]
    assert lut["-20%"]["value"] < rows[0]["value"] < lut["+20%"]["value"]
    assert lut["-20%"]["change"]["softmax_lut_mae"] > 0 > lut["+20%"]["change"]["softmax_lut_mae"]
    assert lut["+20%"]["change"]["softmax_cordic_mae"] == 0.0     # the LUT's size does not touch the CORDIC
    assert rows[1]["sensitivity"]["+20%"]["change"]["softmax_cordic_power_mw"] > 0


@pytest.mark.parametrize("kind", sorted(su.PRESETS))
def test_presets_run_in_the_nonlinear_command(kind, capsys):
    assert main(["nonlinear", "--hw", su.PRESETS[kind], "--function", "softmax", "--json"]) == 0
    assert f'"unit": "{kind}"' in capsys.readouterr().out
