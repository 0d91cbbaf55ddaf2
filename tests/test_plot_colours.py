"""One colour per meaning: every op kind, bound and energy/area component keeps one
colour in every figure of accelmodel.plots, and no colour means two things."""

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from conftest import load_hw
from matplotlib.colors import to_hex, to_rgb

import accelmodel as am
from accelmodel import plots
from accelmodel.plots import palette


@pytest.fixture(scope="module")
def reports():
    return (am.simulate(load_hw("gemmini_default"), "bert-base", seq_len=128),
            am.simulate(load_hw("gemmini_ibert"), "bert-base", seq_len=128),
            am.simulate(load_hw("edge_llm"), "llama3-8b", phase="decode", kv_len=128))


def _meaning(group: str, name: str) -> tuple[str, str]:
    """The thing a category names: bounds and components name a hardware resource."""
    if group == "bound":
        return "resource", palette.BOUND_RESOURCE.get(name, name)
    if group == "component":
        return "resource", palette.COMPONENT_RESOURCE.get(name, name)
    return group, name


def _collect(reports) -> dict[tuple[str, str], set[str]]:
    """meaning -> colours found on the artists of every figure function."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    base, ibert, decode = reports
    for rep in reports:
        fig = plots.roofline(rep)
        for ax in fig.axes:
            for coll in ax.collections:
                gid = coll.get_gid() or ""
                if gid.startswith(("ops|", "link|")) and gid.endswith("finite"):
                    _, kind, _, _ = gid.split("|")
                    seen[("kind", kind)].add(to_hex(coll.get_facecolor()[0]))
            for ln in ax.lines:
                gid = ln.get_gid() or ""
                if gid.startswith("ceiling|") and gid != "ceiling|peak":
                    seen[("resource", gid.split("|")[1])].add(to_hex(ln.get_color()))
                if gid == "ceiling|peak":
                    seen[("resource", "array")].add(to_hex(ln.get_color()))
        for h, t in zip(fig.legends[0].legend_handles, fig.legends[0].get_texts()):
            if t.get_text() in set(rep.ops["bound"]):  # the bound block's markers
                seen[_meaning("bound", t.get_text())].add(to_hex(h.get_color()))
        for ax in plots.timeline(rep, 0).axes[:1]:
            for rect, kind in zip([p for p in ax.patches if p.get_gid() == "timeline"],
                                  rep.ops.loc[rep.ops["layer"] == 0, "kind"]):
                seen[("kind", kind)].add(to_hex(rect.get_facecolor()))
    for fig, groups in ((plots.latency_breakdown([base, ibert, decode], other_below=0), ("kind", "bound")),
                        (plots.energy_breakdown([base, ibert, decode], other_below=0), ("kind", "component")),
                        (plots.energy_breakdown(base, by="bound", other_below=0), ("bound",))):
        for ax, group in zip(fig.axes, groups):
            for c in ax.containers:
                seen[_meaning(group, c.get_label())].add(to_hex(c[0].get_facecolor()))
    units = pd.DataFrame({"unit": ["LUT", "CORDIC", "LUT gelu", "LUT norm"],
                          "function": ["softmax", "softmax", "gelu", "layernorm"],
                          "mae": [2e-3, 1e-4, 3e-4, 1e-3], "power_mw": [4.7, 25.4, 3.0, 2.0]})
    for coll in plots.nonlinear_accuracy_power(units).axes[0].collections:
        fn = coll.get_gid().split("|")[1]
        seen[("kind", palette.FUNCTION_KIND[fn])].add(to_hex(coll.get_facecolor()[0]))
    return seen


def test_each_meaning_has_one_colour_across_all_figures(reports):
    seen = _collect(reports)
    assert {("kind", "matmul"), ("kind", "softmax"), ("resource", "cpu"), ("resource", "dram"),
            ("resource", "array"), ("resource", "static")} <= set(seen)
    for meaning, colours in seen.items():
        assert len(colours) == 1, f"{meaning} drawn in {colours}"
        group, name = meaning
        expect = palette.kind_color(name) if group == "kind" else palette.resource_color(name)
        assert colours == {expect.lower()}, meaning
    owners = defaultdict(set)
    for meaning, colours in seen.items():
        owners[next(iter(colours))].add(meaning)
    shared = {c: m for c, m in owners.items() if len(m) > 1}
    assert not shared, f"one colour, several meanings: {shared}"


def _luminance(c: str) -> float:
    rgb = np.array(to_rgb(c))
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def test_palette_sets_are_disjoint_complete_and_visible_on_white():
    kinds, resources = palette.KIND_COLORS, palette.RESOURCE_COLORS
    assert len(set(kinds.values())) == len(kinds) and len(set(resources.values())) == len(resources)
    assert not {c.lower() for c in kinds.values()} & {c.lower() for c in resources.values()}
    for c in [*kinds.values(), *resources.values()]:
        assert 1.05 / (_luminance(c) + 0.05) >= 1.9, f"{c}: too little contrast on white"
    area = ("pe_array", "scratchpad", "accumulator", "l2", "nonlinear_units", "dma_control")
    energy = ("mac", "scratchpad", "accumulator", "l2", "dram", "nonlinear", "cpu", "static", "leakage")
    for comp in (*area, *energy):
        assert palette.COMPONENT_RESOURCE.get(comp) in resources, comp
    for bound in ("compute", "dram", "l2", "dma", "nonlinear", "vector", "cpu", "cpu_memory", "decompress"):
        assert palette.BOUND_RESOURCE[bound] in resources
    assert palette.component_color("mac") == palette.bound_color("compute") == palette.component_color("pe_array")
    assert palette.kind_color("some_new_kind") not in [*kinds.values(), *resources.values()]


def test_paper_style_sets_widths_and_fonts(reports):
    base = reports[0]
    try:
        for column, width in (("single", 3.3), ("double", 7.0)):
            plots.use_style("paper", column=column)
            for fig in (plots.roofline(base), plots.latency_breakdown(base), plots.timeline(base, 0)):
                assert fig.get_size_inches()[0] == pytest.approx(width)
                assert fig._accelmodel_rc["font.size"] < plots.STYLE["font.size"]
        with pytest.raises(ValueError, match="column"):
            plots.use_style("paper", column="triple")
    finally:
        plots.use_style("default")
    assert plots.roofline(base).get_size_inches()[0] == pytest.approx(7.0)
    assert plots.current_style() == ("default", None)
