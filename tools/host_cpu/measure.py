"""Measure host-CPU instructions and cycles per element of the offloaded float kernels.

Builds ``kernels/*.c`` + ``driver.c`` for rv64gc (``riscv64-linux-gnu-gcc -O2``, static, glibc
libm) and the counting plugin ``insncount_plugin.c`` (host ``gcc``), runs each kernel under
``qemu-riscv64`` at ROWS and 2 x ROWS rows of WIDTH elements, and the set-up-only run ("none")
at both sizes. Per-element counts by instruction class are

    ((kernel, 2 ROWS) - (kernel, ROWS) - ((none, 2 ROWS) - (none, ROWS))) / (ROWS x WIDTH),

so the program start-up, the set-up and the fixed per-run costs cancel. Cycles per element come
from ``accelmodel.hardware.host_measured.cycles_from_class_counts`` (model ROCKET_CPI).

Writes ``data/host_cpu_cycles.csv``, ``hw_configs/gemmini_measured_host.yaml`` and its variant
``hw_configs/gemmini_ort_host.yaml`` (quantize as Gemmini's ONNX Runtime port runs it); see
``docs/host_cpu.md``. Run from the repository root: ``python tools/host_cpu/measure.py``.
"""

from __future__ import annotations

import argparse
import datetime
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from accelmodel.hardware.host_measured import (  # noqa: E402  (after the sys.path insert)
    CPI_MODEL_NAME,
    INSTRUCTION_CLASSES,
    ROCKET_CPI,
    cycles_from_class_counts,
)

CROSS_CC = "riscv64-linux-gnu-gcc"
CFLAGS = ["-O2", "-march=rv64gc", "-mabi=lp64d", "-static"]
KERNELS = ("dequantize", "quantize", "softmax", "gelu", "gelu_tanh", "silu", "relu", "layernorm", "rmsnorm",
           "elementwise", "rope")
VARIANTS = ("quantize_runtime",)
"""Kernels measured as alternatives to a CpuCycles field (rows of the CSV, not of the hw config):
quantize_runtime = QuantizeLinear as Gemmini's ONNX Runtime port runs it on a RISC-V host."""
DEFAULT_ROWS = 64
DEFAULT_WIDTH = 768

_BRANCH = {"beq", "bne", "blt", "bge", "bltu", "bgeu", "beqz", "bnez", "blez", "bgez", "bltz", "bgtz", "bgt",
           "ble", "bgtu", "bleu"}
_JUMP = {"jal", "jalr", "j", "jr", "ret", "call", "tail"}
_LOAD = {"lb", "lbu", "lh", "lhu", "lw", "lwu", "ld", "flw", "fld", "lr.w", "lr.d"}
_STORE = {"sb", "sh", "sw", "sd", "fsw", "fsd", "sc.w", "sc.d"}
_MUL = {"mul", "mulh", "mulhsu", "mulhu", "mulw"}
_DIV = {"div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw"}
_FMA = {"fadd", "fsub", "fmul", "fmadd", "fmsub", "fnmadd", "fnmsub"}
_DIVSQRT = {"fdiv", "fsqrt"}
_FP_OTHER = {"fcvt", "fmv", "fsgnj", "fsgnjn", "fsgnjx", "fneg", "fabs", "feq", "flt", "fle", "fmin", "fmax",
             "fclass"}
_SYSTEM_PREFIX = ("csr", "frflags", "fsflags", "frrm", "fsrm", "frcsr", "fscsr", "ecall", "fence", "ebreak")
_INT_ALU = {"add", "addi", "addw", "addiw", "sub", "subw", "and", "andi", "or", "ori", "xor", "xori", "sll",
            "slli", "srl", "srli", "sra", "srai", "sllw", "slliw", "srlw", "srliw", "sraw", "sraiw", "slt", "slti",
            "sltu", "sltiu", "lui", "auipc", "mv", "li", "nop", "neg", "negw", "not", "sext.w", "seqz", "snez",
            "sltz", "sgtz"}


