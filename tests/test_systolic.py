"""Systolic-array cycle counts against hand counts (exact, no tolerance)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from accelmodel.mapping.systolic import array_cycles, folds, tiled_array_cycles


@pytest.mark.parametrize(
    "m,k,n,R,C,df,expected",
    [
        # WS: folds = ceil(K/R)*ceil(N/C); per fold 2R + C + M - 2
        (64, 64, 64, 16, 16, "WS", 16 * (32 + 16 + 64 - 2)),      # 1760
        (17, 33, 5, 16, 16, "WS", 3 * 1 * (32 + 16 + 17 - 2)),     # 189: partial folds in K and N
        (1, 4096, 1024, 32, 32, "WS", 128 * 32 * (64 + 32 + 1 - 2)),  # decode row: preload dominates
        (16, 16, 16, 8, 8, "WS", 4 * (16 + 8 + 16 - 2)),
        # OS: folds = ceil(M/R)*ceil(N/C); per fold R + C + K - 2
        (64, 64, 64, 16, 16, "OS", 16 * (16 + 16 + 64 - 2)),      # 1504
        (17, 33, 5, 16, 16, "OS", 2 * 1 * (16 + 16 + 33 - 2)),     # 126
        (1, 4096, 1024, 32, 32, "OS", 1 * 32 * (32 + 32 + 4096 - 2)),
    ],
)
def test_hand_counts(m, k, n, R, C, df, expected):
    assert array_cycles(m, k, n, R, C, df) == expected


def test_tiled_ws_reloads_weights_per_m_tile():
    # M = 64 cut in two tiles of 32: 16 folds, each run twice with 32 rows
    assert tiled_array_cycles(64, 64, 64, 32, 64, 64, 16, 16, "WS") == 16 * 2 * (32 + 16 - 2) + 16 * 64


def test_tiled_os_k_tiles_keep_accumulating():
    # OS: K tiling adds no fill/drain; outputs stay in the PEs
    assert tiled_array_cycles(64, 64, 64, 32, 16, 32, 16, 16, "OS") == array_cycles(64, 64, 64, 16, 16, "OS")


def test_bad_dataflow():
    with pytest.raises(ValueError):
        folds(1, 1, 1, 4, 4, "IS")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.integers(1, 300), st.sampled_from([4, 8, 16, 32]),
       st.sampled_from(["WS", "OS"]))
def test_untiled_equals_single_tile_and_macs_bound(m, k, n, R, df):
    c = array_cycles(m, k, n, R, R, df)
    assert c == tiled_array_cycles(m, k, n, m, k, n, R, R, df)
    # the array can never do more than R*R MACs per cycle
    assert c * R * R >= m * k * n


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 200), st.integers(1, 200), st.integers(1, 200), st.integers(1, 8), st.integers(1, 8),
       st.integers(1, 8), st.sampled_from(["WS", "OS"]))
def test_tiling_aligned_to_array_never_reduces_cycles(m, k, n, a, b, c, df):
    R = 8
    t = tiled_array_cycles(np.int64(m), k, n, np.int64(a * R), b * R, c * R, R, R, df)
    assert t >= array_cycles(m, k, n, R, R, df)


@pytest.mark.parametrize(
    "m,k,n,mt,kt,nt,expected",
    [
        # one tile, 16 folds of 64 rows: 16 * max(64, 16) + one preload and one drain (2R + C - 2 = 46)
        (64, 64, 64, 64, 64, 64, 16 * 64 + 46),
        # M tiles of 32 and 32: 2 tiles x (16 folds x 32 rows + 46)
        (64, 64, 64, 32, 64, 64, 2 * (16 * 32 + 46)),
        # decode row: M = 1 < R, the preload (R = 16 cycles) sets the fold time
        (1, 64, 64, 1, 64, 64, 16 * 16 + 46),
        # ragged M: tiles of 80, 80, 20 (20 > R); K 160 = 2 tiles of 5 row folds, N 48 = 3 column folds:
        # 10 x 3 folds per M tile, 3 x 2 x 1 tiles
        (180, 160, 48, 80, 80, 48, 10 * 3 * (80 + 80 + 20) + 3 * 2 * 1 * 46),
    ],
)
def test_ws_overlapped_weight_preload_hand_counts(m, k, n, mt, kt, nt, expected):
    got = tiled_array_cycles(m, k, n, mt, kt, nt, 16, 16, "WS", weight_preload="overlapped")
    assert got == expected
    # never slower than the serial (SCALE-Sim) convention, and OS is unaffected
    assert got <= tiled_array_cycles(m, k, n, mt, kt, nt, 16, 16, "WS")
    assert (tiled_array_cycles(m, k, n, mt, kt, nt, 16, 16, "OS", weight_preload="overlapped")
            == tiled_array_cycles(m, k, n, mt, kt, nt, 16, 16, "OS"))


def test_bad_weight_preload():
    with pytest.raises(ValueError, match="weight_preload"):
        tiled_array_cycles(16, 16, 16, 16, 16, 16, 16, 16, "WS", weight_preload="pipelined")
