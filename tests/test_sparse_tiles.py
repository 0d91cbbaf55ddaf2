"""Sparse storage sizes and fold counts on real masks (accelmodel.mapping.sparse),
and the SparsitySupport spec. All counts are exact integers (no tolerance)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from accelmodel.hardware.sparsity import SparsitySupport
from accelmodel.mapping import systolic
from accelmodel.mapping.sparse import format_bytes, sparse_fold_stats, structural_shape

R = C = 16


def five_of_sixteen() -> np.ndarray:
    """64 x 64 mask, 16 x 16 blocks, 5 of the 16 blocks kept (dense inside)."""
    m = np.zeros((64, 64), dtype=bool)
    for i, j in [(0, 0), (1, 1), (2, 1), (3, 3), (0, 3)]:
        m[i * 16:(i + 1) * 16, j * 16:(j + 1) * 16] = True
    return m  # block column 2 is all zero


# ---- storage -------------------------------------------------------------
def test_csr_hand_count():
    mask = np.array([[1, 0, 0, 1],
                     [0, 0, 0, 0],
                     [0, 1, 1, 1]], dtype=bool)  # a = 5, n = 3 rows
    assert format_bytes(mask, "csr", 8, 8, 8) == 2 * 5 + 3 + 1  # 14 one-byte numbers
    assert format_bytes(mask, "csr", 16, 16, 32) == (5 * 16 + 5 * 16 + 4 * 32) / 8
    assert format_bytes(mask, "csc", 8, 8, 8) == 2 * 5 + 4 + 1
    assert format_bytes(mask, "bitmap", 8, 16, 32) == (5 * 8 + 12) / 8
    assert format_bytes(mask, "nm", 8, 16, 32, m=4) == (5 * 8 + 5 * 2) / 8
    assert format_bytes(mask, "dense", 8, 16, 32) == 12


def test_block_csr_hand_count():
    m = five_of_sixteen()
    # 5 blocks x 256 values + 5 block indices + (4 + 1) block-row pointers
    assert format_bytes(m, "block_csr", 8, 16, 32, block=(16, 16)) == (5 * 256 * 8 + 5 * 16 + 5 * 32) / 8
    # a partially filled block is stored whole
    m2 = np.zeros((20, 20), dtype=bool)
    m2[0, 0] = m2[19, 19] = True
    assert format_bytes(m2, "block_csr", 8, 8, 8, block=(16, 16)) == 2 * 256 + 2 + 3


def test_format_errors():
    m = np.ones((4, 4), bool)
    with pytest.raises(ValueError):
        format_bytes(m, "nm", 8, 8, 8)
    with pytest.raises(ValueError):
        format_bytes(m, "block_csr", 8, 8, 8)
    with pytest.raises(ValueError):
        format_bytes(m, "coo", 8, 8, 8)


def test_structural_shape():
    m = np.zeros((8, 12), dtype=bool)
    m[[1, 4, 5], :] = True
    m[:, [0, 3]] = False
    assert structural_shape(m) == (3, 10)


# ---- WS folds ------------------------------------------------------------
@pytest.mark.parametrize("M", [1, 64, 200])
def test_ws_tile_skip_hand_count(M):
    s = sparse_fold_stats(five_of_sixteen(), M, R, C, "WS", "tile")
    assert (s.dense_folds, s.empty_folds, s.active_folds) == (16, 11, 5)
    assert s.weight_tiles == 16 and s.empty_weight_tiles == 11
    assert s.dense_cycles == systolic.array_cycles(M, 64, 64, R, C, "WS") == 16 * (2 * R + C + M - 2)
    assert s.cycles == 5 * (2 * R + C + M - 2)
    assert s.nnz == 5 * 256 and s.nonzero_macs == M * 5 * 256 and s.dense_macs == M * 64 * 64


def test_ws_none_ignores_zeros():
    s = sparse_fold_stats(five_of_sixteen(), 8, R, C, "WS", "none")
    assert s.cycles == s.dense_cycles and s.active_folds == 16


def test_ws_vector_and_element_hand_count():
    m = np.zeros((32, 16), dtype=bool)  # two K-folds, one column strip
    m[[0, 5, 9], 0] = True              # fold 0: 3 non-zero rows, all in column 0
    m[16:32, :] = True                  # fold 1: dense
    M = 10
    v = sparse_fold_stats(m, M, R, C, "WS", "vector")
    assert v.cycles == (2 * 3 + C + M - 2) + (2 * 16 + C + M - 2)
    assert v.depth_sum == 19 and v.active_folds == 2
    e = sparse_fold_stats(m, M, R, C, "WS", "element")
    assert e.cycles == v.cycles  # densest column of fold 0 has 3 -> depth 3
    m2 = m.copy()
    m2[[0, 5, 9], 0] = False
    m2[[0, 5, 9], [0, 1, 2]] = True     # 3 non-zero rows, each column holds 1
    e2 = sparse_fold_stats(m2, M, R, C, "WS", "element")
    assert e2.cycles == (2 * 1 + C + M - 2) + (2 * 16 + C + M - 2)
    e3 = sparse_fold_stats(m2, M, R, C, "WS", "element", load_imbalance=2.0)
    assert e3.cycles == (2 * 2 + C + M - 2) + (2 * 16 + C + M - 2)
    # compaction: 3 + 16 = 19 rows -> 2 folds of depth 16 and 3: same here
    vc = sparse_fold_stats(m, M, R, C, "WS", "vector", compact_k=True)
    assert vc.active_folds == 2 and vc.cycles == v.cycles


def test_ws_compact_packs_folds():
    m = np.zeros((64, 16), dtype=bool)
    m[[0, 20, 40, 60], 3] = True  # 4 folds with 1 live row each
    M = 100
    v = sparse_fold_stats(m, M, R, C, "WS", "vector")
    assert v.active_folds == 4 and v.cycles == 4 * (2 + C + M - 2)
    vc = sparse_fold_stats(m, M, R, C, "WS", "vector", compact_k=True)
    assert vc.active_folds == 1 and vc.cycles == 2 * 4 + C + M - 2


def test_ragged_padding_rows_are_charged():
    m = np.ones((20, 16), dtype=bool)  # K = 20: second fold has 4 real rows
    for skip in ("none", "tile", "vector", "element"):
        for ck in (False, True):
            s = sparse_fold_stats(m, 7, R, C, "WS", skip, compact_k=ck)
            assert s.cycles == s.dense_cycles == systolic.array_cycles(7, 20, 16, R, C, "WS")
    m[16:, :] = False  # ragged fold now empty: skipped whole
    s = sparse_fold_stats(m, 7, R, C, "WS", "vector")
    assert s.active_folds == 1 and s.cycles == 2 * R + C + 7 - 2


# ---- OS folds ------------------------------------------------------------
def test_os_hand_count():
    m = five_of_sixteen()
    M = 40  # ceil(40/16) = 3 row blocks
    none = sparse_fold_stats(m, M, R, C, "OS", "none")
    assert none.dense_folds == 3 * 4 and none.cycles == none.dense_cycles == systolic.array_cycles(M, 64, 64, R, C, "OS")
    tile = sparse_fold_stats(m, M, R, C, "OS", "tile")
    # strips: col 0 -> 1 tile (K_eff 16), col 1 -> 2 tiles (32), col 2 empty (skipped), col 3 -> 2 tiles (32)
    assert tile.empty_folds == 3 and tile.active_folds == 9
    assert tile.cycles == 3 * (3 * (R + C - 2) + 16 + 32 + 32)
    m2 = np.zeros((64, 32), dtype=bool)
    m2[[1, 2, 50], 0] = True
    m2[:, 16] = True
    vec = sparse_fold_stats(m2, 16, R, C, "OS", "vector")
    assert vec.cycles == (R + C + 3 - 2) + (R + C + 64 - 2)
    el = sparse_fold_stats(m2, 16, R, C, "OS", "element")
    assert el.cycles == vec.cycles  # densest columns: 3 and 64
    m3 = np.zeros((64, 16), dtype=bool)
    m3[np.arange(64), np.arange(64) % 16] = True  # every row live, each column holds 4
    assert sparse_fold_stats(m3, 16, R, C, "OS", "vector").cycles == R + C + 64 - 2
    assert sparse_fold_stats(m3, 16, R, C, "OS", "element").cycles == R + C + 4 - 2
    assert sparse_fold_stats(m3, 16, R, C, "OS", "element", 1.5).cycles == R + C + 6 - 2


# ---- properties ----------------------------------------------------------
masks = st.tuples(st.integers(1, 70), st.integers(1, 70), st.floats(0.0, 0.95), st.integers(0, 2**16))


@settings(max_examples=40, deadline=None)
@given(masks, st.integers(1, 50), st.sampled_from([(16, 16), (8, 4), (5, 7)]), st.sampled_from(["WS", "OS"]))
def test_dense_equals_systolic_and_skips_are_monotone(spec, M, arr, dataflow):
    k, n, density_cut, seed = spec
    r, c = arr
    ones = np.ones((k, n), dtype=bool)
    for skip in ("none", "tile", "vector", "element"):
        s = sparse_fold_stats(ones, M, r, c, dataflow, skip, compact_k=True)
        assert s.cycles == s.dense_cycles == systolic.array_cycles(M, k, n, r, c, dataflow)
        assert s.active_folds == s.dense_folds == systolic.folds(M, k, n, r, c, dataflow)
    mask = np.random.default_rng(seed).random((k, n)) >= density_cut
    prev = None
    for skip in ("none", "tile", "vector", "element"):
        s = sparse_fold_stats(mask, M, r, c, dataflow, skip)
        sc = sparse_fold_stats(mask, M, r, c, dataflow, skip, compact_k=True)
        assert sc.cycles <= s.cycles <= s.dense_cycles
        if prev is not None:
            assert s.cycles <= prev
        prev = s.cycles
        assert s.cycles_for(M) == s.cycles and sc.cycles_for(M) == sc.cycles
        assert s.nonzero_macs == M * int(mask.sum())


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 90), st.integers(1, 40), st.sampled_from(["WS", "OS"]))
def test_cycles_for_matches_tiled_dense(k, n, m, mt, dataflow):
    s = sparse_fold_stats(np.ones((k, n), bool), m, R, C, dataflow, "vector")
    assert s.cycles_for(m, mt) == systolic.tiled_array_cycles(m, k, n, mt, 16 * 64, 16 * 64, R, C, dataflow)


def test_cycles_for_other_m():
    m = five_of_sixteen()
    s = sparse_fold_stats(m, 8, R, C, "WS", "tile")
    assert s.cycles_for(300) == sparse_fold_stats(m, 300, R, C, "WS", "tile").cycles


# ---- hardware spec -------------------------------------------------------
def test_sparsity_support_defaults_and_validation():
    d = SparsitySupport()
    assert d.storage == "dense" and d.skip == "none" and not d.compressed and not d.skips
    assert not d.gate_zero_macs and not d.structured_shrink
    assert d.value_bits_for(8) == 8 and SparsitySupport(value_bits=4).value_bits_for(8) == 4
    SparsitySupport(storage="block_csr", block=(16, 16), skip="element", load_imbalance=1.2)
    for bad in ({"storage": "block_csr"}, {"storage": "csr", "block": (4, 4)}, {"skip": "element", "load_imbalance": 0.9},
                {"skip": "tile", "load_imbalance": 1.5}, {"storage": "coo"}, {"skipp": "tile"}):
        with pytest.raises(ValidationError):
            SparsitySupport.model_validate(bad)
