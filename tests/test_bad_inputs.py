"""A corpus of bad inputs: each must give exit code 2, exactly one line on
stderr (``accelmodel: error: ...``), no traceback, and never hang.

Cases are grouped by kind below (``CASES``): file encodings, YAML structure
(nesting, aliases, duplicates, size), hardware values (types, bounds), workload
files (YAML and Hugging Face ``config.json``), pruning plans, sweep specs,
command-line arguments, and output paths. Most run the CLI in this process
(``accelmodel.cli.main``); a few run it as a subprocess. A watchdog (SIGALRM)
fails a case that does not finish, instead of letting it hang the suite.
Hypothesis then generates random specs that must run with sane results or
fail the same clean way.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from accelmodel.cli import main

HANG_LIMIT_S = 30
"""A case still running after this long has hung (a watchdog, not a speed test)."""
MAX_LINE = 400
"""Longest error line accepted (messages are cut to one readable line)."""


@dataclass
class Case:
    id: str
    argv: list[str]
    """``{d}`` is replaced by the case's temporary directory."""
    files: dict[str, bytes | str] = field(default_factory=dict)
    needle: str | None = None
    """A substring the error line must contain (the field it names, the problem)."""


CASES: dict[str, list[Case]] = {}


def kind(name: str, cases: list[Case]) -> None:
    CASES[name] = cases


# ---------------------------------------------------------------------------
# helpers to build bad files

GOOD_HW = "name: t\nclock_ghz: 1.0\n"
GOOD_WL = ("name: tiny\narch: decoder\nn_layers: 2\nd_model: 64\nn_heads: 4\nd_ff: 128\nvocab_size: 1000\n"
           "max_positions: 256\n")
GOOD_PRUNE = "all_matrices:\n  default:\n    pattern: {kind: block, bh: 16, bw: 16}\n    ratio: 0.5\n"
GOOD_SWEEP = ("name: s\nbase: gemmini_default\nworkload: {model: bert-base, seq_len: 64}\n"
              "axes:\n  scratchpad_kib: [64, 128]\n")

# how each role reads a file: argv with {f} for the file
ROLES = {
    "hw": (["run", "--hw", "{f}"], "hw.yaml"),
    "workload": (["run", "--workload", "{f}"], "wl.yaml"),
    "hf": (["run", "--workload", "{f}"], "config.json"),
    "pruning": (["run", "--pruning", "{f}"], "plan.yaml"),
    "sweep": (["sweep", "{f}", "--dry-run"], "sweep.yaml"),
}


def as_role(role: str, cid: str, content: bytes | str, needle: str | None = None) -> Case:
    argv, fname = ROLES[role]
    return Case(f"{role}-{cid}", [a.replace("{f}", "{d}/" + fname) for a in argv], {fname: content}, needle)


def nested_lists(depth: int) -> str:
    return "name: " + "[" * depth + "1" + "]" * depth + "\n"


def nested_maps(depth: int) -> str:
    return "array: " + "{a: " * depth + "1" + "}" * depth + "\n"


BILLION_LAUGHS = ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                  "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                  "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\nj: &j [*i, *i, *i, *i, *i, *i, *i, *i, *i, *i]\n")
MANY_ALIASES = "x: &x 1\nname: [" + ", ".join(["*x"] * 300) + "]\n"
UTF16 = "\ufeffname: t\nclock_ghz: 1.0\n".encode("utf-16")


# ---------------------------------------------------------------------------
# 1. file encodings: every role that reads a file

ENCODINGS = {
    "binary": (bytes(range(256)) * 4, "UTF-8"),
    "utf16": (UTF16, "UTF-16"),
    "latin1": ("name: caf\xe9\n".encode("latin-1"), "UTF-8"),
    "nul": (b"name: t\x00\n", "NUL"),
    "control-char": (b"name: t\x0b\n", "not valid"),
    "empty": (b"", None),
}
kind("encoding", [as_role(r, e, c, n) for r in ROLES for e, (c, n) in ENCODINGS.items()])

# ---------------------------------------------------------------------------
# 2. YAML structure: nesting, aliases, duplicates, size, top level