def classify(mnemonic: str) -> str:
    """Instruction class of one RISC-V mnemonic as QEMU disassembles it (ValueError if unknown)."""
    m = mnemonic.lower().removesuffix(".aqrl").removesuffix(".aq").removesuffix(".rl")
    base = m.split(".")[0]
    if m in _LOAD or m.startswith("amo"):   # atomics: memory read-modify-write (libc start-up only)
        return "load"
    if m in _STORE:
        return "store"
    if m in _BRANCH:
        return "branch"
    if m in _JUMP:
        return "jump"
    if m in _MUL:
        return "int_mul"
    if m in _DIV:
        return "int_div"
    if m.startswith(_SYSTEM_PREFIX):
        return "system"
    if base in _FMA or base in _DIVSQRT:
        double = m.endswith(".d")
        return ("fp_divsqrt_" if base in _DIVSQRT else "fp_fma_") + ("d" if double else "s")
    if base in _FP_OTHER:
        return "fp_other"
    if m in _INT_ALU:
        return "int_alu"
    raise ValueError(f"unclassified RISC-V instruction {mnemonic!r}")


def tool_versions() -> tuple[str, str]:
    """First version lines of the cross compiler and of qemu-riscv64."""
    cc = subprocess.run([CROSS_CC, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    qemu = subprocess.run(["qemu-riscv64", "--version"], capture_output=True, text=True,
                          check=True).stdout.splitlines()[0]
    return cc.strip(), qemu.strip()


def build(workdir: Path) -> tuple[Path, Path]:
    """Compile the driver + kernels (rv64gc, static) and the plugin (host); return their paths."""
    exe, plugin = workdir / "host_kernels", workdir / "insncount.so"
    sources = [str(HERE / "driver.c")] + sorted(str(p) for p in (HERE / "kernels").glob("*.c"))
    subprocess.run([CROSS_CC, *CFLAGS, "-o", str(exe), *sources, "-lm"], check=True)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(plugin), str(HERE / "insncount_plugin.c")],
                   check=True)
    return exe, plugin


def count_classes(exe: Path, plugin: Path, kernel: str, rows: int, width: int, workdir: Path) -> Counter:
    """Executed instructions by class for one run of ``exe kernel rows width`` under QEMU."""
    out = workdir / f"{kernel}_{rows}.tsv"
    subprocess.run(["qemu-riscv64", "-plugin", f"{plugin},out={out}", str(exe), kernel, str(rows), str(width)],
                   check=True, capture_output=True)
    counts: Counter = Counter()
    for line in out.read_text().splitlines():
        _, n, disas = line.split("\t", 2)
        fields = disas.split()
        mnemonic = fields[1] if len(fields) > 1 and re.fullmatch(r"[0-9a-f]+", fields[0]) else fields[0]
        counts[classify(mnemonic)] += int(n)
    return counts


def per_element(exe: Path, plugin: Path, kernel: str, rows: int, width: int, workdir: Path) -> dict[str, float]:
    """Instructions per element by class, driver baseline and fixed costs removed (two sizes)."""
    def diff(k: str) -> Counter:
        big = count_classes(exe, plugin, k, 2 * rows, width, workdir)
        small = count_classes(exe, plugin, k, rows, width, workdir)
        return Counter({c: big[c] - small[c] for c in INSTRUCTION_CLASSES})

    kern, base = diff(kernel), diff("none")
    n = rows * width
    return {c: (kern[c] - base[c]) / n for c in INSTRUCTION_CLASSES}


def measure(rows: int = DEFAULT_ROWS, width: int = DEFAULT_WIDTH, kernels=KERNELS + VARIANTS) -> list[dict]:
    """One row per kernel: function, instructions_per_element, n_<class>..., cycles_per_element."""
    rows_out = []
    with tempfile.TemporaryDirectory(prefix="host_cpu_") as tmp:
        workdir = Path(tmp)
        exe, plugin = build(workdir)
        for k in kernels:
            # rounded as written, so that the table's cycles follow exactly from its own class counts
            cls = {c: round(v, 4) + 0.0 for c, v in per_element(exe, plugin, k, rows, width, workdir).items()}
            rows_out.append({"function": k, "instructions_per_element": sum(cls.values()),
                                 "classes": cls, "cycles_per_element": cycles_from_class_counts(cls)})
    return rows_out


def _fmt(x: float) -> str:
    text = f"{x:.4f}"
    return "0.0000" if text == "-0.0000" else text


