"""Time `simulate_generation` for LLaMA-3-8B, prompt 512 + 2,048 generated tokens, on edge_llm.

Prints the first (cold: tilings not yet memoised) and the best of 5 later calls.
Run: PYTHONPATH=. python benchmarks/bench_generation.py
"""

from __future__ import annotations

import time

from accelmodel.generation import simulate_generation
from accelmodel.hardware.spec import load_accelerator
from accelmodel.paths import find_file


def main() -> None:
    hw = load_accelerator(find_file("edge_llm", "hw_configs", "--hw", "config"))
    times = []
    for _ in range(6):
        t = time.perf_counter()
        g = simulate_generation(hw, "llama3-8b", 512, 2048)
        times.append(time.perf_counter() - t)
    s = g.summary()
    print(f"llama3-8b prompt 512 + 2048 tokens on edge_llm: cold {times[0] * 1e3:.1f} ms, "
          f"warm best {min(times[1:]) * 1e3:.1f} ms (TTFT {s['ttft_s']:.4g} s, mean TPOT {s['tpot_s']:.4g} s)")


if __name__ == "__main__":
    main()
