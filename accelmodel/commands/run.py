"""``accelmodel run``: model one workload on one design and say where the time goes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import SpecError
from ..explain import explain, op_label
from ..hardware.schedule import FUSION_MODES
from ..hardware.spec import with_updates
from ..inputs import check_output_dir
from ..report_io import save_run
from ..simulation import simulate
from ..units_format import json_ready, kib
from ..workload.config import load_workload
from ..workload.limits import MAX_BATCH, MAX_TOKENS
from .common import DEFAULT_WORKLOAD, add_hw_option, nonneg_int, positive_int, resolve_hw, resolve_pruning, si


def add_parser(sub) -> None:
    p = sub.add_parser(
        "run", help="model one workload on one design (default: BERT-base prefill 512 on gemmini_default)",
        description="Model one forward pass of a transformer on one accelerator design and say where the time "
                    "goes: latency, energy, utilisation, shares by op kind and by bound (each bound named in "
                    "hardware terms with the rate that sets it), the top bottleneck ops, and what would help "
                    "(a few alternatives simulated by the model). Guide: docs/reading_a_report.md.")
    add_hw_option(p)
    p.add_argument("--workload", metavar="NAME|FILE", default=DEFAULT_WORKLOAD,
                   help="preset name (bert-base, gpt2, llama3-8b, ...), workload YAML or HF config.json")
    p.add_argument("--phase", choices=("prefill", "decode"), default="prefill",
                   help="prefill: process --seq-len prompt tokens; decode: generate one token per sequence "
                        "against a KV cache of --kv-len tokens (default prefill)")
    p.add_argument("--batch", type=positive_int("--batch", MAX_BATCH), default=1, help="sequences per pass (default 1)")
    p.add_argument("--seq-len", type=positive_int("--seq-len", MAX_TOKENS), default=None,
                   help="prefill tokens per sequence (default 512)")
    p.add_argument("--kv-len", type=nonneg_int("--kv-len", MAX_TOKENS), default=None,
                   help="decode: tokens already in the KV cache (default 512)")
    p.add_argument("--pruning", metavar="FILE|NAME",
                   help="pruning plan YAML, or a bundled plan name (block16_50, unstructured_80, head_25, ...)")
    p.add_argument("--fusion", choices=FUSION_MODES, default=None,
                   help="override the design's schedule.fusion: none (every op round-trips DRAM), elementwise, "
                        "norm, attention_engine, flash (tiled online softmax) or all (docs/model.md, Fusion)")
    p.add_argument("--out", metavar="DIR", help="write ops.csv, summary.json, hw.yaml and workload.yaml here")
    p.add_argument("--plots", metavar="DIR", help="write the standard figures here (roofline, latency and energy "
                                                  "breakdowns, FLOPs vs latency, layer-0 timeline) as PNG and PDF")
    p.add_argument("--json", action="store_true", help="print the summary as JSON (keys: docs/reading_a_report.md)")
    p.add_argument("--explain", action="store_true",
                   help="with --json: add an 'explain' object (bounds in hardware terms, what the dequantize/"
                        "quantize rows serve, 'what_would_help'); the text output always explains itself")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.phase == "prefill" and args.kv_len is not None:
        raise SpecError("--kv-len: applies to --phase decode only (prefill has no KV cache); drop it or add "
                        "--phase decode")
    if args.phase == "decode" and args.seq_len is not None:
        raise SpecError("--seq-len: applies to --phase prefill only (decode runs one new token per sequence); "
                        "give the cached tokens with --kv-len")
    if args.out and args.plots and Path(args.out).resolve() == Path(args.plots).resolve():
        raise SpecError("--plots: same directory as --out; give two directories")
    for flag, target in (("--out", args.out), ("--plots", args.plots)):
        if target:
            check_output_dir(target, flag)
    hw = resolve_hw(args.hw)
    if args.fusion is not None:
        hw = with_updates(hw, {"schedule.fusion": args.fusion})
    cfg = load_workload(args.workload)
    kv = args.kv_len if args.kv_len is not None else (512 if args.phase == "decode" else 0)
    plan = resolve_pruning(args.pruning) if args.pruning else None
    seq = args.seq_len if args.seq_len is not None else 512
    rep = simulate(hw, cfg, phase=args.phase, batch=args.batch, seq_len=seq, kv_len=kv, pruning=plan)
    summary = rep.summary()
    why = explain(rep, plan) if (args.explain or not args.json) else None
    if args.out:
        save_run(rep, args.out)
    if args.plots:
        from .plot import write_standard_figures

        written = write_standard_figures(rep, args.plots)
    if args.json:
        json.dump(json_ready({**summary, "explain": why} if why else summary), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_summary(rep, summary, why))
        if args.out:
            print(f"\nwrote {Path(args.out) / 'ops.csv'} and {Path(args.out) / 'summary.json'}")
        if args.plots:
            print(f"wrote {len(written)} figures to {args.plots}")
    return 0


def physical_lines(s: dict) -> list[str]:
    """Power, leakage, efficiency, area (and its source) and the area breakdown."""
    src = "typed in the spec (override)" if s["area_source"] == "spec" else "component models"
    blocks = ", ".join(f"{k} {v:.3g}" for k, v in s["area_breakdown"].items() if v > 0)
    lines = [f"  power         {si(s['power_w'], 'W')} average   (leakage {si(s['leakage_w'], 'W')}; "
             f"{s['tops_per_w']:.3g} TOPS/W, {s['tops_per_mm2']:.3g} TOPS/mm\u00b2 achieved)",
             f"  area          {s['area_mm2']:.4g} mm\u00b2 ({src})"]
    if s["area_source"] == "spec":
        lines.append(f"                model: {s['area_model_mm2']:.4g} mm\u00b2")
    lines.append(f"                by block (model, mm\u00b2): {blocks}")
    energy = s["energy_by_component_j"]
    total = sum(energy.values())
    if total > 0:
        lines.append("  energy by component: " + ", ".join(
            f"{k} {v / total:.1%}" for k, v in sorted(energy.items(), key=lambda kv: -kv[1]) if v > 0))
    return lines


def format_summary(rep, s: dict, why: dict | None = None) -> str:
    """The text report; ``why`` is :func:`accelmodel.explain.explain`'s result (None: no explanations)."""
    hw = rep.hw
    a = hw.array
    what = (f"{s['model']} {s['phase']} (batch {s['batch']}, "
            + (f"seq {s['seq_len']})" if s["phase"] == "prefill" else f"KV cache {s['kv_len']})"))
    lines = [
        f"accelmodel: {what} on {hw.name} ({a.rows}x{a.cols} {a.dataflow}, {hw.clock_ghz:g} GHz, "
        f"scratchpad {kib(hw.scratchpad_kib)}, accumulator {kib(hw.accumulator_kib)})",
        "",
        f"  latency       {si(s['latency_s'], 's')}   ({s['tokens_per_s']:.4g} tokens/s, "
        f"{s['sequences_per_s']:.4g} sequences/s)",
        f"  energy        {si(s['energy_j'], 'J')}   ({si(s['energy_per_token_j'], 'J')}/token)",
        f"  MACs          {si(s['macs'])}   (params {si(s['params'])}, DRAM traffic {si(s['dram_bytes'], 'B')})",
        f"  utilisation   {s['utilization']:.1%} of the array's peak over the whole run; "
        f"{s['matmul_utilization']:.1%} during matmuls",
        *physical_lines(s),
        "",
        "Where the time goes, by op kind:",
        f"  {'kind':<12} {'latency':>11} {'share':>7} {'FLOPs share':>12} {'energy share':>13}",
    ]
    for k, share in s["latency_share_by_kind"].items():
        lat = share * s["latency_s"]
        lines.append(f"  {k:<12} {si(lat, 's'):>11} {share:>7.1%} {s['flops_share_by_kind'].get(k, 0.0):>12.2%} "
                     f"{s['energy_share_by_kind'].get(k, 0.0):>13.1%}")
    served = (why or {}).get("quantize_serves")
    if served:
        lines.append("  quantize = the dequantize (int -> float) before and quantize (float -> int) after each "
                     "host-CPU op; around " + ", ".join(f"{k} {v:.0%}" for k, v in served.items()))
    lines += ["", "By bound (the resource that sets each op's time, and the rate behind it):"]
    bounds = (why or {}).get("bounds", {})
    for b, share in s["latency_share_by_bound"].items():
        lines.append(f"  {b:<12} {si(share * s['latency_s'], 's'):>11} {share:>7.1%}  {bounds.get(b, '')}".rstrip())
    lines += ["", "Top bottleneck ops (summed over layers):"]
    width = max([len(op_label(t["op"])) for t in s["top_ops"]] + [10])
    for i, t in enumerate(s["top_ops"], 1):
        lines.append(f"  {i}. {op_label(t['op']):<{width}} x{t['instances']:<4} {si(t['latency_s'], 's'):>11} "
                     f"{t['latency_share']:>6.1%}  {t['bound']}-bound")
    lines += ["", f"Bottleneck: {s['bottleneck']}."]
    help_ = (why or {}).get("what_would_help")
    if help_:
        lines += ["", "What would help (the model's estimate: each option simulated by accelmodel, not measured):"]
        for o in help_["options"]:
            lines.append(f"  {o['speedup']:>7.3g}x  {o['change']}  ({si(help_['baseline_latency_s'], 's')} -> "
                         f"{si(o['latency_s'], 's')}, energy {si(o['energy_j'], 'J')})")
        if help_["failed"]:
            lines.append("  not evaluated: " + "; ".join(f"{f['change']} ({f['error']})" for f in help_["failed"]))
    fu = s.get("fusion")
    if fu:
        lines += ["", f"Fusion ({fu['mode']}): DRAM traffic {si(s['dram_bytes'] + s['dram_bytes_saved'], 'B')} unfused "
                  f"-> {si(s['dram_bytes'], 'B')} (saved {si(s['dram_bytes_saved'], 'B')})"
                  + (f"; attention: {', '.join(fu['attention'])}" if fu["attention"] else "")]
        lines += [f"  not fused: {n}" for n in fu["not_fused"]]
    sp = s.get("sparsity")
    if sp:
        lines += ["", f"Pruning ({sp['plan'] or 'plan'}) vs the dense model on the same hardware:",
                  f"  latency      {si(sp['dense_latency_s'], 's')} -> {si(sp['sparse_latency_s'], 's')}"
                  f"  (speedup {sp['speedup']:.3g}x)",
                  f"  matmul cycles {si(sp['dense_matmul_cycles'])} -> {si(sp['sparse_matmul_cycles'])}",
                  f"  DRAM bytes   {si(sp['dense_dram_bytes'], 'B')} -> {si(sp['sparse_dram_bytes'], 'B')}",
                  f"  weights      {si(sp['dense_weight_bytes'], 'B')} dense -> {si(sp['stored_weight_bytes'], 'B')}"
                  f" stored ({sp['storage']}, weight density {sp['weight_density']:.3g})",
                  f"  energy       {si(sp['dense_energy_j'], 'J')} -> {si(sp['sparse_energy_j'], 'J')}"
                  f"  (saving {sp['energy_saving']:.1%})"]
        if sp["ops_stored_larger_than_dense"]:
            lines.append(f"  note: {sp['ops_stored_larger_than_dense']} op type(s) store more bytes in "
                         f"{sp['storage']} than dense (index/pointer overhead exceeds the zeros saved)")
        if sp["ops"]:
            lines += ["", "  Pruned ops (summed over layers), dense -> pruned:",
                      f"  {'op':<10} {'density':>7} {'compute cycles':>21} {'DRAM bytes':>21} "
                      f"{'weights (stored)':>21} {'speedup':>7}  bound"]
            for o in sp["ops"]:
                dens = "" if o["density"] is None else f"{o['density']:.3g}"
                lines.append(
                    f"  {o['op']:<10} {dens:>7} "
                    f"{si(o['dense_compute_cycles']) + ' -> ' + si(o['sparse_compute_cycles']):>21} "
                    f"{si(o['dense_dram_bytes'], 'B') + ' -> ' + si(o['sparse_dram_bytes'], 'B'):>21} "
                    f"{_weight_change(o):>21} "
                    f"{o['speedup']:>6.3g}x  {o['dense_bound']} -> {o['sparse_bound']}")
        share = lambda d: ", ".join(f"{k} {v:.0%}" for k, v in d.items() if v >= 0.005)  # noqa: E731
        lines += ["", f"  bound shares dense:  {share(sp['dense_latency_share_by_bound'])}",
                  f"               pruned: {share(sp['sparse_latency_share_by_bound'])}",
                  f"  bottleneck   dense:  {sp['dense_bottleneck']}",
                  f"               pruned: {sp['sparse_bottleneck']}"]
    return "\n".join(lines)


def _weight_change(o: dict) -> str:
    """Dense -> stored weight bytes of a pruned op type ('-' without weights)."""
    if not o["dense_weight_bytes"]:
        return "-"
    return si(o["dense_weight_bytes"], "B") + " -> " + si(o["stored_weight_bytes"], "B")
