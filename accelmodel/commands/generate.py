"""``accelmodel generate``: a whole request (prefill + token-by-token decode) on one design."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..generation import simulate_generation
from ..inputs import check_output_dir
from ..units_format import json_ready
from ..workload.config import load_workload
from ..workload.limits import MAX_BATCH, MAX_TOKENS
from .common import add_hw_option, resolve_hw, si


def add_parser(sub) -> None:
    from .common import positive_int

    p = sub.add_parser(
        "generate", help="model a whole request: TTFT, TPOT, tokens/s, energy per token, DRAM footprint",
        description="Prefill a prompt of --prompt-len tokens (the first token: TTFT), then generate the other "
                    "--gen-len - 1 tokens one decode step at a time (each step costed at its own KV length), for "
                    "--batch sequences at once. Refuses (exit 2) a request whose weights + KV cache + activations "
                    "exceed the design's dram.capacity_gib.")
    add_hw_option(p)
    p.add_argument("--workload", metavar="NAME|FILE", default="llama3-8b",
                   help="decoder preset name, workload YAML or HF config.json (default llama3-8b)")
    p.add_argument("--prompt-len", type=positive_int("--prompt-len", MAX_TOKENS), required=True,
                   help="prompt tokens per sequence")
    p.add_argument("--gen-len", type=positive_int("--gen-len", MAX_TOKENS), required=True,
                   help="tokens generated per sequence (the first by the prefill)")
    p.add_argument("--batch", type=positive_int("--batch", MAX_BATCH), default=1,
                   help="sequences generated together (a static batch; default 1)")
    p.add_argument("--out", metavar="DIR", help="write steps.csv, summary.json and generation.png here")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.out:
        check_output_dir(args.out, "--out")
    hw = resolve_hw(args.hw)
    cfg = load_workload(args.workload)
    gen = simulate_generation(hw, cfg, args.prompt_len, args.gen_len, args.batch)
    s = gen.summary()
    if args.out:
        from ..plots.generation import generation_figure

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        gen.steps_table().to_csv(out / "steps.csv", index=False)
        (out / "summary.json").write_text(json.dumps(json_ready(s), indent=2) + "\n")
        generation_figure(gen).savefig(out / "generation.png", dpi=150)
    if args.json:
        json.dump(json_ready(s), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_generation(s))
        if args.out:
            print(f"\nwrote steps.csv, summary.json and generation.png to {args.out}")
    return 0


def format_generation(s: dict) -> str:
    fp = s["footprint"]
    cap = s["dram_capacity_bytes"]
    lines = [
        f"accelmodel: {s['model']} on {s['hw']}: prompt {s['prompt_len']}, {s['gen_len']} generated tokens, "
        f"batch {s['batch']}",
        "",
        f"  TTFT          {si(s['ttft_s'], 's')}   (prefill: {s['prefill_bound']})",
    ]
    if s["tpot_s"] is not None:
        lines.append(f"  TPOT          {si(s['tpot_s'], 's')} mean   (first {si(s['tpot_first_s'], 's')}, "
                     f"last {si(s['tpot_last_s'], 's')})")
        shares = ", ".join(f"{b} {v:.1%}" for b, v in s["decode_bound_share"].items() if v >= 0.0005)
        lines.append(f"  decode bound  {shares}")
        lines.append(f"  array rows    {s['decode_array_rows']['note']}")
    lines += [
        f"  latency       {si(s['latency_s'], 's')}   ({s['tokens_per_s']:.4g} tokens/s over the batch)",
        f"  energy        {si(s['energy_j'], 'J')}   ({si(s['energy_per_token_j'], 'J')}/token)",
        f"  footprint     {si(s['footprint_bytes'], 'B')} = weights {si(fp['weights_bytes'], 'B')} + scales "
        f"{si(fp['scales_bytes'], 'B')} + KV cache {si(fp['kv_cache_bytes'], 'B')} + activations "
        f"{si(fp['activations_bytes'], 'B')}" + ("" if cap is None else f"   (DRAM {si(cap, 'B')})"),
    ]
    return "\n".join(lines)
