"""LLaMA-3-8B prefill and decode on one matched hardware point: accelmodel vs GenZ vs llm-analysis.

The point is ``hw_configs/edge_llm.yaml``: 64x64 INT8 MACs at 1 GHz (8.192 INT8 TOPS = 8.192e12 ops/s),
51.2e9 B/s DRAM, W8A8 with an 8-bit KV cache, 16 GiB. Each tool gets the same three numbers:

* GenZ (``pip install genz-llm``, 0.0.16): a ``real_values`` system with ``Flops`` = 4.096 (its bf16
  TFLOPS; ``bits="int8"`` halves the compute time, so 8.192 INT8 TOPS), ``Memory_BW`` = 51.2e9 / 2**30
  (GenZ's "GB/s" is GiB/s), ``Memory_size`` 16 GiB; efficiencies 1; decode with ``Bb=1`` (no beams).
* llm-analysis (``pip install llm-analysis``, 0.2.2): a GPUConfig with ``peak_i8_TFLOPS`` 8.192 and
  ``hbm_bandwidth_in_GB_per_sec`` 51.2 (decimal), dtype w8a8e8, KV and layernorm bytes 1, efficiencies 1;
  LLaMA-3-8B as a ModelConfig whose 2-matrix MLP has ``ffn_embed_dim`` = 1.5 x 14336 (= the 3 gated
  matrices' weights and FLOPs; llm-analysis has no gated MLP, and rejects 14336 / 4096 = 3.5 anyway).

Lengths: decode with ``kv`` tokens already cached (accelmodel ``kv_len`` = kv: it attends over kv + 1;
GenZ ``input_tokens`` = kv: attends over kv; llm-analysis ``seq_len`` = kv, ``num_tokens_to_generate`` = 1:
its KV term is the cache at kv + 1 tokens, read and written). Prefill of ``prompt`` tokens.
docs/llm_crosscheck.md explains every difference.

Run: ``PYTHONPATH=. python benchmarks/crosscheck_llm_tools.py`` (writes docs/llm_crosscheck.csv;
``--check`` only prints). The two tools are not project dependencies.
"""

from __future__ import annotations

import argparse
import logging
import math
import warnings
from pathlib import Path

import pandas as pd

from accelmodel.hardware.spec import Accelerator, load_accelerator
from accelmodel.paths import find_file
from accelmodel.simulation import simulate

DECODE_KV = (128, 512, 2048, 8192)
PREFILL = (128, 256, 512, 1024, 2048)
BATCHES = (1, 8)
CSV = Path(__file__).resolve().parents[1] / "docs" / "llm_crosscheck.csv"
COLUMNS = ["phase", "batch", "length", "tool", "latency_s", "bytes", "flops", "error"]


def edge_llm() -> Accelerator:
    return load_accelerator(find_file("edge_llm", "hw_configs", "--hw", "config"))


def matched_point(hw: Accelerator) -> dict:
    """Peak ops/s, DRAM bytes/s, bits and capacity (GiB) of ``hw``, the numbers every tool gets."""
    return {"ops_per_s": 2 * hw.array.rows * hw.array.cols * hw.clock_ghz * 1e9,
            "bytes_per_s": hw.dram.bandwidth_gbps * 1e9, "bits": hw.dtypes.weight_bits,
            "capacity_gib": hw.dram.capacity_gib}


def accelmodel_row(hw: Accelerator, phase: str, batch: int, length: int) -> dict:
    """accelmodel's latency (s), DRAM bytes and FLOPs of one pass (``length``: prompt or cached tokens)."""
    if phase == "decode":
        s = simulate(hw, "llama3-8b", "decode", batch, 1, length).summary()
    else:
        s = simulate(hw, "llama3-8b", "prefill", batch, length).summary()
    return {"latency_s": float(s["latency_s"]), "bytes": float(s["dram_bytes"]), "flops": float(s["flops"])}


def accelmodel_rows(hw: Accelerator) -> list[dict]:
    return [{"phase": ph, "batch": b, "length": n, "tool": "accelmodel", **accelmodel_row(hw, ph, b, n), "error": ""}
            for ph, lens in (("decode", DECODE_KV), ("prefill", PREFILL)) for b in BATCHES for n in lens]


