"""Time `simulate_generation` for LLaMA-3-8B, prompt 512 + 2,048 generated tokens, on edge_llm.

Prints, in fresh processes: COLD = the first call in a process (tilings not yet memoised), split into
the prefill pass (simulate + summary) and the decode steps; and WARM = the best of 5 later calls.
Run: PYTHONPATH=. python benchmarks/bench_generation.py
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np

from accelmodel.decode_steps import decode_steps
from accelmodel.generation import simulate_generation
from accelmodel.hardware.spec import load_accelerator
from accelmodel.paths import find_file
from accelmodel.simulation import simulate
from accelmodel.workload.config import load_workload

PROMPT, GEN = 512, 2048


def _ms(t: float) -> str:
    return f"{(time.perf_counter() - t) * 1e3:.1f} ms"


def cold_split() -> None:
    """One fresh process: the prefill pass, then the decode steps, each cold."""
    hw = load_accelerator(find_file("edge_llm", "hw_configs", "--hw", "config"))
    cfg = load_workload("llama3-8b")
    t = time.perf_counter()
    simulate(hw, cfg, "prefill", 1, PROMPT).summary()
    pre = _ms(t)
    t = time.perf_counter()
    decode_steps(hw, cfg, 1, np.arange(PROMPT, PROMPT + GEN - 1))
    print(f"COLD split: prefill {pre}, decode steps {_ms(t)}")


def cold_then_warm() -> None:
    hw = load_accelerator(find_file("edge_llm", "hw_configs", "--hw", "config"))
    times = []
    for _ in range(6):
        t = time.perf_counter()
        g = simulate_generation(hw, "llama3-8b", PROMPT, GEN)
        times.append(time.perf_counter() - t)
    s = g.summary()
    print(f"COLD (first call in a process): {times[0] * 1e3:.1f} ms")
    print(f"WARM (best of 5 later calls):   {min(times[1:]) * 1e3:.1f} ms")
    print(f"(TTFT {s['ttft_s']:.4g} s, mean TPOT {s['tpot_s']:.4g} s)")


def main() -> None:
    if sys.argv[1:] == ["--split"]:
        cold_split()
        return
    print(f"llama3-8b prompt {PROMPT} + {GEN} tokens on edge_llm")
    cold_then_warm()
    subprocess.run([sys.executable, __file__, "--split"], check=True)


if __name__ == "__main__":
    main()
