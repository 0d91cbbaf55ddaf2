"""The hardware spec: what the machine is.

Frozen pydantic v2 models, units in field names, unknown keys rejected. Derived
values are properties. Change a design with ``spec.model_copy(update=...)`` or
:func:`with_updates` (dotted paths).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Literal, Optional

import yaml
from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from ..inputs import parse_yaml_mapping, read_text
from ..specbase import Frozen
from .nonlinear import NonlinearAssignment
from .schedule import Schedule
from .sparsity import SparsitySupport


class ArraySpec(Frozen):
    """The systolic array."""

    rows: PositiveInt = Field(default=16, le=4096)
    """PE rows (R). In WS the reduction dimension K is laid along the rows."""
    cols: PositiveInt = Field(default=16, le=4096)
    """PE columns (C). The output dimension N is laid along the columns."""
    dataflow: Literal["WS", "OS"] = "WS"
    """Weight-stationary or output-stationary."""
    weight_preload: Literal["serial", "overlapped"] = "serial"
    """WS only: ``serial`` = a fold's weight preload waits for the previous fold to drain
    (2R + C + M - 2 cycles per fold, SCALE-Sim's convention, kept as the default so a generic
    array matches SCALE-Sim); ``overlapped`` = double-buffered weight registers in every PE
    (Gemmini's ``PE.scala``: registers ``c1``/``c2`` swapped by the ``propagate`` bit), the next
    fold's preload runs under the current fold's stream: max(M, R) cycles per fold plus
    2R + C - 2 per tile (``mapping/systolic.py``). The bundled Gemmini configs use ``overlapped``."""

    @property
    def pes(self) -> int:
        return self.rows * self.cols


class L2Spec(Frozen):
    """Shared L2 between the scratchpad/accumulator and DRAM."""

    size_kib: PositiveFloat = Field(default=2048, le=16777216)
    """Capacity, KiB."""
    bandwidth_bytes_per_cycle: PositiveFloat = Field(default=16, le=65536)
    """Bandwidth of the L2 <-> scratchpad/accumulator link, bytes per accelerator cycle."""
    latency_cycles: NonNegativeFloat = Field(default=20, le=1_000_000)
    """Access latency, accelerator cycles (paid once per op, not overlapped)."""


class DramSpec(Frozen):
    """Off-chip memory."""

    bandwidth_gbps: PositiveFloat = Field(default=64.0, le=100000)
    """Bandwidth in GB/s (10^9 bytes per second)."""
    latency_ns: NonNegativeFloat = Field(default=100.0, le=1_000_000)
    """Access latency in ns (paid once per op, not overlapped)."""
    energy_pj_per_bit: PositiveFloat = Field(default=20.0, le=10000)
    """Access energy per bit, pJ. Default: Horowitz 45 nm, 640 pJ per 32-bit read."""
    technology: str = "Horowitz 45 nm (640 pJ / 32 b)"
    """Where the energy figure comes from."""
    capacity_gib: Optional[PositiveFloat] = Field(default=None, le=1_048_576)
    """Capacity in GiB (2^30 bytes) that weights, KV cache and activations must fit in
    (``accelmodel generate`` refuses a request that does not; sweeps drop it). null: not checked."""


FORMAT_BITS = {"int4": 4, "int8": 8, "int16": 16, "fp8": 8, "fp16": 16, "bf16": 16}
"""Bits of each number format a tensor class may be stored in."""
Format = Literal["int4", "int8", "int16", "fp8", "fp16", "bf16"]


class DataTypes(Frozen):
    """Bit widths (and optionally number formats) of the accelerator's operands.

    A ``*_format`` names the format of a tensor class; its bits must agree with
    the matching ``*_bits`` (given, or filled in from the format). Weights stored
    in a format other than the activations' are dequantised on the fly before
    the array (weight-only quantisation, e.g. W4A16), on the elementwise unit."""

    input_bits: PositiveInt = Field(default=8, le=64)
    """Activations fed to the array."""
    weight_bits: PositiveInt = Field(default=8, le=64)
    """Weights."""
    accumulator_bits: PositiveInt = Field(default=32, le=64)
    """Partial sums in the accumulator."""
    output_bits: PositiveInt = Field(default=8, le=64)
    """Outputs written back to memory (after scaling)."""
    kv_bits: Optional[PositiveInt] = Field(default=None, le=64)
    """KV-cache entries (read by Q.K^T and softmax.V). null: the same as ``input_bits``."""
    weight_format: Optional[Format] = None
    """Number format of the stored weights (sets ``weight_bits``); null: integer at ``weight_bits``."""
    activation_format: Optional[Format] = None
    """Number format of activations (sets ``input_bits`` and ``output_bits``); null: integer."""
    kv_format: Optional[Format] = None
    """Number format of the KV cache (sets ``kv_bits``); null: as the activations."""
    weight_group_size: Optional[PositiveInt] = Field(default=None, le=1_048_576)
    """Weights per group-wise scale (e.g. 128); null: no per-group scales (per-tensor scale)."""
    weight_scale_bits: PositiveInt = Field(default=16, le=64)
    """Bits of one group-wise weight scale (FP16 in GPTQ/AWQ-style W4 checkpoints)."""

    @model_validator(mode="before")
    @classmethod
    def _formats_set_bits(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for fmt, fields in (("weight_format", ("weight_bits",)), ("activation_format", ("input_bits", "output_bits")),
                            ("kv_format", ("kv_bits",))):
            name = data.get(fmt)
            if not isinstance(name, str) or name not in FORMAT_BITS:
                continue
            for f in fields:
                if data.get(f) is None:
                    data[f] = FORMAT_BITS[name]
                elif data[f] != FORMAT_BITS[name]:
                    raise ValueError(f"{f}: {data[f]} disagrees with {fmt} {name} ({FORMAT_BITS[name]} bits)")
        return data

    @model_validator(mode="after")
    def _accumulator_holds_products(self) -> "DataTypes":
        widest = max(self.input_bits, self.weight_bits)
        if self.accumulator_bits < widest:
            raise ValueError(f"accumulator_bits: {self.accumulator_bits} is narrower than the operands "
                             f"({widest} bits); partial sums need at least the operand width")
        return self

    @property
    def dequantizes_weights(self) -> bool:
        """Weights stored in another format than the activations: dequantised on the fly."""
        w = self.weight_format or f"int{self.weight_bits}"
        a = self.activation_format or f"int{self.input_bits}"
        return w != a

    @property
    def kv_bytes(self) -> float:
        return (self.kv_bits if self.kv_bits is not None else self.input_bits) / 8.0

    @property
    def input_bytes(self) -> float:
        return self.input_bits / 8.0

    @property
    def weight_bytes(self) -> float:
        """Bytes per stored weight, with its share of a group-wise scale."""
        scales = 0.0 if self.weight_group_size is None else self.weight_scale_bits / self.weight_group_size
        return (self.weight_bits + scales) / 8.0

    @property
    def accumulator_bytes(self) -> float:
        return self.accumulator_bits / 8.0

    @property
    def output_bytes(self) -> float:
        return self.output_bits / 8.0


class CpuCycles(Frozen):
    """Host-CPU cycles per element for each offloaded computation (float)."""

    softmax: PositiveFloat = Field(default=60.0, le=1_000_000)
    """max, exp, sum and divide per element; newlib expf on an in-order core."""
    gelu: PositiveFloat = Field(default=80.0, le=1_000_000)
    """erf-based GELU."""
    gelu_tanh: PositiveFloat = Field(default=70.0, le=1_000_000)
    """OpenAI tanh-GELU."""
    silu: PositiveFloat = Field(default=50.0, le=1_000_000)
    """x * sigmoid(x)."""
    relu: PositiveFloat = Field(default=2.0, le=1_000_000)
    layernorm: PositiveFloat = Field(default=15.0, le=1_000_000)
    """mean, variance, rsqrt (amortised), scale and shift."""
    rmsnorm: PositiveFloat = Field(default=10.0, le=1_000_000)
    elementwise: PositiveFloat = Field(default=2.0, le=1_000_000)
    """add / multiply / scale."""
    rope: PositiveFloat = Field(default=6.0, le=1_000_000)
    dequantize: PositiveFloat = Field(default=3.0, le=1_000_000)
    """int -> float conversion and scale, per element."""
    quantize: PositiveFloat = Field(default=5.0, le=1_000_000)
    """float -> int: scale, round, clamp, per element."""


class HostCpu(Frozen):
    """The host CPU that runs offloaded ops (Gemmini's Rocket core by default)."""

    clock_ghz: PositiveFloat = Field(default=1.0, le=10)
    """CPU clock, GHz."""
    cycles_per_element: CpuCycles = Field(default_factory=CpuCycles)
    """Per-op-kind cost of offloaded work."""
    memory_bandwidth_gbps: PositiveFloat = Field(default=8.0, le=100000)
    """Bandwidth the CPU gets to shared memory, GB/s."""
    float_bits: PositiveInt = Field(default=32, le=64)
    """Width of the CPU's float format."""
    offload_overhead_us: NonNegativeFloat = Field(default=2.0, le=1_000_000)
    """Fixed cost per offloaded op (fence, cache flush, hand-off), microseconds."""
    power_w: PositiveFloat = Field(default=0.25, le=10000)
    """CPU active power, W."""


class EnergyTable(Frozen):
    """Energy per action. ``per_action: model`` (default): every per-action energy and the
    leakage come from the physical component models (``accelmodel.components``) at the
    design's capacities, widths, banks and node; the numbers below are then not used and
    must keep their defaults. ``per_action: table``: these numbers are used as typed
    (defaults: Horowitz ISSCC 2014, 45 nm, [Horowitz2014]; the model before the component
    models were wired in), with ``static_power_mw`` as the static power."""

    per_action: Literal["model", "table"] = "model"
    """Where per-action energies and static power come from: ``model`` (component models)
    or ``table`` (the numbers below)."""
    source: str = "Horowitz, ISSCC 2014, 45 nm"
    """Where the numbers of the table come from."""
    mac_pj: NonNegativeFloat = Field(default=0.3, le=10000)
    """One MAC: 8b mult (0.2 pJ) + 32b add (0.1 pJ). ``per_action: table`` only."""
    scratchpad_pj_per_byte: NonNegativeFloat = Field(default=1.25, le=10000)
    """Scratchpad access per byte: 32b SRAM read (8 KB) 5 pJ / 4 bytes. ``per_action: table`` only."""
    accumulator_pj_per_byte: NonNegativeFloat = Field(default=1.25, le=10000)
    """Accumulator access per byte (read or write), same SRAM figure. ``per_action: table`` only."""
    l2_pj_per_byte: NonNegativeFloat = Field(default=5.0, le=10000)
    """L2 access per byte; a 2 MB array, 4x the 8 KB SRAM figure (assumption). ``per_action: table`` only."""
    static_power_mw: NonNegativeFloat = Field(default=20.0, le=10_000_000)
    """Leakage and clock of the accelerator while the model runs, mW. ``per_action: table`` only
    (with ``model`` the static power is the component models' leakage)."""

    @model_validator(mode="after")
    def _table_values_need_table(self) -> "EnergyTable":
        if self.per_action == "model":
            for name in TABLE_FIELDS:
                default = _TABLE_DEFAULTS[name]
                if getattr(self, name) != default:
                    raise ValueError(f"{name}: {getattr(self, name):g} is used only with per_action: table "
                                     f"(per_action: model prices actions from the component models); "
                                     f"set per_action: table or remove {name}")
        return self


TABLE_FIELDS = ("mac_pj", "scratchpad_pj_per_byte", "accumulator_pj_per_byte", "l2_pj_per_byte", "static_power_mw")
"""Fields of :class:`EnergyTable` used only with ``per_action: table``."""
_TABLE_DEFAULTS = {name: EnergyTable.model_fields[name].default for name in TABLE_FIELDS}


class Accelerator(Frozen):
    """A Gemmini-like accelerator."""

    name: str = Field(default="gemmini", min_length=1, max_length=200)
    """Label used in reports."""
    clock_ghz: PositiveFloat = Field(default=1.0, le=10)
    """Accelerator clock, GHz."""
    technology_nm: Optional[PositiveFloat] = Field(default=None, le=1000)
    """Process node of the design, nm. If set, nonlinear units whose figures are stated at
    another node (their ``technology_nm``) are scaled to it to first order (energy ~ node,
    area ~ node^2; see ``hardware/nonlinear.py``). null (default): units are used as stated.
    The energy table and DRAM energy are taken as given (their ``source`` names their node)."""
    array: ArraySpec = Field(default_factory=ArraySpec)
    scratchpad_kib: PositiveFloat = Field(default=256, le=1048576)
    """Scratchpad (inputs and weights) capacity, KiB."""
    scratchpad_banks: PositiveInt = Field(default=4, le=1024)
    """Scratchpad banks."""
    accumulator_kib: PositiveFloat = Field(default=64, le=1048576)
    """Accumulator (partial sums) capacity, KiB."""
    accumulator_banks: PositiveInt = Field(default=2, le=1024)
    """Accumulator banks."""
    tiling: Literal["search", "square"] = "search"
    """Tiling policy: ``search`` ranks every legal tiling (least time, then energy);
    ``square`` keeps square output tiles, as Gemmini's software tiler (tiled_matmul_auto)
    and the survey's analytical model do."""
    accumulator_reload: bool = True
    """If true, partial sums can leave the accumulator at full width and be moved back in to be
    accumulated on, so loop orders with K outside M or N (partial sums spilled to L2/DRAM and
    reloaded) are legal. Gemmini can: an accumulator read with address bit 29 set returns
    full-width ``accType`` data, ``mvin`` can load ``accType`` data into the accumulator
    (``config_mvin`` rs1[2] = 0) and a write with address bit 30 set accumulates on top of the
    stored value (Gemmini README, "Memory Addressing Scheme" and ``config_mvin``,
    github.com/ucb-bar/gemmini; Genc et al., DAC 2021). false: K stays innermost."""
    double_buffered: bool = True
    """If true, tiles may use only half of each buffer (the other half is filling)."""
    l2: Optional[L2Spec] = Field(default_factory=L2Spec)
    """Shared L2; null for none (scratchpad talks to DRAM directly)."""
    dram: DramSpec = Field(default_factory=DramSpec)
    dma_bytes_per_cycle: PositiveFloat = Field(default=16, le=65536)
    """Scratchpad/accumulator DMA width in bytes per cycle (Gemmini: 128-bit bus)."""
    dtypes: DataTypes = Field(default_factory=DataTypes)
    host: HostCpu = Field(default_factory=HostCpu)
    nonlinear: NonlinearAssignment = Field(default_factory=NonlinearAssignment)
    energy: EnergyTable = Field(default_factory=EnergyTable)
    sram_cells: Literal["hp", "lop", "lstp"] = "lop"
    """Device type of the SRAM cells (scratchpad, accumulator, L2, LUT tables), which sets
    their leakage: ``hp`` ITRS high performance (the CACTI anchors' cells), ``lop`` low
    operating power (x0.0138 of HP), ``lstp`` low standby power (x2.2e-4); ratios of
    I_off x Vdd in CACTI 6.5's 45 nm device tables (``data/sram_cells.csv``)."""
    sparsity: SparsitySupport = Field(default_factory=SparsitySupport)
    """What the hardware can exploit of pruned weights (default: nothing, dense execution)."""
    schedule: Schedule = Field(default_factory=Schedule)
    """What may run fused and where the units sit (default: no fusion)."""
    area_mm2: Optional[PositiveFloat] = Field(default=None, le=100000)
    """Total area of the accelerator if known, mm^2: an explicit override of the component
    models' total (reports say ``area_source: spec``); null (default): the model's area."""

    @model_validator(mode="after")
    def _check_banks(self) -> "Accelerator":
        for mem in ("scratchpad", "accumulator"):
            kib, banks = getattr(self, f"{mem}_kib"), getattr(self, f"{mem}_banks")
            if banks > kib * 1024:
                raise ValueError(f"{mem}_kib: {kib:g} KiB ({kib * 1024:g} bytes) is smaller than its {banks} banks "
                                 f"of at least one byte each; give a larger {mem}_kib or fewer {mem}_banks")
        dt, cols = self.dtypes, self.array.cols
        for mem, row_bits in (("scratchpad", cols * max(dt.input_bits, dt.weight_bits)),
                              ("accumulator", cols * dt.accumulator_bits)):
            kib, banks = getattr(self, f"{mem}_kib"), getattr(self, f"{mem}_banks")
            if row_bits * banks > kib * 1024 * 8:
                raise ValueError(f"{mem}_kib: {kib:g} KiB cannot give each of its {banks} banks one {cols}-wide row "
                                 f"of the array ({row_bits / 8:g} bytes); give a larger {mem}_kib or fewer "
                                 f"{mem}_banks")
        return self

    # ---- derived values -------------------------------------------------
    @property
    def scratchpad_bytes(self) -> float:
        return self.scratchpad_kib * 1024.0

    @property
    def accumulator_bytes(self) -> float:
        return self.accumulator_kib * 1024.0

    @property
    def usable_scratchpad_bytes(self) -> float:
        """Bytes one tile may use (half when double-buffered)."""
        return self.scratchpad_bytes / (2.0 if self.double_buffered else 1.0)

    @property
    def usable_accumulator_bytes(self) -> float:
        return self.accumulator_bytes / (2.0 if self.double_buffered else 1.0)

    @property
    def dram_bytes_per_cycle(self) -> float:
        """DRAM bandwidth in bytes per accelerator cycle."""
        return self.dram.bandwidth_gbps / self.clock_ghz

    @property
    def local_bytes_per_cycle(self) -> float:
        """Bandwidth feeding the scratchpad/accumulator, bytes per cycle: the L2
        link if there is an L2, else the DMA limited by DRAM."""
        if self.l2 is not None:
            return min(self.l2.bandwidth_bytes_per_cycle, self.dma_bytes_per_cycle)
        return min(self.dma_bytes_per_cycle, self.dram_bytes_per_cycle)

    @property
    def peak_macs_per_s(self) -> float:
        return self.array.pes * self.clock_ghz * 1e9

    @property
    def sram_kib(self) -> float:
        """Scratchpad + accumulator (+ L2) capacity, KiB."""
        return self.scratchpad_kib + self.accumulator_kib + (self.l2.size_kib if self.l2 else 0.0)

    # ---- I/O -------------------------------------------------------------
    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


_LOADED: dict[tuple[str, str], Accelerator] = {}
_LOADED_LOCK = threading.Lock()


def load_accelerator(path: str | Path) -> Accelerator:
    """Read a hardware YAML file. Raises ``SpecError`` with a one-line message.
    Memoised on the file's content (an edited file is read again); specs are frozen."""
    from ..errors import SpecError, format_validation_error
    from pydantic import ValidationError

    p = Path(path)
    text = read_text(p, "hardware spec")
    key = (p.name, hashlib.blake2b(text.encode(), digest_size=16).hexdigest())
    with _LOADED_LOCK:
        hit = _LOADED.get(key)
    if hit is not None:
        return hit
    data = parse_yaml_mapping(text, f"hardware spec {p.name}")
    try:
        spec = Accelerator.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"hardware spec {p.name}: {format_validation_error(exc)}") from None
    with _LOADED_LOCK:
        if len(_LOADED) > 1024:
            _LOADED.clear()
        _LOADED[key] = spec
    return spec


def apply_update(data: dict, path: str, value: Any) -> None:
    """Apply one dotted-path update (``"array.rows"``) to a spec mapping.

    Sub-mappings (or validated sub-models) on the path are copied before they
    are written, so ``data``'s own nested objects are never changed in place.
    Setting a nonlinear unit's ``kind`` to a new kind starts from that kind's
    defaults. Raises ``SpecError`` naming the path for an unknown field."""
    from pydantic import BaseModel

    from ..errors import SpecError

    keys = path.split(".")
    node = data
    for i, key in enumerate(keys[:-1]):
        if not isinstance(node, dict) or key not in node:
            raise SpecError(f"{path}: unknown field {'.'.join(keys[: i + 1])!r}")
        if node[key] is None:
            raise SpecError(f"{path}: {'.'.join(keys[: i + 1])!r} is null in the base spec")
        child = node[key]
        if isinstance(child, (BaseModel, dict)):
            child = node[key] = dict(child)
        node = child
    if not isinstance(node, dict) or (keys[-1] not in node and keys[-1] != "kind"):
        raise SpecError(f"{path}: unknown field {keys[-1]!r}")
    if keys[-1] == "kind" and node.get("kind") != value:
        node.clear()  # switching a unit kind: start from that kind's defaults
    node[keys[-1]] = value


def with_updates(hw: Accelerator, updates: dict[str, Any]) -> Accelerator:
    """Return a validated copy of ``hw`` with dotted-path fields replaced,
    e.g. ``{"array.rows": 32, "dram.bandwidth_gbps": 16}``."""
    from ..errors import SpecError, format_validation_error
    from pydantic import ValidationError

    data = hw.model_dump()
    for path, value in updates.items():
        apply_update(data, path, value)
    try:
        return Accelerator.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(exc)) from None
