"""SRAM arrays by capacity, word width and banks: read/write energy per access (J),
area (m^2), leakage power (W) and access time (s) -- CACTI-class behaviour fitted on
published CACTI runs (``data/sram_anchors.csv``); register files built of flip-flops.

Laws (45 nm, single port; ``C`` = capacity in bits, ``w`` = word width in bits, ``B`` = banks):

* energy per access (read; write has its own constants):
  ``E = k * w^p * C^q * (1 + h * log2 B)``. ``k, p, q`` are a least-squares fit (log
  space) on the seven single-bank Accelergy/CACTI 45 nm arrays of 2 KiB-256 KiB; ``h``
  (H-tree / bank-select overhead per doubling of banks) is fitted on CACTI 7 at 40 nm,
  100 KiB in 1 vs 16 banks. Energy grows ~ sqrt(capacity) (bit-/word-line and H-tree
  length) and sub-linearly with the word width.
* area: ``A = a_cell * C + a_edge * sqrt(C) + a_bank * (B - 1)``. ``a_cell, a_edge``:
  linear least squares on the same seven 45 nm arrays; ``a_bank`` (decoders, sense
  amplifiers and drivers of each extra bank) = CACTI 7 40 nm, 100 KiB in 16 banks minus
  1 bank, over 15 extra banks, scaled to 45 nm with the Stillmaker & Baas area factor.
* leakage: ``P = rho_leak * A`` -- leakage density of CACTI 7's 40 nm 8 KiB array (its
  ITRS high-performance cells; low-power processes leak far less -- override it);
  the density is scaled to 45 nm with :func:`.technology.leakage_factor` / area factor.
* access time: ``t = t0 + t1 * sqrt(C)`` (wire-dominated: the H-tree spans the whole
  array, banked or not), fitted on CACTI 7 40 nm 8 KiB and 100 KiB, scaled by node.

Held-out checks (tests, ``data/component_anchors.csv``): tiny arrays, a 2-bank array,
the 32 nm run, Horowitz's 8 KB / 32-bit read (5 pJ), CACTI's other bank counts.
Known limits: one read/write port only (more ports are an error: no anchored data);
no cell-type choice (HP leakage); no power gating; CACTI's own accuracy (~20-30 %).
"""

from __future__ import annotations

import math
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np

from . import technology
from ._data import read_rows
from .arith import flip_flops, logic_leakage_w_per_m2

ANCHOR_FILE = "sram_anchors.csv"
CELLS_FILE = "sram_cells.csv"


class SramCost(NamedTuple):
    """One SRAM array at a node: SI units."""

    read_energy_j: float
    """Per access of one word."""
    write_energy_j: float
    area_m2: float
    leakage_w: float
    access_time_s: float
    word_bits: int

    @property
    def read_energy_j_per_byte(self) -> float:
        return self.read_energy_j / (self.word_bits / 8.0)

    @property
    def write_energy_j_per_byte(self) -> float:
        return self.write_energy_j / (self.word_bits / 8.0)


def _rows(source: str, role: str | None, quantity: str) -> list[dict[str, str]]:
    return [r for r in read_rows(ANCHOR_FILE) if r["source"] == source and r["quantity"] == quantity
            and (role is None or r["role"] == role)]


def _bits(r: dict[str, str]) -> float:
    return float(r["capacity_bytes"]) * 8.0


def _one(source: str, quantity: str, capacity_bytes: int, banks: int, node: int) -> float:
    for r in read_rows(ANCHOR_FILE):
        if (r["source"], r["quantity"], int(r["capacity_bytes"]), int(r["banks"]), int(r["node_nm"])) == (
                source, quantity, capacity_bytes, banks, node):
            return float(r["value"])
    raise KeyError(f"{ANCHOR_FILE}: no {source} {quantity} for {capacity_bytes} B / {banks} banks at {node} nm")


class SramLaw(NamedTuple):
    """The fitted constants (45 nm, SI units)."""

    read: tuple[float, float, float]
    """(k, p, q) of ``k w^p C^q``."""
    write: tuple[float, float, float]
    bank_energy: float
    """h."""
    a_cell: float
    a_edge: float
    a_bank: float
    leak_density: float
    """W/m^2."""
    t0: float
    t1: float


def _fit_power_law(quantity: str) -> tuple[float, float, float]:
    rows = [r for r in _rows("A45", "fit", quantity) if int(r["banks"]) == 1]
    w = np.array([float(r["width_bits"]) for r in rows])
    c = np.array([_bits(r) for r in rows])
    y = np.array([float(r["value"]) for r in rows])
    x = np.stack([np.ones_like(w), np.log(w), np.log(c)], 1)
    coef = np.linalg.lstsq(x, np.log(y), rcond=None)[0]
    return float(np.exp(coef[0])), float(coef[1]), float(coef[2])


