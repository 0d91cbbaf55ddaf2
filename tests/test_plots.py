"""Figures draw the report's numbers: bar heights, point positions and cell values are
checked against the data, not just that a figure comes back."""

import dataclasses
import io
import json
import subprocess
import sys

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

import accelmodel as am
from accelmodel import plots
from accelmodel.cli import main
from accelmodel.report_io import load_run, save_run

from conftest import load_hw


@pytest.fixture(scope="module")
def base():
    return am.simulate(load_hw("gemmini_default"), "bert-base", seq_len=128)


@pytest.fixture(scope="module")
def ibert():
    return am.simulate(load_hw("gemmini_ibert"), "bert-base", seq_len=128)


@pytest.fixture(scope="module")
def decode():
    return am.simulate(load_hw("edge_llm"), "llama3-8b", phase="decode", kv_len=128)


def _op_points(fig):
    """(x, y, gid) of every op marker in a roofline."""
    out = []
    for coll in fig.axes[0].collections:
        gid = coll.get_gid() or ""
        if gid.startswith("ops|"):
            for x, y in coll.get_offsets():
                out.append((float(x), float(y), gid))
    return out


def _bars(ax):
    """label -> heights (vertical bars) for each BarContainer of ``ax``."""
    return {c.get_label(): np.array([r.get_height() for r in c]) for c in ax.containers}


# ---------------------------------------------------------------------------
# roofline
# ---------------------------------------------------------------------------

def test_roofline_one_point_per_op_at_its_intensity(base):
    fig = plots.roofline(base)
    assert isinstance(fig, Figure)
    pts = _op_points(fig)
    ops = base.ops
    has_flops = ops[ops["flops"] > 0]
    assert len(pts) == len(has_flops)  # every op with FLOPs, once
    xs = np.sort([p[0] for p in pts])
    ys = np.sort([p[1] for p in pts])
    np.testing.assert_allclose(xs, np.sort(has_flops["arithmetic_intensity"].to_numpy()))
    np.testing.assert_allclose(ys, np.sort((has_flops["flops"] / has_flops["latency_s"]).to_numpy()))
    # colour/marker groups hold exactly the ops of that kind and bound
    for (kind, bound), g in has_flops.groupby(["kind", "bound"]):
        n = sum(1 for p in pts if p[2].split("|")[1:3] == [kind, bound])
        assert n == len(g)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "FLOP" in ax.get_xlabel() and "FLOP/s" in ax.get_ylabel()
    # footnote says the zero-FLOP (quantize) ops are not drawn
    n_zero = int((ops["flops"] == 0).sum())
    assert f"{n_zero} ops with no FLOPs" in fig.legends[0].get_title().get_text()


def test_roofline_ceilings_from_spec(base):
    hw = base.hw
    fig = plots.roofline(base)
    ax = fig.axes[0]
    peak = 2 * hw.peak_macs_per_s
    dram = [ln for ln in ax.lines if ln.get_gid() == "ceiling|dram"][0]
    link = [ln for ln in fig.axes[1].lines if ln.get_gid() == "ceiling|l2"][0]
    x, y = dram.get_xdata(), dram.get_ydata()
    assert y.max() == pytest.approx(peak)
    np.testing.assert_allclose(y[0] / x[0], hw.dram.bandwidth_gbps * 1e9)
    x, y = link.get_xdata(), link.get_ydata()
    np.testing.assert_allclose(y[0] / x[0], hw.local_bytes_per_cycle * hw.clock_ghz * 1e9)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(lbl.startswith("DRAM 64 GB/s") for lbl in labels)
    assert any("L2" in lbl and "16 GB/s" in lbl for lbl in labels)
    # the L2 link's ceiling is on its own intensity axis, not on the DRAM panel (no mixed denominators)
    assert not [ln for ln in ax.lines if ln.get_gid() == "ceiling|l2"]


