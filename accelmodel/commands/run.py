"""``accelmodel run``: model one workload on one design and say where the time goes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..simulate import simulate
from ..workload.config import load_workload
from .common import DEFAULT_WORKLOAD, nonneg_int, positive_int, resolve_hw, resolve_pruning, si


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="model one workload on one design (default: BERT-base prefill 512 on gemmini_default)")
    p.add_argument("--hw", metavar="FILE|NAME", help="hardware YAML or bundled config name (default gemmini_default)")
    p.add_argument("--workload", metavar="NAME|FILE", default=DEFAULT_WORKLOAD,
                   help="preset name (bert-base, gpt2, llama3-8b, ...), workload YAML or HF config.json")
    p.add_argument("--phase", choices=("prefill", "decode"), default="prefill")
    p.add_argument("--batch", type=positive_int("--batch"), default=1)
    p.add_argument("--seq-len", type=positive_int("--seq-len"), default=512, help="prefill tokens per sequence")
    p.add_argument("--kv-len", type=nonneg_int("--kv-len"), default=None,
                   help="decode: tokens already in the KV cache (default 512)")
    p.add_argument("--pruning", metavar="FILE|NAME",
                   help="pruning plan YAML, or a bundled plan name (block16_50, unstructured_80, head_25, ...)")
    p.add_argument("--out", metavar="DIR", help="write ops.csv and summary.json here")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    hw = resolve_hw(args.hw)
    cfg = load_workload(args.workload)
    kv = args.kv_len if args.kv_len is not None else (512 if args.phase == "decode" else 0)
    plan = resolve_pruning(args.pruning) if args.pruning else None
    rep = simulate(hw, cfg, phase=args.phase, batch=args.batch, seq_len=args.seq_len, kv_len=kv, pruning=plan)
    summary = rep.summary()
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        rep.ops.to_csv(out / "ops.csv", index=False)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (out / "hw.yaml").write_text(hw.to_yaml())
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_summary(rep, summary))
        if args.out:
            print(f"\nwrote {Path(args.out) / 'ops.csv'} and {Path(args.out) / 'summary.json'}")
    return 0


def format_summary(rep, s: dict) -> str:
    hw = rep.hw
    a = hw.array
    what = (f"{s['model']} {s['phase']} (batch {s['batch']}, "
            + (f"seq {s['seq_len']})" if s["phase"] == "prefill" else f"KV cache {s['kv_len']})"))
    lines = [
        f"accelmodel: {what} on {hw.name} ({a.rows}x{a.cols} {a.dataflow}, {hw.clock_ghz:g} GHz, "
        f"scratchpad {hw.scratchpad_kib:g} KiB, accumulator {hw.accumulator_kib:g} KiB)",
        "",
        f"  latency       {si(s['latency_s'], 's')}   ({s['tokens_per_s']:.4g} tokens/s, "
        f"{s['sequences_per_s']:.4g} sequences/s)",
        f"  energy        {si(s['energy_j'], 'J')}   ({si(s['energy_per_token_j'], 'J')}/token)",
        f"  MACs          {si(s['macs'])}   (params {si(s['params'])}, DRAM traffic {si(s['dram_bytes'], 'B')})",
        f"  utilisation   {s['utilization']:.1%} of the array's peak over the whole run; "
        f"{s['matmul_utilization']:.1%} during matmuls",
        "",
        "Where the time goes, by op kind:",
        f"  {'kind':<12} {'latency':>11} {'share':>7} {'FLOPs share':>12} {'energy share':>13}",
    ]
    for k, share in s["latency_share_by_kind"].items():
        lat = share * s["latency_s"]
        lines.append(f"  {k:<12} {si(lat, 's'):>11} {share:>7.1%} {s['flops_share_by_kind'].get(k, 0.0):>12.2%} "
                     f"{s['energy_share_by_kind'].get(k, 0.0):>13.1%}")
    lines += ["", "By bound (the resource that sets each op's time):"]
    for b, share in s["latency_share_by_bound"].items():
        lines.append(f"  {b:<12} {si(share * s['latency_s'], 's'):>11} {share:>7.1%}")
    lines += ["", "Top bottleneck ops (summed over layers):"]
    for i, t in enumerate(s["top_ops"], 1):
        lines.append(f"  {i}. {t['op']:<22} x{t['instances']:<4} {si(t['latency_s'], 's'):>11} "
                     f"{t['latency_share']:>6.1%}  {t['bound']}-bound")
    lines += ["", f"Bottleneck: {s['bottleneck']}."]
    sp = s.get("sparsity")
    if sp:
        lines += ["", f"Pruning ({sp['plan'] or 'plan'}) vs the dense model on the same hardware:",
                  f"  latency      {si(sp['dense_latency_s'], 's')} -> {si(sp['sparse_latency_s'], 's')}"
                  f"  (speedup {sp['speedup']:.3g}x)",
                  f"  matmul cycles {si(sp['dense_matmul_cycles'])} -> {si(sp['sparse_matmul_cycles'])}",
                  f"  DRAM bytes   {si(sp['dense_dram_bytes'], 'B')} -> {si(sp['sparse_dram_bytes'], 'B')}",
                  f"  energy       {si(sp['dense_energy_j'], 'J')} -> {si(sp['sparse_energy_j'], 'J')}",
                  f"  bottleneck   dense: {sp['dense_bottleneck']}",
                  f"               pruned: {sp['sparse_bottleneck']}"]
    return "\n".join(lines)
