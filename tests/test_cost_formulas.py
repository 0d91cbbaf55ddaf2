"""Hand-derived checks of the cost formulas (accelmodel/cost/demand.py, evaluate.py):
an op on a vector/nonlinear unit, the three host-CPU rows of an offloaded op
(including the hand-off overhead), a matmul's non-overlapped prologue, static
energy and nonlinear-unit energy. Every number is derived in a comment from the
bundled baseline (hw_configs/gemmini_default.yaml: 1 GHz, INT8 in/out, L2 link
16 B/cycle, DMA 16 B/cycle, DRAM 64 GB/s at 20 pJ/bit and 100 ns, L2 latency 20
cycles, host 1 GHz at 8 GB/s, 0.25 W, 2 us per offload). Per-action energies are the
component models' (``energy.per_action: model``) at the baseline's geometry, derived
below from the models' primitives (checked against their anchors in
tests/test_components.py); a memory byte costs the mean of the SRAM's read and write
energy per byte. Tolerance: 1e-12 relative (float round-off only)."""

from __future__ import annotations

import pytest

import accelmodel as am

from accelmodel.components import component_table, pe, sram, unit_cost
from accelmodel.hardware.nonlinear import LutUnit, VectorUnit

from conftest import load_hw

REL = 1e-12
SEQ = 512
D = 768
E_RES = SEQ * D                 # residual add: 393,216 output elements
E_SM = 12 * SEQ * SEQ           # softmax of one layer: 12 heads x 512 x 512 = 3,145,728


def _per_byte(capacity_bytes: float, word_bits: int, banks: int) -> float:
    s = sram(capacity_bytes, word_bits, banks, 1, None, None, "lop")
    return 0.5 * (s.read_energy_j_per_byte + s.write_energy_j_per_byte)


MAC = pe(8, 8, 32, "WS").energy_per_mac_j   # INT8 x INT8 multiplier + 32-bit adder + 8 + 32 flip-flops: 0.66 pJ
SPAD = _per_byte(256 * 1024, 16 * 8, 4)     # 256 KiB, 128-bit rows (16 columns x INT8), 4 banks: 4.62 pJ/B
L2 = _per_byte(2048 * 1024, 16 * 8, 1)      # 2 MiB, 16 B/cycle link = 128-bit words, 1 bank: 12.47 pJ/B
VEC = unit_cost(VectorUnit(), None, sram_cells="lop").energy_per_element_op_j  # INT32 multiply-add lane: 3.88 pJ
DRAM = 8 * 20e-12                           # spec: 20 pJ/bit = 160 pJ/B


@pytest.fixture(scope="module")
def static_w():
    """The baseline's leakage, W: PE array + scratchpad + accumulator + L2 (LOP cells) + DMA + vector unit."""
    t = component_table(load_hw("gemmini_default"))
    assert set(t.leakage_w) == {"mac", "scratchpad", "accumulator", "l2", "dma", "unit:elementwise", "overhead"}
    return t.total_leakage_w


@pytest.fixture(scope="module")
def base_rep():
    return am.simulate(load_hw("gemmini_default"), "bert-base", seq_len=SEQ)


def row(rep, name: str):
    df = rep.ops
    sel = df[df["name"] == name]
    assert len(sel) == 1, name
    return sel.iloc[0]


def test_vector_unit_op(base_rep, static_w):
    r = row(base_rep, "L0.residual_attn")
    moved = 3 * E_RES                        # two INT8 inputs read, one INT8 output written: 1,179,648 B
    assert r["dram_bytes"] == moved
    assert r["unit_cycles"] == E_RES / 16    # one add per element on 16 lanes: 24,576
    assert r["local_cycles"] == moved / 16   # L2 link 16 B/cycle: 73,728 (the bound)
    assert r["dram_cycles"] == moved / 64    # 64 GB/s at 1 GHz = 64 B/cycle: 18,432
    assert r["overhead_cycles"] == 100 + 2   # DRAM latency 100 ns x 1 GHz + vector pipeline 2
    assert r["bound"] == "l2"
    lat = (moved / 16 + 102) / 1e9
    assert r["latency_s"] == pytest.approx(lat, rel=REL)
    assert r["energy_scratchpad_j"] == pytest.approx(2 * moved * SPAD, rel=REL)   # in and out
    assert r["energy_l2_j"] == pytest.approx(2 * moved * L2, rel=REL)
    assert r["energy_dram_j"] == pytest.approx(moved * DRAM, rel=REL)
    # vector ALU: one INT32 multiply-add element-operation per output element
    assert r["energy_nonlinear_j"] == pytest.approx(E_RES * VEC, rel=REL)
    assert r["energy_static_j"] == pytest.approx(static_w * lat, rel=REL)


