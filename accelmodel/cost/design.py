"""The rates and per-action energies of many designs, as arrays.

:class:`DesignBatch` reads every number the cost model needs from a sequence of
:class:`~accelmodel.hardware.spec.Accelerator` specs, one array entry per design.
``simulate`` passes a batch of one; sweeps pass thousands. Designs in a batch
must share a :func:`structure_key` (the kind of unit in each nonlinear slot and
whether there is an L2), because that decides which cost rows an op has.

Energy is counts x a table: :attr:`DesignBatch.energy` maps (component, action)
to joules per action, per design, from the physical component models
(``accelmodel.components``) unless the spec says ``energy.per_action: table``;
:attr:`DesignBatch.static_power_w` is the components' leakage (or the table's static power).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from ..components import ByteEnergies, byte_energies, unit_cost
from ..hardware.nonlinear import VectorUnit
from ..hardware.spec import Accelerator, CpuCycles

SLOTS: tuple[str, ...] = ("softmax", "activation", "norm", "elementwise")
"""The nonlinear-unit slots of a design (``hw.nonlinear.<slot>``)."""
EMBED_SLOT = "embed"
"""Pseudo-slot of the embedding adds: the elementwise slot's unit, or a default
vector ALU when that slot offloads to the host (the gather itself is a DMA)."""
SLOT_FOR_KIND: dict[str, str] = {
    "softmax": "softmax", "activation": "activation", "layernorm": "norm", "rmsnorm": "norm",
    "residual": "elementwise", "elementwise": "elementwise", "rope": "elementwise", "embedding": EMBED_SLOT,
}
"""Which slot runs each non-matmul op kind."""
HOST_FUNCTIONS: tuple[str, ...] = tuple(CpuCycles.model_fields)
"""Functions with their own host-CPU cycles per element (others use ``elementwise``)."""

ACTIONS: tuple[tuple[str, str], ...] = (
    ("mac", "mac"), ("scratchpad", "byte"), ("accumulator", "byte"), ("l2", "byte"), ("dram", "byte"),
)
"""(component, action) pairs with a per-action energy besides the units'
(``("unit:<slot>", "element_op")``)."""


def structure_key(hw: Accelerator) -> tuple:
    """What decides which cost rows each op has: the unit kind of every slot,
    whether the design has an L2, and (when it fuses) its schedule's mode and
    accumulator path (which ops fuse: :mod:`accelmodel.cost.fusion`)."""
    nl = hw.nonlinear
    key = (tuple(getattr(nl, s).kind for s in SLOTS), hw.l2 is not None)
    sch = hw.schedule
    return key if sch.fusion == "none" else key + (sch.fusion, tuple(sch.accumulator_path))


def structure_keys(hws: Sequence[Accelerator]) -> list[tuple]:
    """:func:`structure_key` of each design, computed once per distinct set of the
    sub-model objects it reads (``nonlinear``, ``l2``, ``schedule``)."""
    seen: dict[tuple[int, int, int], tuple] = {}
    out = []
    for hw in hws:  # ``hws`` keeps the objects alive, so their ids stay theirs
        ids = (id(hw.nonlinear), id(hw.l2), id(hw.schedule))
        key = seen.get(ids)
        if key is None:
            key = seen[ids] = structure_key(hw)
        out.append(key)
    return out


def _unit_of(hw: Accelerator, slot: str):
    return _slot_unit(hw.nonlinear, slot)


def _slot_unit(nl, slot: str):
    """The unit of ``slot`` in a design's ``nonlinear`` block (:data:`EMBED_SLOT`: the
    element-wise unit, or a default vector ALU when that slot offloads)."""
    if slot == EMBED_SLOT:
        unit = nl.elementwise
        return VectorUnit() if unit.kind == "cpu_offload" else unit
    return getattr(nl, slot)


class _Gather:
    """Columns of many designs read once per distinct sub-model (designs built by a
    sweep share their sub-model objects) and gathered back to one entry per design."""

    def __init__(self, hws: Sequence[Accelerator]):
        self.hws = hws
        self._distinct: dict[str, tuple[list, np.ndarray]] = {}

    def distinct(self, top: str) -> tuple[list, np.ndarray]:
        """The distinct objects (by identity) of field ``top`` and each design's position among them."""
        hit = self._distinct.get(top)
        if hit is None:
            pos: dict[int, int] = {}
            uniq: list = []
            inv = []
            for hw in self.hws:
                sub = getattr(hw, top)
                j = pos.get(id(sub))
                if j is None:
                    j = pos[id(sub)] = len(uniq)
                    uniq.append(sub)
                inv.append(j)
            hit = self._distinct[top] = (uniq, np.asarray(inv, dtype=np.intp))
        return hit

    def col(self, top: str, get) -> np.ndarray:
        """``get(hw.<top>)`` per design, as floats."""
        uniq, inv = self.distinct(top)
        return np.array([get(u) for u in uniq], dtype=float)[inv]


