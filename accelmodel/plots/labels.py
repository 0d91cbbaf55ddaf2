"""Axis labels with units from column names, SI scaling, and report helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "\u00b5"), (1e-9, "n"),
       (1e-12, "p"))
_SCALABLE = {"s", "J", "B", "FLOP", "FLOP/s", "B/s", "W", "ops/s", "MAC", "tokens/s"}

_KNOWN = {
    "latency_s": ("Latency", "s"), "energy_j": ("Energy", "J"), "dram_bytes": ("DRAM traffic", "B"),
    "l2_bytes": ("L2 traffic", "B"), "flops": ("Work", "FLOP"), "macs": ("MACs", "MAC"),
    "tokens_per_s": ("Throughput", "tokens/s"), "sequences_per_s": ("Throughput", "sequences/s"),
    "energy_per_token_j": ("Energy per token", "J"), "utilization": ("Array utilisation", "fraction"),
    "matmul_utilization": ("Matmul utilisation", "fraction"), "matmul_latency_s": ("Matmul latency", "s"),
    "area_mm2": ("Area", "mm\u00b2"), "power_mw": ("Power", "mW"), "arithmetic_intensity": (
        "Arithmetic intensity", "FLOP/B"), "ratio": ("Pruning ratio", "fraction"),
    "speedup": ("Speedup", "\u00d7"), "energy_saving": ("Energy saving", "fraction"),
    "kv_len": ("KV-cache length", "tokens"), "seq_len": ("Sequence length", "tokens"),
    "mae": ("Mean absolute error", ""), "rel_error": ("Relative error", ""), "edp_js": ("Energy-delay product", "J s"),
}
_SUFFIX_UNITS = (("_per_token_j", "J"), ("_mm2", "mm\u00b2"), ("_kib", "KiB"), ("_mib", "MiB"), ("_gbps", "GB/s"),
                 ("_ghz", "GHz"), ("_mhz", "MHz"), ("_mw", "mW"), ("_pj_per_bit", "pJ/bit"), ("_pj", "pJ"),
                 ("_bytes_per_cycle", "B/cycle"), ("_bytes", "B"), ("_bits", "bit"), ("_cycles", "cycles"),
                 ("_ns", "ns"), ("_us", "\u00b5s"), ("_ms", "ms"), ("_kb", "kB"), ("_mb", "MB"), ("_gb", "GB"),
                 ("_js", "J s"), ("_per_s", "/s"), ("_s", "s"), ("_j", "J"),
                 ("_w", "W"))


_WORDS = {"dram": "DRAM", "l2": "L2", "kv": "KV", "cpu": "CPU", "sram": "SRAM", "macs": "MACs", "mac": "MAC",
          "dma": "DMA", "seq": "sequence", "len": "length", "dtypes": "", "hw": "", "ffn": "FFN", "lut": "LUT",
          "f1": "F1", "ppl": "perplexity", "pct": "%", "bert": "BERT", "squad": "SQuAD",
          "gpt2": "GPT-2", "wikitext2": "WikiText-2", "mmlu": "MMLU", "apr": "APR", "mae": "MAE"}


def _words(base: str) -> str:
    ws = [_WORDS.get(w.lower(), w) for w in base.replace(".", " ").replace("_", " ").split()]
    text = " ".join(w for w in ws if w)
    return text[:1].upper() + text[1:]


def _name_and_unit(col: str) -> tuple[str, str]:
    col = str(col)
    if col in _KNOWN:
        return _KNOWN[col]
    if col.endswith("_bits") and len(col) > 5:
        return _words(col[:-5]) + " precision", "bits"
    for suf, unit in _SUFFIX_UNITS:
        if col.endswith(suf) and len(col) > len(suf):
            return _words(col[: -len(suf)]), unit
    return _words(col), ""


def column_label(col: str, prefix: str = "") -> str:
    """Axis label for a DataFrame column, unit taken from its name: ``latency_s`` ->
    ``Latency (s)``, ``scratchpad_kib`` -> ``Scratchpad (KiB)``, ``l2.bandwidth_bytes_per_cycle``
    -> ``L2 bandwidth (B/cycle)``. ``prefix`` is an SI prefix put before the unit."""
    name, unit = _name_and_unit(col)
    if unit == "fraction":
        return name
    if not unit:
        return name
    return f"{name} ({prefix}{unit})"


def _si_factor(vmax: float) -> tuple[float, str]:
    """(factor, prefix) such that vmax / factor lies in [1, 1000)."""
    if not np.isfinite(vmax) or vmax <= 0:
        return 1.0, ""
    for f, p in _SI:
        if vmax >= f * 0.9995:
            return f, p
    return _SI[-1]


def _scaled(col: str, values) -> tuple[float, str]:
    """Factor to divide ``values`` by and the axis label that goes with it."""
    _, unit = _name_and_unit(col)
    if unit in _SCALABLE:
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        f, p = _si_factor(float(np.max(np.abs(v))) if v.size else 0.0)
        return f, column_label(col, p)
    return 1.0, column_label(col)


def _fmt(v: float, digits: int = 3) -> str:
    if not np.isfinite(v):
        return "\u2013"
    if v == 0:
        return "0"
    s = f"{v:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        return f"{m}e{int(e)}"
    return s


def _fmt_si(v: float, unit: str) -> str:
    f, p = _si_factor(abs(v))
    return f"{_fmt(v / f)} {p}{unit}"


# ---------------------------------------------------------------------------
# reports in, names out
# ---------------------------------------------------------------------------


def _report_ops(report) -> pd.DataFrame:
    return report.ops if hasattr(report, "ops") else report


def _describe(report) -> str:
    """One line of context: model, phase, batch, sequence or KV length, design."""
    try:
        phase = report.phase
        extra = f"seq {report.seq_len}" if phase == "prefill" else f"KV {report.kv_len}"
        return f"{report.model.name} {phase}, batch {report.batch}, {extra}, on {report.hw.name}"
    except AttributeError:
        return ""


def _named_reports(reports) -> dict[str, object]:
    """A dict name -> Report from a Report, a dict or a list of Reports."""
    if hasattr(reports, "ops"):
        reports = [reports]
    if isinstance(reports, Mapping):
        out = {str(k): v for k, v in reports.items()}
    else:
        out = {}
        for r in reports:
            base = getattr(getattr(r, "hw", None), "name", None) or f"design {len(out) + 1}"
            name, i = base, 2
            while name in out:
                name, i = f"{base} ({i})", i + 1
            out[name] = r
    if not out:
        raise ValueError("no reports to plot")
    return out


def _check_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {', '.join(missing)} (have: {', '.join(map(str, df.columns))})")

