"""End-to-end latency of a workload under each nonlinear-unit choice (prints a table;
numbers from the model, no assertions).

    python benchmarks/nonlinear_designs.py [--hw gemmini_default] [--workload bert-base] [--seq-len 512]

Designs (``accelmodel.unit_study.NONLINEAR_DESIGNS``, each unit kind at its defaults):
everything offloaded to the host CPU; LUT softmax + LUT GELU; CORDIC softmax + LUT
GELU; cross-road softmax alone; cross-road softmax + LUT GELU; I-BERT integer units
for softmax, GELU and LayerNorm. LUT/CORDIC/cross-road cannot run LayerNorm, which
stays on the host in those designs.
"""

from __future__ import annotations

import argparse

from accelmodel.commands.common import resolve_hw
from accelmodel.unit_study import compare_designs
from accelmodel.workload.config import load_workload


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hw", default="gemmini_default", help="hardware YAML or bundled config name")
    ap.add_argument("--workload", default="bert-base")
    ap.add_argument("--seq-len", type=int, default=512)
    a = ap.parse_args()
    hw = resolve_hw(a.hw)
    cfg = load_workload(a.workload)
    t = compare_designs(hw, cfg, seq_len=a.seq_len)
    print(f"{cfg.name} prefill {a.seq_len} on {hw.name}: nonlinear-unit choices "
          f"(softmax / activation / norm)\n")
    head = (f"{'design':<14} {'softmax':<11} {'activation':<11} {'norm':<11} {'latency':>10} {'speedup':>8} "
            f"{'matmul':>7} {'host CPU':>9} {'energy':>9} {'max rel err':>12}")
    print(head)
    print("-" * len(head))
    for r in t.itertuples():
        print(f"{r.design:<14} {r.softmax:<11} {r.activation:<11} {r.norm:<11} {r.latency_s * 1e3:>7.1f} ms "
              f"{r.speedup:>7.2f}x {r.matmul_share:>7.1%} {r.cpu_share:>9.1%} {r.energy_j * 1e3:>6.1f} mJ "
              f"{r.max_rel_error:>12.3g}")
    print("\nmatmul, host CPU: shares of latency. max rel err: worst relative error (vs float64, bundled "
          "calibration set)\nof the design's softmax, activation and norm units.")


if __name__ == "__main__":
    main()
