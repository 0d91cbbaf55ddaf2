"""Evaluate many designs at once, with the same numbers as :func:`accelmodel.simulate`.

What makes a sweep fast, and why its numbers are identical to ``simulate``'s:

* **The graph is built once per workload**, not per design; identical ops are
  costed once (by :meth:`Op.signature`), exactly as ``simulate`` does.
* **The tiling search runs once per distinct table**: designs that share
  :func:`~accelmodel.mapping.tiling.table_key` (array, data types, tiling
  policy, L2 size) share one candidate table built with ``fit_buffers=False``;
  the capacities, rates and energies of all designs then pick their candidate
  together on a (distinct parameter sets x candidates) matrix with the same
  element-wise formulas and the same ranking (:func:`~accelmodel.mapping.tiling.pick`).
* **The cost formulas are the ones in** :mod:`accelmodel.cost.ops`, called once
  per unique op with a :class:`SpecStack`: a view of many designs in which
  every numeric spec field is a numpy array. Designs are grouped so that what
  picks a code path (the kind of each nonlinear unit, whether there is an L2)
  is the same within a group.
* **The totals are summed as pandas sums them**: per-op columns with numpy's
  pairwise sum along contiguous rows, per-group sums (shares by bound and
  kind) with the Kahan-compensated running sum of ``groupby().sum()``, so
  every column equals :meth:`Report.summary` bit for bit (``tests/test_sweep.py``).

Pruned workloads (``WorkloadPoint.pruning``) have no fast path: they run point
by point through ``simulate(..., pruning=...)`` and :func:`summary_metrics`.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..cost.ops import op_cost
from ..errors import AccelModelError, MappingError
from ..hardware.spec import Accelerator
from ..mapping.tiling import (candidate_energy, candidate_table, candidate_time, candidate_times, energy_rates,
                              memory_rates, no_fit_error, pick, table_key)
from ..report import Report
from ..simulate import simulate
from .plan import workload_ops
from .spec import WorkloadPoint, nonlinear_area_mm2

BOUNDS = ("compute", "cpu", "cpu_memory", "decompress", "dma", "dram", "l2", "nonlinear", "vector")
"""Every ``bound`` an op row can have, sorted (the order of ``groupby``)."""
KINDS = ("activation", "elementwise", "embedding", "layernorm", "matmul", "quantize", "residual", "rmsnorm", "rope",
         "softmax")
"""Every report ``kind``, sorted."""

METRICS = ("latency_s", "energy_j", "edp", "area_mm2", "nonlinear_area_mm2", "sram_kib", "utilization",
           "matmul_utilization", "matmul_latency_s", "tokens_per_s", "energy_per_token_j", "dram_bytes", "macs",
           "max_rel_error")
"""Result columns per design point (besides the shares and ``error``):

latency_s, energy_j       one forward pass (``Report.latency_s`` / ``energy_j``), s and J
edp                       energy-delay product, J*s
area_mm2                  the spec's ``area_mm2`` (NaN where the spec gives none), mm^2
nonlinear_area_mm2        area of the on-accelerator nonlinear units (:func:`nonlinear_area_mm2`), mm^2
sram_kib                  scratchpad + accumulator (+ L2), KiB
utilization               MACs / (PEs x cycles) over the pass
matmul_utilization        the same over matmul ops only
matmul_latency_s          time spent in matmuls, s
tokens_per_s              tokens produced per second (prefill: batch x seq_len; decode: batch)
energy_per_token_j        J per token
dram_bytes                DRAM traffic, bytes
macs                      MACs of the pass
max_rel_error             worst relative error of the nonlinear units' functional models on the
                          calibration set (``summary()["accuracy"]["max_rel_error"]``)
share_bound_<b>           share of latency whose op is <b>-bound (:data:`BOUNDS`)
share_kind_<k>            share of latency in ops of kind <k> (:data:`KINDS`)
error                     why the design could not be evaluated ('' if it could; metrics NaN)
"""

SHARE_COLUMNS = tuple(f"share_bound_{b}" for b in BOUNDS) + tuple(f"share_kind_{k}" for k in KINDS)
RESULT_COLUMNS = METRICS + SHARE_COLUMNS + ("error",)

SIMULATE_TAKES_PRUNING = "pruning" in inspect.signature(simulate).parameters
"""Whether this accelmodel's ``simulate`` evaluates pruning plans (pruned sweep points need it)."""

