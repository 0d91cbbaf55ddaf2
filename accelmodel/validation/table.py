"""The validation table: one row per (case, metric), written as CSV and Markdown.

Columns (:data:`COLUMNS`):

case              what was modelled (a GEMM on an array, or a case-study setting)
metric            the quantity (``compute_cycles``, ``flops_share.matmul``, ...)
unit              its unit (cycles, words, fraction, s, x, ...)
accelmodel        accelmodel's value
reference         the peer's value (SCALE-Sim) or the claim's threshold (survey); empty if none
rel_error         accelmodel / reference - 1, only where the reference is a value to be
                  equal to (SCALE-Sim counts); empty for thresholds
reference_source  ``scalesim 3.0.0``, ``survey finding N`` ([Kim2023-survey] in docs/references.md), or
                  ``target`` (a goal for this machine, e.g. the speed ratio: reported, not a
                  model check)
check             the comparison made (``|rel_error| <= 2%``, ``accelmodel > reference``,
                  ``info`` = shown, nothing asserted)
passed            True / False, empty where nothing is asserted
note              what drives the number, or why two counts differ by definition
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

COLUMNS = ("case", "metric", "unit", "accelmodel", "reference", "rel_error", "reference_source", "check", "passed",
           "note")


def make_row(case: str, metric: str, accelmodel: float, reference: float | None = None, *, unit: str = "",
             source: str = "", check: str = "info", passed: bool | None = None, note: str = "",
             rel: bool = False) -> dict:
    """One table row. ``rel=True``: the reference is a value to match, so
    ``rel_error`` = accelmodel / reference - 1 (empty if the reference is 0)."""
    ref = float("nan") if reference is None else float(reference)
    val = float(accelmodel)
    rel_error = val / ref - 1.0 if rel and math.isfinite(ref) and ref != 0 else float("nan")
    return {"case": case, "metric": metric, "unit": unit, "accelmodel": val, "reference": ref,
            "rel_error": rel_error, "reference_source": source, "check": check,
            "passed": None if passed is None else bool(passed), "note": note}


def assemble(rows: list[dict]) -> pd.DataFrame:
    """Rows -> DataFrame with :data:`COLUMNS` (``passed`` as a nullable boolean)."""
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df["passed"] = df["passed"].astype("boolean")
    return df


def fmt(v, digits: int = 4) -> str:
    """Compact number: integers as integers, else ``digits`` significant digits; NaN as empty."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)) or v is pd.NA:
        return ""
    if isinstance(v, (bool,)):
        return str(v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return ""
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x)}"
    s = f"{x:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}e{int(e)}"
    return s


def _cell(col: str, v) -> str:
    if col == "rel_error":
        return "" if v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v)) else f"{v:+.3g}"
    if col == "passed":
        return "" if v is None or v is pd.NA else ("yes" if bool(v) else "NO")
    if col in ("accelmodel", "reference"):
        return fmt(v)
    return "" if v is None or v is pd.NA else str(v)


def to_markdown(df: pd.DataFrame, columns: tuple[str, ...] | None = None) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (``|`` in cells escaped)."""
    cols = list(columns or df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for rec in df[cols].to_dict(orient="records"):
        cells = [_cell(c, rec[c]).replace("|", "\\|") for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def to_text(df: pd.DataFrame, columns: tuple[str, ...], max_width: int = 60) -> str:
    """Fixed-width text table for the terminal (long cells cut at ``max_width``)."""
    cells = [[_cell(c, rec[c]) for c in columns] for rec in df[list(columns)].to_dict(orient="records")]
    cells = [[s if len(s) <= max_width else s[: max_width - 1] + "\u2026" for s in row] for row in cells]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    num = {"accelmodel", "reference", "rel_error"}

    def line(vals):
        return "  ".join(v.rjust(w) if c in num else v.ljust(w) for v, w, c in zip(vals, widths, columns)).rstrip()

    return "\n".join([line(list(columns)), line(["-" * w for w in widths]), *(line(r) for r in cells)]) + "\n"


def write(df: pd.DataFrame, out_dir: str | Path, stem: str = "validation") -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.md`` into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv, md = out / f"{stem}.csv", out / f"{stem}.md"
    df.to_csv(csv, index=False)
    md.write_text(to_markdown(df))
    return csv, md


TARGET_SOURCE = "target"
"""``reference_source`` of rows that state a goal for this machine (speed), not a property of the model."""


PUBLISHED_SOURCE = "published"
"""``reference_source`` prefix of rows comparing with a published number (data/published.csv): reported
with their tolerance and counted apart (``published``, ``published_within``, ``published_outside``);
fidelity to a paper is a finding, not a model-consistency check, so it does not set the exit code."""


def summary(df: pd.DataFrame) -> dict:
    """Counts of asserted model checks (``checked``, ``passed``, ``failed``, ``failures``:
    case and metric of each failure) and, apart, of rows whose source is
    :data:`TARGET_SOURCE` (``targets``, ``targets_met``, ``targets_missed``)."""
    asserted = df[df["passed"].notna()]
    is_published = asserted["reference_source"].str.startswith(PUBLISHED_SOURCE)
    published, asserted = asserted[is_published], asserted[~is_published]
    is_target = asserted["reference_source"] == TARGET_SOURCE
    checks, targets = asserted[~is_target], asserted[is_target]
    failed = checks[~checks["passed"].astype(bool)]
    met = int(targets["passed"].astype(bool).sum())
    return {"rows": len(df), "checked": len(checks), "passed": int(checks["passed"].astype(bool).sum()),
            "failed": len(failed), "failures": [f"{r.case}: {r.metric}" for r in failed.itertuples()],
            "targets": len(targets), "targets_met": met, "targets_missed": len(targets) - met,
            "published": len(published), "published_within": int(published["passed"].astype(bool).sum()),
            "published_outside": [r.metric for r in published.itertuples() if not bool(r.passed)]}
