"""Pruning plans and masks (accelmodel.workload.pruning).

Tolerances: ratios are exact (integer element counts) wherever the shape is a
multiple of the pattern's unit; ragged shapes within one unit; mixed-length
vectors within half the shortest length.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from accelmodel.errors import SpecError
from accelmodel.paths import bundled_dir
from accelmodel.workload.masks import (
    direction_strength,
    make_mask,
    pick_direction,
    plan_mask,
    pruned_heads,
    vector_counts,
)
from accelmodel.workload.pruning import MatrixPruning, PruningPlan, load_pruning_plan, quality_table


def mp(pattern: dict, ratio: float | None = None) -> MatrixPruning:
    data = {"pattern": pattern}
    if ratio is not None:
        data["ratio"] = ratio
    return MatrixPruning.model_validate(data)


PATTERNS = [
    {"kind": "unstructured"},
    {"kind": "block", "bh": 16, "bw": 16},
    {"kind": "vector", "direction": "row", "length": 8},
    {"kind": "vector", "direction": "column", "length": 8},
    {"kind": "vector", "direction": "auto", "length": 16},
    {"kind": "vector", "direction": "auto", "lengths": [16, 8, 4]},
    {"kind": "channel", "direction": "row"},
    {"kind": "channel", "direction": "column"},
    {"kind": "head"},
]


def pruned_count(mask) -> int:
    return int(mask.size - np.count_nonzero(mask))


# ---- ratio 0 -------------------------------------------------------------
@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p["kind"] + str(p.get("direction", "")))
@pytest.mark.parametrize("with_weights", [False, True])
def test_ratio_zero_keeps_everything(pattern, with_weights):
    rng = np.random.default_rng(3)
    w = rng.normal(size=(64, 128)) if with_weights else None
    m = make_mask((64, 128), mp(pattern, 0.0), weights=w, rng=rng, head_dim=32)
    assert m.dtype == np.bool_ and m.shape == (64, 128) and m.all()
    assert make_mask((64, 128), None).all()
    assert make_mask((64, 128), mp({"kind": "nm", "n": 4, "m": 4})).all()


# ---- ratios --------------------------------------------------------------
@pytest.mark.parametrize("ratio", [0.3, 0.5, 0.8])
def test_unstructured_exact(ratio):
    m = make_mask((96, 160), mp({"kind": "unstructured"}, ratio), rng=np.random.default_rng(0))
    assert pruned_count(m) == math.floor(ratio * 96 * 160 + 0.5)


def test_unstructured_keeps_largest():
    w = np.random.default_rng(1).normal(size=(32, 48))
    m = make_mask(w.shape, mp({"kind": "unstructured"}, 0.75), weights=w)
    assert np.abs(w[m]).min() >= np.abs(w[~m]).max()


@pytest.mark.parametrize("ratio,blocks_pruned", [(0.5, 8), (0.8, 13), (0.25, 4)])
def test_block_exact_on_aligned_shape(ratio, blocks_pruned):
    m = make_mask((64, 64), mp({"kind": "block", "bh": 16, "bw": 16}, ratio), rng=np.random.default_rng(2))
    tiles = m.reshape(4, 16, 4, 16)
    assert (tiles.all(axis=(1, 3)) | ~tiles.any(axis=(1, 3))).all()  # blocks whole
    assert pruned_count(m) == blocks_pruned * 256  # round_half_up(ratio * 16)


def test_block_ranks_by_norm():
    w = np.full((64, 64), 0.01)
    strong = [(0, 0), (1, 2), (3, 3), (2, 1), (0, 3)]
    for i, j in strong:
        w[i * 16:(i + 1) * 16, j * 16:(j + 1) * 16] = 1.0
    m = make_mask(w.shape, mp({"kind": "block", "bh": 16, "bw": 16}, 11 / 16), weights=w)
    kept = {(i, j) for i in range(4) for j in range(4) if m[i * 16, j * 16]}
    assert kept == set(strong)


def test_block_ragged_within_one_block():
    m = make_mask((70, 50), mp({"kind": "block", "bh": 16, "bw": 16}, 0.6), rng=np.random.default_rng(4))
    assert abs(pruned_count(m) - 0.6 * 70 * 50) <= 16 * 16 / 2 + 1e-9


@pytest.mark.parametrize("direction", ["row", "column"])
def test_vector_single_length(direction):
    m = make_mask((64, 128), mp({"kind": "vector", "direction": direction, "length": 8}, 0.7),
                  rng=np.random.default_rng(5))
    assert pruned_count(m) == math.floor(0.7 * 64 * 128 / 8 + 0.5) * 8
    segs = m.reshape(64, 16, 8) if direction == "row" else m.T.reshape(128, 8, 8)
    assert (segs.all(axis=2) | ~segs.any(axis=2)).all()


@pytest.mark.parametrize("direction", ["row", "column"])
@pytest.mark.parametrize("ratio", [0.6, 0.8])
def test_mixed_vector_ratio_and_alignment(direction, ratio):
    w = np.random.default_rng(6).normal(size=(128, 256))
    m = make_mask(w.shape, mp({"kind": "vector", "direction": direction, "lengths": [16, 8, 4]}, ratio), weights=w)
    assert abs(pruned_count(m) - ratio * w.size) <= 2  # within half the shortest length
    segs = m.reshape(128, 64, 4) if direction == "row" else m.T.reshape(256, 32, 4)
    assert (segs.all(axis=2) | ~segs.any(axis=2)).all()  # pruned in whole aligned 4-vectors
    counts = vector_counts(m, direction, [16, 8, 4])
    assert counts[1] == 0 and sum(L * c for L, c in counts.items()) == pruned_count(m)


def test_nm_exactly_n_per_group():
    w = np.random.default_rng(7).normal(size=(64, 40))
    m = make_mask(w.shape, mp({"kind": "nm", "n": 2, "m": 4}), weights=w)
    groups = m.reshape(16, 4, 40)
    assert (groups.sum(axis=1) == 2).all()
    aw = np.abs(w).reshape(16, 4, 40)
    kept_min = np.where(groups, aw, np.inf).min(axis=1)
    pruned_max = np.where(groups, -np.inf, aw).max(axis=1)
    assert (kept_min >= pruned_max).all()
    assert pruned_count(m) == m.size // 2


def test_nm_ragged_group_and_ratio_implied():
    p = mp({"kind": "nm", "n": 1, "m": 4})
    assert p.ratio == pytest.approx(0.75)
    m = make_mask((10, 3), p, rng=np.random.default_rng(0))
    assert (m[:8].reshape(2, 4, 3).sum(axis=1) == 1).all()
    assert (m[8:].sum(axis=0) == 1).all()  # ragged group of 2 keeps min(n, 2)


@pytest.mark.parametrize("direction,axis", [("row", 1), ("column", 0)])
def test_channel(direction, axis):
    m = make_mask((64, 96), mp({"kind": "channel", "direction": direction}, 0.25), rng=np.random.default_rng(8))
    lines = m.all(axis=axis) | ~m.any(axis=axis)
    assert lines.all()
    n_lines = 64 if direction == "row" else 96
    assert np.count_nonzero(~m.any(axis=axis)) == math.floor(0.25 * n_lines + 0.5)


# ---- heads ---------------------------------------------------------------
@pytest.mark.parametrize("n,ratio,kept", [(12, 0.25, 9), (32, 0.25, 24), (12, 0.0, 12), (4, 0.125, 3),
                                          (8, 0.99, 1), (16, 0.13, 14), (1, 0.4, 1)])
def test_pruned_heads(n, ratio, kept):
    assert pruned_heads(n, ratio) == kept


def test_head_mask_slices_and_consistency():
    plan = PruningPlan.model_validate({"seed": 11, "all_matrices": {"default": {"pattern": {"kind": "head"}, "ratio": 0.25}}})
    d, hd = 256, 32  # 8 heads
    mq = plan_mask(plan, 2, "wq", (d, d), head_dim=hd)
    mk = plan_mask(plan, 2, "wk", (d, d), head_dim=hd)
    mo = plan_mask(plan, 2, "wo", (d, d), head_dim=hd)
    mqkv = plan_mask(plan, 2, "wqkv", (d, 3 * d), head_dim=hd)
    heads_q = mq[0].reshape(8, hd)
    assert (heads_q.all(axis=1) | ~heads_q.any(axis=1)).all()
    assert np.count_nonzero(heads_q.all(axis=1)) == pruned_heads(8, 0.25)
    assert (mq == mk).all() and (mq[0] == mo[:, 0]).all()
    assert (mqkv[0] == np.tile(mq[0], 3)).all()
    assert plan_mask(plan, 2, "w_up", (d, 4 * d)) is None  # head pattern does not touch the FFN


def test_head_by_weight_norm():
    w = np.ones((64, 128))
    w[:, 32:64] = 0.1  # head 1 weakest
    m = make_mask(w.shape, mp({"kind": "head"}, 0.25), weights=w, head_dim=32)
    assert not m[:, 32:64].any() and m[:, :32].all() and m[:, 64:].all()


# ---- direction -----------------------------------------------------------
def test_direction_row_and_column():
    rng = np.random.default_rng(9)
    rows = np.repeat(rng.random((64, 1)) < 0.3, 96, axis=1)     # whole rows kept
    cols = np.repeat(rng.random((1, 96)) < 0.3, 64, axis=0)     # whole columns kept
    assert pick_direction(rows) == "row" and direction_strength(rows) == pytest.approx(1.0)
    assert pick_direction(cols) == "column" and direction_strength(cols) == pytest.approx(-1.0)
    assert direction_strength(np.ones((8, 8), bool)) == 0.0


def test_auto_vector_follows_weight_structure():
    rng = np.random.default_rng(10)
    w_rows = rng.normal(size=(64, 128)) * (rng.random((64, 1)) * 4)   # row norms vary
    m = make_mask(w_rows.shape, mp({"kind": "vector", "direction": "auto", "length": 16}, 0.5), weights=w_rows)
    assert (m.reshape(64, 8, 16).all(axis=2) | ~m.reshape(64, 8, 16).any(axis=2)).all()
    w_cols = rng.normal(size=(128, 64)) * (rng.random((1, 64)) * 4)
    m2 = make_mask(w_cols.shape, mp({"kind": "vector", "direction": "auto", "length": 16}, 0.5), weights=w_cols)
    assert (m2.T.reshape(64, 8, 16).all(axis=2) | ~m2.T.reshape(64, 8, 16).any(axis=2)).all()


def test_seeded_masks_are_reproducible():
    plan = PruningPlan.model_validate({"seed": 5, "wo": {"default": {"pattern": {"kind": "unstructured"}, "ratio": 0.5}}})
    a = plan_mask(plan, 1, "wo", (32, 32))
    b = plan_mask(plan, 1, "wo", (32, 32))
    c = plan_mask(plan, 2, "wo", (32, 32))
    assert (a == b).all() and not (a == c).all()


# ---- plans ---------------------------------------------------------------
def test_plan_lookup():
    plan = PruningPlan.model_validate({
        "all_matrices": {"default": {"pattern": {"kind": "unstructured"}, "ratio": 0.5}},
        "wqkv": {"default": {"pattern": {"kind": "block", "bh": 16, "bw": 16}, "ratio": 0.5},
                 "layers": {0: None, 3: {"pattern": {"kind": "nm", "n": 2, "m": 4}}}},
    })
    assert plan.for_matrix(0, "wq") is None
    assert plan.for_matrix(3, "wk").pattern.kind == "nm"
    assert plan.for_matrix(5, "wv").pattern.kind == "block"
    assert plan.for_matrix(5, "w_down").pattern.kind == "unstructured"
    assert plan.max_layer_index() == 3
    plan.check_layers(4)
    with pytest.raises(SpecError, match="wqkv.layers"):
        plan.check_layers(3)


def test_wqkv_from_separate_parts():
    same = {"default": {"pattern": {"kind": "unstructured"}, "ratio": 0.5}}
    plan = PruningPlan.model_validate({"wq": same, "wk": same, "wv": same})
    assert plan.for_matrix(0, "wqkv").ratio == 0.5
    plan2 = PruningPlan.model_validate({"wq": same})
    with pytest.raises(SpecError, match="wqkv"):
        plan2.for_matrix(0, "wqkv")


@pytest.mark.parametrize("text,field", [
    ("wq:\n  default:\n    pattern: {kind: unstructured}\n    ratio: 1.5\n", "wq.default.ratio"),
    ("wq:\n  default:\n    pattern: {kind: unstructured}\n    ratoi: 0.5\n", "ratoi"),
    ("wqx:\n  default: null\n", "wqx"),
    ("w_up:\n  default:\n    pattern: {kind: nm, n: 2, m: 4}\n    ratio: 0.7\n", "ratio"),
    ("w_up:\n  default:\n    pattern: {kind: head}\n    ratio: 0.25\n", "w_up"),
    ("wo:\n  default:\n    pattern: {kind: blok, bh: 4, bw: 4}\n    ratio: 0.5\n", "wo.default.pattern"),
    ("wo:\n  default:\n    pattern: {kind: block, bh: 0, bw: 4}\n    ratio: 0.5\n", "bh"),
    ("wo:\n  default:\n    pattern: {kind: vector, lengths: [16, 6]}\n    ratio: 0.5\n", "lengths"),
    ("wo:\n  layers:\n    x: {pattern: {kind: unstructured}, ratio: 0.5}\n", "wo.layers"),
    ("wq:\n  default: {pattern: {kind: unstructured}, ratio: 0.5}\nwqkv:\n  default: null\n", "wq"),
    ("- just\n- a list\n", "top level"),
    ("wq: [unclosed\n", "not valid YAML"),
])
def test_yaml_errors_name_the_field(tmp_path: Path, text, field):
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    with pytest.raises(SpecError) as exc:
        load_pruning_plan(f)
    msg = str(exc.value)
    assert field in msg and "\n" not in msg


def test_missing_file():
    with pytest.raises(SpecError, match="not found"):
        load_pruning_plan("/nonexistent/plan.yaml")


def test_bundled_plans():
    d = bundled_dir("workloads") / "pruning"
    b = load_pruning_plan(d / "block16_50.yaml")
    assert all(b.for_matrix(7, n).pattern.kind == "block" and b.for_matrix(7, n).ratio == 0.5
               for n in ("wq", "wqkv", "wo", "w_up", "w_gate", "w_down"))
    u = load_pruning_plan(d / "unstructured_80.yaml")
    assert u.for_matrix(0, "w_down").ratio == 0.8
    h = load_pruning_plan(d / "head_25.yaml")
    assert h.for_matrix(0, "wo").pattern.kind == "head" and h.for_matrix(0, "w_up") is None
    v = load_pruning_plan(d / "mixed_vector_80.yaml")
    assert v.for_matrix(0, "wqkv").pattern.lengths == (16, 8, 4)
    assert v.for_matrix(0, "wo").pattern.direction == "row"


def test_quality_table():
    q = quality_table()
    assert len(q) == 13
    base = [r for r in q if r.method == "baseline"]
    assert len(base) == 1 and base[0].ratio == 0 and base[0].bert_squad_f1 == 87.54 and base[0].gpt2_wikitext2_ppl == 21.3
    mv = {r.ratio: r for r in q if r.method == "mixed-vector-level"}
    assert mv[0.8].bert_squad_f1 == 82.82 and mv[0.8].gpt2_wikitext2_ppl == 30.2
    assert {r.method for r in q} == {"baseline", "fine-grained", "head-level", "block-level", "mixed-vector-level"}