_SLOTS = ("softmax", "activation", "norm", "elementwise")
_ACCURACY_SLOTS = {"softmax": "softmax", "activation": "activation", "layernorm": "norm", "rmsnorm": "norm"}
_BOUNDS_ARR = np.array(BOUNDS)
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}
_MAP_FLOATS = ("compute_cycles", "local_bytes", "dram_bytes", "l2_bytes", "scratchpad_bytes", "accumulator_bytes",
               "prologue_cycles", "local_cycles", "dram_cycles")
_TABLE_OF = {"compute_cycles": "compute", "local_bytes": "local", "dram_bytes": "dram", "l2_bytes": "l2",
             "scratchpad_bytes": "spad", "accumulator_bytes": "acc"}
_MAX_CELLS = 2_000_000
"""Largest (parameter sets x candidates) matrix ranked at once."""


# ---------------------------------------------------------------------------
# many designs seen as one

class _StackedMethod:
    def __init__(self, methods: list, inv: np.ndarray):
        self._methods, self._inv = methods, inv

    def __call__(self, *args):
        if not any(isinstance(a, np.ndarray) and a.ndim for a in args):  # once per distinct sub-spec
            return np.asarray([m(*args) for m in self._methods])[self._inv]
        out = [self._methods[j](*(a[i] if isinstance(a, np.ndarray) and a.ndim else a for a in args))
               for i, j in enumerate(self._inv)]
        return np.asarray(out)


def _dedupe(objs: Sequence[Any]) -> tuple[list, np.ndarray]:
    """Distinct objects (by identity) and, per input, the position of its object."""
    pos: dict[int, int] = {}
    uniq: list = []
    inv = np.empty(len(objs), dtype=np.int64)
    for i, o in enumerate(objs):
        j = pos.get(id(o))
        if j is None:
            j = pos[id(o)] = len(uniq)
            uniq.append(o)
        inv[i] = j
    return uniq, inv


class SpecStack:
    """Many specs (or sub-specs) seen as one: a numeric field is a numpy array
    with one entry per spec, a sub-spec is another stack, a string is the
    common value (an object array if the specs differ), a method applies per
    spec. A field that is None for every spec is None (it must be None for all
    or none). Sub-specs shared between specs (the sweep's designs share every
    sub-model an axis does not touch) are read once."""

    __slots__ = ("_objs", "_inv", "_cache")

    def __init__(self, objs: Sequence[Any], _inv: np.ndarray | None = None):
        if _inv is None:
            objs, _inv = _dedupe(objs)
        self._objs, self._inv = list(objs), _inv
        self._cache: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self._inv)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        cache = self._cache
        if name in cache:
            return cache[name]
        vals = [getattr(o, name) for o in self._objs]
        v0 = vals[0]
        inv = self._inv
        if any(v is None for v in vals):
            if not all(v is None for v in vals):
                raise ValueError(f"SpecStack: {name} is None for some specs only (group them apart)")
            out = None
        elif isinstance(v0, (bool, np.bool_)):
            out = np.array(vals, dtype=bool)[inv]
        elif isinstance(v0, (int, float, np.number)):
            out = np.array(vals)[inv]
        elif isinstance(v0, str):
            out = v0 if all(v == v0 for v in vals) else np.array(vals, dtype=object)[inv]
        elif callable(v0) and inspect.ismethod(v0):
            out = _StackedMethod(vals, inv)
        else:
            uniq, j = _dedupe(vals)
            out = SpecStack(uniq, j[inv])
        cache[name] = out
        return out


class _MappingView:
    """Chosen mappings of one matmul for a group of designs (fields as arrays)."""

    def __init__(self, fields: dict[str, np.ndarray], sel: np.ndarray):
        for k, v in fields.items():
            setattr(self, k, v[sel])


# ---------------------------------------------------------------------------
# tiling for many designs

def _design_params(hw: Accelerator) -> tuple:
    return (hw.usable_scratchpad_bytes, hw.usable_accumulator_bytes, *memory_rates(hw), *energy_rates(hw))


