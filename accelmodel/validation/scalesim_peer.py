"""Run SCALE-Sim (PyPI ``scalesim`` 3.0.0) on one GEMM and return its numbers.

SCALE-Sim is an optional extra (``pip install accelmodel[validate]``); it is
imported lazily, only inside :func:`run_gemm`.

Operand mapping (checked with M, K, N all different, see
``docs/scalesim_conventions.md``): for our ``Y[M,N] = X[M,K] . W[K,N]`` the
SCALE-Sim *ifmap* is X (M x K), the *filter* is W (K x N) and the *ofmap* is
Y (M x N). Its GEMM topology CSV lists the columns in the order ``M, N, K``.

How the run is done: a config file, a GEMM ("mnk") topology file and a dummy
layout file are written into a fresh temporary directory, and the package's
own top-level class ``scalesim.scale_sim.scalesim`` is run there with
``input_type_gemm=True``, ``save_disk_space=True`` (no traces) and
``verbose=False``; its stdout/stderr are swallowed. Nothing is written into
the current directory or the repository; the temporary directory is removed.

Two numbers in the result need care:

``array_cycles``
    The number of rows of SCALE-Sim's ofmap demand matrix, i.e. the cycle
    count of its compute model with no memory stalls. This is
    folds x cycles-per-fold and is what
    :func:`accelmodel.mapping.systolic.array_cycles` models.
``compute_cycles``
    What SCALE-Sim reports as "Compute cycles" (``Total Cycles`` column of
    COMPUTE_REPORT.csv). It is the *index* of the last serviced demand line,
    so with no stalls it equals ``array_cycles - 1`` (SCALE-Sim issue #125
    reports the same off-by-one); it includes stall cycles.

NumPy >= 2.4 compatibility: scalesim 3.0.0 calls ``int(max(list_of_1d_arrays))``
in two places (``double_buffered_scratchpad_mem.py:307`` and
``read_buffer.py:423``), which NumPy 2.4 turned into a ``TypeError``
(SCALE-Sim issue #160, PR #162). While a run is in progress we shadow the
builtin ``max`` in exactly those two modules with a version that returns a
Python scalar when the builtin would return a size-1 array; the value is
unchanged, so the simulation semantics are not altered. The shadow is removed
after the run.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import tempfile
import time
from importlib import util as _importlib_util
from typing import Any

_SHIMMED_MODULES = (
    "scalesim.memory.double_buffered_scratchpad_mem",
    "scalesim.memory.read_buffer",
)
_MISSING = object()


def scalesim_available() -> bool:
    """True if the ``scalesim`` package can be imported (without importing it)."""
    try:
        return _importlib_util.find_spec("scalesim") is not None
    except (ImportError, ValueError):
        return False


def _scalar_max(*args, **kwargs):
    """builtins.max, but a size-1 ndarray result is returned as a Python scalar."""
    result = builtins.max(*args, **kwargs)
    ndim = getattr(result, "ndim", 0)
    if ndim and getattr(result, "size", 0) == 1:
        return result.reshape(()).item()
    return result


@contextlib.contextmanager
def _numpy_compat_shim():
    import importlib

    saved = []
    for name in _SHIMMED_MODULES:
        mod = importlib.import_module(name)
        saved.append((mod, mod.__dict__.get("max", _MISSING)))
        mod.max = _scalar_max
    try:
        yield
    finally:
        for mod, old in saved:
            if old is _MISSING:
                mod.__dict__.pop("max", None)
            else:
                mod.max = old


def _config_text(rows, cols, dataflow, ifmap_kib, filter_kib, ofmap_kib, bandwidth) -> str:
    user = bandwidth is not None
    bw = int(bandwidth) if user else 10
    # In USER mode scalesim 3.0.0 takes the ifmap/filter DRAM bandwidth from the [layout]
    # section (IfmapSRAMBankBandwidth / FilterSRAMBankBandwidth) and only the ofmap one
    # from architecture_presets.Bandwidth, so all three are set to the same value.
    return f"""[general]
