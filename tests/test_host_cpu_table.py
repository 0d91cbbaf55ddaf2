"""The measured host-CPU table (data/host_cpu_cycles.csv, tools/host_cpu/measure.py) against its timing
model, the CpuCycles fields, the bundled measured-host config and (when the tools exist) a re-measurement."""

import importlib.util
import shutil
from pathlib import Path

import pytest

from accelmodel.hardware import CpuCycles, load_accelerator
from accelmodel.hardware.host_measured import (
    CPI_MODEL_NAME,
    INSTRUCTION_CLASSES,
    ROCKET_CPI,
    cycles_from_class_counts,
    measured_cpu_cycles,
    read_cpu_table,
)
from accelmodel.paths import bundled_file

ROOT = Path(__file__).resolve().parent.parent


def _rows() -> dict[str, dict[str, str]]:
    return {r["function"]: r for r in read_cpu_table()}


def test_cycles_follow_from_class_counts_and_model():
    for name, row in _rows().items():
        counts = {c: float(row[f"n_{c}"]) for c in INSTRUCTION_CLASSES}
        assert row["cpi_model"] == CPI_MODEL_NAME
        # written with 4 decimals from the same rounded counts
        assert float(row["cycles_per_element"]) == pytest.approx(cycles_from_class_counts(counts), abs=6e-5), name
        assert float(row["instructions_per_element"]) == pytest.approx(sum(counts.values()), abs=2e-3), name
        # the two-size difference leaves noise below 0.001 instructions per element (malloc's size-dependent
        # paths in the set-up), so a class absent from the kernel may read as a tiny negative number
        assert all(v >= -1e-3 for v in counts.values()), name


def test_model_charges_at_least_one_cycle_per_instruction():
    assert set(ROCKET_CPI) == set(INSTRUCTION_CLASSES)
    assert min(ROCKET_CPI.values()) >= 1.0
    assert cycles_from_class_counts({c: 1.0 for c in INSTRUCTION_CLASSES}) == sum(ROCKET_CPI.values())
    with pytest.raises(KeyError, match="lack"):
        cycles_from_class_counts({"int_alu": 1.0})


def test_every_cpu_cycles_field_has_a_measured_row():
    rows = _rows()
    assert set(CpuCycles.model_fields) <= set(rows)
    measured = measured_cpu_cycles()
    for field in CpuCycles.model_fields:
        assert getattr(measured, field) == float(rows[field]["cycles_per_element"])


def test_measured_host_config_carries_the_table():
    hw = load_accelerator(bundled_file("gemmini_measured_host", "hw_configs"))
    default = load_accelerator(bundled_file("gemmini_default", "hw_configs"))
    measured = measured_cpu_cycles()
    for field in CpuCycles.model_fields:   # the YAML holds the cycles rounded to 2 decimals
        assert getattr(hw.host.cycles_per_element, field) == pytest.approx(getattr(measured, field), abs=5e-3)
    # everything else is gemmini_default
    assert hw.model_copy(update={"name": default.name, "host": default.host}) == default


def test_ort_host_config_takes_quantize_from_the_runtime_kernel():
    """gemmini_ort_host = gemmini_measured_host with quantize measured on QuantizeLinear as Gemmini's
    ONNX Runtime port runs it (divide by the scale, nearbyintf, clamp): one fdiv.s per element (24 cycles
    on Rocket), the rounding-flag save/restore of nearbyintf (2 CSR ops) and more than 4x the cycles."""
    ort = load_accelerator(bundled_file("gemmini_ort_host", "hw_configs"))
    measured = load_accelerator(bundled_file("gemmini_measured_host", "hw_configs"))
    row = _rows()["quantize_runtime"]
    assert ort.host.cycles_per_element.quantize == pytest.approx(float(row["cycles_per_element"]), abs=5e-3)
    assert float(row["n_fp_divsqrt_s"]) == pytest.approx(1.0, abs=1e-3)
    assert float(row["n_system"]) == pytest.approx(2.0, abs=1e-3)
    assert ort.host.cycles_per_element.quantize > 4 * measured.host.cycles_per_element.quantize
    cycles = measured.host.cycles_per_element.model_copy(update={"quantize": ort.host.cycles_per_element.quantize})
    host = measured.host.model_copy(update={"cycles_per_element": cycles})
    assert ort == measured.model_copy(update={"name": "gemmini_ort_host", "host": host})


def test_missing_function_is_named(tmp_path):
    rows = read_cpu_table()
    p = tmp_path / "t.csv"
    keep = [r for r in rows if r["function"] != "gelu"]
    p.write_text(",".join(keep[0]) + "\n" + "\n".join(",".join(f'"{v}"' for v in r.values()) for r in keep) + "\n")
    with pytest.raises(ValueError, match="gelu"):
        measured_cpu_cycles(p)


@pytest.mark.skipif(shutil.which("qemu-riscv64") is None or shutil.which("riscv64-linux-gnu-gcc") is None
                    or shutil.which("gcc") is None,
                    reason="qemu-riscv64 / riscv64-linux-gnu-gcc / gcc not on PATH: cannot re-measure")
def test_remeasure_dequantize_matches_table():
    spec = importlib.util.spec_from_file_location("host_cpu_measure", ROOT / "tools" / "host_cpu" / "measure.py")
    measure = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(measure)
    for res in measure.measure(rows=16, width=768, kernels=("dequantize", "quantize_runtime")):
        table = float(_rows()[res["function"]]["instructions_per_element"])
        assert res["instructions_per_element"] == pytest.approx(table, rel=0.01), res["function"]
