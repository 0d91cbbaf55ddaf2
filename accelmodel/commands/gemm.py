"""``accelmodel gemm``: one matmul on one design."""

from __future__ import annotations

import json
import sys

from ..cost.ops import matmul_cost
from ..errors import SpecError
from ..mapping.tiling import tile_matmul
from ..workload.graph import Op
from ..workload.limits import MAX_MACS, MAX_TOKENS
from .common import positive_int, resolve_hw


def add_parser(sub) -> None:
    p = sub.add_parser("gemm", help="cycles, utilisation and traffic of one Y[M,N] = X[M,K] . W[K,N]")
    p.add_argument("--hw", metavar="FILE|NAME", help="hardware YAML or bundled config name (default gemmini_default)")
    p.add_argument("--m", type=positive_int("--m", MAX_TOKENS), required=True, help="rows of X and Y")
    p.add_argument("--k", type=positive_int("--k", MAX_TOKENS), required=True, help="reduction size")
    p.add_argument("--n", type=positive_int("--n", MAX_TOKENS), required=True, help="columns of W and Y")
    p.add_argument("--activations", action="store_true", help="W is an activation (input width), not a weight")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def gemm_result(hw, m: int, k: int, n: int, weight: bool = True) -> dict:
    mp = tile_matmul(m, k, n, hw, weight)
    op = Op("gemm", 0, "gemm", "matmul", m=m, k=k, n=n, weight="w" if weight else None)
    row = matmul_cost(op, hw, mp)
    return {
        "m": m, "k": k, "n": n, "array": f"{hw.array.rows}x{hw.array.cols}", "dataflow": hw.array.dataflow,
        "compute_cycles": row["compute_cycles"], "total_cycles": row["latency_cycles"],
        "utilization": op.macs / (hw.array.pes * row["latency_cycles"]),
        "compute_utilization": op.macs / (hw.array.pes * row["compute_cycles"]),
        "dram_bytes": row["dram_bytes"], "l2_bytes": row["l2_bytes"], "local_bytes": mp.local_bytes,
        "latency_s": row["latency_s"], "energy_j": row["energy_j"], "bound": row["bound"],
        "tile": {"m": mp.mt, "k": mp.kt, "n": mp.nt, "order": mp.order}, "tilings_considered": mp.n_candidates,
    }


def run(args) -> int:
    if args.m * args.k * args.n > MAX_MACS:
        raise SpecError(f"--m x --k x --n: {args.m * args.k * args.n:.3g} MACs; at most {MAX_MACS:.0e} allowed "
                        f"(counts must stay in 64-bit range)")
    hw = resolve_hw(args.hw)
    r = gemm_result(hw, args.m, args.k, args.n, not args.activations)
    if args.json:
        json.dump(r, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    t = r["tile"]
    print(f"GEMM {r['m']}x{r['k']}x{r['n']} on {hw.name} ({r['array']} {r['dataflow']})")
    print(f"  compute cycles   {r['compute_cycles']:.0f}")
    print(f"  total cycles     {r['total_cycles']:.0f}   ({r['bound']}-bound)")
    print(f"  utilization      {r['utilization']:.1%}   (compute only: {r['compute_utilization']:.1%})")
    print(f"  DRAM bytes       {r['dram_bytes']:.0f}")
    print(f"  tile             {t['m']}x{t['k']}x{t['n']} order {t['order']} (of {r['tilings_considered']} legal)")
    print(f"  energy           {r['energy_j'] * 1e6:.3f} uJ")
    return 0
