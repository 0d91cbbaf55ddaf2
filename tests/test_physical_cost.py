"""The component models wired into the cost path (issue 12): energy = counts x the
component table + leakage x time, area and power in reports and sweeps, precision end
to end, SRAM cell types, three-objective Pareto fronts, constraints on area and power.
Hand-derived numbers are stated in comments (Horowitz 45 nm anchors of
docs/components.md: INT8 multiplier 0.2 pJ / 282 um^2, 32-bit adder 0.1 pJ / 137 um^2,
flip-flop 0.009 pJ / 5.98 um^2 per bit)."""

from __future__ import annotations

import numpy as np
import pytest

import accelmodel as am
from accelmodel.components import byte_energies, component_table, physical
from accelmodel.components.sram import cell_leakage_factor
from accelmodel.errors import SpecError
from accelmodel.hardware.spec import Accelerator, with_updates
from accelmodel.pareto import nondominated

REL = 1e-9
BERT = ("bert-base", "prefill", 1, 512)


@pytest.fixture(scope="module")
def base():
    return am.simulate(Accelerator(), "bert-base", seq_len=512)


def test_table_mode_reproduces_the_horowitz_numbers(base):
    """energy.per_action: table is the model before the component models: BERT-base prefill
    512 on the default Accelerator costs 1.5226013488512 J there (value of main before this
    change), 1.5471771169903 J with the component models (LOP SRAM cells)."""
    old = am.simulate(with_updates(Accelerator(), {"energy.per_action": "table"}), "bert-base", seq_len=512)
    assert old.energy_j == pytest.approx(1.5226013488511998, rel=1e-12)
    assert old.latency_s == base.latency_s          # energy source never changes time or tiling here
    assert base.energy_j == pytest.approx(1.5471771169903086, rel=1e-9)


def test_typed_table_values_need_table_mode():
    with pytest.raises(SpecError, match="energy.mac_pj: 0.5 is used only with per_action: table"):
        with_updates(Accelerator(), {"energy.mac_pj": 0.5})
    with pytest.raises(SpecError, match="energy.static_power_mw"):
        with_updates(Accelerator(), {"energy.static_power_mw": 150})
    assert with_updates(Accelerator(), {"energy.per_action": "table", "energy.mac_pj": 0.5}).energy.mac_pj == 0.5


def test_matmul_energy_is_counts_times_component_table(base):
    """Every matmul row: MACs x PE energy + bytes x (mean of SRAM read and write per byte)
    + DRAM bytes x 160 pJ + leakage x time."""
    hw = Accelerator()
    t, e = component_table(hw), byte_energies(hw)
    mean = {m: 0.5 * (t.energy_j[(m, "read")] + t.energy_j[(m, "write")]) for m in ("scratchpad", "accumulator", "l2")}
    assert (e.scratchpad, e.accumulator, e.l2) == (mean["scratchpad"], mean["accumulator"], mean["l2"])
    assert e.static_power_w == t.total_leakage_w
    df = base.ops
    mm = df[df["kind"] == "matmul"]
    expect = (mm["macs"] * t.energy_j[("mac", "mac")] + mm["scratchpad_bytes"] * mean["scratchpad"]
              + mm["accumulator_bytes"] * mean["accumulator"] + mm["l2_bytes"] * mean["l2"]
              + mm["dram_bytes"] * 160e-12 + mm["latency_s"] * t.total_leakage_w)
    assert mm["energy_j"].to_numpy() == pytest.approx(expect.to_numpy(), rel=REL)