def test_roofline_cpu_roof_explains_cpu_bound_ops(base):
    """Each CPU-bound op sits under its host-CPU roof: clock x FLOP per element / cycles per element."""
    host = base.hw.host
    fig = plots.roofline(base)
    ax = fig.axes[0]
    ops = base.ops
    cpu = ops[(ops["bound"] == "cpu") & (ops["flops"] > 0)]
    assert len(cpu)
    for fn, g in cpu.groupby("function"):
        roof = [ln for ln in ax.lines if ln.get_gid() == f"ceiling|cpu|{fn}"]
        assert len(roof) == 1
        flop_per_elem = float(g["flops"].iloc[0] / g["elements"].iloc[0])
        expect = host.clock_ghz * 1e9 * flop_per_elem / getattr(host.cycles_per_element, fn)
        np.testing.assert_allclose(roof[0].get_ydata(), expect, rtol=1e-9)
        perf = g["flops"] / g["latency_s"]
        assert (perf <= expect * (1 + 1e-9)).all() and (perf >= expect / 2).all()  # under it, within 2x
    slope = [ln for ln in ax.lines if ln.get_gid() == "ceiling|cpu_memory"][0]
    x, y = slope.get_xdata(), slope.get_ydata()
    np.testing.assert_allclose(y[0] / x[0], host.memory_bandwidth_gbps * 1e9)
    title = fig._suptitle.get_text()
    assert all(w in title for w in ("bert-base", "prefill", "batch 1", "seq 128", "gemmini_default"))


def test_roofline_infinite_intensity_at_right_edge(base):
    ops = base.ops.copy()
    i = int(np.flatnonzero(ops["kind"].to_numpy() == "matmul")[0])
    ops.loc[i, "dram_bytes"] = 0.0
    ops.loc[i, "arithmetic_intensity"] = np.inf
    rep = am.Report.from_frame(ops, hw=base.hw, model=base.model, phase=base.phase, batch=base.batch,
                               seq_len=base.seq_len, kv_len=base.kv_len)
    fig = plots.roofline(rep)
    pts = _op_points(fig)
    assert len(pts) == int((ops["flops"] > 0).sum())
    edge = [p for p in pts if p[2].endswith("|edge")]
    assert len(edge) == 1
    assert np.isfinite(edge[0][0]) and edge[0][0] <= fig.axes[0].get_xlim()[1]
    assert edge[0][1] == pytest.approx(ops.loc[i, "flops"] / ops.loc[i, "latency_s"])


# ---------------------------------------------------------------------------
# breakdowns
# ---------------------------------------------------------------------------

def test_latency_breakdown_shares_equal_report(base, ibert):
    fig = plots.latency_breakdown({"baseline": base, "I-BERT": ibert}, normalize=True, other_below=0)
    ax_kind, ax_bound = fig.axes[:2]
    for ax, col in ((ax_kind, "kind"), (ax_bound, "bound")):
        bars = _bars(ax)
        kinds = set(base.ops[col]) | set(ibert.ops[col])
        assert set(bars) == kinds  # one stacked segment per category
        for j, rep in enumerate((base, ibert)):
            share = rep.by(col)["latency_share"]
            for cat, heights in bars.items():
                assert len(heights) == 2
                assert heights[j] == pytest.approx(100 * share.get(cat, 0.0), abs=1e-9)
    assert [t.get_text() for t in ax_kind.get_xticklabels()] == ["baseline", "I-BERT"]


def test_breakdown_absolute_values_and_stacking(base, ibert):
    fig = plots.energy_breakdown([base, ibert], by=("kind", "component"), other_below=0)
    ax_kind, ax_comp = fig.axes[:2]
    f, prefix = plots._si_factor(max(base.energy_j, ibert.energy_j))
    assert f"({prefix}J)" in ax_kind.get_ylabel()
    bars = _bars(ax_kind)
    for j, rep in enumerate((base, ibert)):
        by = rep.by_kind()["energy_j"]
        for cat, heights in bars.items():
            assert heights[j] * f == pytest.approx(by.get(cat, 0.0), rel=1e-9, abs=1e-15)
    # stacked: each segment starts where the one below ends
    for j in range(2):
        rects = sorted((c[j] for c in ax_kind.containers), key=lambda r: r.get_y())
        for lo, hi in zip(rects, rects[1:]):
            assert hi.get_y() == pytest.approx(lo.get_y() + lo.get_height())
    comp = _bars(ax_comp)
    assert set(comp) == {"mac", "scratchpad", "accumulator", "l2", "dram", "nonlinear", "cpu", "static"}
    assert sum(h[0] for h in comp.values()) * f == pytest.approx(base.energy_j)
    assert [t.get_text() for t in ax_kind.get_xticklabels()] == ["gemmini_default", "gemmini_ibert"]