@dataclass(frozen=True)
class UnitRates:
    """One slot's unit across the batch (``kind`` is common to all designs)."""

    kind: str
    lanes: np.ndarray
    """Element-operations per accelerator cycle."""
    latency_cycles: np.ndarray
    """Pipeline latency, cycles (not overlapped)."""

    @property
    def offloaded(self) -> bool:
        return self.kind == "cpu_offload"


@dataclass(frozen=True)
class DesignBatch:
    """Rates, widths and per-action energies of D designs (arrays of shape (D,))."""

    designs: tuple[Accelerator, ...]
    clock_hz: np.ndarray
    pes: np.ndarray
    has_l2: bool
    local_bytes_per_cycle: np.ndarray
    """L2 link (or DMA without L2) bytes per accelerator cycle."""
    dram_bytes_per_cycle: np.ndarray
    dram_latency_cycles: np.ndarray
    input_bytes: np.ndarray
    weight_bytes: np.ndarray
    output_bytes: np.ndarray
    dequant_weights: np.ndarray
    """1 where weights are stored in another format than the activations (dequantised on the fly), else 0."""
    units: dict[str, UnitRates]
    """Per slot (and :data:`EMBED_SLOT`)."""
    host_clock_hz: np.ndarray
    host_bytes_per_s: np.ndarray
    host_float_bytes: np.ndarray
    host_overhead_s: np.ndarray
    host_power_w: np.ndarray
    host_cycles: dict[str, np.ndarray]
    """Host-CPU cycles per element by function (:data:`HOST_FUNCTIONS`)."""
    energy: dict[tuple[str, str], np.ndarray]
    """J per action, by (component, action)."""
    static_power_w: np.ndarray
    fusion: str
    """The schedule's fusion mode (common to the batch)."""
    array_cols: np.ndarray
    usable_scratchpad_bytes: np.ndarray
    """Bytes one tile may use (half the buffer when double-buffered)."""
    usable_accumulator_bytes: np.ndarray
    accumulator_width_bytes: np.ndarray
    engine_bytes: np.ndarray
    """Score buffer of the fused MHA engine, bytes (0: none)."""

    @property
    def size(self) -> int:
        return len(self.designs)

    @classmethod
    def of(cls, designs: Sequence[Accelerator]) -> "DesignBatch":
        """Read a batch of designs that share one :func:`structure_key`."""
        hws = tuple(designs)
        keys = set(structure_keys(hws))
        if len(keys) != 1:
            raise ValueError("DesignBatch: designs must share one structure_key (group them first)")

        def col(get) -> np.ndarray:
            return np.array([get(hw) for hw in hws], dtype=float)

        sub = _Gather(hws)
        per = [byte_energies(h) for h in hws]
        units = {}
        nls, nl_inv = sub.distinct("nonlinear")
        for slot in (*SLOTS, EMBED_SLOT):
            us = [_slot_unit(nl, slot) for nl in nls]
            if us[0].kind == "cpu_offload":
                z = np.zeros(len(hws))
                units[slot] = UnitRates("cpu_offload", z, z)
                continue
            units[slot] = UnitRates(
                us[0].kind, np.array([u.lanes for u in us], dtype=float)[nl_inv],
                np.array([u.latency_cycles for u in us], dtype=float)[nl_inv])
        clock_ghz = col(lambda h: h.clock_ghz)
        return cls(
            designs=hws,
            clock_hz=clock_ghz * 1e9,
            pes=sub.col("array", lambda a: a.pes),
            has_l2=hws[0].l2 is not None,
            local_bytes_per_cycle=col(lambda h: h.local_bytes_per_cycle),
            dram_bytes_per_cycle=col(lambda h: h.dram_bytes_per_cycle),
            dram_latency_cycles=sub.col("dram", lambda d: d.latency_ns) * clock_ghz,
            input_bytes=sub.col("dtypes", lambda d: d.input_bytes),
            weight_bytes=sub.col("dtypes", lambda d: d.weight_bytes),
            output_bytes=sub.col("dtypes", lambda d: d.output_bytes),
            dequant_weights=sub.col("dtypes", lambda d: float(d.dequantizes_weights)),
            units=units,
            host_clock_hz=sub.col("host", lambda h: h.clock_ghz * 1e9),
            host_bytes_per_s=sub.col("host", lambda h: h.memory_bandwidth_gbps * 1e9),
            host_float_bytes=sub.col("host", lambda h: h.float_bits / 8.0),
            host_overhead_s=sub.col("host", lambda h: h.offload_overhead_us * 1e-6),
            host_power_w=sub.col("host", lambda h: h.power_w),
            host_cycles={f: sub.col("host", lambda h, f=f: getattr(h.cycles_per_element, f)) for f in HOST_FUNCTIONS},
            energy=energy_table(hws, per),
            static_power_w=np.array([p.static_power_w for p in per]),
            fusion=hws[0].schedule.fusion,
            array_cols=sub.col("array", lambda a: a.cols),
            usable_scratchpad_bytes=col(lambda h: h.usable_scratchpad_bytes),
            usable_accumulator_bytes=col(lambda h: h.usable_accumulator_bytes),
            accumulator_width_bytes=sub.col("dtypes", lambda d: d.accumulator_bytes),
            engine_bytes=sub.col("schedule", lambda s: s.attention_engine_bytes),
        )


