"""``accelmodel gemm``: one matmul on one design."""

from __future__ import annotations

import json
import sys

from ..errors import SpecError
from ..gemm import gemm_result
from ..units_format import json_ready, si
from ..workload.limits import MAX_MACS, MAX_TOKENS
from .common import add_hw_option, positive_int, resolve_hw


def add_parser(sub) -> None:
    p = sub.add_parser("gemm", help="cycles, utilisation and traffic of one Y[M,N] = X[M,K] . W[K,N]",
                       description="Tile and cost one matmul Y[M,N] = X[M,K] . W[K,N] on one design: array "
                                   "cycles (SCALE-Sim's convention), total cycles and latency with the bound "
                                   "that sets them, utilisation, DRAM traffic, the chosen tile and energy. "
                                   "Formulas: docs/model.md.")
    add_hw_option(p)
    p.add_argument("--m", type=positive_int("--m", MAX_TOKENS), required=True, help="rows of X and Y")
    p.add_argument("--k", type=positive_int("--k", MAX_TOKENS), required=True, help="reduction size")
    p.add_argument("--n", type=positive_int("--n", MAX_TOKENS), required=True, help="columns of W and Y")
    p.add_argument("--activations", action="store_true", help="W is an activation (input width), not a weight")
    p.add_argument("--json", action="store_true",
                   help="print the result as JSON (cycle and byte counts as integers, latency_s in s, energy_j in J)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.m * args.k * args.n > MAX_MACS:
        raise SpecError(f"--m x --k x --n: {args.m * args.k * args.n:.3g} MACs; at most {MAX_MACS:.0e} allowed "
                        f"(counts must stay in 64-bit range)")
    hw = resolve_hw(args.hw)
    r = gemm_result(hw, args.m, args.k, args.n, not args.activations)
    if args.json:
        json.dump(json_ready(r), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    t = r["tile"]
    print(f"GEMM {r['m']}x{r['k']}x{r['n']} on {hw.name} ({r['array']} {r['dataflow']})")
    print(f"  compute cycles   {r['compute_cycles']:,.0f}")
    print(f"  total cycles     {r['total_cycles']:,.0f}   ({r['bound']}-bound)")
    print(f"  latency          {si(r['latency_s'], 's')}   (at {hw.clock_ghz:g} GHz)")
    print(f"  utilization      {r['utilization']:.1%}   (compute only: {r['compute_utilization']:.1%})")
    print(f"  DRAM traffic     {si(r['dram_bytes'], 'B')}   ({r['dram_bytes']:,.0f} bytes)")
    print(f"  tile             {t['m']}x{t['k']}x{t['n']} order {t['order']} (of {r['tilings_considered']} legal)")
    print(f"  partial sums     {r['spill_bytes']:.0f} bytes spilled and reloaded")
    print(f"  energy           {si(r['energy_j'], 'J')}")
    return 0
