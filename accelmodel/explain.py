"""A report that explains itself: what each bound is in hardware terms (with the rate
that sets it), which op each dequantize/quantize row serves, and what would help —
the largest gain among a few one-field or bundled-design alternatives, each
simulated with :func:`accelmodel.simulate` (the model's estimate, not a measurement).

Library code: reads a :class:`~accelmodel.report.Report` and the hardware spec;
nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .errors import AccelModelError
from .hardware.nonlinear import IBertUnit
from .hardware.spec import Accelerator, load_accelerator, with_updates
from .paths import bundled_dir
from .report import Report
from .simulation import simulate
from .units_format import si

BOUND_NAMES = {
    "compute": "systolic array",
    "l2": "L2 <-> scratchpad link",
    "dma": "scratchpad DMA",
    "dram": "DRAM bandwidth",
    "nonlinear": "on-accelerator nonlinear unit",
    "vector": "vector ALU",
    "cpu": "host-CPU offload",
    "cpu_memory": "host-CPU memory bandwidth",
    "decompress": "weight decompressor",
}
"""Each ``bound`` of ``Report.ops`` in hardware words."""

SLOT_OF_KIND = {"softmax": "softmax", "activation": "activation", "layernorm": "norm", "rmsnorm": "norm"}
"""Which ``hw.nonlinear`` slot runs each nonlinear op kind."""

_STAGES = {"dequantize": "int -> float before", "quantize": "float -> int after"}


def served_op(name: str) -> tuple[str, str] | None:
    """For a dequantize/quantize row's ``name`` or ``op`` (``L0.softmax.dequantize``):
    (stage, the op it serves), e.g. ``("dequantize", "softmax")``; None for other rows."""
    head, _, stage = name.rpartition(".")
    if stage not in _STAGES or not head:
        return None
    return stage, head.rpartition(".")[2]


def op_label(op: str) -> str:
    """An op type with the op it serves spelled out: ``softmax.quantize`` ->
    ``softmax.quantize (float -> int after softmax)``."""
    s = served_op(op)
    return op if s is None else f"{op} ({_STAGES[s[0]]} {s[1]})"


def quantize_served(rep: Report) -> dict[str, float]:
    """Latency share of the dequantize/quantize rows by the op kind they serve
    (``{"softmax": 0.53, ...}``, shares of all quantize time, largest first)."""
    df = rep.ops
    q = df[df["kind"] == "quantize"]
    if q.empty:
        return {}
    kind_of = dict(zip(df["name"], df["kind"]))
    served = [kind_of.get(n.rpartition(".")[0], n.rpartition(".")[0]) for n in q["name"]]
    by = q.groupby(pd.Series(served, index=q.index))["latency_s"].sum().sort_values(ascending=False)
    total = float(by.sum())
    return {str(k): float(v) / total if total > 0 else 0.0 for k, v in by.items()}


def _functions(rep: Report, bound: str) -> list[str]:
    """Functions of the (non-quantize) ops with this bound, most time first."""
    df = rep.ops[(rep.ops["bound"] == bound) & (rep.ops["kind"] != "quantize")]
    return [str(f) for f in df.groupby("function")["latency_s"].sum().sort_values(ascending=False).index if f]


def bound_rate(bound: str, rep: Report) -> str:
    """The bound in hardware terms with the rate that sets it, for this report's design,
    e.g. ``"host-CPU offload at 60 cycles/element for softmax, ... (1 GHz)"``."""
    hw = rep.hw
    name = BOUND_NAMES.get(bound, bound)
    clk = hw.clock_ghz
    if bound == "compute":
        a = hw.array
        return (f"{name}: {a.rows}x{a.cols} {a.dataflow}, {a.pes} MACs/cycle at {clk:g} GHz "
                f"({si(hw.peak_macs_per_s, 'MAC/s')})")
    if bound in ("l2", "dma"):
        bpc = hw.local_bytes_per_cycle
        return f"{name}: {bpc:g} B/cycle ({si(bpc * clk * 1e9, 'B/s')})"
    if bound == "dram":
        return f"{name}: {hw.dram.bandwidth_gbps:g} GB/s ({hw.dram_bytes_per_cycle:g} B/cycle at {clk:g} GHz)"
    if bound == "cpu":
        cyc = hw.host.cycles_per_element
        fns = _functions(rep, bound)
        per = ", ".join(f"{f} {getattr(cyc, f, cyc.elementwise):g}" for f in fns)
        return (f"{name}: {per + ', ' if per else ''}dequantize {cyc.dequantize:g}, quantize {cyc.quantize:g} "
                f"cycles/element at {hw.host.clock_ghz:g} GHz")
    if bound == "cpu_memory":
        return f"{name}: {hw.host.memory_bandwidth_gbps:g} GB/s"
    if bound in ("nonlinear", "vector"):
        kinds = rep.ops.loc[rep.ops["bound"] == bound, "kind"].unique()
        slots = sorted({SLOT_OF_KIND.get(k, "elementwise") for k in kinds})
        units = [f"{s} on {getattr(hw.nonlinear, s).kind} ({getattr(hw.nonlinear, s).lanes} lanes/cycle)"
                 for s in slots if getattr(hw.nonlinear, s).on_accelerator]
        return f"{name}: {'; '.join(units) or 'default vector ALU (16 lanes/cycle)'}"
    if bound == "decompress":
        return f"{name}: {hw.sparsity.decompressor_bytes_per_cycle:g} B/cycle of compressed weights"
    return name


@dataclass(frozen=True)
class Alternative:
    """One design to compare against: a label and the spec."""

    label: str
    hw: Accelerator


def alternatives(rep: Report) -> list[Alternative]:
    """The candidates :func:`what_would_help` simulates: every other bundled design with
    as many PEs (a like-for-like array; a bigger array is one of the 2x changes), a
    faster unit (I-BERT) in the slot of the nonlinear kind that takes the most time
    when it is offloaded, and a 2x change of each resource that bounds at least 5 % of
    the latency (array 2x rows and columns, L2 link and DMA, DRAM bandwidth, host clock,
    unit lanes)."""
    hw = rep.hw
    out: list[Alternative] = []
    for path in sorted(bundled_dir("hw_configs").glob("*.yaml")):
        other = load_accelerator(path)
        if other.name != hw.name and other != hw and other.array.pes == hw.array.pes:
            out.append(Alternative(f"the bundled design {path.stem}", other))
    df = rep.ops
    nl = df[df["kind"].isin(list(SLOT_OF_KIND))].groupby("kind")["latency_s"].sum()
    if not nl.empty:
        slot = SLOT_OF_KIND[str(nl.idxmax())]
        unit = getattr(hw.nonlinear, slot)
        if unit.kind == "cpu_offload":
            out.append(Alternative(f"{slot} on an I-BERT integer unit ({IBertUnit().lanes} lanes) instead of "
                                   f"the host CPU", with_updates(hw, {f"nonlinear.{slot}.kind": "ibert"})))
        else:
            out.append(Alternative(f"{slot} unit with 2x lanes ({2 * unit.lanes})",
                                   with_updates(hw, {f"nonlinear.{slot}.lanes": 2 * unit.lanes})))
    shares = df.groupby("bound")["latency_s"].sum() / max(rep.latency_s, 1e-300)
    doubled: dict[str, tuple[str, dict[str, Any]]] = {
        "compute": (f"2x array ({2 * hw.array.rows}x{2 * hw.array.cols})",
                    {"array.rows": 2 * hw.array.rows, "array.cols": 2 * hw.array.cols}),
        "dram": (f"2x DRAM bandwidth ({2 * hw.dram.bandwidth_gbps:g} GB/s)",
                 {"dram.bandwidth_gbps": 2 * hw.dram.bandwidth_gbps}),
        "cpu": (f"2x host-CPU clock ({2 * hw.host.clock_ghz:g} GHz)", {"host.clock_ghz": 2 * hw.host.clock_ghz}),
        "cpu_memory": (f"2x host memory bandwidth ({2 * hw.host.memory_bandwidth_gbps:g} GB/s)",
                       {"host.memory_bandwidth_gbps": 2 * hw.host.memory_bandwidth_gbps}),
    }
    link: dict[str, Any] = {"dma_bytes_per_cycle": 2 * hw.dma_bytes_per_cycle}
    if hw.l2 is not None:
        link["l2.bandwidth_bytes_per_cycle"] = 2 * hw.l2.bandwidth_bytes_per_cycle
    doubled["l2"] = doubled["dma"] = (f"2x L2/DMA link ({2 * hw.local_bytes_per_cycle:g} B/cycle)", link)
    seen: set[str] = set()
    for bound, share in shares.items():
        if share >= 0.05 and bound in doubled and doubled[bound][0] not in seen:
            label, updates = doubled[bound]
            seen.add(label)
            out.append(Alternative(label, with_updates(hw, updates)))
    return out


def what_would_help(rep: Report, pruning: Any = None, top: int = 3) -> dict:
    """Simulate :func:`alternatives` on the report's workload (same phase, batch, lengths
    and pruning plan) and rank them by speedup. Returns ``{"note", "baseline_latency_s",
    "options": [{"change", "latency_s", "speedup", "energy_j"}...] (best first, at most
    ``top``), "failed": [{"change", "error"}]}``: the model's estimate, not a measurement."""
    base = rep.latency_s
    options: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    for alt in alternatives(rep):
        try:
            r = simulate(alt.hw, rep.model, phase="decode" if rep.phase == "decode" else "prefill", batch=rep.batch,
                         seq_len=rep.seq_len,
                         kv_len=rep.kv_len, pruning=pruning)
        except AccelModelError as exc:  # e.g. a bundled design whose buffers cannot hold a tile
            failed.append({"change": alt.label, "error": str(exc)})
            continue
        options.append({"change": alt.label, "latency_s": r.latency_s, "speedup": base / r.latency_s,
                        "energy_j": r.energy_j})
    options.sort(key=lambda o: -float(o["speedup"]))
    return {"note": "the model's estimate: each option simulated with accelmodel, not measured",
            "baseline_latency_s": base, "options": options[:top], "failed": failed}


def explain(rep: Report, pruning: Any = None, alternatives_too: bool = True) -> dict:
    """Everything the text report adds: ``bounds`` (bound -> description with its rate,
    for the bounds in this report), ``quantize_serves`` (kind -> share of dequantize/
    quantize time), and ``what_would_help`` (see :func:`what_would_help`) if asked."""
    out: dict = {
        "bounds": {str(b): bound_rate(str(b), rep) for b in rep.ops["bound"].unique()},
        "quantize_serves": quantize_served(rep),
    }
    if alternatives_too:
        out["what_would_help"] = what_would_help(rep, pruning)
    return out