@cache
def law() -> SramLaw:
    """Fit every constant on the 'fit' rows of ``data/sram_anchors.csv`` (once)."""
    rows = [r for r in _rows("A45", "fit", "area") if int(r["banks"]) == 1]
    c = np.array([_bits(r) for r in rows])
    y = np.array([float(r["value"]) for r in rows])
    x = np.stack([c, np.sqrt(c)], 1) / y[:, None]  # least squares in relative error
    a_cell, a_edge = (float(v) for v in np.linalg.lstsq(x, np.ones_like(y), rcond=None)[0])
    to45_area = technology.area_factor(45) / technology.area_factor(40)
    a_bank = (_one("C40", "area", 102400, 16, 40) - _one("C40", "area", 102400, 1, 40)) / 15 * to45_area
    h = (_one("C40", "read_energy", 102400, 16, 40) / _one("C40", "read_energy", 102400, 1, 40) - 1) / 4
    density40 = _one("C40", "leakage_power", 8192, 1, 40) / _one("C40", "area", 8192, 1, 40)
    density45 = density40 * (technology.leakage_factor(45) / technology.area_factor(45)) / (
        technology.leakage_factor(40) / technology.area_factor(40))
    small, big = _one("C40", "access_time", 8192, 1, 40), _one("C40", "access_time", 102400, 1, 40)
    s_small, s_big = math.sqrt(8192 * 8), math.sqrt(102400 * 8)
    t1 = (big - small) / (s_big - s_small)
    to45_delay = technology.delay_factor(45) / technology.delay_factor(40)
    return SramLaw(_fit_power_law("read_energy"), _fit_power_law("write_energy"), h, a_cell, a_edge, a_bank,
                   density45, (small - t1 * s_small) * to45_delay, t1 * to45_delay)


def _check(capacity_bytes: float, word_bits: int, banks: int, ports: int) -> None:
    if not capacity_bytes > 0:
        raise ValueError(f"capacity_bytes: must be positive (got {capacity_bytes})")
    if int(word_bits) != word_bits or word_bits < 1:
        raise ValueError(f"word_bits: must be a positive integer (got {word_bits})")
    if int(banks) != banks or banks < 1:
        raise ValueError(f"banks: must be a positive integer (got {banks})")
    if banks * word_bits > capacity_bytes * 8:
        raise ValueError(f"banks: {banks} banks of {word_bits}-bit words exceed {capacity_bytes} bytes")
    if ports != 1:
        raise ValueError(f"ports: only single-port SRAM is modelled (got {ports}); no anchored multi-port data")


SRAM_CELLS = ("hp", "lop", "lstp")
"""SRAM cell device types (``data/sram_cells.csv``): ITRS high performance, low operating
power, low standby power."""


@lru_cache(maxsize=8)
def cell_leakage_factor(cells: str) -> float:
    """Leakage of ``cells`` relative to the HP cells the CACTI anchors use: the ratio of
    ``I_off x Vdd`` of the two ITRS device types at 45 nm, 360 K (``data/sram_cells.csv``)."""
    rows = {r["cells"]: r for r in read_rows(CELLS_FILE)}
    if cells not in rows:
        raise ValueError(f"sram_cells: must be one of {', '.join(SRAM_CELLS)} (got {cells!r})")

    def power(r: dict[str, str]) -> float:
        return float(r["i_off_n_a_per_um"]) * float(r["vdd_v"])

    return power(rows[cells]) / power(rows["hp"])


@lru_cache(maxsize=4096)
def sram(capacity_bytes: float, word_bits: int, banks: int = 1, ports: int = 1,
         technology_nm: float | None = None, vdd: float | None = None, cells: str = "hp") -> SramCost:
    """An SRAM of ``capacity_bytes`` with ``word_bits``-bit words in ``banks`` banks, at
    ``technology_nm`` (None = 45 nm) and supply ``vdd`` (None = nominal), leakage of
    ``cells`` (:data:`SRAM_CELLS`; energy, area and timing do not depend on it here). See the
    module doc."""
    _check(capacity_bytes, word_bits, banks, ports)
    leak_factor = cell_leakage_factor(cells)
    f = law()
    sc = technology.scaling(technology_nm, vdd)
    c = capacity_bytes * 8.0
    bank_e = 1.0 + f.bank_energy * math.log2(banks)
    read = f.read[0] * word_bits ** f.read[1] * c ** f.read[2] * bank_e
    write = f.write[0] * word_bits ** f.write[1] * c ** f.write[2] * bank_e
    area45 = f.a_cell * c + f.a_edge * math.sqrt(c) + f.a_bank * (banks - 1)
    leakage = f.leak_density * area45 * sc.leakage * leak_factor
    return SramCost(read * sc.energy, write * sc.energy, area45 * sc.area, leakage,
                    (f.t0 + f.t1 * math.sqrt(c)) * sc.delay, int(word_bits))


@lru_cache(maxsize=1024)
def register_file(depth: int, word_bits: int, technology_nm: float | None = None,
                  vdd: float | None = None) -> SramCost:
    """A register file of ``depth`` words of ``word_bits`` flip-flops: a write clocks one
    word, a read drives one word (charged as one word's flip-flop energy; the read mux is
    not modelled); area = flip-flops; leakage = logic leakage density x area; access time 0
    (within the cycle)."""
    if int(depth) != depth or depth < 1:
        raise ValueError(f"depth: must be a positive integer (got {depth})")
    sc = technology.scaling(technology_nm, vdd)
    word = flip_flops(word_bits)
    area = flip_flops(depth * word_bits).area_m2
    return SramCost(word.energy_j * sc.energy, word.energy_j * sc.energy, area * sc.area,
                    logic_leakage_w_per_m2() * area * sc.leakage, 0.0, int(word_bits))
