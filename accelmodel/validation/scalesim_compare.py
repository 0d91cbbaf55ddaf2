"""accelmodel against SCALE-Sim 3.0.0 on transformer GEMMs: cycles, utilisation,
SRAM/DRAM access counts and wall time.

What is compared, and why it is comparable (details in ``docs/validation.md``
and ``docs/scalesim_conventions.md``):

* Both tools run the *same* GEMM ``Y[M,N] = X[M,K] . W[K,N]`` on the same R x C
  array and dataflow. SCALE-Sim runs in CALC bandwidth mode (no stalls) with an
  ifmap / filter / ofmap SRAM of :data:`SRAM_KIB`; accelmodel runs on
  :func:`matched_hw`: the same array, a scratchpad of ifmap + filter KiB, an
  accumulator of ofmap KiB, no L2 (SCALE-Sim's "DRAM" is the level right behind
  its SRAMs), double-buffered like SCALE-Sim's scratchpads, the ``search``
  tiling policy.
* ``array_cycles``: accelmodel's closed form
  (:func:`accelmodel.mapping.systolic.array_cycles`) against the length of
  SCALE-Sim's stall-free demand trace. Expected equal.
* ``compute_cycles``: accelmodel's *mapped* array cycles (the tiling it picks
  for the buffers above) against SCALE-Sim's reported "Compute cycles", which is
  the trace length minus one. Where accelmodel's tiling splits the streamed
  dimension (WS with M cut into several tiles because the accumulator cannot
  hold an M x Nt block of 32-bit partial sums) it refills the array once per M
  tile; SCALE-Sim never tiles (it streams all M rows and writes partial sums
  out). accelmodel cuts M when the accumulator cannot hold an M x Nt block of
  32-bit sums, or when a shorter first-tile load (prologue) outweighs the
  refills in its time ranking (``am_m_split_forced`` tells which). Those GEMMs are marked
  ``same_model = False``: the difference is real
  and reported, not tuned away.
* SRAM/DRAM counts in words (1 byte here: INT8 operands, as SCALE-Sim's fixed
  1-byte word), see :func:`accelmodel_counts` for how accelmodel's byte counts
  split into SCALE-Sim's categories.

Big GEMMs are run on a reduced shape (:func:`peer_shape`) by whole folds, so
SCALE-Sim (~50-250 us per trace line) stays within the time budget; both tools
run the reduced shape.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..gemm import gemm_result
from ..hardware.spec import Accelerator, ArraySpec
from ..mapping.systolic import array_cycles
from ..mapping.tiling import tile_matmul

ARRAYS = (8, 16, 32)
"""Square array sizes compared (R = C)."""
DATAFLOWS = ("WS", "OS")
SRAM_KIB = {"ifmap": 128, "filter": 128, "ofmap": 64}
"""SCALE-Sim SRAM sizes (KiB = Ki-words): Gemmini's 256 KiB scratchpad split between
inputs and weights, and its 64 KiB accumulator."""
MAX_LINES = 50_000
"""Largest SCALE-Sim trace (cycles) run in the full comparison; bigger GEMMs are reduced."""
QUICK_MAX_LINES = 8_000
"""Same, for ``--quick``."""
SCALESIM_SOURCE = "scalesim 3.0.0"


@dataclass(frozen=True)
class GemmCase:
    """One GEMM of the comparison, at its full transformer shape."""

    name: str
    group: str
    m: int
    k: int
    n: int
    quick: bool = False
    """Part of the ``--quick`` subset."""

    @property
    def shape(self) -> str:
        return f"{self.m}x{self.k}x{self.n}"


def _bert(seq: int, quick: bool = False) -> list[GemmCase]:
    g = f"bert-base s{seq}"
    return [
        GemmCase(f"{g} qkv/o proj", g, seq, 768, 768, quick),
        GemmCase(f"{g} ffn_up", g, seq, 768, 3072),
        GemmCase(f"{g} ffn_down", g, seq, 3072, 768),
        GemmCase(f"{g} head Q.K^T", g, seq, 64, seq, quick),
        GemmCase(f"{g} head softmax.V", g, seq, seq, 64),
    ]


GEMM_CASES: tuple[GemmCase, ...] = (
    *_bert(128, quick=True),
    *_bert(512),
    GemmCase("llama3-8b decode q/o proj", "llama3-8b decode", 1, 4096, 4096),
    GemmCase("llama3-8b decode k/v proj", "llama3-8b decode", 1, 4096, 1024, True),
    GemmCase("llama3-8b decode ffn up/gate", "llama3-8b decode", 1, 4096, 14336),
    GemmCase("llama3-8b decode ffn_down", "llama3-8b decode", 1, 14336, 4096),
    GemmCase("odd 37x129x65", "odd", 37, 129, 65, True),
    GemmCase("odd 1000x17x33", "odd", 1000, 17, 33),
    GemmCase("odd 257x255x129", "odd", 257, 255, 129),
)
"""BERT-base projections and FFN at sequence 128 and 512 and one attention head's
Q.K^T and softmax.V; LLaMA-3-8B decode projections (M = 1); odd sizes that leave
partial folds on every array."""


def peer_shape(m: int, k: int, n: int, rows: int, cols: int, dataflow: str, max_lines: int) -> tuple[int, int, int]:
    """The shape SCALE-Sim runs: the GEMM itself if its trace has at most
    ``max_lines`` cycles, else the same GEMM with fewer folds. The dimension that
    sets the cycles per fold is kept (M in WS, K in OS); the larger of the two fold
    dimensions (K, N in WS; M, N in OS) is halved (rounded up) until the trace fits.
    Folds are independent in both tools, so this keeps what is being compared."""
    while array_cycles(m, k, n, rows, cols, dataflow) > max_lines:
        a, b = (k, n) if dataflow == "WS" else (m, n)  # a folds over the R rows, b over the C columns
        if a >= b and a > rows:
            a = math.ceil(a / 2)
        elif b > cols:
            b = math.ceil(b / 2)
        elif a > rows:
            a = math.ceil(a / 2)
        else:
            break  # one fold already: cannot shrink further
        if dataflow == "WS":
            k, n = a, b
        else:
            m, n = a, b
    return m, k, n


def matched_hw(rows: int, cols: int, dataflow: str, ifmap_kib: float = SRAM_KIB["ifmap"],
               filter_kib: float = SRAM_KIB["filter"], ofmap_kib: float = SRAM_KIB["ofmap"]) -> Accelerator:
    """accelmodel's side of the comparison: the default Accelerator (INT8, 32-bit
    accumulator, double-buffered, ``search`` tiling) with SCALE-Sim's array and
    SRAM capacities in bytes (scratchpad = ifmap + filter, accumulator = ofmap) and
    no L2, so that accelmodel's DRAM traffic is the traffic behind the SRAMs, as
    SCALE-Sim's is."""
    return Accelerator(name=f"scalesim-matched {rows}x{cols} {dataflow}",
                       array=ArraySpec.model_validate({"rows": rows, "cols": cols, "dataflow": dataflow}),
                       scratchpad_kib=ifmap_kib + filter_kib, accumulator_kib=ofmap_kib, l2=None,
                       tiling="search", double_buffered=True)


