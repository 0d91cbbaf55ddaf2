"""Component models (accelmodel.components): every published anchor, closed-form scaling
laws, and the component table of whole designs."""

import math

import pytest

from accelmodel.components import component_table, pe, sram, unit_cost
from accelmodel.errors import SpecError
from accelmodel.components.anchors import anchor_rows, model_value, within
from accelmodel.components.arith import flip_flops, int_adder, int_multiplier
from accelmodel.components.published import area_comparison
from accelmodel.components.technology import scaling
from accelmodel.hardware import CordicUnit, LutUnit, load_accelerator, with_updates
from accelmodel.paths import bundled_dir

ROWS = anchor_rows()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['component']}-{r['quantity']}-{r['params']}" for r in ROWS])
def test_anchor(row):
    model = model_value(row["component"], row["quantity"], row["params"], row["unit"])
    published = float(row["value"])
    assert within(model, published, float(row["tolerance"]), row["tolerance_kind"]), (
        f"{row['source']} {row['table']}: model {model:.4g} vs published {published:.4g} {row['unit']} "
        f"(tolerance {row['tolerance']} {row['tolerance_kind']})")


def test_int8_to_int16_follows_the_stated_law():
    p8, p16 = pe(8, 8, 32, "WS"), pe(16, 16, 32, "WS")
    # multiplier x4 (width^2), accumulator adder unchanged, registers +8 input bits (energy) / +16 bits (area)
    assert p16.multiplier.energy_j == pytest.approx(4 * p8.multiplier.energy_j)
    assert p16.multiplier.area_m2 == pytest.approx(4 * p8.multiplier.area_m2)
    assert p16.adder == p8.adder
    expected_e = p8.energy_per_mac_j + 3 * p8.multiplier.energy_j + flip_flops(8).energy_j
    expected_a = p8.area_m2 + 3 * p8.multiplier.area_m2 + flip_flops(16).area_m2
    assert p16.energy_per_mac_j == pytest.approx(expected_e)
    assert p16.area_m2 == pytest.approx(expected_a)
    assert p16.energy_per_mac_j > 1.5 * p8.energy_per_mac_j


def test_float_formats_order_by_significand():
    e = {f: pe(f, f, "fp32").energy_per_mac_j for f in ("fp8_e5m2", "fp8_e4m3", "bf16", "fp16", "fp32")}
    assert e["fp8_e5m2"] < e["fp8_e4m3"] < e["bf16"] < e["fp16"] < e["fp32"]


def test_doubling_an_sram_raises_area_energy_and_leakage():
    for kib, word, banks in [(64, 128, 2), (256, 128, 4), (1024, 512, 8)]:
        small, big = sram(kib * 1024, word, banks), sram(2 * kib * 1024, word, banks)
        assert 1.6 <= big.area_m2 / small.area_m2 <= 2.2
        assert big.read_energy_j > small.read_energy_j and big.write_energy_j > small.write_energy_j
        assert big.leakage_w > small.leakage_w
        assert big.access_time_s > small.access_time_s


def test_banking_costs_area_and_energy():
    one, many = sram(256 * 1024, 128, 1), sram(256 * 1024, 128, 16)
    assert many.area_m2 > one.area_m2 and many.read_energy_j > one.read_energy_j


def test_technology_scaling_shrinks_and_is_monotonic():
    prev = scaling(45)
    assert prev.energy == pytest.approx(1.0) and prev.area == pytest.approx(1.0)
    for node in (32, 28, 22, 16, 14, 7):
        s = scaling(node)
        assert s.energy < prev.energy and s.area < prev.area and s.delay < prev.delay
        prev = s
    # dynamic energy ~ C V^2: a lower supply at one node lowers energy
    assert scaling(45, 0.8).energy < scaling(45, 1.0).energy


def test_a_row_that_does_not_fit_names_the_buffer():
    hw = load_accelerator(bundled_dir("hw_configs") / "gemmini_default.yaml")
    # a 4096-wide row of INT8 inputs is 4 KiB; 4 banks of a 8 KiB scratchpad hold 2 KiB each:
    # the spec refuses the design, naming the buffer ...
    with pytest.raises(SpecError, match="scratchpad_kib: 8 KiB cannot give each of its 4 banks"):
        with_updates(hw, {"array.cols": 4096, "scratchpad_kib": 8})
    # ... and the component model refuses it too when handed an unvalidated spec
    unchecked = hw.model_copy(update={"array": hw.array.model_copy(update={"cols": 4096}), "scratchpad_kib": 8})
    with pytest.raises(ValueError, match="scratchpad: 4 bank"):
        component_table(unchecked)


