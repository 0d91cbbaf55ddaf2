"""`accelmodel nonlinear` and the unit hardware-cost model: clock/technology scaling,
LUT memory, APR, JSON keys, one-line errors."""

import json

import numpy as np
import pytest

from accelmodel.cli import main
from accelmodel.commands.common import resolve_hw
from accelmodel.cost.units import unit_cost
from accelmodel.hardware import Accelerator, with_updates
from accelmodel.hardware.nonlinear import (
    AREA_NODE_EXPONENT,
    ENERGY_NODE_EXPONENT,
    CordicUnit,
    CrossRoadSoftmax,
    IBertUnit,
    LutUnit,
)
from accelmodel.unit_study import compare_designs, unit_table
from accelmodel.numerics import apr, unit_accuracy
from accelmodel.simulation import simulate

SOFTMAX_UNITS = ("lut", "cordic", "crossroad", "ibert")


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def rows():
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["nonlinear", "--json"])
    assert code == 0
    return json.loads(buf.getvalue())


def test_json_keys_and_pairs(rows):
    for r in rows:
        for key in ("unit", "function", "mae", "rel_error", "power_mw", "apr", "area_mm2", "throughput_gops",
                    "elements_per_cycle", "latency_cycles", "table_bytes"):
            assert key in r
    pairs = {(r["unit"], r["function"]) for r in rows}
    for u in SOFTMAX_UNITS + ("exact",):
        assert (u, "softmax") in pairs
    for f in ("gelu", "gelu_tanh", "silu"):
        assert ("lut", f) in pairs and ("ibert", f) in pairs
    assert ("ibert", "layernorm") in pairs
    assert ("cordic", "gelu") not in pairs and ("crossroad", "silu") not in pairs
    assert len(pairs) == len(rows)  # one row per (unit, function)


def test_apr_lut_is_one_and_null_elsewhere(rows):
    soft = {r["unit"]: r for r in rows if r["function"] == "softmax"}
    assert soft["lut"]["apr"] == pytest.approx(1.0)
    for u in ("cordic", "crossroad", "ibert"):
        a = soft[u]["apr"]
        assert a is not None and a > 0
        assert a == pytest.approx(apr(soft[u]["mae"], soft[u]["power_mw"], soft["lut"]["mae"], soft["lut"]["power_mw"]))
    for r in rows:
        if r["function"] != "softmax":
            assert r["apr"] is None
    assert soft["exact"]["apr"] is None  # MAE 0: unbounded


def test_apr_does_not_depend_on_clock():
    slow = {r["unit"]: r["apr"] for r in unit_table(kinds=SOFTMAX_UNITS, functions=["softmax"],
                                                     hw=Accelerator(clock_ghz=0.1))}
    fast = {r["unit"]: r["apr"] for r in unit_table(kinds=SOFTMAX_UNITS, functions=["softmax"])}
    assert slow == pytest.approx(fast)


def test_apr_reference_is_default_lut_when_lut_absent():
    r = unit_table(kinds=["crossroad"], functions=["softmax"])[0]
    ref = unit_accuracy(LutUnit(), "softmax")["mae"]
    assert r["apr"] == pytest.approx((ref * LutUnit().power_mw) / (r["mae"] * CrossRoadSoftmax().power_mw))


@pytest.mark.parametrize("unit", [LutUnit(), CordicUnit(), CrossRoadSoftmax(), IBertUnit(lanes=8)])
def test_power_linear_in_clock_energy_clock_independent(unit):
    ref = unit.reference_clock_ghz
    assert unit.power_mw_at(ref) == pytest.approx(unit.power_mw)
    for f in (0.05, 0.5, 1.0, 2.0):
        assert unit.power_mw_at(f) == pytest.approx(unit.power_mw * f / ref)
        c = unit_cost(unit, "softmax", Accelerator(clock_ghz=f))
        assert c["power_mw"] == pytest.approx(unit.power_mw * f / ref)
        assert c["energy_pj_per_element"] == pytest.approx(unit.energy_pj_per_element)
        assert c["throughput_gops"] == pytest.approx(unit.lanes * f)
        assert c["elements_per_cycle"] == unit.lanes


def test_published_softmax_figures_at_100mhz():
    for unit, mw, area in ((LutUnit(), 4.69, 0.2), (CordicUnit(), 25.44, 0.127), (CrossRoadSoftmax(), 5.30, 0.724)):
        assert unit.technology_nm == 45
        c = unit_cost(unit, "softmax", Accelerator(clock_ghz=0.1))
        assert c["power_mw"] == pytest.approx(mw) and c["area_mm2"] == pytest.approx(area)
        assert unit_cost(unit, "softmax", Accelerator(clock_ghz=1.0))["power_mw"] == pytest.approx(10 * mw)


def test_technology_scaling_first_order():
    u = CrossRoadSoftmax()
    assert u.power_mw_at(0.1, 22.5) == pytest.approx(u.power_mw * 0.5 ** ENERGY_NODE_EXPONENT)
    assert u.area_mm2_at(22.5) == pytest.approx(u.area_mm2 * 0.5 ** AREA_NODE_EXPONENT)
    assert u.power_mw_at(0.1, 45) == u.power_mw_at(0.1) == pytest.approx(u.power_mw)
    stated_at_22 = CrossRoadSoftmax(technology_nm=22.5)
    assert stated_at_22.energy_pj_per_element_at(45) == pytest.approx(u.energy_pj_per_element * 2 ** ENERGY_NODE_EXPONENT)


