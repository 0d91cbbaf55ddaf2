"""Pruning in the cost model (issue 4), checked against hand-derived numbers.

Workload for the simulate-level tests: BERT-base prefill, batch 1, seq 512, on
the 16 x 16 WS Gemmini designs (gemmini_default: no sparsity support;
gemmini_sparse: CSR storage, tile skipping, clock-gated zero MACs, structured
shrink). Every expected number is derived in the comments from the array size,
the mapping the square tiler picks (asserted first) and the mask's rounding rule
(pruned units = floor(ratio * units + 0.5)). Tolerances: counts (cycles, bytes,
folds, MACs) are exact (==); float totals that sum the same terms in a different
order use rel 1e-12; energies (pJ x count) rel 1e-12.

Hand-count building blocks (R = C = 16, M = 512)
-------------------------------------------------
* The square tiler maps the 512 x 768 x 768 projections (q/k/v/o) and the
  512 x 768 x 3072 / 512 x 3072 x 768 FFN matmuls with Mt = 80, Nt = 80, Kt = 768,
  so there are n_mt = ceil(512 / 80) = 7 M tiles (six of 80, one of 32).
* WS cost of a set of folds with weight-row depths d_f, summed over the M tiles
  (``SparseFoldStats.cycles_for``): n_mt * sum_f (2 d_f + C - 2) + (#folds) * M.
  A full-depth fold (d = R) therefore costs 7 * (2*16 + 14) + 512 = 834 cycles,
  and a dense 768 x 768 weight has 48 x 48 = 2304 folds: 2304 * 834 = 1,921,536.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import accelmodel as am
from accelmodel.components import component_table
from accelmodel.cost.design import DesignBatch
from accelmodel.cost.evaluate import evaluate
from accelmodel.cost.sparse import lower_pruned_matmul
from accelmodel.mapping.batch import map_designs
from accelmodel.simulation import row_columns
from accelmodel.hardware.spec import Accelerator
from accelmodel.mapping.sparse import format_bytes, sparse_fold_stats
from accelmodel.mapping.tiling import tile_matmul
from accelmodel.workload.graph import Op
from accelmodel.workload.masks import plan_mask
from accelmodel.workload.pruning import NM, Block, Head, MatrixPlan, MatrixPruning, PruningPlan, Unstructured

from conftest import load_hw

SEQ = 512
FOLD_834 = 7 * (2 * 16 + 16 - 2) + 512  # one full-depth WS fold over the 7 M tiles of M = 512
assert FOLD_834 == 834


def sparse_matmul_cost(op, hw, mp, stats, stored) -> dict:
    """One pruned matmul's report row (through the cost path's lowering and evaluation)."""
    fields, _ = map_designs(op.m, op.k, op.n, True, [hw])
    assert fields["mt"][0] == mp.mt and fields["dram_bytes"][0] == mp.dram_bytes
    d = lower_pruned_matmul(op, 0, hw, {k: v[0] for k, v in fields.items()}, stats, stored)
    db = DesignBatch.of([hw])
    return {k: v[0] for k, v in row_columns(d, evaluate(d, db), hw, [op]).items()}


def plan_all(pattern, ratio: float) -> PruningPlan:
    return PruningPlan(description="test", all_matrices=MatrixPlan(default=MatrixPruning(pattern=pattern,
                                                                                          ratio=ratio)))


def row(rep, name: str):
    return rep.ops.set_index("name").loc[name]


@pytest.fixture(scope="module")
def sparse_hw() -> Accelerator:
    return load_hw("gemmini_sparse")


@pytest.fixture(scope="module")
def dense_bert_sparse_hw(sparse_hw):
    return am.simulate(sparse_hw, "bert-base", seq_len=SEQ)


def test_mapping_assumed_by_the_hand_counts(dense_bert_sparse_hw):
    ops = dense_bert_sparse_hw.ops.set_index("name")
    for name in ("L0.q_proj", "L0.o_proj", "L0.ffn_up", "L0.ffn_down"):
        r = ops.loc[name]
        assert (r.mt, r.kt, r.nt) == (80, 768, 80), name
    assert ops.loc["L0.q_proj", "loop_order"] == "mnk" and ops.loc["L0.ffn_up", "loop_order"] == "nmk"
    assert ops.loc["L0.q_proj", "compute_cycles"] == 2304 * FOLD_834 == 1_921_536
    assert ops.loc["L0.ffn_up", "compute_cycles"] == 48 * 192 * FOLD_834 == 7_686_144


# ---------------------------------------------------------------------------
# ratio 0 == dense, exactly
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", [Unstructured(), Block(bh=16, bw=16), Head()])
def test_ratio_zero_equals_dense_exactly(sparse_hw, dense_bert_sparse_hw, pattern):
    rep = am.simulate(sparse_hw, "bert-base", seq_len=SEQ, pruning=plan_all(pattern, 0.0))
    dense = dense_bert_sparse_hw
    assert rep.latency_s == dense.latency_s
    assert rep.energy_j == dense.energy_j
    for col in ("latency_s", "energy_j", "compute_cycles", "dram_bytes", "l2_bytes", "scratchpad_bytes",
                "accumulator_bytes", "macs", "bound"):
        assert (rep.ops[col] == dense.ops[col]).all(), col
    sp = rep.summary()["sparsity"]
    assert sp["speedup"] == 1.0 and sp["energy_saving"] == 0.0
    assert sp["dense_dram_bytes"] == sp["sparse_dram_bytes"]
    assert sp["dense_matmul_cycles"] == sp["sparse_matmul_cycles"]
    assert sp["ops"] == [] and sp["weight_density"] == 1.0
    assert (rep.ops["density"] == 1.0).all()


# ---------------------------------------------------------------------------
# unstructured on dense hardware; compressed storage changes bytes exactly
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def unstructured_80_default(default_hw):
    dense = am.simulate(default_hw, "bert-base", seq_len=SEQ)
    rep = am.simulate(default_hw, "bert-base", seq_len=SEQ, pruning=plan_all(Unstructured(), 0.8))
    return dense, rep


def test_unstructured_on_dense_hardware_changes_nothing(unstructured_80_default):
    dense, rep = unstructured_80_default
    # no skipping, dense storage, no gating: every cost column is the dense one
    for col in ("compute_cycles", "dram_bytes", "l2_bytes", "scratchpad_bytes", "accumulator_bytes",
                "latency_s", "energy_mac_j", "energy_j", "bound"):
        assert (rep.ops[col] == dense.ops[col]).all(), col
    q = row(rep, "L0.q_proj")
    # the mask is real: 768*768 - round(0.8 * 589,824 = 471,859.2) = 117,965 kept weights
    assert q.nonzero_macs == 512 * 117_965
    assert q.density == 117_965 / 589_824
    assert q.executed_macs == q.macs == 512 * 768 * 768
    assert rep.summary()["sparsity"]["speedup"] == 1.0


def test_csr_storage_changes_weight_bytes_by_exact_format_size(default_hw, unstructured_80_default):
    dense, _ = unstructured_80_default
    csr_hw = am.with_updates(default_hw, {"sparsity.storage": "csr"})  # 8-bit values, 16-bit idx, 32-bit ptrs
    rep = am.simulate(csr_hw, "bert-base", seq_len=SEQ, pruning=plan_all(Unstructured(), 0.8))
    # q_proj (768 x 768): a = 117,965 kept -> CSR = a*1 B + a*2 B + (768 + 1)*4 B = 356,971 B
    # (format_bytes of the very mask agrees); dense W = 589,824 B; delta = -232,853 B per W transfer.
    mask = plan_mask(plan_all(Unstructured(), 0.8), 0, "wq", (768, 768))
    assert format_bytes(mask, "csr", 8, 16, 32) == 3 * 117_965 + 769 * 4 == 356_971
    delta = 356_971 - 589_824
    q, qd = row(rep, "L0.q_proj"), row(dense, "L0.q_proj")
    assert q.stored_weight_bytes == 356_971 and q.dense_weight_bytes == 589_824
    # W re-read factors of this mapping (Mt=80, Kt=768=K, Nt=80, loop mnk; Tm = 7, Tk = 1, Tn = 10):
    #   L2 -> scratchpad: mnk re-reads W for every M tile unless W is one tile -> 7
    #   DRAM: L2 (2 MiB) holds both working sets (X stripe 80*768 B, W 589,824 B) -> W read once -> 1
    #   scratchpad: 7 fills + 7 array reads (WS reads W once per M tile; CSR is read as stored) -> 14
    assert (qd.mt, qd.kt, qd.nt, qd.loop_order) == (80, 768, 80, "mnk")
    assert q.dram_bytes - qd.dram_bytes == 1 * delta
    assert q.l2_bytes - qd.l2_bytes == (7 + 1) * delta          # L2 accesses = link bytes + DRAM bytes
    assert q.scratchpad_bytes - qd.scratchpad_bytes == 14 * delta
    assert q.compute_cycles == qd.compute_cycles                 # no skipping
    # ffn_up (768 x 3072, loop nmk, Kt = K): W read once from L2 and DRAM -> factor 1 on both links
    u, ud = row(rep, "L0.ffn_up"), row(dense, "L0.ffn_up")
    du = u.stored_weight_bytes - 2_359_296
    assert du == format_bytes(plan_mask(plan_all(Unstructured(), 0.8), 0, "w_up", (768, 3072)), "csr", 8, 16, 32) \
        - 2_359_296
    assert u.dram_bytes - ud.dram_bytes == du
    assert u.l2_bytes - ud.l2_bytes == 2 * du
    # ffn_down (3072 x 768, Kt = 768 < K: Tk = 4): loop nkm keeps each W tile across the M tiles and
    # spills partial sums instead (the same latency as nmk, less DRAM traffic): W crosses the link
    # once and is read from DRAM once -> factor 1 on both links
    d_, dd = row(rep, "L0.ffn_down"), row(dense, "L0.ffn_down")
    dd_ = d_.stored_weight_bytes - 2_359_296
    assert (dd.kt, dd.loop_order) == (768, "nkm")
    assert d_.dram_bytes - dd.dram_bytes == dd_
    assert d_.l2_bytes - dd.l2_bytes == (1 + 1) * dd_


def test_csr_larger_than_dense_is_charged_and_visible(sparse_hw):
    # block 16x16 at 0.5 on gemmini_sparse (CSR, 16-bit indices, INT8 values): a = K*N/2 values cost
    # 3 B each -> 1.5 x dense + pointers. The model charges it and the summary says so.
    rep = am.simulate(sparse_hw, "bert-base", seq_len=SEQ, pruning=plan_all(Block(bh=16, bw=16), 0.5))
    q = row(rep, "L0.q_proj")
    assert q.stored_weight_bytes == 3 * 294_912 + 769 * 4 == 887_812
    assert q.dram_bytes - q.dense_dram_bytes == 887_812 - 589_824    # DRAM factor 1 (see above)
    sp = rep.summary()["sparsity"]
    assert sp["ops_stored_larger_than_dense"] == 6                   # q, k, v, o, up, down
    assert sp["stored_weight_bytes"] > sp["dense_weight_bytes"]
    assert sp["sparse_dram_bytes"] > sp["dense_dram_bytes"]


# ---------------------------------------------------------------------------
# block pruning aligned to the array + tile skipping removes exactly the empty folds
# ---------------------------------------------------------------------------
def test_block_aligned_tile_skip_hand_count(sparse_hw, dense_bert_sparse_hw):
    rep = am.simulate(sparse_hw, "bert-base", seq_len=SEQ, pruning=plan_all(Block(bh=16, bw=16), 0.3))
    # 16x16 blocks on a 16x16 array: a pruned block is an empty fold, every other fold is full.
    # q/k/v/o (768x768): 2304 blocks, pruned round(0.3*2304 = 691.2) = 691 -> 1613 folds run
    # ffn_up/down: 48*192 = 9216 blocks, pruned round(2764.8) = 2765 -> 6451 folds run
    assert row(rep, "L0.q_proj").compute_cycles == 1613 * 834 == 1_345_242
    assert row(rep, "L5.o_proj").compute_cycles == 1613 * 834
    assert row(rep, "L0.ffn_up").compute_cycles == 6451 * 834 == 5_380_134
    assert row(rep, "L11.ffn_down").compute_cycles == 6451 * 834
    # attention (Q.K^T, softmax.V) has no weights: untouched
    for name in ("L0.qk", "L0.sv"):
        assert row(rep, name).compute_cycles == row(dense_bert_sparse_hw, name).compute_cycles
    # whole model: 12 layers x (4*691 + 2*2765) = 99,528 empty folds x 834 cycles fewer
    sp = rep.summary()["sparsity"]
    assert sp["dense_matmul_cycles"] == 305_010_432
    assert sp["sparse_matmul_cycles"] == 305_010_432 - 99_528 * 834 == 222_004_080
    # energy: gate_zero_macs -> only MACs with a non-zero weight: 512 * 1613 * 256 for q_proj
    q = row(rep, "L0.q_proj")
    assert q.nonzero_macs == 512 * 1613 * 256
    mac_j = component_table(sparse_hw).energy("mac", "mac")   # INT8 WS PE: 0.66 pJ per MAC (component model)
    assert q.energy_mac_j == pytest.approx(512 * 1613 * 256 * mac_j, rel=1e-12)
    assert q.executed_macs == pytest.approx(q.macs * 1613 / 2304, rel=1e-12)  # folds that run
    # per-op table: the projections halve their compute time but stay compute-bound
    ops = {o["op"]: o for o in sp["ops"]}
    assert set(ops) == {"q_proj", "k_proj", "v_proj", "o_proj", "ffn_up", "ffn_down"}
    assert ops["q_proj"]["sparse_compute_cycles"] == 12 * 1613 * 834
    assert ops["q_proj"]["dense_compute_cycles"] == 12 * 2304 * 834


def test_block_tile_skip_cost_function_level():
    """sparse_matmul_cost on a hand-made 64x64 weight with 5 of 16 blocks kept,
    a unit energy table (every energy 1 pJ, no static power): MAC energy =
    non-zero MACs (gated) or executed MACs (not gated)."""
    hw = load_hw("gemmini_sparse")
    hw = am.with_updates(hw, {"energy.per_action": "table", "energy.mac_pj": 1.0, "energy.static_power_mw": 0.0,
                              "sparsity.storage": "dense"})
    mask = np.zeros((64, 64), dtype=bool)
    for i, j in [(0, 0), (1, 1), (2, 1), (3, 3), (0, 3)]:
        mask[i * 16:(i + 1) * 16, j * 16:(j + 1) * 16] = True
    M = 100
    op = Op("w", 0, "ffn_up", "matmul", m=M, k=64, n=64, weight="w_up")
    mp = tile_matmul(M, 64, 64, hw)
    stats = sparse_fold_stats(mask, M, 16, 16, "WS", "tile")
    r = sparse_matmul_cost(op, hw, mp, stats, format_bytes(mask, "dense", 8, 16, 32))
    # 16 folds, 5 run; all of W fits one tile so no M tiling: cycles = 5 * (2*16 + 16 + 100 - 2)
    assert mp.mt == M and r["compute_cycles"] == 5 * (2 * 16 + 16 + M - 2) == 730
    assert r["nonzero_macs"] == M * 5 * 256
    assert r["energy_mac_j"] == pytest.approx(M * 5 * 256 * 1e-12, rel=1e-12)      # gated
    assert r["executed_macs"] == M * 64 * 64 * 5 / 16
    ungated = am.with_updates(hw, {"sparsity.gate_zero_macs": False})
    r2 = sparse_matmul_cost(op, ungated, mp, stats, 64 * 64)
    assert r2["energy_mac_j"] == pytest.approx(M * 64 * 64 * 5 / 16 * 1e-12, rel=1e-12)  # folds that run
    assert r2["dram_bytes"] == mp.dram_bytes                                           # dense storage
    # accumulator (WS): kb = 4 K-folds; (2*kb*f + 1)/(2*kb + 1) of the dense traffic, f = 5/16
    assert r2["accumulator_bytes"] == pytest.approx(mp.accumulator_bytes * (8 * 5 / 16 + 1) / 9, rel=1e-12)


# ---------------------------------------------------------------------------
# head pruning with structured shrink: shapes and MACs, closed form
# ---------------------------------------------------------------------------
def test_head_pruning_shrinks_shapes_and_macs(sparse_hw, dense_bert_sparse_hw):
    rep = am.simulate(sparse_hw, "bert-base", seq_len=SEQ, pruning=plan_all(Head(), 0.25))
    # 12 heads, pruned round(0.25*12) = 3 -> 9 heads x 64 = 576 features
    T, d, dk, ff, L = 512, 768, 576, 3072, 12
    for name in ("L0.q_proj", "L0.k_proj", "L0.v_proj"):
        r = row(rep, name)
        assert (r.m, r.k, r.n) == (T, d, dk) and r.macs == T * d * dk == 226_492_416
        assert r.density == 0.75 and r.stored_weight_bytes == d * dk and r.dense_weight_bytes == d * d
    o = row(rep, "L0.o_proj")
    assert (o.k, o.n) == (dk, d) and o.macs == T * dk * d
    qk, sv = row(rep, "L3.qk"), row(rep, "L3.sv")
    assert qk["count"] == 9 and qk.macs == 9 * T * 64 * T and sv.macs == 9 * T * T * 64
    u = row(rep, "L0.ffn_up")
    assert (u.k, u.n) == (d, ff) and u.density == 1.0          # head pruning leaves the FFN alone
    # shrunk 768 x 576: 48 x 36 = 1728 full folds (same tiling), x 834
    assert (row(rep, "L0.q_proj").mt, row(rep, "L0.q_proj").nt) == (80, 80)
    assert row(rep, "L0.q_proj").compute_cycles == 1728 * 834
    # per-op dense columns are the unshrunk op's
    assert row(rep, "L0.q_proj").dense_compute_cycles == 2304 * 834
    assert row(rep, "L0.q_proj").dense_macs == T * d * d
    # whole model MACs: 12 layers x (4 T d dk + 2 T d ff + 2 * 9 * T * T * 64) + pooler d*d
    expected = L * (4 * T * d * dk + 2 * T * d * ff + 2 * 9 * T * T * 64) + d * d
    sp = rep.summary()["sparsity"]
    assert sp["sparse_macs"] == expected == 43_487_133_696
    assert sp["dense_macs"] == L * (4 * T * d * d + 2 * T * d * ff + 2 * 12 * T * T * 64) + d * d
    assert {o["op"] for o in sp["ops"]} == {"q_proj", "k_proj", "v_proj", "o_proj", "qk", "sv"}


def test_head_mask_with_tile_skip_matches_shrink(sparse_hw):
    """Without shrinking, a head mask zeroes 3 x 64 = 192 columns of wq (12 whole
    column strips) and 192 rows of wo (12 whole K-tiles): 48 * 12 = 576 empty
    folds, 1728 run -- the same compute cycles as the shrunk shapes."""
    hw = am.with_updates(sparse_hw, {"sparsity.structured_shrink": False})
    rep = am.simulate(hw, "bert-base", seq_len=SEQ, pruning=plan_all(Head(), 0.25))
    for name in ("L0.q_proj", "L0.v_proj", "L0.o_proj"):
        r = row(rep, name)
        assert r.compute_cycles == 1728 * 834 and r.density == 0.75
    assert row(rep, "L0.qk")["count"] == 12                    # attention itself is not shrunk


# ---------------------------------------------------------------------------
# N:M 2:4, closed form
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("compact", [False, True])
def test_nm_2_4_closed_form(default_hw, compact):
    """Element skipping (no load imbalance) with N:M storage. Every 16-row fold
    column holds exactly 4 groups x 2 = 8 kept weights, so each fold's depth is
    d = R n/m = 8: cycles = F (n_mt (2 R n/m + C - 2) + M). With compact_k the
    surviving rows of a strip (K n/m = 384) re-pack into 384/16 = 24 full folds:
    cycles = (F n/m) (n_mt (2R + C - 2) + M), exactly n/m of dense.
    Storage nm: a values + a * log2(4) = 2 index bits; a = K N n/m."""
    hw = am.with_updates(default_hw, {"sparsity.storage": "nm", "sparsity.skip": "element",
                                      "sparsity.compact_k": compact, "sparsity.gate_zero_macs": True})
    plan = PruningPlan(all_matrices=MatrixPlan(default=MatrixPruning(pattern=NM(n=2, m=4))))
    rep = am.simulate(hw, "bert-base", seq_len=SEQ, pruning=plan)
    n, m, R, C, M, n_mt = 2, 4, 16, 16, 512, 7
    for name, (K, N) in {"L0.q_proj": (768, 768), "L0.ffn_up": (768, 3072), "L0.ffn_down": (3072, 768)}.items():
        F = (K // R) * (N // C)
        r = row(rep, name)
        if compact:
            assert r.compute_cycles == F * n // m * (n_mt * (2 * R + C - 2) + M) == r.dense_compute_cycles / 2
        else:
            assert r.compute_cycles == F * (n_mt * (2 * R * n // m + C - 2) + M)
        a = K * N * n // m
        assert r.stored_weight_bytes == a * (8 + 2) / 8
        assert r.nonzero_macs == M * a
        assert r.density == 0.5
    assert row(rep, "L0.q_proj").compute_cycles == (960_768 if compact else 2304 * (7 * 30 + 512))


# ---------------------------------------------------------------------------
# CLI: --pruning and the JSON sparsity object
# ---------------------------------------------------------------------------
def test_cli_json_sparsity(capsys):
    from accelmodel.cli import main

    assert main(["run", "--hw", "gemmini_sparse", "--pruning", "block16_50", "--json"]) == 0
    sp = json.loads(capsys.readouterr().out)["sparsity"]
    for key in ("dense_latency_s", "sparse_latency_s", "speedup", "dense_dram_bytes", "sparse_dram_bytes",
                "dense_matmul_cycles", "sparse_matmul_cycles", "dense_latency_share_by_bound",
                "sparse_latency_share_by_bound", "dense_weight_bytes", "stored_weight_bytes", "ops"):
        assert key in sp, key
    # 16x16 blocks at 0.5: half the weight folds of each layer's projections and FFN (12 x 27,648 folds x
    # 834 cycles = 276,701,184 dense) go; Q.K^T, softmax.V and the pooler are unchanged
    assert sp["sparse_matmul_cycles"] == 305_010_432 - 12 * 27_648 * 834 // 2 == 166_659_840
    assert sp["ops"][0]["op"] == "q_proj" and sp["ops"][0]["dense_bound"] == "compute"
    assert main(["run", "--hw", "gemmini_sparse", "--pruning", "head_25"]) == 0
    out = capsys.readouterr().out
    assert "Pruned ops" in out and "q_proj" in out and "bound shares" in out


# ---------------------------------------------------------------------------
# pattern x ratio study helper
# ---------------------------------------------------------------------------
def test_pareto_front_hand_case():
    import pandas as pd

    from accelmodel.pruning_study import quality_front as pareto_front

    df = pd.DataFrame({"lat": [1.0, 2.0, 2.0, 3.0, 1.5, 4.0, 1.0],
                       "f1": [80.0, 85.0, 84.0, 85.0, np.nan, 90.0, 80.0],
                       "ppl": [30.0, 25.0, 25.0, 20.0, 10.0, 21.0, 30.0]})
    # F1 (higher better): (1, 80) twice [duplicates kept], (2, 85), (4, 90); (2, 84) and (3, 85) dominated
    assert pareto_front(df, "lat", "f1").tolist() == [True, True, False, False, False, True, True]
    # perplexity (lower better, inferred from the name); NaN-free row 4 (1.5, 10) dominates all slower rows
    assert pareto_front(df, "lat", "ppl").tolist() == [True, False, False, False, True, False, True]


def test_study_rows_and_quality_join(sparse_hw):
    from accelmodel.pruning_study import nm_n, pattern_ratio_study, speedup_table

    df = pattern_ratio_study(sparse_hw, "bert-base", patterns=["block", "nm", "head"],
                             ratios={"block": (0.6,), "nm": (0.5,), "head": (0.13,)}, seq_len=128,
                             include_dense=True)
    assert len(df) == 6 and (df[df.ratio == 0]["speedup"] == 1.0).all()
    assert (df[df.ratio == 0]["bert_squad_f1"] == 87.54).all()       # baseline quality
    b = df[(df.pattern == "block") & (df.ratio == 0.6)].iloc[0]
    assert (b.bert_squad_f1, b.gpt2_wikitext2_ppl) == (82.62, 32.3)   # block-level 0.60
    assert b.ffn_speedup > 2.4 and b.sparse_bound in ("cpu", "compute")
    n = df[(df.pattern == "nm") & (df.ratio == 0.5)].iloc[0]
    assert n.plan == "8:16" and np.isnan(n.bert_squad_f1) and nm_n(0.8) == 3
    h = df[(df.pattern == "head") & (df.ratio == 0.13)].iloc[0]
    # round(0.13 * 12) = 2 heads of 12: a sixth of the attention weights = 1/18 of q/k/v/o/FFN
    assert h.achieved_ratio == pytest.approx(1 / 18, rel=1e-12) and h.bert_squad_f1 == 87.67
    assert speedup_table(df[df.ratio > 0]).shape == (3, 3)
