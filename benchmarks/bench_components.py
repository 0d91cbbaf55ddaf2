"""Wall time of ``component_table(hw)`` (prints figures; no assertions).

    python benchmarks/bench_components.py [--designs N]

Target: < 50 us per call for a new design (sweeps call it once per design); a repeated
design is a cache hit.
"""

from __future__ import annotations

import argparse
import time

from accelmodel.components import component_table
from accelmodel.hardware import load_accelerator, with_updates
from accelmodel.paths import bundled_dir


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--designs", type=int, default=500)
    n = ap.parse_args().designs
    base = load_accelerator(bundled_dir("hw_configs") / "gemmini_default.yaml")
    designs = [with_updates(base, {"scratchpad_kib": 64 + i, "array.rows": 8 + i % 32}) for i in range(n)]
    component_table(base)  # warm-up: data files read, laws fitted
    t = time.perf_counter()
    for hw in designs:
        component_table(hw)
    new = (time.perf_counter() - t) / n
    recent = designs[-100:]  # within the cache (maxsize 256)
    t = time.perf_counter()
    for hw in recent:
        component_table(hw)
    hit = (time.perf_counter() - t) / len(recent)
    print(f"component_table: new design {new * 1e6:.1f} us, cache hit {hit * 1e6:.2f} us ({n} designs)")


if __name__ == "__main__":
    main()
