"""Wall time of ``simulate`` and ``summary()`` (prints figures; no assertions).

    python benchmarks/bench_simulate.py [--repeat N]

Targets (2-core machine, warm, one process): BERT-base prefill 512 <= 2 ms;
LLaMA-3-8B prefill 2048, LLaMA-3-8B decode (KV 2048) and LLaMA-3-70B prefill
2048 <= 3 ms each; time independent of the layer count within 20 % (1 vs 80
layers); ``summary()`` <= 2 ms; the first ``simulate`` in a fresh process <=
15 ms (measured in a subprocess); ``accelmodel run`` (whole process) <= 0.35 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import accelmodel as am
from accelmodel.paths import bundled_dir


def bench(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up (imports, numpy first-call costs, memoised tilings)
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), min(ts)


def fresh_summary(rep: am.Report) -> dict:
    """``summary()`` with the report's memoised totals dropped, so they are summed again."""
    rep.__dict__.pop("totals", None)
    return rep.summary()


FIRST_CALL = """
import time
import accelmodel as am
hw = am.load_accelerator({path!r})
t = time.perf_counter(); am.simulate(hw, "bert-base"); print(time.perf_counter() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    hw_dir = bundled_dir("hw_configs")
    base = am.load_accelerator(hw_dir / "gemmini_default.yaml")
    edge = am.load_accelerator(hw_dir / "edge_llm.yaml")
    bert = am.load_workload("bert-base")
    llama = am.load_workload("llama3-8b")
    llama70 = am.load_workload("llama3-70b")
    one = llama70.model_copy(update={"n_layers": 1})
    eighty = llama70.model_copy(update={"n_layers": 80})
    bert_rep = am.simulate(base, bert, "prefill", 1, 512)
    cases = {
        "bert-base prefill 512 (gemmini_default)": lambda: am.simulate(base, bert, "prefill", 1, 512),
        "summary() of it (totals recomputed)": lambda: fresh_summary(bert_rep),
        "llama3-8b prefill 2048 (edge_llm)": lambda: am.simulate(edge, llama, "prefill", 1, 2048),
        "llama3-8b decode kv 2048 (edge_llm)": lambda: am.simulate(edge, llama, "decode", 1, 1, 2048),
        "llama3-70b prefill 2048 (edge_llm)": lambda: am.simulate(edge, llama70, "prefill", 1, 2048),
        "llama3-70b shape, 1 layer": lambda: am.simulate(edge, one, "prefill", 1, 2048),
        "llama3-70b shape, 80 layers": lambda: am.simulate(edge, eighty, "prefill", 1, 2048),
    }
    print(f"{'case':<45} {'median ms':>10} {'min ms':>8}")
    res = {}
    for name, fn in cases.items():
        med, mn = bench(fn, a.repeat)
        res[name] = med
        print(f"{name:<45} {med * 1e3:>10.2f} {mn * 1e3:>8.2f}")
    ratio = res["llama3-70b shape, 80 layers"] / res["llama3-70b shape, 1 layer"]
    print(f"80 layers / 1 layer: {ratio:.2f}x")
    first = [float(subprocess.run([sys.executable, "-c", FIRST_CALL.format(path=str(hw_dir / "gemmini_default.yaml"))],
                                  capture_output=True, text=True, check=True).stdout) for _ in range(3)]
    print(f"first simulate in a fresh process: {statistics.median(first) * 1e3:.1f} ms (median of 3)")
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(["accelmodel", "run"], capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    print(f"accelmodel run (whole process): {statistics.median(runs):.2f} s (median of 3)")


if __name__ == "__main__":
    main()
