"""Tiling search for one matmul: enumerate legal tilings, rank them by an objective.

The search (this module) is kept apart from the cost (``accelmodel.cost``): it
enumerates tile sizes and loop orders that fit the buffers, computes for every
candidate the counts a cost function needs (compute cycles, bytes per memory
level, buffer accesses), and picks the candidate with the least time, ties
broken by the least energy. Everything is vectorised over candidates.
``docs/mapping.md`` describes the model with examples.

Model (per matmul instance Y[M,N] = X[M,K] . W[K,N]):

* Policy ``search`` (default) ranks every legal tiling; ``square`` keeps only
  square output tiles (Mt = Nt unless capped by the matrix), as Gemmini's
  software tiler and the survey's analytical model do.
* Tiles (Mt, Kt, Nt): Mt and Kt multiples of R, Nt of C (or the whole
  dimension). Per dimension: the smallest tile for every tile count if the
  dimension spans at most 64 array widths, else for the counts in
  ``_SPLIT_LIST`` (at most ~2% latency lost on large GEMMs).
* Capacity: ``Mt*Kt*in_B + Kt*Nt*w_B <= scratchpad`` and ``Mt*Nt*acc_B <=
  accumulator``, each halved when double-buffered.
* Loop orders: all six (:data:`LOOP_ORDERS`, outer to inner). An operand crosses
  the buffer boundary once per tile of its reuse loop (X: n, W: m, Y: k) if one
  of its own non-trivial loops sits inside that loop, else once
  (``loop_orders``). ``mnk``/``nmk`` keep K innermost: every output tile is
  finished before it leaves and written once (``M*N*out_B``). The other four
  leave output tiles unfinished: their partial sums are spilled at accumulator
  width and reloaded, ``2 (Tk - 1) M N acc_B`` bytes, only if
  ``hw.accumulator_reload``; on OS arrays every extra visit of an output tile
  costs another fill and drain (R + C - 2 cycles per output fold).
* Pruning: orders that differ only in where a one-tile loop sits are one
  schedule (kept once); when all three loops have several tiles, ``mnk``/``nmk``,
  ``mkn``/``kmn`` and ``nkm``/``knm`` move the same bytes through the buffers
  and differ only in their L2 working sets: the one with less DRAM traffic is kept.
* L2 (optional) serves an operand's repeated crossings if its working set fits
  (the extent touched during one iteration of its reuse loop; e.g. ``mnk``
  re-reads an X stripe Mt*K and all of W). Of X, W and the partial sums the
  subset that fits together and saves the most DRAM bytes is kept; DRAM sees
  compulsory traffic (every input read once, output written once: no fusion
  between ops) plus the rest.
* Time = max(compute, L2-link, DRAM) cycles (double-buffered overlap) + the
  first fold's operand load + the last fold's output store + memory latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..components import byte_energies
from ..errors import MappingError
from ..hardware.spec import Accelerator
from .loop_orders import (
    CANONICAL,
    CROSSES,
    K_INNER_ORDERS,
    LOOP_ORDERS,
    WS_FULL,
    l2_savings,
)
from .systolic import ceil_div, tiled_array_cycles

_SPLIT_LIST = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96, 128, 192, 256,
               384, 512, 768, 1024)
_SPLITS = np.array(_SPLIT_LIST)
_EVERY_SPLIT_UP_TO = 256
"""A dimension of at most this many array-widths gets every split count (so every
tile count has its smallest tile); larger ones get ``_SPLIT_LIST``."""


def tile_candidates(dim: int, gran: int) -> np.ndarray:
    """Tile sizes for one dimension: ceil(dim / s) rounded up to a multiple of
    ``gran`` for a set of split counts s (every s up to ceil(dim / gran) if that
    is at most ``_EVERY_SPLIT_UP_TO``, else ``_SPLIT_LIST``), plus ``gran``
    itself; never above dim.
    (The returned array is shared between calls: do not modify it.)"""
    return _tile_candidates(int(dim), int(gran))


@lru_cache(maxsize=4096)
def _tile_candidates(dim: int, gran: int) -> np.ndarray:
    # pure function of two ints, memoised: small GEMMs are dominated by fixed per-call costs
    if dim <= gran:
        t = np.array([dim])
    else:
        units = -(-dim // gran)
        splits = range(1, units + 1) if units <= _EVERY_SPLIT_UP_TO else _SPLIT_LIST
        sizes = {min(dim, ceil_div(ceil_div(dim, s), gran) * gran) for s in splits}
        sizes.add(gran)
        t = np.array(sorted(sizes))
    t.flags.writeable = False
    return t


def x_array_read_bytes(m: int, k: int, n: int, hw: Accelerator) -> float:
    """Scratchpad bytes the array reads of X: every input element once per
    column fold (ceil(N/C)), in both dataflows, whatever the tiling."""
    return m * k * hw.dtypes.input_bytes * ceil_div(n, hw.array.cols)


@dataclass(frozen=True, slots=True)
class TileMapping:
    """The chosen tiling of one matmul instance and the counts it implies."""

    mt: int
    kt: int
    nt: int
    order: str
    """Loop order, outer to inner: one of :data:`LOOP_ORDERS` (``mnk``, ``nmk``: K
    innermost; the others spill and reload partial sums)."""
    compute_cycles: float
    """Array cycles (SCALE-Sim convention, summed over tiles)."""
    local_bytes: float
    """Bytes moved into the scratchpad/accumulator and out of it (L2 link or DMA)."""
    dram_bytes: float
    """Bytes moved to/from DRAM."""
    l2_bytes: float
    """Bytes of L2 accesses (0 without L2)."""
    scratchpad_bytes: float
    """Scratchpad reads + writes, bytes."""
    accumulator_bytes: float
    """Accumulator reads + writes, bytes."""
    prologue_cycles: float
    """Cycles that do not overlap: first tile in, last tile out, latency."""
    local_cycles: float
    dram_cycles: float
    n_candidates: int
    """Legal tilings considered."""
    w_local_bytes: float = 0.0
    """Part of ``local_bytes`` that is the W operand."""
    w_dram_bytes: float = 0.0
    """Part of ``dram_bytes`` that is the W operand."""
    w_scratchpad_bytes: float = 0.0
    """Part of ``scratchpad_bytes`` that is the W operand (fills and array reads)."""
    spill_bytes: float = 0.0
    """Partial-sum bytes spilled out of the accumulator and reloaded (part of
    ``local_bytes``; of ``dram_bytes`` too unless the L2 keeps them)."""

    @property
    def steady_cycles(self) -> float:
        return max(self.compute_cycles, self.local_cycles, self.dram_cycles)

    @property
    def total_cycles(self) -> float:
        return self.steady_cycles + self.prologue_cycles


def table_key(hw: Accelerator) -> tuple:
    """The fields of ``hw`` that :func:`candidate_table` with ``fit_buffers=False``
    depends on, apart from :func:`memory_rates` (which only set ``local_cyc``,
    ``dram_cyc`` and ``prologue``). Designs with equal keys share one candidate
    table; sweeps use this to search many designs at once. Keep in sync with
    :func:`candidate_table`."""
    dt = hw.dtypes
    return (hw.array.rows, hw.array.cols, hw.array.dataflow, hw.array.weight_preload, dt.input_bytes,
            dt.weight_bytes, dt.output_bytes, dt.accumulator_bytes, dt.kv_bytes, hw.tiling,
            None if hw.l2 is None else hw.l2.size_kib, hw.accumulator_reload)


def memory_rates(hw: Accelerator) -> tuple[float, float, float]:
    """(local bytes per cycle, DRAM bytes per cycle, non-overlapped memory latency
    in cycles) that turn a candidate's bytes into cycles."""
    latency = hw.dram.latency_ns * hw.clock_ghz + (hw.l2.latency_cycles if hw.l2 is not None else 0.0)
    return hw.local_bytes_per_cycle, hw.dram_bytes_per_cycle, latency


