"""The tiling of one matmul on many designs at once.

:func:`map_designs` picks, for every design, the candidate that
:func:`~accelmodel.mapping.tiling.pick` ranks first — the same candidate table
and the same ranking for one design or ten thousand. Designs sharing a
:func:`~accelmodel.mapping.tiling.table_key` share one candidate table; their
capacities, rates and energies pick together on a (distinct parameter sets x
candidates) matrix.
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from ..hardware.spec import Accelerator
from .tiling import (LOOP_ORDERS, candidate_energy, candidate_table, candidate_time, candidate_times, energy_rates,
                     memory_rates, no_fit_error, pick, table_key)

FLOAT_FIELDS = ("compute_cycles", "local_bytes", "dram_bytes", "l2_bytes", "scratchpad_bytes", "accumulator_bytes",
                "prologue_cycles", "local_cycles", "dram_cycles", "w_local_bytes", "w_dram_bytes",
                "w_scratchpad_bytes", "spill_bytes")
"""Float fields of a batch mapping (one entry per design; NaN where nothing fits)."""
_TABLE_OF = {"compute_cycles": "compute", "local_bytes": "local", "dram_bytes": "dram", "l2_bytes": "l2",
             "scratchpad_bytes": "spad", "accumulator_bytes": "acc", "w_local_bytes": "w_local",
             "w_dram_bytes": "w_dram", "w_scratchpad_bytes": "w_spad", "spill_bytes": "spill"}
_MAX_CELLS = 2_000_000
"""Largest (parameter sets x candidates) matrix ranked at once."""


def design_params(hw: Accelerator) -> tuple:
    """The numbers besides :func:`table_key` that pick a candidate: capacities,
    memory rates and energies."""
    return (hw.usable_scratchpad_bytes, hw.usable_accumulator_bytes, *memory_rates(hw), *energy_rates(hw))



class _Memo:
    """A bounded, thread-safe memo of a pure function of its (hashable) key."""

    def __init__(self, limit: int):
        self._data: dict = {}
        self._limit = limit
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            hit = self._data.get(key)
        if hit is not None:
            return hit
        value = compute()
        with self._lock:
            if len(self._data) >= self._limit:
                self._data.clear()
            self._data[key] = value
        return value


_TABLES = _Memo(4096)
_SINGLE = _Memo(16384)


def _table(m: int, k: int, n: int, weight_operand: bool, key: tuple, hw: Accelerator) -> dict[str, np.ndarray]:
    """The capacity-free candidate table: a pure function of the shape and ``key``
    (``hw`` is any design with that key; the rate columns are recomputed per
    design by :func:`_rank`)."""
    return _TABLES.get((m, k, n, weight_operand, key),
                       lambda: candidate_table(m, k, n, hw, weight_operand, fit_buffers=False))


def _rank(tab: dict[str, np.ndarray], params: np.ndarray):
    """Best candidate per row of ``params`` (distinct parameter sets), whether any
    fits, and the chosen candidate's local, DRAM and prologue cycles."""
    volume = tab["mt"] * tab["kt"] * tab["nt"]
    P, N = len(params), len(volume)
    best = np.zeros(P, dtype=np.int64)
    ok = np.zeros(P, dtype=bool)
    lc_b, dc_b, pro_b = np.empty(P), np.empty(P), np.empty(P)
    step = max(1, _MAX_CELLS // max(N, 1))
    for a in range(0, P, step):
        u = params[a:a + step]
        col = [u[:, j:j + 1] for j in range(u.shape[1])]
        fit = (tab["spad_need"] <= col[0]) & (tab["acc_need"] <= col[1])
        lc, dc, pro = candidate_times(tab["local"], tab["dram"], tab["io"], col[2], col[3], col[4])
        time = candidate_time(tab["compute"], lc, dc, pro)
        energy = candidate_energy(tab, col[5], col[6], col[7], col[8])
        b = pick(time, energy, volume, fit)
        r = np.arange(len(u))
        best[a:a + step], ok[a:a + step] = b, fit.any(axis=1)
        lc_b[a:a + step], dc_b[a:a + step], pro_b[a:a + step] = lc[r, b], dc[r, b], pro[r, b]
    return best, ok, lc_b, dc_b, pro_b


def design_keys(hws: Sequence[Accelerator]) -> tuple[list[tuple], np.ndarray]:
    """Per design, its :func:`table_key` and :func:`design_params` (as rows of an array)."""
    return [table_key(hw) for hw in hws], np.array([design_params(hw) for hw in hws], dtype=float)


def map_designs(m: int, k: int, n: int, weight_operand: bool, hws: Sequence[Accelerator],
                keys: tuple[list[tuple], np.ndarray] | None = None
                ) -> tuple[dict[str, np.ndarray], list[str | None]]:
    """The mapping of one matmul instance on each design: fields as arrays (one
    entry per design: :data:`FLOAT_FIELDS`, ``mt``, ``kt``, ``nt``, ``order``;
    NaN / 0 where nothing fits) and, per design, None or why nothing fits.
    ``keys``: :func:`design_keys` of ``hws`` if already known."""
    tkeys, params = design_keys(hws) if keys is None else keys
    if len(hws) == 1:  # memoised: a pure function of the shape, the table key and the parameters
        return _SINGLE.get((m, k, n, weight_operand, tkeys[0], tuple(params[0])),
                           lambda: _frozen(_map_many(m, k, n, weight_operand, hws, tkeys, params)))
    return _map_many(m, k, n, weight_operand, hws, tkeys, params)


def _frozen(result):
    fields, errors = result
    for v in fields.values():
        v.setflags(write=False)
    return fields, tuple(errors)


def _map_many(m: int, k: int, n: int, weight_operand: bool, hws: Sequence[Accelerator], keys: list[tuple],
              params: np.ndarray):
    D = len(hws)
    out: dict[str, np.ndarray] = {f: np.full(D, np.nan) for f in FLOAT_FIELDS}
    for f in ("mt", "kt", "nt"):
        out[f] = np.zeros(D, dtype=np.int64)
    out["order"] = np.full(D, "", dtype=object)
    errors: list[str | None] = [None] * D
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        idx = np.asarray(members)
        tab = _table(m, k, n, weight_operand, key, hws[idx[0]])
        if len(idx) == 1:  # one design: nothing to deduplicate (np.unique costs more than the ranking)
            uniq, inv = params[idx], np.zeros(1, dtype=np.int64)
        else:
            uniq, inv = np.unique(params[idx], axis=0, return_inverse=True)
            inv = inv.reshape(-1)
        best, ok, lc_b, dc_b, pro_b = _rank(tab, uniq)
        for f, tcol in _TABLE_OF.items():
            out[f][idx] = tab[tcol][best][inv]
        out["local_cycles"][idx] = lc_b[inv]
        out["dram_cycles"][idx] = dc_b[inv]
        out["prologue_cycles"][idx] = pro_b[inv]
        for f in ("mt", "kt", "nt"):
            out[f][idx] = tab[f][best][inv]
        out["order"][idx] = np.asarray(LOOP_ORDERS, dtype=object)[tab["order"][best]][inv]
        said: dict[tuple, str] = {}
        for j in np.flatnonzero(~ok[inv]):
            errors[idx[j]] = _no_fit_text(m, k, n, hws[idx[j]], weight_operand, said)
            for f in FLOAT_FIELDS:
                out[f][idx[j]] = np.nan
    return out, errors


def _no_fit_text(m: int, k: int, n: int, hw: Accelerator, weight_operand: bool, said: dict[tuple, str]) -> str:
    """:func:`no_fit_error`'s message for ``hw``, one of a group sharing a :func:`table_key`
    (``said``: the group's messages so far). Besides the table key's fields, the message
    reads only the buffer sizes and double buffering, so those key the repeats."""
    key = (hw.scratchpad_kib, hw.accumulator_kib, hw.double_buffered)
    text = said.get(key)
    if text is None:
        text = said[key] = str(no_fit_error(m, k, n, hw, weight_operand))
    return text
