"""Wall time of one end-to-end ``simulate`` (prints figures; no assertions).

    python benchmarks/bench_simulate.py [--repeat N]

Targets (2-core machine): BERT-base prefill 512 < 20 ms; LLaMA-3-8B prefill 2048
+ decode < 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

import accelmodel as am
from accelmodel.paths import bundled_dir


def bench(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up (imports, numpy first-call costs)
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), min(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    hw_dir = bundled_dir("hw_configs")
    base = am.load_accelerator(hw_dir / "gemmini_default.yaml")
    edge = am.load_accelerator(hw_dir / "edge_llm.yaml")
    bert = am.load_workload("bert-base")
    llama = am.load_workload("llama3-8b")
    cases = {
        "bert-base prefill 512 (gemmini_default)": lambda: am.simulate(base, bert, "prefill", 1, 512),
        "bert-base prefill 512 + summary": lambda: am.simulate(base, bert, "prefill", 1, 512).summary(),
        "llama3-8b prefill 2048 + decode (edge_llm)": lambda: (am.simulate(edge, llama, "prefill", 1, 2048),
                                                               am.simulate(edge, llama, "decode", 1, 1, 2048)),
    }
    print(f"{'case':<45} {'median ms':>10} {'min ms':>8}")
    for name, fn in cases.items():
        med, mn = bench(fn, a.repeat)
        print(f"{name:<45} {med * 1e3:>10.2f} {mn * 1e3:>8.2f}")


if __name__ == "__main__":
    main()