def test_breakdown_groups_small_slices_into_other(base, ibert):
    fig = plots.latency_breakdown({"baseline": base, "I-BERT": ibert}, by="kind", other_below=0.05)
    ax = fig.axes[0]
    bars = _bars(ax)
    shares = {name: r.by("kind")["latency_share"] for name, r in (("baseline", base), ("I-BERT", ibert))}
    small = [k for k in shares["baseline"].index.union(shares["I-BERT"].index)
             if all(s.get(k, 0.0) < 0.05 for s in shares.values())]
    assert len(small) >= 2 and "other" in bars and not set(small) & set(bars)
    f, _ = plots._si_factor(max(base.latency_s, ibert.latency_s))
    for j, rep in enumerate((base, ibert)):
        by = rep.by_kind()["latency_s"]
        assert bars["other"][j] * f == pytest.approx(sum(by.get(k, 0.0) for k in small), rel=1e-9)
    assert any(t.get_text().startswith("other (< 5% each)") for t in ax.texts)
    totals = [t.get_text() for t in ax.texts]
    assert plots._fmt_si(base.latency_s, "s") in totals  # totals carry their unit


def test_breakdown_rejects_bad_metric(base):
    with pytest.raises(ValueError):
        plots.breakdown(base, "power")
    with pytest.raises(ValueError):
        plots.latency_breakdown(base, by="component")


# ---------------------------------------------------------------------------
# FLOPs share vs latency share
# ---------------------------------------------------------------------------