run_name = accelmodel_peer

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {ifmap_kib}
FilterSramSzkB: {filter_kib}
OfmapSramSzkB: {ofmap_kib}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth: {bw}
Dataflow: {dataflow}
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {bw}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {bw}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: {'USER' if user else 'CALC'}
UseRamulatorTrace: False
"""


def _num(x):
    """numpy scalar -> int/float (ints stay ints)."""
    if x is None:
        return None
    x = x.item() if hasattr(x, "item") else x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def run_gemm(
    m: int,
    k: int,
    n: int,
    rows: int,
    cols: int,
    dataflow: str = "WS",
    *,
    ifmap_kib: int = 256,
    filter_kib: int = 256,
    ofmap_kib: int = 128,
    dram_bandwidth_words: int | None = None,
) -> dict[str, Any]:
    """Run SCALE-Sim on Y[m,n] = X[m,k] . W[k,n] on a rows x cols array.

    ``dataflow`` is 'WS' or 'OS' ('IS' is passed through too). SRAM sizes are in
    KiB; SCALE-Sim uses a 1-byte word, so KiB = Ki-words. ``dram_bandwidth_words``
    None runs SCALE-Sim's CALC ("estimate bandwidth") mode, which never stalls;
    an int runs USER mode with that many words/cycle for every operand.

    Returns a dict (fractions, not percent) with keys: ``array_cycles`` (stall-free
    demand lines = folds x per-fold), ``compute_cycles`` (SCALE-Sim "Compute cycles",
    incl. stalls), ``stall_cycles``, ``total_cycles`` ("Total Cycles (incl. prefetch)":
    last ofmap DRAM write minus first ifmap/filter DRAM read), ``utilization``
    (MACs / (R*C*compute_cycles)), ``mapping_efficiency`` and ``compute_utilization``
    (SCALE-Sim's unweighted means over folds), ``sram_reads_ifmap``,
    ``sram_reads_filter``, ``sram_writes_ofmap``, ``dram_reads_ifmap``,
    ``dram_reads_filter``, ``dram_writes_ofmap``, ``folds``, ``wall_s``, plus the inputs.
    """
    df = dataflow.upper()
    if df not in ("WS", "OS", "IS"):
        raise ValueError(f"dataflow must be 'WS', 'OS' or 'IS', got {dataflow!r}")
    for name, v in (("m", m), ("k", k), ("n", n), ("rows", rows), ("cols", cols)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if dram_bandwidth_words is not None and (int(dram_bandwidth_words) != dram_bandwidth_words
                                             or dram_bandwidth_words < 1):
        raise ValueError(f"dram_bandwidth_words must be a positive integer or None, "
                         f"got {dram_bandwidth_words!r}")
    if not scalesim_available():
        raise ImportError("scalesim is not installed (pip install 'accelmodel[validate]')")

    from scalesim.scale_sim import scalesim  # lazy: optional dependency

    sink = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="accelmodel_scalesim_") as tmp:
        cfg_path = os.path.join(tmp, "peer.cfg")
        topo_path = os.path.join(tmp, "gemm.csv")
        layout_path = os.path.join(tmp, "layout.csv")
        with open(cfg_path, "w") as f:
            f.write(_config_text(rows, cols, df.lower(), ifmap_kib, filter_kib, ofmap_kib,
                                 dram_bandwidth_words))
        with open(topo_path, "w") as f:
            # scalesim GEMM topology column order is M, N, K
            f.write(f"Layer, M, N, K,\ngemm, {int(m)}, {int(n)}, {int(k)},\n")
        with open(layout_path, "w") as f:
            # parsed but unused (custom layouts are off); scalesim needs the file to exist
            f.write("Layer," + ",".join(f"f{i}" for i in range(20)) + ",\n")
            f.write("gemm," + ",".join(["1"] * 20) + ",\n")

        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _numpy_compat_shim():
            sim = scalesim(save_disk_space=True, verbose=False, config=cfg_path,
                           topology=topo_path, layout=layout_path, input_type_gemm=True)
            sim.run_scale(top_path=os.path.join(tmp, "out"))
            layer = sim.runner.single_layer_sim_object_list[0]
            overall, compute, stall, util, map_eff, comp_util = layer.get_compute_report_items()
            detail = layer.get_detail_report_items()
        wall = time.perf_counter() - t0

    cs = layer.compute_system
    return {
        "m": int(m), "k": int(k), "n": int(n), "rows": int(rows), "cols": int(cols),
        "dataflow": df,
        "bandwidth_mode": "CALC" if dram_bandwidth_words is None else "USER",
        "array_cycles": int(cs.ofmap_demand_matrix.shape[0]),
        "folds": len(cs.mapping_efficiency_per_fold),
        "compute_cycles": _num(compute),
        "stall_cycles": _num(stall),
        "total_cycles": _num(overall),
        "utilization": _num(util) / 100.0,
        "mapping_efficiency": _num(map_eff) / 100.0,
        "compute_utilization": _num(comp_util) / 100.0,
        "sram_reads_ifmap": _num(detail[2]),
        "sram_reads_filter": _num(detail[5]),
        "sram_writes_ofmap": _num(detail[8]),
        "dram_reads_ifmap": _num(detail[11]),
        "dram_reads_filter": _num(detail[14]),
        "dram_writes_ofmap": _num(detail[17]),
        "wall_s": wall,
    }
