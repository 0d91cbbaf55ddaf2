"""``accelmodel plot KIND SOURCE... --out FILE``: one figure from saved results.

Sources: run directories written by ``accelmodel run --out DIR`` (roofline,
latency, energy, flops-vs-latency, timeline), a sweep result directory
(``accelmodel sweep --out DIR``) or a Parquet/CSV table (heatmap, pareto), or a
CSV/Parquet table with the documented columns (sparsity, nonlinear). The format comes from ``--format`` or the suffix of
``--out`` (png, pdf, svg).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AccelModelError

KINDS = {
    "roofline": "hierarchical roofline: DRAM + host-CPU roofs, and the L2/DMA link on its own axis: one run "
                "directory",
    "latency": "latency stacked by op kind and by bound: one or more run directories side by side",
    "energy": "energy stacked by op kind and by component (MAC, SRAMs, L2, DRAM, units, CPU, static): one or "
              "more run directories side by side",
    "flops-vs-latency": "share of FLOPs vs share of latency per op kind: one or more run directories",
    "timeline": "Gantt chart of one layer's ops (--layer): one run directory",
    "heatmap": "a sweep metric (--value) over two axes (--x, --y): a sweep result directory or table",
    "pareto": "two objectives (--x, --y) with the Pareto front: a sweep result directory or table",
    "sparsity": "speedup / energy saving vs pruning ratio per pattern: CSV/Parquet (pattern, ratio, speedup, "
                "energy_saving[, --quality COL])",
    "nonlinear": "nonlinear-unit error vs power: CSV/Parquet (unit, function, mae|rel_error, power_mw)",
}
RUN_KINDS = ("roofline", "latency", "energy", "flops-vs-latency", "timeline")
FORMATS = ("png", "pdf", "svg")


def add_parser(sub) -> None:
    kinds = "\n".join(f"  {k:<17} {v}" for k, v in KINDS.items())
    import argparse

    p = sub.add_parser("plot", help="draw a figure (PNG/PDF/SVG) from a run directory or a sweep result "
                       "directory", description=f"Draw one figure from saved results.\n\nKINDs (one line "
                       f"each; SOURCE says what each one reads):\n{kinds}\n\nSOURCEs: a run directory "
                       "(accelmodel run --out DIR), a sweep result directory (accelmodel sweep --out DIR), "
                       "or a .parquet / .csv table.\n--paper single|double: paper style (7-8 pt text, "
                       "3.3 in or 7.0 in wide).", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", metavar="KIND", choices=tuple(KINDS), help="what to draw: " + ", ".join(KINDS)
                   + " (one line each above)")
    p.add_argument("sources", metavar="SOURCE", nargs="+",
                   help="run directory (accelmodel run --out DIR), sweep result directory (accelmodel sweep "
                        "--out DIR) or table file (.parquet / .csv)")
    p.add_argument("--out", "-o", metavar="FILE", required=True, help="output file; its suffix sets the format")
    p.add_argument("--format", choices=FORMATS, help="output format (default: from --out's suffix, else png)")
    p.add_argument("--dpi", type=int, default=200, help="PNG resolution (default 200)")
    p.add_argument("--title", help="figure title (default: model, phase, batch, length and design where known)")
    p.add_argument("--paper", choices=("single", "double"),
                   help="paper style: 7-8 pt text, one column (3.3 in) or full page (7.0 in) wide")
    p.add_argument("--names", metavar="A,B,...", help="design names for latency/energy/flops-vs-latency "
                                                       "(default: the hardware names)")
    p.add_argument("--by", metavar="G1,G2", help="groupings for latency/energy: kind, bound, component "
                                                  "(energy only); default kind,bound (latency), kind,component "
                                                  "(energy)")
    p.add_argument("--normalize", action="store_true", help="latency/energy: shares in percent, not absolute")
    p.add_argument("--other-below", type=float, default=0.02, metavar="FRACTION",
                   help="latency/energy: merge categories below this share in every design into 'other' "
                        "(default 0.02; 0 keeps all)")
    p.add_argument("--layer", type=int, default=0, help="timeline: which layer (default 0; -1 = embedding)")
    p.add_argument("--x", help="heatmap/pareto: column on the x axis")
    p.add_argument("--y", help="heatmap/pareto: column on the y axis")
    p.add_argument("--value", help="heatmap: column shown as colour")
    p.add_argument("--agg", choices=("min", "mean", "max", "median"),
                   help="heatmap: how to combine rows that share (x, y) (other sweep axes)")
    p.add_argument("--where", metavar="COL=VALUE", action="append", default=[],
                   help="heatmap/pareto/sparsity/nonlinear: keep only rows where COL equals VALUE (repeatable)")
    p.add_argument("--log", action="store_true", help="heatmap: logarithmic colour scale; pareto: log axes")
    p.add_argument("--maximize", metavar="COL", action="append", default=[],
                   help="pareto: objective to maximise (default: minimise both)")
    p.add_argument("--label", help="pareto: column used to label front points")
    p.add_argument("--quality", help="sparsity: quality column drawn on a second axis")
    p.set_defaults(func=run)


def output_format(out: str | Path, fmt: str | None) -> tuple[Path, str]:
    """(path, format) from ``--out`` and ``--format``; a missing suffix gets the format's."""
    p = Path(out)
    suffix = p.suffix.lower().lstrip(".")
    if fmt is None:
        if suffix in FORMATS:
            return p, suffix
        if suffix:
            raise AccelModelError(f"--out: unknown figure format .{suffix} (use .png, .pdf or .svg, or --format)")
        return p.with_suffix(".png"), "png"
    if suffix and suffix != fmt:
        if suffix in FORMATS:
            raise AccelModelError(f"--out {p.name} does not match --format {fmt}")
        return p.with_name(p.name + f".{fmt}"), fmt
    return (p if suffix else p.with_suffix(f".{fmt}")), fmt