@lru_cache(maxsize=64)
def _default_vector_j(technology_nm: float | None, sram_cells: str, per_action: str) -> float:
    """J per element-operation of a default vector ALU (the embedding adds' unit when the
    element-wise slot offloads to the host)."""
    if per_action == "table":
        return VectorUnit().energy_pj_per_element_at(technology_nm) * 1e-12
    return unit_cost(VectorUnit(), technology_nm, sram_cells=sram_cells).energy_per_element_op_j


def unit_energy_j(hw: Accelerator, slot: str, per: ByteEnergies) -> float:
    """J per element-operation of ``slot``'s unit on ``hw`` (:data:`EMBED_SLOT`: the
    element-wise slot's unit, else a default vector ALU); ``per``: ``byte_energies(hw)``."""
    if slot == EMBED_SLOT:
        if "elementwise" in per.units:
            return per.units["elementwise"]
        return _default_vector_j(hw.technology_nm, hw.sram_cells, hw.energy.per_action)
    return per.units[slot]


def energy_table(hws: Sequence[Accelerator], per: Sequence[ByteEnergies] | None = None
                 ) -> dict[tuple[str, str], np.ndarray]:
    """J per action, by (component, action), one entry per design
    (:func:`accelmodel.components.byte_energies`: the component models, or the spec's
    table with ``energy.per_action: table``; ``per``: those if already known) and each
    unit's energy per element-operation."""
    if per is None:
        per = [byte_energies(h) for h in hws]
    table = {
        ("mac", "mac"): np.array([p.mac for p in per]),
        ("scratchpad", "byte"): np.array([p.scratchpad for p in per]),
        ("accumulator", "byte"): np.array([p.accumulator for p in per]),
        ("l2", "byte"): np.array([p.l2 for p in per]),
        ("dram", "byte"): np.array([p.dram for p in per]),
    }
    for slot in (*SLOTS, EMBED_SLOT):
        if _unit_of(hws[0], slot).kind != "cpu_offload":
            table[(f"unit:{slot}", "element_op")] = np.array([unit_energy_j(h, slot, p) for h, p in zip(hws, per)])
    return table
