"""``accelmodel nonlinear``: accuracy, cost and APR of the nonlinear-function units,
one row per (unit, function) the unit supports."""

from __future__ import annotations

import json
import math
import sys

from ..errors import SpecError
from ..hardware.nonlinear import UNIT_KINDS
from ..hardware.spec import Accelerator, with_updates
from ..unit_study import unit_table
from ..numerics.accuracy import FUNCTIONS
from .common import resolve_hw


def add_parser(sub) -> None:
    p = sub.add_parser(
        "nonlinear", help="accuracy (MAE, relative error), power, area, throughput and APR of nonlinear units",
        description="One row per unit and function it supports. Without --hw: each kind's default unit "
                    "(LUT 1024 entries, CORDIC 16 iterations, cross-road threshold 3, I-BERT 32-bit) on a "
                    "1 GHz accelerator; with --hw: the units in that design's softmax, activation and norm "
                    "slots at its clock. Power is at the accelerator clock (energy per element does not "
                    "change with the clock). APR = (1/MAE)/power normalised to the LUT softmax unit "
                    "(softmax rows of on-accelerator units only; LUT = 1).")
    p.add_argument("--unit", metavar="KIND", nargs="+", action="extend", choices=UNIT_KINDS,
                   help=f"unit kinds to show ({', '.join(UNIT_KINDS)}; default: all)")
    p.add_argument("--function", metavar="F", nargs="+", action="extend", choices=FUNCTIONS,
                   help=f"functions to show ({', '.join(FUNCTIONS)}; default: all supported)")
    p.add_argument("--samples", metavar="FILE",
                   help=".npy array, or .npz with arrays named softmax / activation / norm (or per function); "
                        "default: the bundled calibration set")
    p.add_argument("--hw", metavar="FILE|NAME", help="take the units from this hardware YAML or bundled config")
    p.add_argument("--clock-ghz", type=float, metavar="GHZ",
                   help="accelerator clock for power and throughput (default: the design's, 1 GHz without --hw; "
                        "0.1 reproduces the published 100 MHz softmax-unit figures)")
    p.add_argument("--json", action="store_true", help="print a JSON list of row objects")
    p.set_defaults(func=run)


def _finite(v):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def _num(v, fmt: str, width: int) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return f"{'-':>{width}}"
    if isinstance(v, float) and math.isinf(v):
        return f"{'inf':>{width}}"
    return f"{v:>{width}{fmt}}"


def format_table(rows: list[dict], hw: Accelerator, source: str, samples: str | None) -> str:
    head = (f"{'unit':<12} {'function':<10} {'MAE':>9} {'rel err':>9} {'power mW':>9} {'area mm2':>9} "
            f"{'elem/cyc':>9} {'Gelem/s':>8} {'lat cyc':>7} {'LUT B':>6} {'APR':>8}")
    lines = [f"Nonlinear units ({source}) at {hw.clock_ghz:g} GHz"
             + (f", {hw.technology_nm:g} nm" if hw.technology_nm else "")
             + f"; errors vs float64 on {samples or 'the bundled calibration set'}", "", head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['unit']:<12} {r['function']:<10} {_num(r['mae'], '.3g', 9)} {_num(r['rel_error'], '.3g', 9)} "
                     f"{_num(r['power_mw'], '.4g', 9)} {_num(r['area_mm2'], '.3g', 9)} "
                     f"{_num(r['elements_per_cycle'], '.3g', 9)} {_num(r['throughput_gops'], '.3g', 8)} "
                     f"{_num(r['latency_cycles'], '.0f', 7)} {_num(r['table_bytes'], '.0f', 6)} "
                     f"{_num(r['apr'], '.3g', 8)}")
    seen: dict = {}
    for r in rows:
        seen.setdefault((r["unit"], r["slot"]), r["params"])
    lines += ["", "Units:"] + [f"  {u}{f' ({s})' if s else ''}: {p}" for (u, s), p in seen.items()]
    lines += ["", "elem/cyc, Gelem/s: element-operations (softmax needs 3 per output, norms 2-3); CPU offload: "
                  "outputs, incl. dequantize + quantize.",
              "APR = (1/MAE)/power relative to the LUT softmax unit; '-' where not defined."]
    return "\n".join(lines)


def run(args) -> int:
    hw = resolve_hw(args.hw) if args.hw else Accelerator()
    if args.clock_ghz is not None:
        if not (args.clock_ghz > 0 and math.isfinite(args.clock_ghz)):
            raise SpecError(f"--clock-ghz must be a positive number (got {args.clock_ghz})")
        hw = with_updates(hw, {"clock_ghz": args.clock_ghz})
    rows = unit_table(hw=hw, kinds=args.unit, functions=args.function, samples=args.samples,
                      from_hw=bool(args.hw))
    if not rows:
        raise SpecError("no unit computes the requested functions"
                        + (f" (units in {hw.name}: " + ", ".join(
                            f"{s}={getattr(hw.nonlinear, s).kind}" for s in ("softmax", "activation", "norm")) + ")"
                           if args.hw else ""))
    if args.json:
        json.dump([{k: _finite(v) for k, v in r.items()} for r in rows], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    source = f"from {hw.name}" if args.hw else "default specs"
    print(format_table(rows, hw, source, args.samples))
    return 0