def test_flops_vs_latency_paired_bars(base):
    fig = plots.flops_vs_latency(base)
    ax = fig.axes[0]
    kinds = [t.get_text() for t in ax.get_yticklabels()]
    by = base.by_kind()
    assert sorted(kinds) == sorted(by.index)
    assert len(ax.containers) == 2
    series = {c.get_label(): np.array([r.get_width() for r in c]) for c in ax.containers}
    np.testing.assert_allclose(series["share of FLOPs"], 100 * by.loc[kinds, "flops_share"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(series["share of latency"], 100 * by.loc[kinds, "latency_share"].to_numpy(),
                               atol=1e-9)
    # sorted by latency share, largest on top (last y position)
    assert kinds[-1] == by["latency_share"].idxmax()


def test_flops_vs_latency_several_designs(base, ibert):
    fig = plots.flops_vs_latency({"a": base, "b": ibert}, energy=True)
    axes = [ax for ax in fig.axes if ax.containers]
    assert len(axes) == 2
    for ax, rep in zip(axes, (base, ibert)):
        assert len(ax.containers) == 3
        kinds = [t.get_text() for t in ax.get_yticklabels()]
        en = {c.get_label(): c for c in ax.containers}["share of energy"]
        share = rep.ops.groupby("kind")["energy_j"].sum() / rep.energy_j
        np.testing.assert_allclose([r.get_width() for r in en], 100 * share.loc[kinds].to_numpy(), atol=1e-9)


# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("layer", [0, 1])
def test_timeline_bars_start_at_cumulative_latency(base, layer):
    fig = plots.timeline(base, layer)
    ax = fig.axes[0]
    ops = base.ops[base.ops["layer"] == layer]
    rects = [p for p in ax.patches if p.get_gid() == "timeline"]
    assert len(rects) == len(ops)
    total = ops["latency_s"].sum()
    f, prefix = plots._si_factor(total)
    assert f"({prefix}s)" in ax.get_xlabel()
    starts = np.concatenate([[0.0], np.cumsum(ops["latency_s"].to_numpy())[:-1]])
    np.testing.assert_allclose([r.get_x() * f for r in rects], starts, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose([r.get_width() * f for r in rects], ops["latency_s"], rtol=1e-9)
    colors = [mpl.colors.to_hex(r.get_facecolor()) for r in rects]
    assert colors == [plots.kind_color(k).lower() for k in ops["kind"]]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [n.removeprefix(f"L{layer}.") for n in ops["name"]]
    bounds = [t.get_text().split(",")[0] for t in ax.texts]
    assert bounds == list(ops["bound"])


def test_timeline_unknown_layer(base):
    with pytest.raises(ValueError, match="no ops in layer 99"):
        plots.timeline(base, 99)


# ---------------------------------------------------------------------------
# heatmap
# ---------------------------------------------------------------------------

def _grid():
    rows = []
    for sp in (64, 128, 256):
        for acc in (32, 64, 128, 256):
            rows.append({"scratchpad_kib": sp, "accumulator_kib": acc, "latency_s": 1e-3 * (sp + 2 * acc) / 7,
                         "other": 0})
    return pd.DataFrame(rows)


def test_heatmap_values_equal_pivot():
    df = _grid()
    fig = plots.heatmap(df, "scratchpad_kib", "accumulator_kib", "latency_s")
    ax = fig.axes[0]
    im = [c for c in ax.get_children() if isinstance(c, AxesImage)][0]
    piv = df.pivot(index="accumulator_kib", columns="scratchpad_kib", values="latency_s").sort_index()
    f, prefix = plots._si_factor(df["latency_s"].max())
    np.testing.assert_allclose(np.asarray(im.get_array()) * f, piv.to_numpy())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["64", "128", "256"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["32", "64", "128", "256"]
    assert ax.get_xlabel() == "Scratchpad (KiB)" and ax.get_ylabel() == "Accumulator (KiB)"
    cells = [t for t in ax.texts]
    assert len(cells) == piv.size
    assert cells[0].get_text() == plots._fmt(piv.iloc[0, 0] / f)
    assert fig.axes[1].get_ylabel() == f"Latency ({prefix}s)"


def test_heatmap_duplicates_need_agg():
    df = pd.concat([_grid(), _grid().assign(latency_s=lambda d: d["latency_s"] * 2)])
    with pytest.raises(ValueError, match="agg"):
        plots.heatmap(df, "scratchpad_kib", "accumulator_kib", "latency_s")
    fig = plots.heatmap(df, "scratchpad_kib", "accumulator_kib", "latency_s", agg="min")
    im = [c for c in fig.axes[0].get_children() if isinstance(c, AxesImage)][0]
    piv = _grid().pivot(index="accumulator_kib", columns="scratchpad_kib", values="latency_s").sort_index()
    f, _ = plots._si_factor(df["latency_s"].max())
    np.testing.assert_allclose(np.asarray(im.get_array()) * f, piv.to_numpy())


def test_sweep_lines_one_line_per_hue_value():
    df = pd.DataFrame([{"dram.bandwidth_gbps": bw, "dtypes.weight_bits": bits, "tokens_per_s": bw / bits,
                        "energy_j": bits * 1e-3} for bits in (4, 8) for bw in (51.2, 25.6, 102.4)])
    fig = plots.sweep_lines(df, "dram.bandwidth_gbps", ["tokens_per_s", "energy_j"], hue="dtypes.weight_bits",
                            logx=True)
    ax1, ax2 = fig.axes[:2]
    assert ax1.get_xlabel() == "DRAM bandwidth (GB/s)" and ax1.get_ylabel() == "Throughput (tokens/s)"
    assert ax2.get_ylabel() == "Energy (mJ)"
    assert [t.get_text() for t in ax1.get_xticklabels()] == ["25.6", "51.2", "102.4"]
    for bits in (4, 8):
        g = df[df["dtypes.weight_bits"] == bits].sort_values("dram.bandwidth_gbps")
        ln = [ln for ln in ax1.lines if ln.get_gid() == f"tokens_per_s|{bits}"][0]
        np.testing.assert_allclose(ln.get_xdata(), g["dram.bandwidth_gbps"])
        np.testing.assert_allclose(ln.get_ydata(), g["tokens_per_s"])
        ln = [ln for ln in ax2.lines if ln.get_gid() == f"energy_j|{bits}"][0]
        np.testing.assert_allclose(ln.get_ydata() * 1e-3, g["energy_j"])


# ---------------------------------------------------------------------------
# Pareto
# ---------------------------------------------------------------------------

def _brute_front(v):
    n = len(v)
    keep = np.ones(n, bool)
    for i in range(n):
        if np.isnan(v[i]).any():
            keep[i] = False
            continue
        for j in range(n):
            if j != i and not np.isnan(v[j]).any() and (v[j] <= v[i]).all() and (v[j] < v[i]).any():
                keep[i] = False
                break
    return keep


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ncols", [2, 3])
def test_front_mask_matches_brute_force(seed, ncols):
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 8, size=(60, ncols)).astype(float)  # many ties
    v[rng.integers(0, 60, 3), 0] = np.nan
    df = pd.DataFrame(v, columns=[f"c{i}" for i in range(ncols)])
    np.testing.assert_array_equal(plots.front_mask(df, list(df.columns)), _brute_front(v))
    flags = [True, False, True][:ncols]
    np.testing.assert_array_equal(plots.front_mask(df, list(df.columns), minimize=flags),
                                  _brute_front(v * np.where(flags, 1, -1)))


def test_front_mask_agrees_with_the_sweeps():
    # plots may not import the sweep package, so it has its own front; the two must agree
    from accelmodel.sweep import nondominated as sweep_mask

    rng = np.random.default_rng(7)
    v = rng.integers(0, 10, size=(300, 2)).astype(float)
    df = pd.DataFrame(v, columns=["a", "b"])
    np.testing.assert_array_equal(plots.front_mask(df, ["a", "b"]), sweep_mask(v))
    np.testing.assert_array_equal(plots.front_mask(df, ["a", "b"], minimize=(True, False)),
                                  sweep_mask(v * [1, -1]))


def test_pareto_mask_hand_case():
    df = pd.DataFrame({"lat": [1, 2, 3, 2, 1, 4], "en": [5, 3, 1, 3, 6, 1]})
    # (1,5) front; (2,3) twice, both front; (3,1) front; (1,6) dominated by (1,5); (4,1) by (3,1)
    assert plots.front_mask(df, ["lat", "en"]).tolist() == [True, True, True, True, False, False]
    assert plots.front_mask(df, ["lat", "en"], minimize=(True, False)).tolist() == [
        False, False, False, False, True, False]


def test_pareto_plot_front_equals_mask():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"latency_s": rng.lognormal(-3, 0.5, 200), "energy_j": rng.lognormal(-1, 0.5, 200),
                       "name": [f"d{i}" for i in range(200)]})
    mask = plots.front_mask(df, ["latency_s", "energy_j"])
    fig = plots.pareto(df, "latency_s", "energy_j", label="name")
    ax = fig.axes[0]
    colls = {c.get_gid(): c for c in ax.collections if isinstance(c, PathCollection)}
    fx, _ = plots._scaled("latency_s", df["latency_s"])
    fy, _ = plots._scaled("energy_j", df["energy_j"])
    front = np.asarray(colls["front"].get_offsets()) * [fx, fy]
    expect = df.loc[mask, ["latency_s", "energy_j"]].to_numpy()
    np.testing.assert_allclose(front[np.lexsort(front.T[::-1])], expect[np.lexsort(expect.T[::-1])])
    assert len(colls["dominated"].get_offsets()) == (~mask).sum()
    assert sorted(t.get_text() for t in ax.texts) == sorted(df.loc[mask, "name"])
    # the staircase bounds the dominated region: it holds y until the next front point when x is minimised
    assert ax.lines[0].get_drawstyle() == "steps-post"
    fig = plots.pareto(df, "latency_s", "energy_j", minimize=(True, False))
    assert fig.axes[0].lines[0].get_drawstyle() == "steps-post"
    fig = plots.pareto(df, "latency_s", "energy_j", minimize=(False, True))
    assert fig.axes[0].lines[0].get_drawstyle() == "steps-pre"
    # a mask given by the caller (e.g. the sweep's) is drawn as given
    given = np.zeros(len(df), bool)
    given[:3] = True
    fig = plots.pareto(df, "latency_s", "energy_j", mask=given)
    colls = {c.get_gid(): c for c in fig.axes[0].collections}
    assert len(colls["front"].get_offsets()) == 3


# ---------------------------------------------------------------------------
# sparsity and nonlinear units
# ---------------------------------------------------------------------------

def _sparsity_df():
    rows = []
    for pat, k in (("unstructured", 0.2), ("block", 0.8)):
        for r in (0.0, 0.5, 0.7, 0.8):
            rows.append({"pattern": pat, "ratio": r, "speedup": 1 / (1 - k * r), "energy_saving": 0.5 * k * r,
                         "f1": 87.5 - 5 * r})
    return pd.DataFrame(rows)


def test_sparsity_curves_lines_equal_data():
    df = _sparsity_df()
    fig = plots.sparsity_curves(df, quality="f1", quality_label="SQuAD F1")
    lines = {ln.get_gid(): ln for ax in fig.axes for ln in ax.lines if ln.get_gid()}
    for pat, g in df.groupby("pattern"):
        sp = lines[f"speedup|{pat}"]
        np.testing.assert_allclose(sp.get_xdata(), 100 * g["ratio"])
        np.testing.assert_allclose(sp.get_ydata(), g["speedup"])
        np.testing.assert_allclose(lines[f"energy|{pat}"].get_ydata(), 100 * g["energy_saving"])
        np.testing.assert_allclose(lines[f"quality|{pat}"].get_ydata(), g["f1"])
    quality_ax = [ax for ax in fig.axes if ax.get_ylabel() == "SQuAD F1"]
    assert len(quality_ax) == 1  # the second y axis
    with pytest.raises(ValueError, match="energy_saving"):
        plots.sparsity_curves(df.drop(columns="energy_saving"))


def test_nonlinear_accuracy_power_points():
    df = pd.DataFrame({"unit": ["LUT", "CORDIC", "cross-road", "LUT gelu"],
                       "function": ["softmax", "softmax", "softmax", "gelu"],
                       "mae": [2e-3, 1e-4, 8e-3, 3e-4], "power_mw": [4.69, 25.44, 5.30, 3.0]})
    fig = plots.nonlinear_accuracy_power(df)
    ax = fig.axes[0]
    pts = {c.get_gid(): np.asarray(c.get_offsets()) for c in ax.collections}
    np.testing.assert_allclose(pts["units|softmax"], df.loc[:2, ["power_mw", "mae"]].to_numpy())
    np.testing.assert_allclose(pts["units|gelu"], df.loc[3:, ["power_mw", "mae"]].to_numpy())
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "Power (mW)"
    assert {t.get_text() for t in ax.texts} >= set(df["unit"])
    fig = plots.nonlinear_accuracy_power(df.rename(columns={"mae": "rel_error"}))
    assert "Relative error" in fig.axes[0].get_ylabel()


# ---------------------------------------------------------------------------
# style, saving, no global state
# ---------------------------------------------------------------------------

def test_style_is_local_and_figures_save(base, tmp_path):
    before = dict(mpl.rcParams)
    figs = plots.standard_figures(base)
    assert set(figs) == {"roofline", "latency_breakdown", "energy_breakdown", "flops_vs_latency",
                         "timeline_layer0", "area_energy"}
    for name, fig in figs.items():
        for fmt in (("png", "pdf", "svg") if name == "roofline" else ("png",)):
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt)
            assert buf.getbuffer().nbytes > 1000
    assert figs["roofline"]._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    after = dict(mpl.rcParams)
    assert {k for k in before if before[k] != after[k]} <= {"backend"}
    pdf = io.BytesIO()
    figs["roofline"].savefig(pdf, format="pdf")
    assert b"/FontFile2" in pdf.getvalue() and b"/Type3" not in pdf.getvalue()  # TrueType text


