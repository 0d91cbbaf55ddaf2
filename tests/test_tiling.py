"""Tiling search: buffer fit, traffic of a tiled matmul (hand counts), properties."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelmodel.errors import MappingError
from accelmodel.hardware import Accelerator, load_accelerator, with_updates
from accelmodel.mapping.tiling import LOOP_ORDERS, candidate_table, table_key, tile_matmul
from accelmodel.paths import bundled_dir


def _row(t, mt, kt, nt, order="mnk"):
    code = LOOP_ORDERS.index(order)
    i = np.flatnonzero((t["mt"] == mt) & (t["kt"] == kt) & (t["nt"] == nt) & (t["order"] == code))
    assert len(i) == 1, (mt, kt, nt, order)
    return {k: v[i[0]] for k, v in t.items()}


def test_every_candidate_fits_the_buffers():
    hw = Accelerator(scratchpad_kib=16, accumulator_kib=8)
    t = candidate_table(300, 500, 700, hw)
    assert (t["mt"] * t["kt"] + t["kt"] * t["nt"] <= 8 * 1024).all()  # half of 16 KiB, int8
    assert (t["mt"] * t["nt"] * 4 <= 4 * 1024).all()                   # half of 8 KiB, int32


def test_local_traffic_hand_count():
    # no L2, 64^3 int8 matmul, 16x16 array; buffers large enough for any tile
    hw = Accelerator(l2=None, scratchpad_kib=1024, accumulator_kib=1024)
    t = candidate_table(64, 64, 64, hw)
    x = w = 64 * 64          # bytes of X and W (int8)
    y = 64 * 64              # output written once (int8)
    r = _row(t, 32, 32, 32)  # mnk, Tm=Tk=Tn=2: X re-read per N tile, W per M tile
    assert r["local"] == 2 * x + 2 * w + y
    r = _row(t, 32, 64, 32)  # mnk, Tk=1: X stripe resident across n -> X once; W per M tile
    assert r["local"] == x + 2 * w + y
    r = _row(t, 32, 64, 32, "nmk")  # nmk, Tk=1: W stripe resident -> W once; X per N tile
    assert r["local"] == 2 * x + w + y
    r = _row(t, 64, 64, 64)
    assert r["local"] == x + w + y
    # without L2, DRAM sees exactly the local traffic
    assert (t["dram"] == t["local"]).all()


def test_l2_serves_rereads():
    hw = Accelerator(scratchpad_kib=1024, accumulator_kib=1024)  # default 2 MiB L2
    t = candidate_table(64, 64, 64, hw)
    assert (t["dram"] == 3 * 64 * 64).all()  # compulsory only: 64^2 x 3 tensors x 1 B


def test_buffer_that_never_fits_names_the_field():
    hw = Accelerator(scratchpad_kib=1, accumulator_kib=1)
    with pytest.raises(MappingError, match="accumulator_kib"):
        tile_matmul(64, 64, 64, hw)
    hw = Accelerator(scratchpad_kib=0.5, accumulator_kib=64)
    with pytest.raises(MappingError, match="scratchpad_kib"):
        tile_matmul(64, 64, 64, hw)


def test_square_policy_keeps_square_output_tiles():
    hw = Accelerator(tiling="square")
    mp = tile_matmul(512, 768, 768, hw)
    assert mp.mt == mp.nt
    # 64 KiB accumulator, half usable, int32: largest multiple-of-16 square is 80 (80*80*4 = 25.6 KB)
    assert mp.mt == 80


def test_rebalancing_lowers_square_tiled_matmul_cycles():
    base = Accelerator(tiling="square")
    reb = with_updates(base, {"scratchpad_kib": 64, "accumulator_kib": 256})
    assert tile_matmul(512, 768, 3072, reb).total_cycles < 0.9 * tile_matmul(512, 768, 3072, base).total_cycles


shapes = st.tuples(st.integers(1, 600), st.integers(1, 600), st.integers(1, 600))


@settings(max_examples=40, deadline=None)
@given(shapes, st.floats(1, 200), st.floats(1, 4), st.sampled_from(["WS", "OS"]), st.booleans())
def test_more_dram_bandwidth_never_slower(shape, bw, factor, df, l2):
    hw = Accelerator(array={"dataflow": df}, dram={"bandwidth_gbps": bw}, **({} if l2 else {"l2": None}))
    faster = with_updates(hw, {"dram.bandwidth_gbps": bw * factor})
    assert tile_matmul(*shape, faster).total_cycles <= tile_matmul(*shape, hw).total_cycles * (1 + 1e-12)


@settings(max_examples=40, deadline=None)
@given(shapes, st.sampled_from([16, 32, 64, 128]), st.sampled_from([2, 4]), st.booleans())
def test_bigger_accumulator_never_adds_dram_traffic(shape, acc, factor, l2):
    # the least traffic any legal tiling achieves can only fall when the accumulator grows
    hw = Accelerator(accumulator_kib=acc, **({} if l2 else {"l2": None}))
    big = with_updates(hw, {"accumulator_kib": acc * factor})
    assert candidate_table(*shape, big)["dram"].min() <= candidate_table(*shape, hw)["dram"].min()
    # and the chosen (fastest) mapping is never slower
    assert tile_matmul(*shape, big).total_cycles <= tile_matmul(*shape, hw).total_cycles * (1 + 1e-12)


def test_accumulator_accesses_hand_count():
    # WS: every K fold read-modify-writes the partial sums (2 accesses), plus the final read-out
    hw = Accelerator(l2=None, scratchpad_kib=1024, accumulator_kib=1024)
    t = candidate_table(64, 64, 64, hw)
    k_inner = t["order"] < 2
    assert (t["acc"][k_inner] == 64 * 64 * 4 * (2 * 4 + 1)).all()
    # a spill reads the partial sums out, a reload writes them back
    assert (t["acc"] == 64 * 64 * 4 * (2 * 4 + 1) + t["spill"]).all() and t["spill"].max() > 0
    # OS: outputs stay in the PEs across K tiles: one write and one read per output, whatever Kt
    hw = Accelerator(l2=None, scratchpad_kib=1024, accumulator_kib=1024, array={"dataflow": "OS"})
    t = candidate_table(64, 64, 64, hw)
    k_inner = t["order"] < 2
    assert len(np.unique(t["kt"][k_inner])) > 1 and (t["acc"][k_inner] == 64 * 64 * 4 * 2).all()


def test_k_outer_orders_spill_partial_sums_hand_count():
    # no L2, 64^3 int8, 32-bit accumulator; tile 32^3 (2 tiles along each dimension)
    hw = Accelerator(l2=None, scratchpad_kib=1024, accumulator_kib=1024)
    t = candidate_table(64, 64, 64, hw)
    x = w = y = 64 * 64
    psum = 64 * 64 * 4
    r = _row(t, 32, 32, 32, "mkn")  # X tile stays across n (X once); W per M tile; each output visited Tk = 2 times
    assert r["spill"] == 2 * (2 - 1) * psum
    assert r["local"] == x + 2 * w + y + 2 * psum == r["dram"]
    r = _row(t, 32, 32, 32, "nkm")  # the mirror image: W once, X per N tile
    assert r["local"] == 2 * x + w + y + 2 * psum
    r = _row(t, 64, 32, 32, "mkn")  # one M tile: every operand once, each output spilled and reloaded once
    assert r["spill"] == 2 * psum and r["local"] == x + w + y + 2 * psum
    # one output tile: K outermost leaves nothing to spill, the same schedule as mnk (kept once, as mnk)
    assert _row(t, 64, 32, 64, "mnk")["spill"] == 0
    # the twin of mkn (kmn moves the same bytes without an L2) and duplicates (one-tile loops moved) are dropped
    assert not ((t["mt"] == 32) & (t["kt"] == 32) & (t["nt"] == 32) & (t["order"] == LOOP_ORDERS.index("kmn"))).any()
    assert len(set(zip(t["mt"], t["kt"], t["nt"], t["order"]))) == len(t["mt"])
    assert set(t["order"][(t["mt"] == 64) & (t["kt"] == 64) & (t["nt"] == 64)]) == {0}


def test_os_k_outer_pays_fill_and_drain_per_visit():
    hw = Accelerator(l2=None, scratchpad_kib=1024, accumulator_kib=1024, array={"dataflow": "OS"})
    t = candidate_table(64, 64, 64, hw)
    # 16 output folds of 16x16; K inner: R + C - 2 + K per fold; K outer (2 visits): twice the fill/drain
    assert _row(t, 32, 32, 32, "mnk")["compute"] == 16 * (30 + 64)
    assert _row(t, 32, 32, 32, "mkn")["compute"] == 16 * (2 * 30 + 64)
    # WS: every tile is its own array pass in any order
    ws = candidate_table(64, 64, 64, Accelerator(l2=None, scratchpad_kib=1024, accumulator_kib=1024))
    assert _row(ws, 32, 32, 32, "mnk")["compute"] == _row(ws, 32, 32, 32, "mkn")["compute"]


def test_without_accumulator_reload_k_stays_innermost():
    hw = Accelerator(l2=None, accumulator_reload=False, scratchpad_kib=16, accumulator_kib=8)
    t = candidate_table(300, 500, 700, hw)
    assert set(t["order"]) <= {0, 1} and (t["spill"] == 0).all()
    assert table_key(hw) != table_key(with_updates(hw, {"accumulator_reload": True}))


def test_memory_starved_design_spills_partial_sums():
    # edge_llm without L2 and with 12.8 GB/s DRAM: keeping the X tile across N and spilling
    # partial sums beats re-reading X for every N tile
    edge = with_updates(load_accelerator(bundled_dir("hw_configs") / "edge_llm.yaml"),
                        {"l2": None, "dram.bandwidth_gbps": 12.8})
    mp = tile_matmul(2048, 4096, 4096, edge)
    k_inner = tile_matmul(2048, 4096, 4096, with_updates(edge, {"accumulator_reload": False}))
    assert mp.order not in ("mnk", "nmk") and mp.spill_bytes > 0
    assert mp.total_cycles < k_inner.total_cycles / 1.4
    # DRAM traffic by hand for the chosen tile: X once, W once per M tile, partial sums out and
    # back once per extra K tile, Y once
    tm, tk = -(-2048 // mp.mt), -(-4096 // mp.kt)
    assert mp.order == "mkn"
    assert mp.dram_bytes == 2048 * 4096 + 4096 * 4096 * tm + 2 * (tk - 1) * 2048 * 4096 * 4 + 2048 * 4096