def accelmodel_counts(hw: Accelerator, m: int, k: int, n: int) -> dict:
    """accelmodel's numbers for one GEMM, in SCALE-Sim's categories (words = operand widths).

    From the chosen :class:`~accelmodel.mapping.tiling.TileMapping`:

    * ``array_cycles``: untiled closed form; ``compute_cycles``: summed over the tiles.
    * ``sram_reads_ifmap`` / ``sram_reads_filter``: the *array-read* part of
      ``scratchpad_bytes``; accelmodel's scratchpad count also includes the DMA
      fills (writes) of each operand (its ``local_bytes``), which SCALE-Sim counts
      as DRAM reads, not SRAM accesses. So reads = scratchpad - fills per operand.
    * ``sram_writes_ofmap``: accumulator writes. accelmodel counts accumulator
      accesses; WS: per output ceil(K/R) accumulate writes + as many reads + one
      drain read; OS: per output and K tile one write and one read.
    * ``dram_*``: with no L2 the DRAM traffic is the fill traffic (X and W re-reads
      as the loop order requires) plus the output written once.
    """
    mp = tile_matmul(m, k, n, hw, True)
    dt = hw.dtypes
    ib, wb, ob, ab = dt.input_bytes, dt.weight_bytes, dt.output_bytes, dt.accumulator_bytes
    y = m * n * ob
    w_fill = mp.w_local_bytes
    x_fill = mp.local_bytes - w_fill - y
    acc_accesses = mp.accumulator_bytes / ab
    acc_writes = (acc_accesses - m * n) / 2 if hw.array.dataflow == "WS" else acc_accesses / 2
    R, C, df = hw.array.rows, hw.array.cols, hw.array.dataflow
    macs = m * k * n
    # could one tile hold all M rows (with the smallest K and N tiles)? If not, the buffers force M tiling;
    # if so and the search still cut M, it traded refills for a shorter first-tile load (prologue)
    kt0, nt0 = min(k, R), min(n, C)
    m_fits = (m * kt0 * ib + kt0 * nt0 * wb <= hw.usable_scratchpad_bytes
              and m * nt0 * ab <= hw.usable_accumulator_bytes)
    return {
        "array_cycles": int(array_cycles(m, k, n, R, C, df)),
        "compute_cycles": mp.compute_cycles,
        "utilization": macs / (R * C * mp.compute_cycles),
        "tile": f"{mp.mt}x{mp.kt}x{mp.nt} {mp.order}",
        "m_tiles": math.ceil(m / mp.mt),
        "m_split_forced": not m_fits,
        "sram_reads_ifmap": (mp.scratchpad_bytes - mp.w_scratchpad_bytes - x_fill) / ib,
        "sram_reads_filter": (mp.w_scratchpad_bytes - w_fill) / wb,
        "sram_writes_ofmap": acc_writes,
        "dram_reads_ifmap": (mp.dram_bytes - mp.w_dram_bytes - y) / ib,
        "dram_reads_filter": mp.w_dram_bytes / wb,
        "dram_writes_ofmap": y / ob,
    }