STRUCTURE = {
    "nested-500-lists": (nested_lists(500), "nested"),
    "nested-100-maps": (nested_maps(100), "nested"),
    "billion-laughs-typed": (BILLION_LAUGHS + "name: *j\n", "aliases are expanded"),
    "many-aliases": (MANY_ALIASES, "aliases"),
    "duplicate-key": ("clock_ghz: 1.0\nclock_ghz: 2.0\n", "duplicate key 'clock_ghz'"),
    "duplicate-nested-key": ("array: {rows: 16, rows: 32}\n", "duplicate key 'rows'"),
    "top-level-list": ("- a\n- b\n", "top level"),
    "top-level-scalar": ("42\n", "top level"),
    "invalid-yaml": ("array: {rows: 16\n", "not valid YAML"),
    "tab-indent": ("array:\n\trows: 16\n", "not valid YAML"),
    "two-documents": ("name: a\n---\nname: b\n", "not valid YAML"),
    "python-tag": ("name: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
    "unhashable-key": ("? [a, b]\n: 1\n", "key"),
    "over-1MiB": ("# " + "x" * (1 << 20) + "\nname: t\n", "1 MiB"),
    "huge-string-value": ("name: t\narray: {dataflow: " + "W" * 200_000 + "}\n", "dataflow"),
}
kind("yaml-structure", [as_role("hw", k, c, n) for k, (c, n) in STRUCTURE.items()]
     + [as_role(r, k, STRUCTURE[k][0], STRUCTURE[k][1]) for r in ("workload", "pruning", "sweep")
        for k in ("nested-500-lists", "billion-laughs-typed", "duplicate-key", "top-level-list", "over-1MiB")
        if not (k == "duplicate-key" and r != "workload")]
     + [as_role("sweep", "duplicate-axis-key", "base: gemmini_default\naxes:\n  scratchpad_kib: [64]\n"
                "  scratchpad_kib: [128]\n", "duplicate key"),
        as_role("pruning", "duplicate-key", "seed: 1\nseed: 2\n", "duplicate key 'seed'")])

# ---------------------------------------------------------------------------
# 3. hardware values: types and bounds (run --hw)

HW_VALUES = {
    "rows-true": ("array: {rows: true}", "array.rows"),
    "rows-string": ("array: {rows: '16'}", "array.rows"),
    "rows-fraction": ("array: {rows: 16.5}", "array.rows"),
    "rows-float-integral": ("array: {rows: 16.0}", "array.rows"),
    "rows-zero": ("array: {rows: 0}", "array.rows"),
    "rows-negative": ("array: {rows: -4}", "array.rows"),
    "rows-1e9": ("array: {rows: 1000000000, cols: 1000000000}", "less than or equal to 4096"),
    "cols-e-notation-string": ("array: {cols: 1e9}", "array.cols"),
    "clock-inf": ("clock_ghz: .inf", "finite"),
    "clock-nan": ("clock_ghz: .nan", "finite"),
    "clock-negative": ("clock_ghz: -1.0", "clock_ghz"),
    "clock-string": ("clock_ghz: fast", "clock_ghz"),
    "clock-bool": ("clock_ghz: true", "clock_ghz"),
    "clock-100ghz": ("clock_ghz: 100.0", "less than or equal to 10"),
    "scratchpad-1e12": ("scratchpad_kib: 1.0e+12", "scratchpad_kib"),
    "scratchpad-inf": ("scratchpad_kib: .inf", "scratchpad_kib"),
    "bandwidth-inf": ("dram: {bandwidth_gbps: .inf}", "dram.bandwidth_gbps"),
    "bandwidth-zero": ("dram: {bandwidth_gbps: 0}", "dram.bandwidth_gbps"),
    "dataflow-unknown": ("array: {dataflow: XS}", "array.dataflow"),
    "double-buffered-string": ("double_buffered: 'false'", "double_buffered"),
    "double-buffered-int": ("double_buffered: 1", "double_buffered"),
    "tiling-unknown": ("tiling: best", "tiling"),
    "unknown-field": ("frobnicate: 1", "unknown field"),
    "unknown-nested-field": ("array: {rows: 16, depth: 3}", "array.depth"),
    "array-scalar": ("array: 16", "array"),
    "array-list": ("array: [16, 16]", "array"),
    "input-bits-100000": ("dtypes: {input_bits: 100000}", "dtypes.input_bits"),
    "input-bits-wider-than-accumulator": ("dtypes: {input_bits: 33}", "dtypes.accumulator_bits"),
    "accumulator-banks-narrower-than-a-row": ("array: {rows: 2, cols: 8}\naccumulator_kib: 0.03125", "accumulator_kib"),
    "tiny-accumulator": ("accumulator_kib: 0.001", "accumulator_kib"),
    "banks-5000": ("scratchpad_banks: 5000", "scratchpad_banks"),
    "l2-negative": ("l2: {size_kib: -1}", "l2.size_kib"),
    "name-int": ("name: 123", "name"),
    "name-list": ("name: [a]", "name"),
    "softmax-kind-unknown": ("nonlinear: {softmax: {kind: magic}}", "nonlinear.softmax"),
    "mac-energy-nan": ("energy: {mac_pj: .nan}", "energy.mac_pj"),
    "float-bits-zero": ("host: {float_bits: 0}", "host.float_bits"),
    "sparsity-block-short": ("sparsity: {block: [16]}", "sparsity.block"),
    "technology-zero": ("technology_nm: 0", "technology_nm"),
    "dma-huge": ("dma_bytes_per_cycle: 1.0e+30", "dma_bytes_per_cycle"),
    "cpu-cycles-bool": ("host: {cycles_per_element: {softmax: false}}", "host.cycles_per_element.softmax"),
}
kind("hardware-values", [as_role("hw", k, v + "\n", n) for k, (v, n) in HW_VALUES.items()])

# ---------------------------------------------------------------------------
# 4. workload files: our YAML and Hugging Face config.json

WL_YAML = {
    "missing-d-model": (GOOD_WL.replace("d_model: 64\n", ""), "d_model"),
    "layers-zero": (GOOD_WL.replace("n_layers: 2", "n_layers: 0"), "n_layers"),
    "layers-true": (GOOD_WL.replace("n_layers: 2", "n_layers: true"), "n_layers"),
    "layers-fraction": (GOOD_WL.replace("n_layers: 2", "n_layers: 2.5"), "n_layers"),
    "layers-1e6": (GOOD_WL.replace("n_layers: 2", "n_layers: 1000000"), "n_layers"),
    "d-model-string": (GOOD_WL.replace("d_model: 64", "d_model: '64'"), "d_model"),
    "heads-not-dividing": (GOOD_WL.replace("n_heads: 4", "n_heads: 5"), "n_heads"),
    "arch-unknown": (GOOD_WL.replace("arch: decoder", "arch: encoderx"), "arch"),
    "vocab-1e12": (GOOD_WL.replace("vocab_size: 1000", "vocab_size: 1000000000000"), "vocab_size"),
    "activation-unknown": (GOOD_WL + "activation: swish2\n", "activation"),
    "max-positions-inf": (GOOD_WL.replace("max_positions: 256", "max_positions: .inf"), "max_positions"),
    "kv-heads-not-dividing": (GOOD_WL + "n_kv_heads: 3\n", "n_kv_heads"),
    "bias-string": (GOOD_WL + "bias: 'false'\n", "bias"),
    "type-vocab-negative": (GOOD_WL + "type_vocab_size: -1\n", "type_vocab_size"),
}
HF = '{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4, ' \
     '"intermediate_size": 128, "vocab_size": 1000%s}'
WL_JSON = {
    "attention-bias-string": (HF % ', "attention_bias": "false"', "attention_bias"),
    "tie-embeddings-string": (HF % ', "tie_word_embeddings": "true"', "tie_word_embeddings"),
    "tie-embeddings-int": (HF % ', "tie_word_embeddings": 1', "tie_word_embeddings"),
    "model-type-t5": ('{"model_type": "t5"}', "model_type"),
    "missing-layers": (HF.replace('"num_hidden_layers": 2, ', "") % "", "num_hidden_layers"),
    "hidden-size-string": (HF.replace('"hidden_size": 64', '"hidden_size": "64"') % "", "d_model"),
    "nan": (HF % ', "rms_norm_eps": NaN', "NaN"),
    "duplicate-key": (HF % ', "vocab_size": 2000', "duplicate key"),
    "top-level-list": ("[1, 2]", "top level"),
    "layers-1e9": (HF.replace('"num_hidden_layers": 2', '"num_hidden_layers": 1000000000') % "", "n_layers"),
    "activation-bogus": (HF % ', "hidden_act": "bogus"', "activation"),
    "nested-1000": ('{"a": ' + "[" * 1000 + "]" * 1000 + "}", "nested"),
    "model-type-huge": ('{"model_type": "' + "t" * 200_000 + '"}', "model_type"),
    "not-json": ("{model_type: llama}", "not valid JSON"),
    "max-positions-float": (HF % ', "max_position_embeddings": 2048.5', "max_positions"),
}
kind("workload-files", [as_role("workload", k, c, n) for k, (c, n) in WL_YAML.items()]
     + [as_role("hf", k, c, n) for k, (c, n) in WL_JSON.items()])

# ---------------------------------------------------------------------------
# 5. pruning plans

PRUNE = {
    "ratio-1.5": (GOOD_PRUNE.replace("0.5", "1.5"), "ratio"),
    "ratio-string": (GOOD_PRUNE.replace("0.5", "'0.5'"), "ratio"),
    "ratio-nan": (GOOD_PRUNE.replace("0.5", ".nan"), "ratio"),
    "pattern-unknown": (GOOD_PRUNE.replace("kind: block", "kind: blob"), "pattern"),
    "block-true": (GOOD_PRUNE.replace("bh: 16", "bh: true"), "bh"),
    "block-huge": (GOOD_PRUNE.replace("bh: 16", "bh: 100000000"), "bh"),
    "unknown-field": (GOOD_PRUNE + "frobnicate: 1\n", "unknown field"),
    "seed-string": ("seed: abc\n" + GOOD_PRUNE, "seed"),
}
kind("pruning-plans", [as_role("pruning", k, c, n) for k, (c, n) in PRUNE.items()])

# ---------------------------------------------------------------------------
# 6. sweep specs (sweep FILE --dry-run, or run when noted)

SWEEPS = {
    "unknown-workload": (GOOD_SWEEP.replace("bert-base", "no-such-model"), "unknown preset"),
    "unknown-workload-run": (GOOD_SWEEP.replace("bert-base", "no-such-model"), "unknown preset"),
    "unknown-pruning": (GOOD_SWEEP.replace("seq_len: 64}", "seq_len: 64, pruning: nosuch}"), "pruning"),
    "pruning-file-bad": (GOOD_SWEEP.replace("seq_len: 64}", "seq_len: 64, pruning: bad.yaml}"), "pruning"),
    "unknown-axis": (GOOD_SWEEP.replace("scratchpad_kib:", "scratchpad_kb:"), "scratchpad_kb"),
    "unknown-workload-axis": (GOOD_SWEEP + "  workload.seqlen: [64]\n", "seqlen"),
    "unknown-model-on-axis": (GOOD_SWEEP + "  workload.model: [bert-base, nosuch]\n", "nosuch"),
    "decode-on-encoder": (GOOD_SWEEP.replace("seq_len: 64}", "phase: decode, kv_len: 8}"), "encoder"),
    "grid-1e8-points": ("name: big\nbase: gemmini_default\naxes:\n"
                        + "".join(f"  {p}: {list(range(1, 101))}\n" for p in
                                  ("array.rows", "array.cols", "scratchpad_banks", "accumulator_banks")),
                        "100000000 points"),
    "random-1e8": (GOOD_SWEEP + "sampling: {method: random, n: 100000000}\n", "100000000 points"),
    "random-n-string": (GOOD_SWEEP + "sampling: {method: random, n: 1e8}\n", "sampling.n"),
    "lhs-n-zero": (GOOD_SWEEP + "sampling: {method: lhs, n: 0}\n", "sampling.n"),
    "grid-with-n": (GOOD_SWEEP + "sampling: {method: grid, n: 5}\n", "sampling.n"),
    "sampler-unknown": (GOOD_SWEEP + "sampling: sobol\n", "sampling.method"),
    "seed-string": (GOOD_SWEEP + "sampling: {method: random, n: 4, seed: x}\n", "sampling.seed"),
    "seed-negative": (GOOD_SWEEP + "sampling: {method: random, n: 4, seed: -1}\n", "sampling.seed"),
    "no-axes": (GOOD_SWEEP.split("axes:")[0] + "axes: {}\n", "axes"),
    "empty-values": (GOOD_SWEEP.replace("[64, 128]", "[]"), "no values"),
    "range-no-num": (GOOD_SWEEP.replace("[64, 128]", "{min: 64, max: 128}"), "num"),
    "range-min-gt-max": (GOOD_SWEEP.replace("[64, 128]", "{min: 128, max: 64, num: 3}"), "min <= max"),
    "range-log-zero": (GOOD_SWEEP.replace("[64, 128]", "{min: 0, max: 64, num: 3, log: true}"), "log"),
    "range-inf": (GOOD_SWEEP.replace("[64, 128]", "{min: 1, max: .inf, num: 3}"), "finite"),
    "repeated-value": (GOOD_SWEEP.replace("[64, 128]", "[64, 64]"), "repeated value"),
    "bad-axis-value": (GOOD_SWEEP.replace("[64, 128]", "[64, -1]"), "scratchpad_kib"),
    "bool-axis-value": (GOOD_SWEEP.replace("[64, 128]", "[64, true]"), "scratchpad_kib"),
    "constraint-unknown-metric": (GOOD_SWEEP + "constraints: [{metric: speed, max: 1}]\n", "speed"),
    "constraint-min-gt-max": (GOOD_SWEEP + "constraints: [{metric: sram_kib, min: 2, max: 1}]\n", "min > max"),
    "base-missing": (GOOD_SWEEP.replace("base: gemmini_default\n", ""), "base"),
    "base-unknown": (GOOD_SWEEP.replace("gemmini_default", "nosuch_hw"), "nosuch_hw"),
    "base-mapping-invalid": (GOOD_SWEEP.replace("base: gemmini_default", "base: {array: {rows: true}}"),
                             "array.rows"),
    "workload-batch-zero": (GOOD_SWEEP.replace("seq_len: 64}", "seq_len: 64, batch: 0}"), "batch"),
    "workload-seq-huge": (GOOD_SWEEP.replace("seq_len: 64}", "seq_len: 1000000000}"), "seq_len"),
    "workload-scalar": (GOOD_SWEEP.replace("workload: {model: bert-base, seq_len: 64}", "workload: 5"), "workload"),
    "two-axes-same-path": (GOOD_SWEEP + "  sp: {path: scratchpad_kib, values: [32]}\n", "two axes"),
    "mapping-values-no-labels": (GOOD_SWEEP + "  nonlinear.softmax: [{kind: ibert}]\n", "labels"),
    "huge-name": ("name: " + "n" * 200_000 + "\n" + GOOD_SWEEP.split("\n", 1)[1], None),
    "unknown-top-field": (GOOD_SWEEP + "frobnicate: 1\n", "unknown field"),
}


def sweep_case(k: str, content: str, needle: str | None) -> Case:
    files: dict[str, bytes | str] = {"sweep.yaml": content}
    if k == "pruning-file-bad":
        files["bad.yaml"] = "ratio: 2\n"
    argv = ["sweep", "{d}/sweep.yaml", "--quiet"] if k.endswith("-run") else ["sweep", "{d}/sweep.yaml", "--dry-run"]
    return Case(f"sweep-{k}", argv, files, needle)


kind("sweep-specs", [sweep_case(k, c, n) for k, (c, n) in SWEEPS.items()])

# ---------------------------------------------------------------------------
# 7. command-line arguments

kind("cli-arguments", [
    Case("batch-zero", ["run", "--batch", "0"], needle="--batch"),
    Case("batch-negative", ["run", "--batch", "-1"], needle="--batch"),
    Case("batch-1e15-notation", ["run", "--batch", "1e15"], needle="--batch"),
    Case("batch-1e15", ["run", "--batch", "1000000000000000"], needle="65536"),
    Case("batch-word", ["run", "--batch", "abc"], needle="--batch"),
    Case("batch-empty", ["run", "--batch", ""], needle="--batch"),
    Case("batch-huge-digits", ["run", "--batch", "9" * 5000], needle="--batch"),
    Case("seq-len-zero", ["run", "--seq-len", "0"], needle="--seq-len"),
    Case("seq-len-huge", ["run", "--seq-len", "99999999999"], needle="--seq-len"),
    Case("seq-len-over-positions", ["run", "--workload", "bert-base", "--seq-len", "4096"], needle="seq_len"),
    Case("kv-len-negative", ["run", "--phase", "decode", "--workload", "gpt2", "--kv-len", "-1"], needle="--kv-len"),
    Case("kv-len-1e9", ["run", "--phase", "decode", "--workload", "gpt2", "--kv-len", "1000000000"],
         needle="--kv-len"),
    Case("kv-len-over-positions", ["run", "--phase", "decode", "--workload", "gpt2", "--kv-len", "2000"],
         needle="kv_len"),
    Case("kv-len-with-prefill", ["run", "--kv-len", "2048"], needle="--kv-len"),
    Case("decode-encoder", ["run", "--phase", "decode", "--workload", "bert-base"], needle="encoder"),
    Case("seq-len-with-decode", ["run", "--phase", "decode", "--workload", "gpt2", "--seq-len", "128"],
         needle="--seq-len"),
    Case("sweep-dry-run-with-out", ["sweep", "spad_acc", "--dry-run", "--out", "{d}/r"], needle="--out"),
    Case("sweep-dry-run-with-jobs", ["sweep", "spad_acc", "--dry-run", "--jobs", "2"], needle="--jobs"),
    Case("phase-unknown", ["run", "--phase", "sideways"], needle="--phase"),
    Case("workload-unknown", ["run", "--workload", "nosuch"], needle="unknown preset"),
    Case("workload-missing-file", ["run", "--workload", "/nonexistent/wl.yaml"], needle="not found"),
    Case("workload-directory", ["run", "--workload", "{d}/"], needle="directory"),
    Case("hw-unknown", ["run", "--hw", "nosuch"], needle="--hw"),
    Case("hw-directory", ["run", "--hw", "{d}"], needle="is a directory"),
    Case("hw-missing-file", ["run", "--hw", "/nonexistent/hw.yaml"], needle="--hw"),
    Case("pruning-unknown", ["run", "--pruning", "nosuch"], needle="--pruning"),
    Case("pruning-directory", ["run", "--pruning", "{d}"], needle="is a directory"),
    Case("macs-over-limit", ["run", "--workload", "llama3-70b", "--batch", "65536", "--seq-len", "8192"],
         needle="MACs"),
    Case("gemm-m-1e12", ["gemm", "--m", "1000000000000", "--k", "64", "--n", "64"], needle="--m"),
    Case("gemm-m-zero", ["gemm", "--m", "0", "--k", "64", "--n", "64"], needle="--m"),
    Case("gemm-product", ["gemm", "--m", "16777216", "--k", "16777216", "--n", "16777216"], needle="MACs"),
    Case("gemm-m-word", ["gemm", "--m", "x", "--k", "64", "--n", "64"], needle="--m"),
    Case("gemm-missing-k", ["gemm", "--m", "64", "--n", "64"], needle="--k"),
    Case("unknown-option", ["run", "--frobnicate"], needle="--frobnicate"),
    Case("unknown-command", ["frobnicate"], needle="frobnicate"),
    Case("sweep-jobs-zero", ["sweep", "spad_acc", "--jobs", "0"], needle="--jobs"),
    Case("sweep-chunk-zero", ["sweep", "spad_acc", "--chunk-size", "0"], needle="--chunk-size"),
    Case("sweep-max-points-zero", ["sweep", "spad_acc", "--max-points", "0"], needle="--max-points"),
    Case("sweep-max-points-low", ["sweep", "spad_acc", "--max-points", "4", "--dry-run"], needle="9 points"),
    Case("sweep-resume-no-out", ["sweep", "spad_acc", "--resume"], needle="--resume"),
    Case("sweep-jobs-and-scheduler", ["sweep", "spad_acc", "--jobs", "2", "--scheduler", "local"], needle="--jobs"),
    Case("sweep-scheduler-notanaddress", ["sweep", "spad_acc", "--scheduler", "notanaddress"], needle="address"),
    Case("sweep-scheduler-local-zero", ["sweep", "spad_acc", "--scheduler", "local:0"], needle="local:N"),
    Case("sweep-scheduler-local-word", ["sweep", "spad_acc", "--scheduler", "local:x"], needle="local:N"),
    Case("sweep-scheduler-bad-port", ["sweep", "spad_acc", "--scheduler", "tcp://127.0.0.1:99999"],
         needle="address"),
    Case("sweep-unknown-bundled", ["sweep", "nosuch_sweep"], needle="sweep"),
    Case("sweep-directory", ["sweep", "{d}"], needle="is a directory"),
])

# ---------------------------------------------------------------------------
# 8. output paths: refused before any work

kind("output-paths", [
    Case("run-out-is-file", ["run", "--out", "{d}/f"], {"f": "x"}, "exists and is a file"),
    Case("run-plots-is-file", ["run", "--plots", "{d}/f"], {"f": "x"}, "exists and is a file"),
    Case("run-out-proc", ["run", "--out", "/proc/foo"], needle="--out /proc/foo"),
    Case("run-out-missing-parent", ["run", "--out", "{d}/missing/sub"], needle="does not exist"),
    Case("run-out-dev-null", ["run", "--out", "/dev/null"], needle="exists and is a file"),
    Case("run-out-equals-plots", ["run", "--out", "{d}/o", "--plots", "{d}/o"], needle="--plots"),
    Case("sweep-out-is-file", ["sweep", "spad_acc", "--out", "{d}/f"], {"f": "x"}, "exists and is a file"),
    Case("sweep-out-missing-parent", ["sweep", "spad_acc", "--out", "{d}/missing/res"], needle="does not exist"),
    Case("sweep-out-proc", ["sweep", "spad_acc", "--out", "/proc/res"], needle="--out"),
])

# ---------------------------------------------------------------------------
# 9. plot: run directories and tables it reads, the figure it writes

RUN_DIR = {"run/ops.csv": "op,kind\n", "run/hw.yaml": GOOD_HW}
kind("plot-inputs", [
    Case("summary-binary", ["plot", "latency", "{d}/run", "--out", "{d}/f.png"],
         {**RUN_DIR, "run/summary.json": bytes(range(256))}, "UTF-8"),
    Case("summary-duplicate-key", ["plot", "latency", "{d}/run", "--out", "{d}/f.png"],
         {**RUN_DIR, "run/summary.json": '{"phase": "prefill", "phase": "decode"}'}, "duplicate key"),
    Case("summary-list", ["plot", "latency", "{d}/run", "--out", "{d}/f.png"],
         {**RUN_DIR, "run/summary.json": "[]"}, "top level"),
    Case("hw-yaml-alias-bomb", ["plot", "latency", "{d}/run", "--out", "{d}/f.png"],
         {**RUN_DIR, "run/summary.json": "{}", "run/hw.yaml": BILLION_LAUGHS + "name: *j\n"}, "aliases"),
    Case("not-a-run-dir", ["plot", "latency", "{d}", "--out", "{d}/f.png"], needle="not a run directory"),
    Case("table-binary-parquet", ["plot", "pareto", "{d}/t.parquet", "--x", "a", "--y", "b", "--out", "{d}/f.png"],
         {"t.parquet": bytes(range(256))}, "cannot read table"),
    Case("out-missing-parent", ["plot", "latency", "{d}/run", "--out", "{d}/missing/f.png"], RUN_DIR,
         "does not exist"),
    Case("out-is-directory", ["plot", "latency", "{d}/run", "--out", "{d}/sub.png"], {"sub.png/x": "x"},
         "is a directory"),
])

# ---------------------------------------------------------------------------
# 10. nonlinear: samples files

HUGE_NPY_HEADER = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }"
HUGE_NPY = (b"\x93NUMPY\x01\x00" + (118).to_bytes(2, "little")
            + (HUGE_NPY_HEADER + " " * (117 - len(HUGE_NPY_HEADER)) + "\n").encode() + b"\0" * 64)