def genz_row(pt: dict, phase: str, batch: int, length: int) -> dict:
    from GenZ.LLM_inference import decode_moddeling, prefill_moddeling

    system = {"real_values": True, "Flops": pt["ops_per_s"] / 2 / 1e12, "Memory_BW": pt["bytes_per_s"] / 2**30,
              "Memory_size": pt["capacity_gib"], "ICN": 150}
    bits = {8: "int8", 16: "bf16", 4: "int4"}[pt["bits"]]
    if phase == "decode":
        out = decode_moddeling(model="llama3_8b", batch_size=batch, input_tokens=length, output_tokens=0, Bb=1,
                               system_name=system, bits=bits)
    else:
        out = prefill_moddeling(model="llama3_8b", batch_size=batch, input_tokens=length, system_name=system,
                                bits=bits)
    st = out["summary_table"]
    return {"latency_s": float(out["Latency"]) / 1e3, "bytes": float(st["Total Data (MB)"].iloc[0]) * 2**20,
            "flops": float(st["MACs (MFLOP)"].iloc[0]) * 1e6}


def llm_analysis_row(pt: dict, phase: str, batch: int, length: int) -> dict:
    from llm_analysis.analysis import LLMAnalysis
    from llm_analysis.config import DtypeConfig, GPUConfig, ModelConfig
    from llm_analysis.logger import logger

    logger.setLevel(logging.ERROR)
    model = ModelConfig(name="llama3-8b", num_layers=32, n_head=32, hidden_dim=4096, vocab_size=128256,
                        max_seq_len=8192, num_key_value_heads=8, ffn_embed_dim=3 * 14336 // 2, expansion_ratio=5.25,
                        model_type="llama")
    tops = pt["ops_per_s"] / 1e12
    gpu = GPUConfig(name="matched", mem_per_GPU_in_GB=pt["capacity_gib"] * 2**30 / 1e9,
                    hbm_bandwidth_in_GB_per_sec=pt["bytes_per_s"] / 1e9, intra_node_bandwidth_in_GB_per_sec=1,
                    intra_node_min_message_latency=0, peak_fp16_TFLOPS=tops / 2, peak_i8_TFLOPS=tops,
                    peak_i4_TFLOPS=2 * tops)
    b = pt["bits"]
    dtype = DtypeConfig(name=f"w{b}a{b}e{b}", weight_bits=b, activation_bits=b, embedding_bits=b)
    la = LLMAnalysis(model, gpu, dtype, flops_efficiency=1.0, hbm_memory_efficiency=1.0)
    r = la.inference(batch_size_per_gpu=batch, seq_len=length, num_tokens_to_generate=1,
                     layernorm_dtype_bytes=b // 8, kv_cache_dtype_bytes=b // 8)
    if phase == "decode":
        # bytes its decode latency charges: every weight (one embedding table) + the KV cache read and written
        moved = r["weight_memory_per_gpu"] + r["kv_cache_latency"] * pt["bytes_per_s"]
        return {"latency_s": r["decode_latency"], "bytes": moved, "flops": r["decode_num_flops_fwd_total"]}
    return {"latency_s": r["prefill_latency"], "bytes": math.nan, "flops": r["prefill_num_flops_fwd_total"]}


def tool_rows(name: str, fn, pt: dict) -> list[dict]:
    rows = []
    for ph, lens in (("decode", DECODE_KV), ("prefill", PREFILL)):
        for b in BATCHES:
            for n in lens:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        vals, err = fn(pt, ph, b, n), ""
                except Exception as e:  # a tool failing on a configuration is a result to report
                    vals, err = {"latency_s": math.nan, "bytes": math.nan, "flops": math.nan}, \
                        f"{type(e).__name__}: {str(e).splitlines()[0]}"
                rows.append({"phase": ph, "batch": b, "length": n, "tool": name, **vals, "error": err})
    return rows


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Side by side: one row per (phase, batch, length), latency/bytes/FLOPs per tool and GenZ/llm-analysis
    latency relative to accelmodel."""
    wide = df.set_index(["phase", "batch", "length", "tool"])[["latency_s", "bytes", "flops"]].unstack("tool")
    wide.columns = [f"{tool}_{v}" for v, tool in wide.columns]
    for tool in ("genz", "llm_analysis"):
        if f"{tool}_latency_s" in wide:
            wide[f"{tool}_vs_accelmodel"] = wide[f"{tool}_latency_s"] / wide["accelmodel_latency_s"] - 1
    return wide.reset_index()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print only; do not write docs/llm_crosscheck.csv")
    args = ap.parse_args()
    hw = edge_llm()
    pt = matched_point(hw)
    rows = accelmodel_rows(hw) + tool_rows("genz", genz_row, pt) + tool_rows("llm_analysis", llm_analysis_row, pt)
    df = pd.DataFrame(rows, columns=COLUMNS)
    pd.set_option("display.width", 250)
    print(f"matched point: {pt}")
    print(table(df).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for r in df[df.error != ""].itertuples():
        print(f"{r.tool} {r.phase} batch {r.batch} length {r.length}: {r.error}")
    if not args.check:
        df.to_csv(CSV, index=False, float_format="%.10g")
        print(f"wrote {CSV}")


if __name__ == "__main__":
    main()