def map_many(m: int, k: int, n: int, weight_operand: bool, hws: Sequence[Accelerator],
             keys: Sequence[tuple] | None = None, params: np.ndarray | None = None
             ) -> tuple[dict[str, np.ndarray], list[str | None]]:
    """The mapping :func:`~accelmodel.mapping.tiling.tile_matmul` picks for one
    matmul on each design: fields as arrays (one entry per design; NaN / 0
    where nothing fits) and, per design, None or the ``MappingError`` message."""
    D = len(hws)
    keys = [table_key(hw) for hw in hws] if keys is None else keys
    params = np.array([_design_params(hw) for hw in hws], dtype=float) if params is None else params
    out: dict[str, np.ndarray] = {f: np.full(D, np.nan) for f in _MAP_FLOATS}
    for f in ("mt", "kt", "nt"):
        out[f] = np.zeros(D, dtype=np.int64)
    out["order"] = np.full(D, "", dtype=object)
    errors: list[str | None] = [None] * D
    groups: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    for idx in groups.values():
        idx = np.asarray(idx)
        tab = candidate_table(m, k, n, hws[idx[0]], weight_operand, fit_buffers=False)
        volume = tab["mt"] * tab["kt"] * tab["nt"]
        uniq, inv = np.unique(params[idx], axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        P, N = len(uniq), len(volume)
        best = np.zeros(P, dtype=np.int64)
        ok = np.zeros(P, dtype=bool)
        lc_b, dc_b, pro_b = np.empty(P), np.empty(P), np.empty(P)
        step = max(1, _MAX_CELLS // max(N, 1))
        for a in range(0, P, step):
            u = uniq[a:a + step]
            col = [u[:, j:j + 1] for j in range(u.shape[1])]
            fit = (tab["spad_need"] <= col[0]) & (tab["acc_need"] <= col[1])
            lc, dc, pro = candidate_times(tab["local"], tab["dram"], tab["io"], col[2], col[3], col[4])
            time = candidate_time(tab["compute"], lc, dc, pro)
            energy = candidate_energy(tab, col[5], col[6], col[7], col[8])
            b = pick(time, energy, volume, fit)
            r = np.arange(len(u))
            best[a:a + step], ok[a:a + step] = b, fit.any(axis=1)
            lc_b[a:a + step], dc_b[a:a + step], pro_b[a:a + step] = lc[r, b], dc[r, b], pro[r, b]
        # per distinct parameter set -> per design
        for f, tcol in _TABLE_OF.items():
            out[f][idx] = tab[tcol][best][inv]
        out["local_cycles"][idx] = lc_b[inv]
        out["dram_cycles"][idx] = dc_b[inv]
        out["prologue_cycles"][idx] = pro_b[inv]
        out["mt"][idx], out["kt"][idx], out["nt"][idx] = tab["mt"][best][inv], tab["kt"][best][inv], tab["nt"][best][inv]
        out["order"][idx] = np.where(tab["order_nmk"][best], "nmk", "mnk")[inv]
        if not ok.all():
            bad = np.flatnonzero(~ok[inv])
            msgs: dict[int, str] = {}
            for j in bad:
                p = int(inv[j])
                if p not in msgs:
                    msgs[p] = str(no_fit_error(m, k, n, hws[idx[j]], weight_operand))
                errors[idx[j]] = msgs[p]
                for f in _MAP_FLOATS:
                    out[f][idx[j]] = np.nan
    return out, errors


# ---------------------------------------------------------------------------
# sums exactly as pandas sums

def _rowsum(a: np.ndarray) -> np.ndarray:
    """Row sums equal to ``Series.sum()`` of each row (numpy's pairwise sum needs
    the summed axis contiguous)."""
    return np.ascontiguousarray(a).sum(axis=1)


def _kahan_by_code(values: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``values`` (designs x rows), the sum of each group (``codes``
    gives every cell's group) with pandas ``groupby().sum()``'s compensated
    running sum, in row order; and which groups occur."""
    D, N = values.shape
    sums = np.zeros(D * n_groups)
    comp = np.zeros(D * n_groups)
    seen = np.zeros(D * n_groups, dtype=bool)
    base = np.arange(D) * n_groups
    for j in range(N):
        at = base + codes[:, j]
        s = sums[at]
        y = values[:, j] - comp[at]
        t = s + y
        c = t - s - y
        c[c != c] = 0.0
        comp[at] = c
        sums[at] = t
        seen[at] = True
    return sums.reshape(D, n_groups), seen.reshape(D, n_groups)


def _kahan_fixed(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """As :func:`_kahan_by_code` when every design has the same group per row."""
    D, N = values.shape
    sums = np.zeros((n_groups, D))
    comp = np.zeros((n_groups, D))
    for j in range(N):
        g = codes[j]
        s = sums[g]
        y = values[:, j] - comp[g]
        t = s + y
        c = t - s - y
        c[c != c] = 0.0
        comp[g] = c
        sums[g] = t
    return sums.T


def _shares(sums: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``Report``'s ``_shares``: each present group's sum over the (pairwise) sum
    of the present groups in sorted order; 0 where absent or the total is <= 0."""
    D = len(sums)
    tot = np.zeros(D)
    patterns, which = np.unique(present, axis=0, return_inverse=True)
    which = which.reshape(-1)
    for p, pat in enumerate(patterns):
        sel = which == p
        if pat.any():
            tot[sel] = _rowsum(sums[sel][:, pat])
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(present & (tot[:, None] > 0), sums / tot[:, None], 0.0)
    return out


# ---------------------------------------------------------------------------
# evaluation

@lru_cache(maxsize=1024)
def _rel_error(unit, function: str) -> float:
    """Relative error of a unit's functional model (a pure function of frozen inputs)."""
    from ..numerics.accuracy import unit_accuracy
    return float(unit_accuracy(unit, function)["rel_error"])


def _design_columns(hws: Sequence[Accelerator]) -> dict[str, np.ndarray]:
    return {
        "area_mm2": np.array([np.nan if hw.area_mm2 is None else hw.area_mm2 for hw in hws], dtype=float),
        "nonlinear_area_mm2": np.array([nonlinear_area_mm2(hw) for hw in hws], dtype=float),
        "sram_kib": np.array([hw.sram_kib for hw in hws], dtype=float),
    }


class _Results:
    def __init__(self, D: int):
        self.D = D
        self.cols = {c: np.full(D, np.nan) for c in METRICS + SHARE_COLUMNS}
        self.error = np.full(D, "", dtype=object)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.cols)
        df["error"] = pd.array(self.error.tolist(), dtype="str") if self.D else pd.array([], dtype="str")
        return df


def _finish_design_metrics(res: _Results, where: np.ndarray, hws: Sequence[Accelerator]) -> None:
    for c, v in _design_columns(hws).items():
        res.cols[c][where] = v
    res.cols["edp"][where] = res.cols["latency_s"][where] * res.cols["energy_j"][where]


def summary_metrics(rep: Report) -> dict[str, float]:
    """The sweep's metric columns from a :class:`Report` (the point-by-point path)."""
    s = rep.summary()
    hw = rep.hw
    out = {c: s[c] for c in ("latency_s", "energy_j", "utilization", "matmul_utilization", "matmul_latency_s",
                             "tokens_per_s", "energy_per_token_j", "dram_bytes", "macs")}
    out["edp"] = s["latency_s"] * s["energy_j"]
    out["area_mm2"] = np.nan if hw.area_mm2 is None else hw.area_mm2
    out["nonlinear_area_mm2"] = nonlinear_area_mm2(hw)
    out["sram_kib"] = hw.sram_kib
    acc = s.get("accuracy")
    out["max_rel_error"] = acc["max_rel_error"] if isinstance(acc, dict) else np.nan
    for b in BOUNDS:
        out[f"share_bound_{b}"] = s["latency_share_by_bound"].get(b, 0.0)
    for k in KINDS:
        out[f"share_kind_{k}"] = s["latency_share_by_kind"].get(k, 0.0)
    unknown = set(s["latency_share_by_bound"]) - set(BOUNDS)
    if unknown:
        raise AccelModelError(f"sweep: unknown bound(s) {sorted(unknown)} (add them to accelmodel.sweep.fast.BOUNDS)")
    return out


def _slow(wl: WorkloadPoint, hws: Sequence[Accelerator], where: np.ndarray, res: _Results) -> None:
    if wl.pruning is not None and not SIMULATE_TAKES_PRUNING:
        res.error[where] = "workload.pruning: this accelmodel's simulate() cannot evaluate pruning plans"
        return
    kw = {"pruning": wl.pruning_path} if wl.pruning is not None else {}
    for j, hw in zip(where, hws):
        try:
            rep = simulate(hw, wl.model, wl.phase, wl.batch, wl.seq_len, wl.kv_len, **kw)
        except AccelModelError as exc:
            res.error[j] = str(exc)
            continue
        for c, v in summary_metrics(rep).items():
            res.cols[c][j] = v


def evaluate_designs(hws: Sequence[Accelerator], workloads: WorkloadPoint | Sequence[WorkloadPoint],
                     accuracy: bool = True) -> pd.DataFrame:
    """One row of metrics per design (columns :data:`RESULT_COLUMNS`), equal to
    ``simulate(hw, ...).summary()`` point by point. ``workloads``: one for all
    designs or one per design. ``accuracy=False`` skips ``max_rel_error`` (NaN)."""
    D = len(hws)
    wls = [workloads] * D if isinstance(workloads, WorkloadPoint) else list(workloads)
    if len(wls) != D:
        raise ValueError("evaluate_designs: one workload per design (or a single one)")
    res = _Results(D)
    groups: dict[WorkloadPoint, list[int]] = {}
    for i, wl in enumerate(wls):
        groups.setdefault(wl, []).append(i)
    for wl, idx in groups.items():
        where = np.asarray(idx)
        sub = [hws[i] for i in idx]
        if wl.pruning is not None:
            _slow(wl, sub, where, res)
        else:
            _fast(wl, sub, where, res, accuracy)
        ok = where[res.error[where] == ""]
        _finish_design_metrics(res, ok, [hws[i] for i in ok])
    return res.frame()


def _fast(wl: WorkloadPoint, hws: Sequence[Accelerator], where: np.ndarray, res: _Results, accuracy: bool) -> None:
    cfg, ops = workload_ops(wl)
    D = len(hws)
    # unique ops (as simulate: by signature), first position of each
    sig_pos: dict[tuple, int] = {}
    uops, upos, inst = [], [], []
    for pos, op in enumerate(ops):
        s = op.signature()
        if s not in sig_pos:
            sig_pos[s] = len(uops)
            uops.append(op)
            upos.append(pos)
        inst.append(sig_pos[s])
    mm_pos: dict[tuple, int] = {}
    for u, op in enumerate(uops):
        if op.is_matmul:
            mm_pos.setdefault((op.m, op.k, op.n, op.weight is not None), upos[u])
    # first error per design: (op position, message), as simulate raises at the first failing op
    err_pos = np.full(D, len(ops) + 1)
    err_msg = np.full(D, "", dtype=object)

    def fail(sel: np.ndarray, pos: int, msg: str) -> None:
        earlier = sel[pos < err_pos[sel]]
        err_pos[earlier] = pos
        err_msg[earlier] = msg

    keys = [table_key(hw) for hw in hws]
    params = np.array([_design_params(hw) for hw in hws], dtype=float)
    maps: dict[tuple, dict] = {}
    for key, pos in mm_pos.items():
        fields, errs = map_many(*key, hws, keys, params)
        maps[key] = fields
        for i, e in enumerate(errs):
            if e is not None and pos < err_pos[i]:
                err_pos[i], err_msg[i] = pos, e

    # groups of designs that take the same code paths in the cost functions: the same
    # unit kinds, and the same top-level fields left null (no L2, no technology node, ...)
    struct: dict[tuple, list[int]] = {}
    for i, hw in enumerate(hws):
        nl = hw.nonlinear
        key = (tuple(getattr(nl, s).kind for s in _SLOTS), tuple(k for k, v in hw if v is None))
        struct.setdefault(key, []).append(i)
    for sidx in struct.values():
        sel = np.asarray(sidx)
        st = SpecStack([hws[i] for i in sidx])
        rows: list[tuple[str, dict]] = []   # (kind, row) per unique cost row
        first: list[int] = []
        failed = False
        for u, op in enumerate(uops):
            mp = None
            if op.is_matmul:
                mp = _MappingView(maps[(op.m, op.k, op.n, op.weight is not None)], sel)
            try:
                with np.errstate(invalid="ignore"):
                    out = op_cost(op, st, mp)
            except MappingError as exc:
                fail(sel, upos[u], str(exc))
                failed = True
                break
            first.append(len(rows))
            rows.extend((kind, r) for _, kind, r in out)
        if failed:
            continue
        n_rows = [len(op_rows) for op_rows in _split(first, len(rows))]
        inst_rows = np.concatenate([np.arange(first[u], first[u] + n_rows[u]) for u in inst])
        Dg = len(sel)

        lat, en, cyc, dram = (_matrix(rows, c, Dg) for c in ("latency_s", "energy_j", "latency_cycles", "dram_bytes"))
        macs_row = np.array([float(r["macs"]) for _, r in rows])
        bcodes = np.stack([_bound_codes(r["bound"], Dg) for _, r in rows], axis=1)
        kinds = np.array([_kind_code(k) for k, _ in rows])
        mm_inst = inst_rows[kinds[inst_rows] == _KIND_CODE["matmul"]]

        L = lat[:, inst_rows]
        latency = _rowsum(L)
        energy = _rowsum(en[:, inst_rows])
        mm_lat = _rowsum(lat[:, mm_inst])
        mm_cyc = _rowsum(cyc[:, mm_inst])
        dram_b = _rowsum(dram[:, inst_rows])
        macs = float(np.sum(macs_row[inst_rows]))
        mm_macs = float(np.sum(macs_row[mm_inst]))
        pes = st.array.pes
        clock = st.clock_ghz
        tokens = wl.batch * (wl.seq_len if wl.phase == "prefill" else 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            cyc_all = latency * clock * 1e9
            util = np.where(cyc_all > 0, macs / (pes * cyc_all), 0.0)
            mm_util = np.where(mm_cyc > 0, mm_macs / (pes * mm_cyc), 0.0)
            tps = np.where(latency > 0, tokens / latency, 0.0)
        L = np.ascontiguousarray(L)
        bsums, bseen = _kahan_by_code(L, np.ascontiguousarray(bcodes[:, inst_rows]), len(BOUNDS))
        inst_kinds = kinds[inst_rows]
        ksums = _kahan_fixed(L, inst_kinds, len(KINDS))
        kseen = np.zeros((Dg, len(KINDS)), dtype=bool)
        kseen[:, np.unique(inst_kinds)] = True
        bshare, kshare = _shares(bsums, bseen), _shares(ksums, kseen)

        tgt = where[sel]
        C = res.cols
        C["latency_s"][tgt], C["energy_j"][tgt] = latency, energy
        C["utilization"][tgt], C["matmul_utilization"][tgt] = util, mm_util
        C["matmul_latency_s"][tgt], C["tokens_per_s"][tgt] = mm_lat, tps
        C["energy_per_token_j"][tgt] = energy / tokens
        C["dram_bytes"][tgt], C["macs"][tgt] = dram_b, macs
        for j, b in enumerate(BOUNDS):
            C[f"share_bound_{b}"][tgt] = bshare[:, j]
        for j, k in enumerate(KINDS):
            C[f"share_kind_{k}"][tgt] = kshare[:, j]
        if accuracy:
            worst = np.zeros(Dg)
            for kind, function in sorted({(op.kind, op.function) for op in uops if op.kind in _ACCURACY_SLOTS}):
                slot = _ACCURACY_SLOTS[kind]
                rel: dict[Any, float] = {}
                vals = np.empty(Dg)
                for j, i in enumerate(sidx):
                    unit = getattr(hws[i].nonlinear, slot)
                    r = rel.get(unit)
                    if r is None:
                        r = rel[unit] = _rel_error(unit, function)
                    vals[j] = r
                worst = np.maximum(worst, vals)
            C["max_rel_error"][tgt] = worst
    bad = np.flatnonzero(err_msg != "")
    for j in bad:
        res.error[where[j]] = err_msg[j]
        for c in res.cols:
            res.cols[c][where[j]] = np.nan


def _matrix(rows: list[tuple[str, dict]], col: str, D: int) -> np.ndarray:
    """One column of the unique cost rows as a (designs x rows) matrix."""
    return np.stack([np.broadcast_to(np.asarray(r[col], dtype=float), (D,)) for _, r in rows], axis=1)


def _split(first: list[int], total: int) -> list[range]:
    ends = first[1:] + [total]
    return [range(a, b) for a, b in zip(first, ends)]


def _kind_code(kind: str) -> int:
    if kind not in _KIND_CODE:
        raise AccelModelError(f"sweep: unknown op kind {kind!r} (add it to accelmodel.sweep.fast.KINDS)")
    return _KIND_CODE[kind]


def _bound_codes(b, D: int) -> np.ndarray:
    if isinstance(b, str):
        if b not in BOUNDS:
            raise AccelModelError(f"sweep: unknown bound {b!r} (add it to accelmodel.sweep.fast.BOUNDS)")
        return np.full(D, BOUNDS.index(b), dtype=np.int64)
    b = np.asarray(b).astype(str)
    codes = np.searchsorted(_BOUNDS_ARR, b)
    codes = np.minimum(codes, len(BOUNDS) - 1)
    if not (_BOUNDS_ARR[codes] == b).all():
        raise AccelModelError(f"sweep: unknown bound(s) {sorted(set(b) - set(BOUNDS))}")
    return codes