def test_technology_node_in_the_end_to_end_model():
    base = with_updates(resolve_hw("gemmini_default"), {"nonlinear.softmax.kind": "crossroad"})
    same = with_updates(base, {"technology_nm": 45})
    small = with_updates(base, {"technology_nm": 22.5})
    e = {k: simulate(h, "bert-base", seq_len=64).ops["energy_nonlinear_j"].sum()
         for k, h in (("base", base), ("same", same), ("small", small))}
    assert e["same"] == pytest.approx(e["base"])  # default: units as stated (45 nm)
    assert e["small"] < e["base"]


def test_table_bytes():
    for entries, bits in ((1024, 16), (256, 8), (4096, 32), (100, 12)):
        u = LutUnit(entries=entries, entry_bits=bits)
        assert u.table_bytes == entries * bits / 8
        assert unit_cost(u, "gelu")["table_bytes"] == entries * bits / 8


def test_text_table(capsys):
    code, out, err = run_cli(capsys, "nonlinear", "--unit", "lut", "crossroad", "--function", "softmax", "gelu")
    assert code == 0 and err == ""
    for word in ("MAE", "rel err", "power mW", "area mm2", "APR", "LUT B", "2048"):
        assert word in out
    body = [line for line in out.splitlines() if line.startswith(("lut ", "crossroad "))]
    assert len(body) == 3  # lut softmax, lut gelu, crossroad softmax


def test_units_from_hw(capsys):
    code, out, _ = run_cli(capsys, "nonlinear", "--hw", "gemmini_ibert", "--json")
    rows = json.loads(out)
    assert {r["unit"] for r in rows} == {"ibert"}
    assert {r["slot"] for r in rows} == {"softmax", "activation", "norm"}
    soft = [r for r in rows if r["function"] == "softmax"]
    assert len(soft) == 1 and soft[0]["apr"] > 0  # against a default LUT
    code, out, _ = run_cli(capsys, "nonlinear", "--hw", "gemmini_default", "--json")
    assert {r["unit"] for r in json.loads(out)} == {"cpu_offload"}


def test_samples_file(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", softmax=rng.normal(size=(32, 64)), activation=rng.normal(size=1000))
    code, out, _ = run_cli(capsys, "nonlinear", "--samples", str(tmp_path / "s.npz"), "--unit", "lut", "--json",
                           "--function", "softmax", "silu")
    assert code == 0
    rows = {r["function"]: r for r in json.loads(out)}
    assert rows["softmax"]["mae"] == pytest.approx(unit_accuracy(LutUnit(), "softmax", tmp_path / "s.npz")["mae"])
    assert rows["softmax"]["mae"] != pytest.approx(unit_accuracy(LutUnit(), "softmax")["mae"])


@pytest.mark.parametrize("make", ["missing", "garbage", "scalar", "column", "empty", "nan", "wrongname"])
def test_bad_samples_one_line_exit_2(tmp_path, capsys, make):
    p = tmp_path / ("s.npz" if make == "wrongname" else "s.npy")
    if make == "garbage":
        p.write_text("not an array\n")
    elif make == "scalar":
        np.save(p, np.float32(1.0))
    elif make == "column":
        np.save(p, np.ones((10, 1)))
    elif make == "empty":
        np.save(p, np.zeros((0, 8)))
    elif make == "nan":
        np.save(p, np.full((4, 8), np.nan))
    elif make == "wrongname":
        np.savez(p, a=np.ones((4, 8)), b=np.ones(8))
    code, out, err = run_cli(capsys, "nonlinear", "--samples", str(p), "--function", "softmax")
    assert code == 2 and out == ""
    assert err.startswith("accelmodel: error:") and err.count("\n") == 1


def test_bad_unit_and_empty_selection(capsys):
    with pytest.raises(SystemExit) as exc:  # argparse's choices
        main(["nonlinear", "--unit", "fpga"])
    assert exc.value.code == 2 and capsys.readouterr().err.count("\n") == 1
    code, _, err = run_cli(capsys, "nonlinear", "--unit", "cordic", "--function", "gelu")
    assert code == 2 and err.count("\n") == 1


def test_compare_designs_ibert_removes_offload():
    t = compare_designs(resolve_hw("gemmini_default"), "bert-base", seq_len=128).set_index("design")
    assert t.loc["cpu_offload", "cpu_share"] > 0.5
    assert t.loc["ibert", "cpu_share"] == 0.0
    assert t.loc["ibert", "matmul_share"] > 0.5 > t.loc["cpu_offload", "matmul_share"]
    assert t.loc["ibert", "latency_s"] < t.loc["lut", "latency_s"] < t.loc["cpu_offload", "latency_s"]
    assert t.loc["crossroad", "max_rel_error"] > t.loc["lut", "max_rel_error"]