kind("nonlinear-samples", [
    Case("samples-binary", ["nonlinear", "--samples", "{d}/s.npy"], {"s.npy": bytes(range(256))}, "samples file"),
    Case("samples-directory", ["nonlinear", "--samples", "{d}"], needle="is a directory"),
    Case("samples-huge-header", ["nonlinear", "--samples", "{d}/h.npy"], {"h.npy": HUGE_NPY}, "samples file"),
    Case("samples-csv", ["nonlinear", "--samples", "{d}/s.csv"], {"s.csv": "x\n1\n"}, "samples file"),
])

ALL = [(k, c) for k, cs in CASES.items() for c in cs]


def test_corpus_size_and_unique_ids():
    ids = [f"{k}/{c.id}" for k, c in ALL]
    assert len(ids) == len(set(ids))
    assert len(ALL) >= 150, {k: len(v) for k, v in CASES.items()}


@contextlib.contextmanager
def watchdog(seconds: int):
    def fire(*_):
        raise TimeoutError(f"hung for more than {seconds} s")
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), watchdog(HANG_LIMIT_S):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def materialise(case: Case, d: Path) -> list[str]:
    for name, content in case.files.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return [a.replace("{d}", str(d)) for a in case.argv]


def assert_clean_failure(rc: int, err: str, case: Case) -> None:
    lines = err.splitlines()
    assert rc == 2, f"exit {rc}; stderr: {err[:500]}"
    assert len(lines) == 1, f"{len(lines)} lines on stderr: {err[:800]}"
    assert "Traceback" not in err
    assert lines[0].startswith("accelmodel: error: "), lines[0][:200]
    assert len(lines[0]) <= MAX_LINE, f"{len(lines[0])} characters: {lines[0][:200]}..."
    if case.needle is not None:
        assert case.needle in lines[0], lines[0]