def test_plots_never_import_pyplot_or_sweep():
    code = ("import sys, accelmodel.plots; "
            "print(any(m in sys.modules for m in ('matplotlib.pyplot', 'accelmodel.sweep', 'accelmodel.cli')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_colours_are_colour_blind_safe_and_stable():
    assert plots.bound_color("compute") in plots.OKABE_ITO
    assert plots.kind_color("softmax") != plots.kind_color("activation")
    assert plots.kind_color("some_new_kind") == plots.kind_color("some_new_kind")
    assert plots.bound_marker("dram") != plots.bound_marker("compute")


def test_column_labels_carry_units():
    assert plots.column_label("latency_s") == "Latency (s)"
    assert plots.column_label("scratchpad_kib") == "Scratchpad (KiB)"
    assert plots.column_label("dram.bandwidth_gbps") == "DRAM bandwidth (GB/s)"
    assert plots.column_label("dtypes.weight_bits") == "Weight precision (bits)"
    assert plots.column_label("kv_len") == "KV-cache length (tokens)"
    assert plots.column_label("l2.bandwidth_bytes_per_cycle") == "L2 bandwidth (B/cycle)"
    assert plots.column_label("area_mm2") == "Area (mm\u00b2)"


# ---------------------------------------------------------------------------
# run directories and the CLI
# ---------------------------------------------------------------------------

def test_load_run_round_trip(decode, tmp_path):
    save_run(decode, tmp_path)
    rep = load_run(tmp_path)
    pd.testing.assert_frame_equal(rep.ops, decode.ops, check_dtype=False)
    # the loaded run sums one row per op instance, the original one row per distinct op
    # times its instances: equal up to float round-off (1e-12)
    assert _approx_tree(json.loads(json.dumps(rep.summary(), default=str))) == json.loads(
        json.dumps(decode.summary(), default=str))
    assert rep.hw == decode.hw and rep.model == decode.model


def _approx_tree(x):
    if isinstance(x, dict):
        return {k: _approx_tree(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_approx_tree(v) for v in x]
    if isinstance(x, float):
        return pytest.approx(x, rel=1e-12, abs=1e-300)
    return x


def test_load_run_errors(tmp_path):
    with pytest.raises(am.errors.AccelModelError, match="missing ops.csv"):
        load_run(tmp_path)


def test_cli_run_plots_and_plot_command(tmp_path, capsys):
    run_dir, fig_dir = tmp_path / "run", tmp_path / "figs"
    assert main(["run", "--seq-len", "64", "--out", str(run_dir), "--plots", str(fig_dir)]) == 0
    for stem in ("roofline", "latency_breakdown", "energy_breakdown", "flops_vs_latency"):
        for ext in ("png", "pdf"):
            assert (fig_dir / f"{stem}.{ext}").stat().st_size > 1000
    assert (run_dir / "workload.yaml").is_file()
    for kind, out in (("roofline", "r.png"), ("latency", "l.svg"), ("energy", "e.png"),
                      ("flops-vs-latency", "f.png"), ("timeline", "t.png")):
        assert main(["plot", kind, str(run_dir), "--out", str(tmp_path / out)]) == 0
        assert (tmp_path / out).stat().st_size > 1000
    assert main(["plot", "latency", str(run_dir), str(run_dir), "--names", "a,b", "--normalize",
                 "--out", str(tmp_path / "two"), "--format", "svg"]) == 0
    assert (tmp_path / "two.svg").is_file()
    capsys.readouterr()


def test_cli_plot_tables(tmp_path, capsys):
    sweep = tmp_path / "sweep.parquet"
    _grid().assign(energy_j=lambda d: 1 / d["latency_s"]).to_parquet(sweep)
    assert main(["plot", "heatmap", str(sweep), "--x", "scratchpad_kib", "--y", "accumulator_kib",
                 "--value", "latency_s", "--out", str(tmp_path / "h.png")]) == 0
    assert main(["plot", "pareto", str(sweep), "--x", "latency_s", "--y", "energy_j",
                 "--out", str(tmp_path / "p.svg")]) == 0
    assert main(["plot", "heatmap", str(sweep), "--x", "scratchpad_kib", "--y", "other", "--value", "latency_s",
                 "--agg", "min", "--where", "accumulator_kib=64", "--out", str(tmp_path / "h2.png")]) == 0
    sp = tmp_path / "sp.csv"
    _sparsity_df().to_csv(sp, index=False)
    assert main(["plot", "sparsity", str(sp), "--quality", "f1", "--out", str(tmp_path / "s.png")]) == 0
    for f in ("h.png", "p.svg", "h2.png", "s.png"):
        assert (tmp_path / f).stat().st_size > 1000
    capsys.readouterr()


@pytest.mark.parametrize("argv, msg", [
    (["plot", "roofline", "nope", "--out", "x.png"], "run directory not found"),
    (["plot", "heatmap", "SWEEP", "--x", "scratchpad_kib", "--out", "x.png"], "--y and --value required"),
    (["plot", "heatmap", "SWEEP", "--x", "nope", "--y", "accumulator_kib", "--value", "latency_s",
      "--out", "x.png"], "missing column(s) nope"),
    (["plot", "pareto", "SWEEP", "--x", "latency_s", "--y", "other", "--out", "x.jpg"], "unknown figure format"),
    (["plot", "heatmap", "SWEEP", "--x", "scratchpad_kib", "--y", "other", "--value", "latency_s",
      "--out", "x.png"], "agg"),
])
def test_cli_plot_errors_one_line_exit_2(tmp_path, capsys, argv, msg):
    sweep = tmp_path / "sweep.parquet"
    _grid().to_parquet(sweep)
    argv = [str(sweep) if a == "SWEEP" else (str(tmp_path / a) if a.startswith("x.") else a) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and msg in err