def time_per_call(fn: Callable[[], object], min_total_s: float = 0.05, repeats: int = 3) -> float:
    """Seconds per call of ``fn``: best of ``repeats`` batch means, each batch
    lasting at least ``min_total_s`` (after one warm-up call)."""
    fn()
    best = math.inf
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= min_total_s:
                break
        best = min(best, dt / n)
    return best


def plan(quick: bool = False, max_lines: int | None = None,
         cases: Iterable[GemmCase] | None = None, arrays: Iterable[int] = ARRAYS,
         dataflows: Iterable[str] = DATAFLOWS) -> list[dict]:
    """The runs of the comparison: one per (GEMM, array, dataflow), with the shape run."""
    cap = max_lines or (QUICK_MAX_LINES if quick else MAX_LINES)
    chosen = [c for c in (GEMM_CASES if cases is None else cases) if (c.quick or not quick)]
    runs = []
    for c in chosen:
        for r in arrays:
            for df in dataflows:
                m, k, n = peer_shape(c.m, c.k, c.n, r, r, df, cap)
                runs.append({"case": c.name, "group": c.group, "full_shape": c.shape, "m": m, "k": k, "n": n,
                             "reduced": (m, k, n) != (c.m, c.k, c.n), "rows": r, "cols": r, "dataflow": df})
    return runs


def _accelmodel_side(run: dict) -> dict:
    hw = matched_hw(run["rows"], run["cols"], run["dataflow"])
    m, k, n = run["m"], run["k"], run["n"]
    out = {f"am_{key}": v for key, v in accelmodel_counts(hw, m, k, n).items()}
    out["am_wall_s"] = time_per_call(lambda: gemm_result(hw, m, k, n))
    return out


def _scalesim_side(run: dict) -> dict:
    from .scalesim_peer import run_gemm

    p = run_gemm(run["m"], run["k"], run["n"], run["rows"], run["cols"], run["dataflow"],
                 ifmap_kib=SRAM_KIB["ifmap"], filter_kib=SRAM_KIB["filter"], ofmap_kib=SRAM_KIB["ofmap"],
                 dram_bandwidth_words=None)
    keys = ("array_cycles", "compute_cycles", "stall_cycles", "utilization", "folds", "sram_reads_ifmap",
            "sram_reads_filter", "sram_writes_ofmap", "dram_reads_ifmap", "dram_reads_filter", "dram_writes_ofmap",
            "wall_s")
    return {f"ss_{key}": p[key] for key in keys}