@pytest.mark.parametrize("case", [c for _, c in ALL], ids=[f"{k}/{c.id}" for k, c in ALL])
def test_bad_input_fails_cleanly(case: Case, tmp_path):
    argv = materialise(case, tmp_path)
    rc, _, err = run_cli(argv)
    assert_clean_failure(rc, err, case)


# a few through a real process: the console entry, exit status, nothing printed late
SUBPROCESS = [
    Case("binary-hw", ["run", "--hw", "{d}/hw.yaml"], {"hw.yaml": bytes(range(256))}, "UTF-8"),
    Case("alias-bomb-sweep", ["sweep", "{d}/s.yaml", "--dry-run"], {"s.yaml": BILLION_LAUGHS + "name: *j\n"},
         "aliases"),
    Case("grid-1e8-dry-run", ["sweep", "{d}/s.yaml", "--dry-run"], {"s.yaml": SWEEPS["grid-1e8-points"][0]},
         "100000000 points"),
    Case("scheduler-refused", ["sweep", "spad_acc", "--scheduler", "tcp://127.0.0.1:1"], needle="cannot connect"),
    Case("scheduler-notanaddress", ["sweep", "spad_acc", "--scheduler", "notanaddress"], needle="address"),
    Case("run-out-is-file", ["run", "--out", "{d}/f"], {"f": "x"}, "exists and is a file"),
]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[c.id for c in SUBPROCESS])
def test_bad_input_fails_cleanly_in_a_process(case: Case, tmp_path):
    argv = materialise(case, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    r = subprocess.run([sys.executable, "-m", "accelmodel.cli", *argv], capture_output=True, text=True,
                       timeout=60, env=env)
    assert_clean_failure(r.returncode, r.stderr, case)


def test_scheduler_without_dask_installed_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["sweep", "spad_acc", "--scheduler", "local:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "accelmodel[distributed]" in err


# ---------------------------------------------------------------------------
# generated specs: run with sane results, or fail cleanly

hypothesis = pytest.importorskip("hypothesis")
import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st

FIELDS = ["array.rows", "array.cols", "array.dataflow", "clock_ghz", "scratchpad_kib", "accumulator_kib",
          "scratchpad_banks", "double_buffered", "dram.bandwidth_gbps", "dtypes.input_bits", "l2", "name",
          "tiling", "frobnicate", "host.clock_ghz"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**13), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["WS", "OS", "square", "search", "16", "1e9", ".inf"]))
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c,
                                                                                                  max_size=4)),
                      max_leaves=12)