def write_csv(results: list[dict], path: Path, rows: int, width: int) -> None:
    cc, qemu = tool_versions()
    today = datetime.date.today().isoformat()
    header = ["function", "instructions_per_element"] + [f"n_{c}" for c in INSTRUCTION_CLASSES] + [
        "cycles_per_element", "cpi_model", "elements_measured", "compiler", "qemu", "date"]
    lines = [
        "# Host-CPU (Rocket-class rv64gc) cost per element of accelmodel's offloaded float32 kernels.",
        "# Written by tools/host_cpu/measure.py (see docs/host_cpu.md): instructions counted with qemu-riscv64",
        f"# and a TCG plugin, {CROSS_CC} {' '.join(CFLAGS)} + glibc libm; per element = difference of",
        f"# {2 * rows} and {rows} rows of {width} minus the same difference of the set-up-only run.",
        "# cycles_per_element = sum_c n_c x CPI_c with accelmodel.hardware.host_measured.ROCKET_CPI (model",
        f"# {CPI_MODEL_NAME}: " + ", ".join(f"{c} {v:g}" for c, v in ROCKET_CPI.items()) + ").",
        ",".join(header),
    ]
    for r in results:
        vals = [r["function"], _fmt(r["instructions_per_element"])]
        vals += [_fmt(r["classes"][c]) for c in INSTRUCTION_CLASSES]
        vals += [_fmt(r["cycles_per_element"]), CPI_MODEL_NAME, str(rows * width), f'"{cc}"', f'"{qemu}"', today]
        lines.append(",".join(vals))
    path.write_text("\n".join(lines) + "\n")


RUNTIME_HOST = {"name": "gemmini_ort_host", "fields": {"quantize": "quantize_runtime"}}
"""The second config the script writes: gemmini_measured_host with each listed CpuCycles field taken
from a variant kernel (quantize as Gemmini's ONNX Runtime port runs it)."""


def write_hw_config(results: list[dict], path: Path, name: str = "gemmini_measured_host",
                    fields: dict[str, str] | None = None) -> None:
    """gemmini_default with host.cycles_per_element set to the measured cycles (``fields``: CpuCycles
    field -> the measured kernel that replaces its own)."""
    default_lines = (ROOT / "hw_configs" / "gemmini_default.yaml").read_text().splitlines(keepends=True)
    first_key = next(i for i, line in enumerate(default_lines) if line.strip() and not line.startswith("#"))
    default = "".join(default_lines[first_key:])   # gemmini_default's own header comment is not copied
    cycles = {r["function"]: r["cycles_per_element"] for r in results}
    source = {k: (fields or {}).get(k, k) for k in KERNELS}
    body = default.replace("name: gemmini_default", f"name: {name}")
    per_elem = "\n".join(f"    {k}: {cycles[source[k]]:.2f}" + (f"   # {source[k]}" if source[k] != k else "")
                         for k in KERNELS)
    body = body.replace("host:\n", "host:\n  # measured: data/host_cpu_cycles.csv (tools/host_cpu/measure.py, model "
                        f"{CPI_MODEL_NAME})\n  cycles_per_element:\n{per_elem}\n", 1)
    head = ("# The Full-Stack survey's Gemmini baseline (Kim et al., arXiv 2302.14017) = gemmini_default, with the\n"
            "# host CPU's cycles per element measured, not assumed: written by tools/host_cpu/measure.py from\n"
            "# data/host_cpu_cycles.csv (qemu-riscv64 instruction counts of plain C float32 kernels, Rocket-class\n"
            "# in-order timing model; docs/host_cpu.md). Do not edit by hand: re-run the script.\n")
    if fields:
        head += ("# Variant: " + ", ".join(f"{k} from the {v} kernel" for k, v in fields.items())
                 + " (QuantizeLinear as Gemmini's ONNX Runtime port\n# runs it on a RISC-V host: divide, nearbyintf, "
                 "clamp; docs/host_cpu.md).\n")
    path.write_text(head + body)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the smaller run (the larger is 2x)")
    ap.add_argument("--width", type=int, default=DEFAULT_WIDTH, help="elements per row")
    ap.add_argument("--csv", type=Path, default=ROOT / "data" / "host_cpu_cycles.csv")
    ap.add_argument("--hw-config", type=Path, default=ROOT / "hw_configs" / "gemmini_measured_host.yaml")
    args = ap.parse_args(argv)
    for tool in (CROSS_CC, "qemu-riscv64", "gcc"):
        if shutil.which(tool) is None:
            print(f"measure.py: {tool} not found on PATH", file=sys.stderr)
            return 2
    results = measure(args.rows, args.width)
    write_csv(results, args.csv, args.rows, args.width)
    write_hw_config(results, args.hw_config)
    write_hw_config(results, args.hw_config.with_name(f"{RUNTIME_HOST['name']}.yaml"), **RUNTIME_HOST)
    for r in results:
        print(f"{r['function']:12s} {r['instructions_per_element']:8.2f} insn/elem {r['cycles_per_element']:8.2f} "
              "cycles/elem")
    return 0


if __name__ == "__main__":
    sys.exit(main())