def run_comparison(quick: bool = False, jobs: int = 1, max_lines: int | None = None,
                   progress: Callable[[int, int, dict], None] | None = None, **plan_kwargs) -> pd.DataFrame:
    """Run both tools on every planned GEMM; one row per (GEMM, array, dataflow).

    accelmodel is timed first, serially, in this process; SCALE-Sim then runs in
    ``jobs`` processes (``jobs=1``, the default, gives undisturbed wall times: two
    SCALE-Sim runs sharing two cores each take ~1.3-2x longer). Columns: the plan
    (``case``, ``group``, ``full_shape``, ``m``, ``k``, ``n``, ``reduced``,
    ``rows``, ``cols``, ``dataflow``), ``am_*`` (accelmodel) and ``ss_*``
    (SCALE-Sim) counts, and derived ``same_model``, ``rel_error_compute``,
    ``rel_error_utilization``, ``speed_ratio`` (SCALE-Sim wall / accelmodel wall).
    """
    runs = plan(quick, max_lines, **plan_kwargs)
    rows = [{**r, **_accelmodel_side(r)} for r in runs]
    results: list[dict | None] = [None] * len(rows)
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            futs = {ex.submit(_scalesim_side, r): i for i, r in enumerate(runs)}
            from concurrent.futures import as_completed

            for done, f in enumerate(as_completed(futs), 1):
                i = futs[f]
                results[i] = f.result()
                if progress:
                    progress(done, len(runs), runs[i])
    else:
        for i, r in enumerate(runs):
            results[i] = _scalesim_side(r)
            if progress:
                progress(i + 1, len(runs), r)
    df = pd.DataFrame([{**row, **(res or {})} for row, res in zip(rows, results)])
    return add_derived(df)


def add_derived(df: pd.DataFrame) -> pd.DataFrame:
    """``same_model`` (accelmodel's tiling adds no array refills, so both model the
    same untiled stream), relative errors against SCALE-Sim's reported compute
    cycles and utilisation, and the speed ratio."""
    df = df.copy()
    df["tiling_refill_cycles"] = df["am_compute_cycles"] - df["am_array_cycles"]
    df["same_model"] = df["tiling_refill_cycles"] == 0
    df["rel_error_array"] = df["am_array_cycles"] / df["ss_array_cycles"] - 1.0
    df["rel_error_compute"] = df["am_compute_cycles"] / df["ss_compute_cycles"] - 1.0
    df["rel_error_utilization"] = df["am_utilization"] / df["ss_utilization"] - 1.0
    df["speed_ratio"] = df["ss_wall_s"] / df["am_wall_s"]
    return df


def parity_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per dataflow and array size: GEMMs, how many model the same thing, mean and
    max relative error of compute cycles (same-model GEMMs and all), GEMMs whose
    array cycles equal SCALE-Sim's trace exactly, and the speed ratio."""
    out = []
    for (df_, r), g in df.groupby(["dataflow", "rows"], sort=True):
        s = g[g["same_model"]]
        e_s, e_a = s["rel_error_compute"].abs(), g["rel_error_compute"].abs()
        out.append({
            "dataflow": df_, "array": f"{r}x{r}", "gemms": len(g), "same_model": int(g["same_model"].sum()),
            "mean_rel_error_same": float(e_s.mean()) if len(s) else np.nan,
            "max_rel_error_same": float(e_s.max()) if len(s) else np.nan,
            "mean_rel_error_all": float(e_a.mean()), "max_rel_error_all": float(e_a.max()),
            "array_cycles_exact": int((g["am_array_cycles"] == g["ss_array_cycles"]).sum()),
            "speed_ratio_min": float(g["speed_ratio"].min()),
            "speed_ratio_median": float(g["speed_ratio"].median()),
            "scalesim_wall_s": float(g["ss_wall_s"].sum()),
        })
    return pd.DataFrame(out)