def test_int8_to_int16_raises_mac_energy_and_pe_area_by_the_stated_law():
    """WS PE = multiplier (E, A ~ a x b) + 32-bit adder + flip-flops; per MAC the input and
    accumulator registers switch. INT8: 0.2 + 0.1 + 40 x 0.009 = 0.66 pJ; INT16: 0.8 + 0.1 +
    48 x 0.009 = 1.332 pJ. Area INT8: 282 + 137 + 48 x 5.98 = 706.04 um^2; INT16: 1128 + 137 +
    64 x 5.98 = 1647.72 um^2 (x 256 PEs)."""
    runs = {}
    for bits in (8, 16):
        hw = with_updates(Accelerator(), {"dtypes.input_bits": bits, "dtypes.weight_bits": bits})
        rep = am.simulate(hw, "bert-base", seq_len=128)
        mm = rep.ops[rep.ops["kind"] == "matmul"]
        runs[bits] = (float(mm["energy_mac_j"].sum() / mm["macs"].sum()), rep.summary()["area_breakdown"]["pe_array"])
    assert runs[8][0] == pytest.approx(0.66e-12, rel=1e-6)
    assert runs[16][0] == pytest.approx(1.332e-12, rel=1e-6)
    assert runs[8][1] == pytest.approx(256 * 706.04e-6, rel=1e-4)
    assert runs[16][1] == pytest.approx(256 * 1647.72e-6, rel=1e-4)


def test_sram_cells_set_leakage_from_the_cacti_device_tables():
    """I_off x Vdd at 45 nm, 360 K: HP 6.42e-7 x 1.0, LOP 1.27e-8 x 0.7, LSTP 1.30e-10 x 1.1."""
    assert cell_leakage_factor("lop") == pytest.approx(1.27e-8 * 0.7 / 6.42e-7, rel=1e-12)
    assert cell_leakage_factor("lstp") == pytest.approx(1.30e-10 * 1.1 / 6.42e-7, rel=1e-12)
    leak = {c: component_table(with_updates(Accelerator(), {"sram_cells": c})).leakage_w for c in ("hp", "lop", "lstp")}
    for mem in ("scratchpad", "accumulator", "l2"):
        assert leak["lop"][mem] == pytest.approx(leak["hp"][mem] * cell_leakage_factor("lop"), rel=1e-12)
        assert leak["hp"][mem] > leak["lop"][mem] > leak["lstp"][mem] > 0
    assert leak["hp"]["mac"] == leak["lstp"]["mac"]   # logic leakage does not depend on the SRAM cells


def test_banks_move_area_and_energy():
    hw = Accelerator()
    for field in ("scratchpad_banks", "accumulator_banks"):
        more = with_updates(hw, {field: getattr(hw, field) * 2})
        mem = field.removesuffix("_banks")
        assert physical(more).area_breakdown[mem] > physical(hw).area_breakdown[mem]
        assert getattr(byte_energies(more), mem) > getattr(byte_energies(hw), mem)


def test_summary_area_fields_and_typed_override(base):
    s = base.summary()
    assert s["area_source"] == "model"
    assert s["area_mm2"] == pytest.approx(sum(s["area_breakdown"].values()), rel=1e-12)
    assert set(s["area_breakdown"]) == {"pe_array", "scratchpad", "accumulator", "l2", "nonlinear_units",
                                        "dma_control"}
    assert s["power_w"] == pytest.approx(s["energy_j"] / s["latency_s"], rel=1e-12)
    assert s["tops_per_w"] == pytest.approx(2 * s["macs"] / s["energy_j"] / 1e12, rel=1e-12)
    assert s["tops_per_mm2"] == pytest.approx(2 * s["macs"] / s["latency_s"] / s["area_mm2"] / 1e12, rel=1e-12)
    assert s["leakage_w"] == pytest.approx(s["energy_by_component_j"]["static"] / s["latency_s"], rel=1e-9)
    typed = am.simulate(with_updates(Accelerator(), {"area_mm2": 12.5}), "bert-base", seq_len=512).summary()
    assert typed["area_source"] == "spec" and typed["area_mm2"] == 12.5
    assert typed["area_model_mm2"] == pytest.approx(s["area_mm2"], rel=1e-12)


def test_absurd_design_costs_more_area_leakage_and_energy(base):
    """4096 x 4096 PEs and 1 GiB scratchpad, accumulator and L2 on BERT-base prefill 512."""
    huge = with_updates(Accelerator(), {"array.rows": 4096, "array.cols": 4096, "scratchpad_kib": 1048576,
                                        "accumulator_kib": 1048576, "l2.size_kib": 1048576})
    s, b = am.simulate(huge, "bert-base", seq_len=512).summary(), base.summary()
    assert s["area_mm2"] > 1000 * b["area_mm2"]
    assert s["leakage_w"] > 1000 * b["leakage_w"]
    assert s["energy_j"] > 10 * b["energy_j"]


