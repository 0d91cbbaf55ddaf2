"""data/published.csv: every row pinned to its source, and validate's rows built from it."""

import re

import pytest

from accelmodel.validation.published import load_published, published_rows, within

# (key) -> (citation key, where, value) as the sources print them
SOURCES = {
    "ibert_speedup": ("Kim2023-survey", "case study (finding 3)", 39.6),
    "rebalance_matmul_change": ("Kim2023-survey", "case study (finding 2)", -0.36),
    "baseline_matmul_share": ("Kim2023-survey", "case study (finding 1)", 0.03),
    "baseline_qdq_share": ("Kim2023-survey", "case study (finding 1)", 0.49),
    "ibert_speedup_ort_host": ("Kim2023-survey", "case study (finding 3)", 39.6),
    "baseline_matmul_share_ort_host": ("Kim2023-survey", "case study (finding 1)", 0.03),
    "baseline_qdq_share_ort_host": ("Kim2023-survey", "case study (finding 1)", 0.49),
    "matmul_flops_share": ("Kim2023-survey", "case study (finding 1)", 0.99),
    "bert_base_gflops_s128": ("Kim2023-survey", "Table 3", 22.42),
    "bert_base_gflops_s512": ("Kim2023-survey", "Table 3", 97.02),
    "softmax_lut_mae": ("KimChung-crossroad", "Table 1", 2.03e-3),
    "softmax_cordic_mae": ("KimChung-crossroad", "Table 1", 1.00e-3),
    "softmax_crossroad_mae": ("KimChung-crossroad", "Table 1", 1.14e-3),
    "softmax_lut_apr": ("KimChung-crossroad", "Table 1", 1.0),
    "softmax_cordic_apr": ("KimChung-crossroad", "Table 1", 0.39),
    "softmax_crossroad_apr": ("KimChung-crossroad", "Table 1", 1.57),
    "softmax_lut_power_mw": ("KimChung-crossroad", "Table 1", 4.69),
    "softmax_cordic_power_mw": ("KimChung-crossroad", "Table 1", 25.44),
    "softmax_crossroad_power_mw": ("KimChung-crossroad", "Table 1", 5.30),
    "gates_per_node_and": ("Kim-fixedpoint", "Table 6", 0.51),
    "gates_per_node_or": ("Kim-fixedpoint", "Table 6", 0.52),
    "gates_per_node_xor": ("Kim-fixedpoint", "Table 6", 0.51),
    "gates_per_node_rw_and": ("Kim-fixedpoint", "Table 6", 0.51),
    "gates_per_node_rw_or": ("Kim-fixedpoint", "Table 6", 0.52),
    "gates_per_node_rw_xor": ("Kim-fixedpoint", "Table 6", 0.51),
    "gates_uniform16_and": ("Kim-fixedpoint", "Table 6", 0.26),
    "gates_uniform16_or": ("Kim-fixedpoint", "Table 6", 0.27),
    "gates_uniform16_xor": ("Kim-fixedpoint", "Table 6", 0.25),
}
ROWS = {r["key"]: r for r in load_published()}


def test_every_source_row_is_in_the_file():
    assert set(ROWS) == set(SOURCES)


@pytest.mark.parametrize("key", sorted(SOURCES))
def test_row_pinned_to_its_source(key):
    src, where, value = SOURCES[key]
    r = ROWS[key]
    assert (r["source"], r["where"], r["value"]) == (src, where, value)
    assert r["tolerance"] > 0 and r["configuration"]


def test_citation_keys_exist_in_references():
    from pathlib import Path

    refs = (Path(__file__).parents[1] / "docs" / "references.md").read_text()
    for r in ROWS.values():
        assert re.search(rf"\*\*\[{re.escape(r['source'])}\]\*\*", refs), r["source"]


def test_rows_compare_model_with_published_value():
    fake = {k: v * 1.1 for k, (_, _, v) in SOURCES.items()}
    rows = {r["metric"]: r for r in published_rows(fake)}
    assert set(rows) == set(SOURCES)
    sp = rows["ibert_speedup"]
    assert sp["reference"] == 39.6 and sp["rel_error"] == pytest.approx(0.1)
    assert sp["passed"] is True                                   # 10% inside +-25%
    assert rows["softmax_lut_mae"]["passed"] is True              # 10% inside +-30%
    assert rows["gates_per_node_and"]["passed"] is False          # 5.1 points outside 2 points
    assert sp["reference_source"] == "published Kim2023-survey, case study (finding 3)"


def test_within():
    assert within(1.2, 1.0, 0.25, "rel") and not within(1.3, 1.0, 0.25, "rel")
    assert within(0.50, 0.51, 0.02, "abs") and not within(0.48, 0.51, 0.02, "abs")


def test_fitted_parameters_listed_with_sensitivity():
    from accelmodel.validation.published import fitted_parameters, fitted_rows

    fitted = fitted_parameters()
    assert {f["fitted_on"] for f in fitted} == {"softmax_lut_mae", "softmax_cordic_mae"}
    keys = {r["key"] for r in load_published()}
    for f, row in zip(fitted, fitted_rows()):
        assert f["fitted_on"] in keys and row["metric"] == "fitted_value" and row["accelmodel"] == f["value"]
        assert set(f["sensitivity"]) == {"-20%", "+20%"}
        # the fitted number itself moves when the parameter does (else it would not be a fit)
        assert all(abs(m["change"][f["fitted_on"]]) > 0.1 for m in f["sensitivity"].values())
        assert f"fitted on {f['fitted_on']}" in row["note"] and "+20%" in row["note"]


def test_validate_json_has_published_and_fitted_rows(capsys):
    import json

    from accelmodel.cli import main

    assert main(["validate", "--quick", "--no-scalesim", "--json"]) in (0, 1)
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert {r["metric"] for r in rows if r["metric"] != "fitted_value"} == set(SOURCES)
    fitted = [r for r in rows if r["metric"] == "fitted_value"]
    assert len(fitted) == 2 and all(r["sensitivity"]["+20%"]["change"] for r in fitted)
    assert "fitted parameters: 2" in captured.err and "fitted: kimchung_lut" in captured.err