def test_bad_inputs_name_the_field():
    with pytest.raises(ValueError, match="ports"):
        sram(1024, 32, 1, ports=2)
    with pytest.raises(ValueError, match="technology_nm"):
        scaling(3)
    with pytest.raises(ValueError, match="format"):
        pe("fp7")
    with pytest.raises(ValueError, match="accumulator_format"):
        pe(16, 16, 8)


def test_unit_knobs_move_cost():
    assert unit_cost(LutUnit(entries=4096)).area_m2 > unit_cost(LutUnit(entries=64)).area_m2
    it4, it32 = CordicUnit(iterations=4), CordicUnit(iterations=32)
    assert unit_cost(it32).area_m2 > unit_cost(it4).area_m2  # unrolled: area follows iterations
    slow, fast = unit_cost(it32, cordic_unrolled=False), unit_cost(it4, cordic_unrolled=False)
    assert slow.elements_per_cycle < fast.elements_per_cycle  # iterative: throughput follows iterations
    assert slow.area_m2 == pytest.approx(fast.area_m2)


def test_component_table_of_the_baseline():
    hw = load_accelerator(bundled_dir("hw_configs") / "gemmini_default.yaml")
    t = component_table(hw)
    for key in [("mac", "mac"), ("scratchpad", "read"), ("scratchpad", "write"), ("accumulator", "read"),
                ("accumulator", "write"), ("l2", "read"), ("dram", "read"), ("dma", "byte_hop"),
                ("unit:elementwise", "element_op")]:
        assert t.energy(*key) > 0
    assert t.energy("dram", "read") == pytest.approx(hw.dram.energy_pj_per_bit * 8e-12)
    assert t.total_area_mm2 == pytest.approx(sum(t.area_mm2.values()))
    counts = {("mac", "mac"): 1e6, ("dram", "read"): 1e3}
    assert t.energy_of(counts, 1e-3) == pytest.approx(
        1e6 * t.energy("mac", "mac") + 1e3 * t.energy("dram", "read") + t.total_leakage_w * 1e-3)


def test_absurd_design_costs_more_than_the_baseline():
    hw = load_accelerator(bundled_dir("hw_configs") / "gemmini_default.yaml")
    # the spec now refuses 10^10 PEs and 100 TB of SRAM (physical bounds); the largest design it
    # accepts (4096 x 4096 PEs, 1 GiB scratchpad and accumulator) must cost far more than the baseline
    big = with_updates(hw, {"array.rows": 4096, "array.cols": 4096,
                            "scratchpad_kib": 1048576, "scratchpad_banks": 1024,
                            "accumulator_kib": 1048576, "accumulator_banks": 1024})
    base, absurd = component_table(hw), component_table(big)
    assert absurd.total_area_mm2 > 1e3 * base.total_area_mm2
    assert absurd.total_leakage_w > 1e2 * base.total_leakage_w


def test_technology_node_shrinks_the_table():
    hw = load_accelerator(bundled_dir("hw_configs") / "gemmini_default.yaml")
    t45, t7 = component_table(hw), component_table(with_updates(hw, {"technology_nm": 7}))
    assert t7.total_area_mm2 < t45.total_area_mm2 and t7.energy("mac", "mac") < t45.energy("mac", "mac")


def test_shared_units_count_area_once():
    hw = load_accelerator(bundled_dir("hw_configs") / "gemmini_ibert.yaml")
    t = component_table(hw)
    assert t.shared == {"unit:activation": "unit:softmax", "unit:norm": "unit:softmax"}
    assert "unit:activation" not in t.area_mm2 and ("unit:activation", "element_op") in t.energy_j


def test_tpu_floor_plan_comparison_is_reported():
    rows = {r["block"]: r for r in area_comparison()}
    # honest state of the model (docs/components.md): block ratios near the floor plan's,
    # absolute areas about 4x below it (layout density, wiring and SRAM scaling not modelled)
    ub = rows["unified_buffer"]
    assert 0.5 < ub["model_vs_matrix_unit"] / ub["published_vs_matrix_unit"] < 2.0
    acc = rows["accumulators"]
    assert 0.5 < acc["model_vs_matrix_unit"] / acc["published_vs_matrix_unit"] < 2.0
    assert 0.15 < rows["three blocks"]["model_over_published"] < 1.0
    assert all(math.isfinite(r["model_mm2"]) for r in rows.values())


def test_int_laws_are_the_documented_closed_forms():
    assert int_multiplier(4).energy_j == pytest.approx(int_multiplier(8).energy_j / 4)
    assert int_adder(64).area_m2 == pytest.approx(2 * int_adder(32).area_m2)