def test_pareto_three_objectives_equals_brute_force():
    rng = np.random.default_rng(7)
    v = rng.integers(0, 6, size=(300, 3)).astype(float)   # many ties
    v[5, 1] = np.nan
    brute = np.array([not np.isnan(p).any() and not any(
        np.all(q <= p) and np.any(q < p) for q in v if not np.isnan(q).any()) for p in v])
    assert (nondominated(v) == brute).all()


def _area_sweep(constraints):
    from accelmodel.sweep import load_sweep
    spec = load_sweep("area_tradeoff")
    return spec.model_copy(update={"constraints": tuple(constraints)})


def test_bundled_area_tradeoff_sweep_and_constraints():
    from accelmodel.sweep import Constraint, run_sweep
    df = run_sweep(_area_sweep([]), jobs=1, progress=False)
    assert len(df) == 35 and (df["error"] == "").all() and not df["area_mm2"].isna().any()
    small = df[(df.scratchpad_kib == 16) & (df.accumulator_kib == 16)].iloc[0]
    big = df[(df.scratchpad_kib == 1024) & (df.accumulator_kib == 256)].iloc[0]
    assert big.latency_s < 0.6 * small.latency_s                      # bigger buffers win latency ...
    assert big.area_mm2 > 4 * small.area_mm2 and big.leakage_w > small.leakage_w  # ... and lose area, leakage
    front = df[nondominated(df[["latency_s", "energy_j", "area_mm2"]].to_numpy())]
    assert front.area_mm2.nunique() > 2 and front.latency_s.nunique() > 1
    cut = run_sweep(_area_sweep([Constraint(metric="area_mm2", max=2), Constraint(metric="power_w", max=2.2)]),
                    jobs=1, progress=False)
    assert len(cut) and (cut.area_mm2 <= 2).all() and (cut.power_w <= 2.2).all()
    inside = df[(df.area_mm2 <= 2) & (df.power_w <= 2.2)]
    assert sorted(cut.point_id) == sorted(inside.point_id)
    dropped = cut.attrs["sweep"]["dropped"]
    assert sum(dropped.values()) == 35 - len(inside) and "constraint power_w <= 2.2" in dropped


@pytest.mark.parametrize("field", ["area_mm2", "leakage_w"])
def test_design_metrics_for_constraints_come_from_the_model(field):
    from accelmodel.sweep import design_metric
    from accelmodel.sweep.spec import WorkloadPoint
    hw = Accelerator()
    got = design_metric(hw, WorkloadPoint(model="bert-base"), field)
    assert got == getattr(physical(hw), field)


def test_area_energy_figure_bars_equal_the_summary(base):
    from accelmodel.plots import area_energy
    typed = am.simulate(with_updates(Accelerator(), {"area_mm2": 12.0}), "bert-base", seq_len=512)
    fig = area_energy({"base": base, "typed": typed})
    ax_a, ax_e = fig.axes[:2]
    s = base.summary()
    bars = {p.get_gid(): p.get_height() for p in ax_a.patches if p.get_gid()}
    for block, mm2 in s["area_breakdown"].items():
        if mm2 > 0:
            assert bars[f"area|base|{block}"] == pytest.approx(mm2, rel=1e-12)
    scale = 1e-3 if "mJ" in ax_e.get_ylabel() else None     # energy per token in mJ for BERT-base
    assert scale is not None
    e = {p.get_gid(): p.get_height() * scale for p in ax_e.patches if p.get_gid()}
    for comp, joules in s["energy_by_component_j"].items():
        if joules > 0:
            assert e[f"energy|base|{comp}"] == pytest.approx(joules / base.tokens, rel=1e-12)
    assert any("spec: 12 mm" in t.get_text() for t in ax_a.texts)