def write_figure(fig, path: str | Path, fmt: str | None = None, dpi: int = 200) -> Path:
    """Save ``fig`` to ``path`` (parent directories created); format from ``fmt`` or the suffix."""
    p, f = output_format(path, fmt)
    p.parent.mkdir(parents=True, exist_ok=True)
    from ..inputs import atomic_path

    with atomic_path(p) as tmp:
        fig.savefig(tmp, format=f, dpi=dpi)
    return p


def write_standard_figures(report, out_dir: str | Path, formats=("png", "pdf")) -> list[Path]:
    """Write :func:`accelmodel.plots.standard_figures` into ``out_dir`` in each format."""
    from .. import plots

    d = Path(out_dir)
    written = []
    for stem, fig in plots.standard_figures(report).items():
        for f in formats:
            written.append(write_figure(fig, d / f"{stem}.{f}", f))
    return written


def _read_table(path: str):
    import pandas as pd

    p = Path(path)
    if p.is_dir():  # a sweep's results directory (accelmodel sweep --out DIR)
        from ..sweep import read_results

        return read_results(p)
    if not p.is_file():
        raise AccelModelError(f"table file not found: {p}")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        if p.suffix.lower() in (".csv", ".txt"):
            return pd.read_csv(p, comment="#")
    except Exception as exc:  # pyarrow / parser errors have many types
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AccelModelError(f"{p}: cannot read table ({why})") from None
    raise AccelModelError(f"{p}: tables must be .parquet or .csv")


def _filter(df, where: list[str]):
    import numpy as np

    for cond in where:
        col, sep, val = cond.partition("=")
        if not sep or not col:
            raise AccelModelError(f"--where: expected COL=VALUE, got {cond!r}")
        if col not in df.columns:
            raise AccelModelError(f"--where: no column {col!r} (have: {', '.join(map(str, df.columns))})")
        s = df[col]
        if s.dtype.kind == "b" or str(s.dtype) == "boolean":
            df = df[s == (val.lower() in ("1", "true", "yes"))]
        elif s.dtype.kind in "iuf":
            try:
                v = float(val)
            except ValueError:
                raise AccelModelError(f"--where: column {col!r} is numeric, got {val!r}") from None
            df = df[np.isclose(s.astype(float), v, rtol=1e-9, atol=0)]
        else:
            df = df[s.astype(str) == val]
        if df.empty:
            raise AccelModelError(f"--where {cond}: no rows left")
    return df


def _need(args, *names):
    missing = [f"--{n}" for n in names if not getattr(args, n)]
    if missing:
        raise AccelModelError(f"plot {args.kind}: {' and '.join(missing)} required")


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def build_figure(args):
    """The Figure for parsed ``args`` (no file written)."""
    from .. import plots
    from ..report_io import load_run

    k = args.kind
    try:
        if k in RUN_KINDS:
            reports = [load_run(s) for s in args.sources]
            if k in ("roofline", "timeline") and len(reports) > 1:
                raise AccelModelError(f"plot {k}: takes one run directory, got {len(reports)}")
            names = _split(args.names)
            if names and len(names) != len(reports):
                raise AccelModelError(f"--names: {len(names)} names for {len(reports)} run directories")
            named = dict(zip(names, reports)) if names else reports
            if k == "roofline":
                return plots.roofline(reports[0], title=args.title)
            if k == "timeline":
                return plots.timeline(reports[0], args.layer, title=args.title)
            if k == "flops-vs-latency":
                return plots.flops_vs_latency(named if len(reports) > 1 else reports[0], title=args.title)
            by = _split(args.by) or (["kind", "bound"] if k == "latency" else ["kind", "component"])
            bad = [b for b in by if b not in ("kind", "bound", "component")]
            if bad:
                raise AccelModelError(f"--by: unknown grouping {bad[0]!r} (kind, bound, component)")
            return plots.breakdown(named, k, by, normalize=args.normalize, other_below=args.other_below,
                                   title=args.title)

        if len(args.sources) != 1:
            raise AccelModelError(f"plot {k}: takes one table file, got {len(args.sources)}")
        df = _filter(_read_table(args.sources[0]), args.where)
        if k == "heatmap":
            _need(args, "x", "y", "value")
            return plots.heatmap(df, args.x, args.y, args.value, agg=args.agg, log=args.log, title=args.title)
        if k == "pareto":
            _need(args, "x", "y")
            for m in args.maximize:
                if m not in (args.x, args.y):
                    raise AccelModelError(f"--maximize {m}: not one of the objectives --x/--y")
            minimize = (args.x not in args.maximize, args.y not in args.maximize)
            return plots.pareto(df, args.x, args.y, minimize=minimize, label=args.label, logx=args.log,
                                logy=args.log, title=args.title)
        if k == "sparsity":
            return plots.sparsity_curves(df, quality=args.quality, title=args.title)
        return plots.nonlinear_accuracy_power(df, title=args.title)
    except (ValueError, KeyError) as exc:  # bad columns / layers: one line, exit 2
        msg = exc.args[0] if exc.args else str(exc)
        raise AccelModelError(f"plot {k}: {msg}") from None


def run(args) -> int:
    from .. import plots

    from ..inputs import check_output_file

    path, fmt = output_format(args.out, args.format)
    check_output_file(path, "--out")
    before = plots.current_style()
    if args.paper:
        plots.use_style("paper", column=args.paper)
    try:
        fig = build_figure(args)
    finally:
        plots.use_style(*before)
    p = write_figure(fig, path, fmt, dpi=args.dpi)
    print(f"wrote {p}")
    return 0