def _nest(path: str, v):
    for k in reversed(path.split(".")):
        v = {k: v}
    return v


def _merge(a: dict, b: dict) -> dict:
    for k, v in b.items():
        a[k] = _merge(a[k], v) if isinstance(a.get(k), dict) and isinstance(v, dict) else v
    return a


VALID = {"array.rows": st.integers(1, 128), "array.cols": st.integers(1, 128),
         "array.dataflow": st.sampled_from(["WS", "OS"]), "clock_ghz": st.floats(0.05, 10),
         "scratchpad_kib": st.floats(1, 65536), "accumulator_kib": st.floats(1, 65536),
         "scratchpad_banks": st.integers(1, 64), "double_buffered": st.booleans(),
         "dram.bandwidth_gbps": st.floats(0.5, 1e5), "dtypes.input_bits": st.integers(1, 64),
         "tiling": st.sampled_from(["search", "square"]), "host.clock_ghz": st.floats(0.05, 10),
         "name": st.text(min_size=1, max_size=20), "l2": st.one_of(st.none(), st.just({"size_kib": 512}))}
field_values = st.sampled_from(FIELDS).flatmap(
    lambda f: st.tuples(st.just(f), st.one_of(VALID[f], VALID[f], VALID[f], values) if f in VALID else values))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(field_values, min_size=1, max_size=4).map(dict),
       st.sampled_from([[], ["--batch", "4"], ["--phase", "decode", "--workload", "gpt2", "--kv-len", "100"]]))