# which counts are expected to be equal by definition, and why not otherwise
_COUNT_NOTES = {
    "sram_reads_ifmap": (lambda r: True,
                         "X is streamed through the array once per column fold: M*K*ceil(N/C) in both"),
    "sram_reads_filter": (lambda r: r["dataflow"] == "OS" or r["am_m_tiles"] == 1,
                          "WS: accelmodel reloads W once per M tile (K*N*M-tiles); OS: K*N*ceil(M/R) in both"),
    "sram_writes_ofmap": (lambda r: r["dataflow"] == "WS",
                          "WS: one partial-sum write per K fold in both; OS: accelmodel writes once per K tile, "
                          "SCALE-Sim M*N + (R+C) per fold (its counter quirk)"),
    "dram_reads_ifmap": (None, "re-reads follow each tool's buffer use: SCALE-Sim's ifmap SRAM (half active) vs "
                               "accelmodel's shared scratchpad and loop order"),
    "dram_reads_filter": (None, "as ifmap: SCALE-Sim's filter SRAM vs accelmodel's tiles and loop order"),
    "dram_writes_ofmap": (None, "WS: SCALE-Sim writes every K-fold partial sum out (M*N*ceil(K/R)); accelmodel "
                                "accumulates in the accumulator and writes M*N once"),
}


def comparison_rows(df: pd.DataFrame, tol: float = 0.02, min_speed_ratio: float = 1000.0) -> list[dict]:
    """Rows of the validation table (see :mod:`accelmodel.validation.table`) for every run."""
    from .table import TARGET_SOURCE, make_row

    rows = []
    for r in df.to_dict(orient="records"):
        case = f"{r['case']} | {r['rows']}x{r['cols']} {r['dataflow']}"
        shape = f"run as {r['m']}x{r['k']}x{r['n']}" + (f" (reduced from {r['full_shape']})" if r["reduced"] else "")
        tile = f"accelmodel tile {r['am_tile']}"
        rows.append(make_row(case, "array_cycles", r["am_array_cycles"], r["ss_array_cycles"], unit="cycles",
                             source=SCALESIM_SOURCE, check="equal (closed form vs trace length)",
                             passed=r["am_array_cycles"] == r["ss_array_cycles"], note=shape, rel=True))
        if r["same_model"]:
            chk, ok = f"|rel_error| <= {tol:.0%}", abs(r["rel_error_compute"]) <= tol
            note = f"{tile}; SCALE-Sim reports trace length - 1"
        else:
            chk, ok = "not the same model (accelmodel tiles M)", None
            why = ("the accumulator cannot hold M x Nt 32-bit sums" if r["am_m_split_forced"] else
                   "chosen by the search: a shorter first-tile load outweighs the refills")
            note = (f"{tile}: {r['am_m_tiles']} M tiles, +{r['tiling_refill_cycles']:.0f} refill cycles ({why}); "
                    "SCALE-Sim streams all M rows through each fold")
        rows.append(make_row(case, "compute_cycles", r["am_compute_cycles"], r["ss_compute_cycles"], unit="cycles",
                             source=SCALESIM_SOURCE, check=chk, passed=ok, note=note, rel=True))
        ok_u = abs(r["rel_error_utilization"]) <= tol if r["same_model"] else None
        rows.append(make_row(case, "utilization", r["am_utilization"], r["ss_utilization"], unit="fraction",
                             source=SCALESIM_SOURCE, check=chk, passed=ok_u,
                             note="MACs / (R*C*compute cycles) in both", rel=True))
        for metric, (expect, why) in _COUNT_NOTES.items():
            exact = expect is not None and expect(r)
            passed = (r[f"am_{metric}"] == r[f"ss_{metric}"]) if exact else None
            rows.append(make_row(case, metric, r[f"am_{metric}"], r[f"ss_{metric}"], unit="words",
                                 source=SCALESIM_SOURCE, check="equal by definition" if exact else "info",
                                 passed=passed, note=why, rel=True))
        rows.append(make_row(case, "wall_s", r["am_wall_s"], r["ss_wall_s"], unit="s", source=SCALESIM_SOURCE,
                             check="info", note="accelmodel: tiling search + cost (gemm_result); SCALE-Sim: run_gemm"))
        rows.append(make_row(case, "speed_ratio", r["speed_ratio"], min_speed_ratio, unit="x",
                             source=TARGET_SOURCE, check=f"accelmodel >= {min_speed_ratio:g}",
                             passed=r["speed_ratio"] >= min_speed_ratio,
                             note="SCALE-Sim wall time / accelmodel wall time, same GEMM"))
    return rows