def test_offloaded_softmax_three_rows(base_rep, static_w):
    deq, mid, q = (row(base_rep, n) for n in ("L0.softmax.dequantize", "L0.softmax", "L0.softmax.quantize"))
    # dequantize: 3 cycles/element on the 1 GHz host; reads E INT8 bytes, writes 4E float bytes
    assert deq["kind"] == "quantize" and deq["cpu_s"] == pytest.approx(3 * E_SM / 1e9, rel=REL)
    assert deq["dram_bytes"] == 5 * E_SM and deq["bound"] == "cpu"   # 5E / 8 GB/s = 0.625E ns < 3E ns
    assert deq["latency_s"] == pytest.approx(3 * E_SM / 1e9, rel=REL)
    # softmax in float: 60 cycles/element + the 2 us hand-off, which does not overlap
    assert mid["cpu_s"] == pytest.approx(60 * E_SM / 1e9, rel=REL)
    assert mid["latency_s"] == pytest.approx(60 * E_SM / 1e9 + 2e-6, rel=REL)
    assert mid["overhead_cycles"] == pytest.approx(2e-6 * 1e9, rel=REL)
    assert mid["dram_bytes"] == 8 * E_SM                               # float in, float out
    # quantize: 5 cycles/element; reads 4E float bytes, writes E INT8 bytes
    assert q["latency_s"] == pytest.approx(5 * E_SM / 1e9, rel=REL) and q["dram_bytes"] == 5 * E_SM
    for r in (deq, mid, q):
        # host power x time, DRAM at 160 pJ/byte, leakage x time; nothing on the accelerator's units
        assert r["energy_cpu_j"] == pytest.approx(0.25 * r["latency_s"], rel=REL)
        assert r["energy_dram_j"] == pytest.approx(r["dram_bytes"] * DRAM, rel=REL)
        assert r["energy_static_j"] == pytest.approx(static_w * r["latency_s"], rel=REL)
        assert r["energy_nonlinear_j"] == 0.0 and r["energy_mac_j"] == 0.0


def test_matmul_prologue(base_rep):
    r = row(base_rep, "L0.q_proj")    # 512 x 768 x 768, WS 16 x 16
    mt = int(r["mt"])
    # first fold in: an Mt x 16 input block + a 16 x 16 weight block; last fold out: Mt x 16 outputs (INT8),
    # over the slower of the L2 link (16 B/cycle) and DRAM (64 B/cycle), plus DRAM (100) and L2 (20) latency
    io = min(mt, SEQ) * 16 + 16 * 16 + min(mt, SEQ) * 16
    assert r["overhead_cycles"] == pytest.approx(io / 16 + 120, rel=REL)
    assert r["latency_cycles"] == pytest.approx(
        max(r["compute_cycles"], r["local_cycles"], r["dram_cycles"]) + r["overhead_cycles"], rel=REL)
    assert r["energy_mac_j"] == pytest.approx(SEQ * D * D * MAC, rel=REL)   # INT8 PE, 0.66 pJ per MAC


def test_nonlinear_unit_energy_lut():
    hw = am.with_updates(load_hw("gemmini_default"), {"nonlinear.softmax": {"kind": "lut"}})
    rep = am.simulate(hw, "bert-base", seq_len=SEQ)
    r = row(rep, "L0.softmax")
    # LUT softmax from its parameters (1024 x 16-bit entries in SRAM, linear interpolation); 3 passes per element
    lut = unit_cost(LutUnit(), None, sram_cells="lop").energy_per_element_op_j
    assert r["unit_cycles"] == 3 * E_SM / 16
    assert r["energy_nonlinear_j"] == pytest.approx(3 * E_SM * lut, rel=REL)
    table = am.with_updates(hw, {"energy.per_action": "table"})   # the typed power: 4.69 mW at 100 MHz / 16 lanes
    r = row(am.simulate(table, "bert-base", seq_len=SEQ), "L0.softmax")
    assert r["energy_nonlinear_j"] == pytest.approx(3 * E_SM * 4.69 / (16 * 0.1) * 1e-12, rel=REL)
    assert r["bound"] == "nonlinear"   # 3E/16 element-operation cycles > 2E bytes / 16 B/cycle on the link


def test_static_energy_is_power_times_time(base_rep, static_w):
    df = base_rep.ops
    assert (df["energy_static_j"] - static_w * df["latency_s"]).abs().max() <= 1e-15
    s = base_rep.summary()
    assert s["energy_by_component_j"]["static"] == pytest.approx(static_w * s["latency_s"], rel=1e-9)