def test_generated_hardware_specs_run_or_fail_cleanly(fields, extra):
    import tempfile
    spec: dict = {}
    for path, v in fields.items():
        _merge(spec, _nest(path, v))
    try:
        text = yaml.safe_dump(spec, allow_unicode=True)
    except yaml.YAMLError:
        return
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "hw.yaml").write_text(text, encoding="utf-8")
        rc, out, err = run_cli(["run", "--hw", f"{d}/hw.yaml", "--json", "--workload", "bert-base",
                                "--seq-len", "64", *extra] if "--workload" not in extra else
                               ["run", "--hw", f"{d}/hw.yaml", "--json", *extra])
    hypothesis.event("refused" if rc == 2 else "ran")
    if rc == 2:
        assert_clean_failure(rc, err, Case("generated", []))
        return
    assert rc == 0, err[:500]
    import json
    s = json.loads(out)
    for key in ("latency_s", "energy_j", "utilization", "matmul_utilization"):
        assert math.isfinite(s[key]) and s[key] >= 0, (key, s[key])
    assert s["utilization"] <= 1 + 1e-9 and s["matmul_utilization"] <= 1 + 1e-9
    assert s["latency_s"] > 0 and s["energy_j"] > 0


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.just({}), st.dictionaries(st.sampled_from(["name", "base", "workload", "axes", "sampling",
                                                               "constraints", "workloads", "zzz"]), values,
                                              max_size=2)),
       st.dictionaries(st.sampled_from(["scratchpad_kib", "array.rows", "workload.seq_len", "workload.batch",
                                        "nonlinear.softmax", "array"]),
                       st.one_of(values, st.lists(st.integers(1, 64), min_size=1, max_size=4, unique=True),
                                 st.lists(st.integers(1, 64), min_size=1, max_size=4, unique=True)),
                       max_size=2))
def test_generated_sweep_specs_plan_or_fail_cleanly(top, axes):
    import tempfile
    spec = {"base": "gemmini_default", "workload": {"model": "bert-base", "seq_len": 32}, **top}
    if axes:
        spec["axes"] = axes
    try:
        text = yaml.safe_dump(spec, allow_unicode=True)
    except yaml.YAMLError:
        return
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "s.yaml").write_text(text, encoding="utf-8")
        rc, out, err = run_cli(["sweep", f"{d}/s.yaml", "--dry-run", "--max-points", "2000"])
    hypothesis.event("refused" if rc == 2 else "planned")
    if rc == 2:
        assert_clean_failure(rc, err, Case("generated", []))
    else:
        assert rc == 0 and "points" in out, err[:500]