def candidate_times(local, dram, io, local_bpc, dram_bpc, latency):
    """(local_cyc, dram_cyc, prologue) from bytes moved (``local``, ``dram``), the
    first fold's operands plus the last fold's outputs (``io``) and the rates.
    Works element-wise on numpy arrays (broadcast), e.g. many designs x candidates."""
    return local / local_bpc, dram / dram_bpc, io / np.minimum(local_bpc, dram_bpc) + latency


def tile_sizes(m: int, k: int, n: int, hw: Accelerator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate tile sizes for M, K and N (the ``square`` policy shares one list
    between M and N, so square output tiles exist)."""
    R, C = hw.array.rows, hw.array.cols
    cm, ck, cn = tile_candidates(m, R), tile_candidates(k, R), tile_candidates(n, C)
    if hw.tiling == "square":
        both = np.union1d(cm, cn)
        cm, cn = np.unique(np.minimum(both, m)), np.unique(np.minimum(both, n))
    return cm, ck, cn


def no_fit_error(m: int, k: int, n: int, hw: Accelerator, weight_operand: bool = True) -> MappingError:
    """The error for a matmul no tile of which fits the buffers: which buffer and
    what the smallest tile needs."""
    dt = hw.dtypes
    ib, ab = dt.input_bytes, dt.accumulator_bytes
    wb = dt.weight_bytes if weight_operand else dt.kv_bytes  # no weight: K or V from the cache
    cm, ck, cn = tile_sizes(m, k, n, hw)
    mt0, kt0, nt0 = cm.min(), ck.min(), cn.min()
    need_s = (mt0 * kt0 * ib + kt0 * nt0 * wb) * (2 if hw.double_buffered else 1) / 1024
    need_a = mt0 * nt0 * ab * (2 if hw.double_buffered else 1) / 1024
    if need_s > hw.scratchpad_kib:
        return MappingError(
            f"scratchpad_kib: {hw.scratchpad_kib:g} KiB cannot hold the smallest tile of a {m}x{k}x{n} matmul "
            f"({mt0}x{kt0} inputs + {kt0}x{nt0} weights{', double-buffered' if hw.double_buffered else ''}: "
            f"needs {need_s:g} KiB)")
    return MappingError(
        f"accumulator_kib: {hw.accumulator_kib:g} KiB cannot hold the smallest {mt0}x{nt0} output tile of a "
        f"{m}x{k}x{n} matmul (needs {need_a:g} KiB)")


def _rows(keep: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    """The rows ``keep`` selects of each column."""
    return [c[keep] for c in columns]


def candidate_table(m: int, k: int, n: int, hw: Accelerator, weight_operand: bool = True,
                    fit_buffers: bool = True) -> dict[str, np.ndarray]:
    """All legal (Mt, Kt, Nt, order) for one instance, with their counts.

    ``order`` holds indices into :data:`LOOP_ORDERS`; orders with K outside M or
    N are considered only if ``hw.accumulator_reload``. Schedules that are
    duplicates (one-tile loops moved) or dominated (twin orders with more DRAM
    traffic) are dropped. ``weight_operand`` only selects the byte width of the
    second operand (weights, or else K/V read from the cache at ``dtypes.kv_bits``). Raises :class:`MappingError` if
    nothing fits. ``fit_buffers=False`` keeps tiles whatever the buffer
    capacities (their needs are in ``spad_need`` and ``acc_need``, bytes), so
    that one table serves designs that differ only in capacities and rates (see
    :func:`table_key`). Byte counts are per instance; ``spill`` is the
    partial-sum bytes moved out of the accumulator and back (part of ``local``,
    and of ``dram`` unless the L2 keeps them).
    """
    R, C, df = hw.array.rows, hw.array.cols, hw.array.dataflow
    dt = hw.dtypes
    ib, ob, ab = dt.input_bytes, dt.output_bytes, dt.accumulator_bytes
    wb = dt.weight_bytes if weight_operand else dt.kv_bytes  # no weight: K or V from the cache
    cm, ck, cn = tile_sizes(m, k, n, hw)
    square = hw.tiling == "square"
    # the (M, K, N) grid, M slowest (as meshgrid(..., indexing="ij").ravel())
    nm, nk, nn = len(cm), len(ck), len(cn)
    MT = np.repeat(cm, nk * nn)
    KT = np.tile(np.repeat(ck, nn), nm)
    NT = np.tile(cn, nm * nk)
    spad = MT * KT * ib + KT * NT * wb
    acc = MT * NT * ab
    if fit_buffers:
        ok = (spad <= hw.usable_scratchpad_bytes) & (acc <= hw.usable_accumulator_bytes)
    else:
        ok = np.ones(MT.shape, dtype=bool)
    if square:
        # output tiles as square as the matrix allows (one side may be capped by its dimension)
        ok &= (MT == NT) | ((MT == m) & (NT > MT)) | ((NT == n) & (MT > NT))
    if not ok.any():
        raise no_fit_error(m, k, n, hw, weight_operand)
    Tm, Tk, Tn = ceil_div(m, MT[ok]), ceil_div(k, KT[ok]), ceil_div(n, NT[ok])
    pattern = 4 * (Tm > 1) + 2 * (Tk > 1) + (Tn > 1)

    # one row per (tile, order) whose schedule is distinct, order by order
    n_orders = len(LOOP_ORDERS) if hw.accumulator_reload else len(K_INNER_ORDERS)
    order, g = np.nonzero(CANONICAL[hw.l2 is None][:n_orders, pattern])
    pat, Tm, Tk, Tn = pattern[g], Tm[g], Tk[g], Tn[g]
    g = np.flatnonzero(ok)[g]
    MT, KT, NT, spad, acc = MT[g], KT[g], NT[g], spad[g], acc[g]

    # crossings of each operand (module docstring of loop_orders): X's reuse loop is n, W's m, Y's k
    x_cross = np.where(CROSSES["x"][order, pat], Tn, 1)
    w_cross = np.where(CROSSES["w"][order, pat], Tm, 1)
    visits = np.where(CROSSES["y"][order, pat], Tk, 1)
    x_bytes, w_bytes, y_bytes = m * k * ib, k * n * wb, m * n * ob
    x_reads = x_cross * x_bytes
    w_reads = w_cross * w_bytes
    spill = 2.0 * (visits - 1) * (m * n * ab)
    local = x_reads + w_reads + y_bytes + spill

    # DRAM traffic: compulsory, plus re-crossings the L2 cannot hold
    if hw.l2 is None:
        dram = local
        w_dram = w_reads
        l2 = np.zeros_like(local, dtype=float)
    else:
        full = WS_FULL[order].T
        ws_x = np.where(full[0], m, MT) * np.where(full[1], k, KT) * ib
        ws_w = np.where(full[2], k, KT) * np.where(full[3], n, NT) * wb
        ws_p = np.where(full[4], m, MT) * np.where(full[5], n, NT) * ab
        saved, keep_w = l2_savings((x_reads - x_bytes, w_reads - w_bytes, spill), (ws_x, ws_w, ws_p),
                                   hw.l2.size_kib * 1024)
        dram = local - saved
        w_dram = np.where(keep_w, w_bytes, w_reads)
        # twin orders (same schedule when every loop has several tiles): keep the one with less DRAM
        # traffic. Every order has a row for each such tile, in the same sequence.
        twin_rows = np.flatnonzero(pat == 7).reshape(n_orders // 2, 2, -1)
        b_worse = dram[twin_rows[:, 1]] >= dram[twin_rows[:, 0]]
        keep = np.ones(len(g), dtype=bool)
        keep[np.where(b_worse, twin_rows[:, 1], twin_rows[:, 0])] = False
        MT, KT, NT, spad, acc, order, Tm, x_reads, w_reads, spill, local, dram, w_dram, visits = _rows(
            keep, MT, KT, NT, spad, acc, order, Tm, x_reads, w_reads, spill, local, dram, w_dram, visits)
        l2 = local + dram  # every local byte is an L2 access; every DRAM byte is written to/read from L2

    compute = tiled_array_cycles(m, k, n, MT, KT, NT, R, C, df, visits, hw.array.weight_preload).astype(float)
    # scratchpad: written by fills, read by the array
    if df == "WS":
        w_spad_rd = w_bytes * Tm
        acc_rw = m * n * ab * (2 * ceil_div(k, R) + 1)
    else:
        w_spad_rd = np.full(MT.shape, w_bytes * ceil_div(m, R))
        # outputs accumulate in the PEs across the K tiles of a visit (as the cycle model
        # assumes): each output is written to the accumulator once and read out once
        acc_rw = m * n * ab * 2
    # a spill reads the partial sums out of the accumulator, a reload writes them back
    acc_rw = acc_rw + spill
    spad_bytes = x_array_read_bytes(m, k, n, hw) + w_spad_rd + x_reads + w_reads

    # the DMA streams fold by fold: compute starts after the first fold's operands
    # arrive, and ends with the last fold's outputs leaving
    r, c = min(R, k), min(C, n)
    if df == "WS":
        first_in = np.minimum(MT, m) * r * ib + r * c * wb
        last_out = np.minimum(MT, m) * c * ob
    else:
        first_in = np.minimum(R, m) * KT * ib + KT * c * wb
        last_out = np.full(MT.shape, min(R, m) * c * ob)
    io = first_in + last_out
    local_cyc, dram_cyc, prologue = candidate_times(local, dram, io, *memory_rates(hw))
    return dict(mt=MT, kt=KT, nt=NT, order=order, compute=compute, local=local.astype(float),
                dram=dram.astype(float), l2=l2.astype(float), spad=spad_bytes.astype(float),
                acc=np.broadcast_to(acc_rw, MT.shape).astype(float), local_cyc=local_cyc, dram_cyc=dram_cyc,
                prologue=prologue, w_local=w_reads.astype(float), w_dram=w_dram.astype(float),
                w_spad=(w_spad_rd + w_reads).astype(float), io=io.astype(float),
                spad_need=spad.astype(float), acc_need=acc.astype(float), spill=spill.astype(float))


TIME_TIE = 1e-9
"""Candidates within this relative time of the fastest count as tied (float
round-off only, so more bandwidth can never pick a slower tiling); the
least-energy one among them wins."""


def energy_rates(hw: Accelerator) -> tuple[float, float, float, float]:
    """(DRAM pJ/bit, L2, scratchpad and accumulator pJ/byte) that rank tied candidates: the
    energies the cost path charges (:func:`accelmodel.components.byte_energies`)."""
    e = byte_energies(hw)
    return hw.dram.energy_pj_per_bit, e.l2 * 1e12, e.scratchpad * 1e12, e.accumulator * 1e12


def candidate_time(compute, local_cyc, dram_cyc, prologue):
    """Cycles of a candidate: overlapped steady state plus the prologue (element-wise)."""
    return np.maximum(np.maximum(compute, local_cyc), dram_cyc) + prologue


def candidate_energy(table: dict[str, np.ndarray], dram_pj_per_bit, l2_pj, spad_pj, acc_pj):
    """Memory energy of each candidate, pJ (element-wise; the rates may be columns of many designs)."""
    return (table["dram"] * 8 * dram_pj_per_bit + table["l2"] * l2_pj
            + table["spad"] * spad_pj + table["acc"] * acc_pj)


def pick(time: np.ndarray, energy: np.ndarray, volume: np.ndarray, fit: np.ndarray | None = None):
    """The ranking: least time (within ``TIME_TIE``), then least energy (within
    ``TIME_TIE``), then the largest tile volume, then the first candidate.

    1-D inputs give one index; 2-D inputs (designs x candidates, ``fit`` masking
    the candidates each design can hold) give one index per row. A row where
    nothing fits gets an arbitrary index: the caller must check ``fit.any(-1)``.
    """
    t = time if fit is None else np.where(fit, time, np.inf)
    near = t <= t.min(axis=-1, keepdims=True) * (1 + TIME_TIE)
    if fit is not None:
        near &= fit
    e = np.where(near, energy, np.inf)
    near &= e <= e.min(axis=-1, keepdims=True) * (1 + TIME_TIE)
    # still tied: the largest tiles (fewest DMA transfers and loop iterations)
    return np.where(near, volume, -1).argmax(axis=-1)


def choose(table: dict[str, np.ndarray], hw: Accelerator) -> int:
    """Index of the candidate with the least time (within ``TIME_TIE``), then the
    least energy, then the largest tile."""
    time = candidate_time(table["compute"], table["local_cyc"], table["dram_cyc"], table["prologue"])
    energy = candidate_energy(table, *energy_rates(hw))
    return int(pick(time, energy, table["mt"] * table["kt"] * table["nt"]))


def tile_matmul(m: int, k: int, n: int, hw: Accelerator, weight_operand: bool = True) -> TileMapping:
    """Best tiling of one Y[M,N] = X[M,K] . W[K,N] instance on ``hw``."""
    t = candidate_table(m, k, n, hw, weight_operand)
    i = choose(t, hw)
    return TileMapping(
        mt=int(t["mt"][i]), kt=int(t["kt"][i]), nt=int(t["nt"][i]), order=LOOP_ORDERS[int(t["order"][i])],
        compute_cycles=float(t["compute"][i]), local_bytes=float(t["local"][i]), dram_bytes=float(t["dram"][i]),
        l2_bytes=float(t["l2"][i]), scratchpad_bytes=float(t["spad"][i]), accumulator_bytes=float(t["acc"][i]),
        prologue_cycles=float(t["prologue"][i]), local_cycles=float(t["local_cyc"][i]),
        dram_cycles=float(t["dram_cyc"][i]), n_candidates=len(t["mt"]), w_local_bytes=float(t["w_local"][i]),
        w_dram_bytes=float(t["w_dram"][i]), w_scratchpad_bytes=float(t["w_spad"][i]), spill_bytes=float(t["spill"][i]),
    )
