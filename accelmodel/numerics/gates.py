"""Logic-gate counts of adders and multipliers, and of a LLaMA-3 block's
arithmetic units under a precision plan ([Kim-fixedpoint] in docs/references.md).

The source tabulates AND / OR / XOR gates at 16, 24 and 32 bits
(``data/gate_counts.csv``). Other widths use a polynomial in the width ``b``
fitted through the three table points, so the table is reproduced exactly:

* adder, degree 1 (the table is exactly proportional to the width):
  AND = 9.75 b, OR = 2.5 b, XOR = 2 b (a ripple-carry adder's per-bit cells);
* multiplier, degree 2 (an array multiplier has ~b^2 partial-product cells):
  AND = 4 b^2 - b + 2, OR = b^2 + b/2 + 1, XOR = 3 b^2 - b/2 + 3.

The same polynomials extrapolate outside 16..32 bits; counts are rounded to the
nearest integer (half up) and never negative.

The inventory (``data/llama3_arith_units.csv``) lists the 18 adders and 22
multipliers by the source's groups; under a plan each unit is as wide as the
widest node format it serves (integer + fraction + 1 sign bit).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple, Optional, Union

import numpy as np

from ..errors import SpecError
from ._data import data_file
from .fixed_point import PrecisionPlan

GATE_FILE = "gate_counts.csv"
INVENTORY_FILE = "llama3_arith_units.csv"
FIT_DEGREE = {"adder": 1, "multiplier": 2}


class GateCount(NamedTuple):
    """Gates by type."""

    and_gates: int
    or_gates: int
    xor_gates: int

    @property
    def total(self) -> int:
        return self.and_gates + self.or_gates + self.xor_gates

    def __add__(self, other):  # element-wise sum (not tuple concatenation)
        return GateCount(*(a + b for a, b in zip(self, other)))

    def scaled(self, n: int) -> "GateCount":
        return GateCount(*(n * a for a in self))


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def load_gate_table(path: Union[str, Path, None] = None) -> dict[tuple[str, int], GateCount]:
    """The source's table: {(unit, bits): GateCount}, unit in {"adder", "multiplier"}."""
    p = Path(path) if path is not None else data_file(GATE_FILE)
    out = {}
    for row in _read_csv(p):
        out[(row["unit"].strip(), int(row["bits"]))] = GateCount(
            int(row["and_gates"]), int(row["or_gates"]), int(row["xor_gates"]))
    return out


@lru_cache(maxsize=None)
def _bundled_table() -> dict[tuple[str, int], GateCount]:
    """The shipped table, read once (it is a read-only data file)."""
    return load_gate_table()


@lru_cache(maxsize=None)
def _fit(kind: str) -> np.ndarray:
    """Polynomial coefficients (3 gate types x degree+1), highest power first."""
    table = _bundled_table()
    pts = sorted((b, g) for (k, b), g in table.items() if k == kind)
    if len(pts) < FIT_DEGREE[kind] + 1:
        raise SpecError(f"gate table: too few {kind} widths to fit degree {FIT_DEGREE[kind]}")
    bits = np.array([b for b, _ in pts], dtype=np.float64)
    counts = np.array([g for _, g in pts], dtype=np.float64)
    return np.stack([np.polyfit(bits, counts[:, j], FIT_DEGREE[kind]) for j in range(3)])


def gate_counts(kind: str, bits: int) -> GateCount:
    """AND/OR/XOR gates of one ``bits``-wide adder or multiplier: the table value at 16/24/32
    bits, the documented fit elsewhere."""
    if kind not in FIT_DEGREE:
        raise SpecError(f"gate counts: unit must be 'adder' or 'multiplier' (got {kind!r})")
    if int(bits) != bits or bits < 1:
        raise SpecError(f"gate counts: width must be a positive integer number of bits (got {bits!r})")
    table = _bundled_table()
    if (kind, int(bits)) in table:
        return table[(kind, int(bits))]
    coef = _fit(kind)
    vals = [max(0, math.floor(float(np.polyval(c, bits)) + 0.5)) for c in coef]
    return GateCount(*vals)


@dataclass(frozen=True)
class ArithUnit:
    """One adder or multiplier of the LLaMA-3 block inventory."""

    unit: str
    group: str
    kind: str
    nodes: tuple[str, ...]
    role: str = ""


def load_unit_inventory(path: Union[str, Path, None] = None) -> tuple[ArithUnit, ...]:
    """The 18 adders and 22 multipliers (``data/llama3_arith_units.csv``)."""
    p = Path(path) if path is not None else data_file(INVENTORY_FILE)
    units = []
    for row in _read_csv(p):
        kind = row["kind"].strip()
        if kind not in FIT_DEGREE:
            raise SpecError(f"{p.name}: unit {row['unit']!r} has kind {kind!r}, expected adder or multiplier")
        units.append(ArithUnit(row["unit"].strip(), row["group"].strip(), kind,
                               tuple(n.strip() for n in row["nodes"].split(";") if n.strip()),
                               (row.get("role") or "").strip()))
    return tuple(units)


def unit_bits(unit: ArithUnit, plan: Union[PrecisionPlan, int]) -> int:
    """Width of ``unit`` under ``plan`` (an int = the same width for every unit)."""
    if isinstance(plan, (int, np.integer)):
        return int(plan)
    return max(plan.bits(n) for n in unit.nodes)


def total_gates(plan: Union[PrecisionPlan, int], inventory: Optional[Iterable[ArithUnit]] = None) -> GateCount:
    """Gates of every arithmetic unit in ``inventory`` (default: the LLaMA-3 block's 18 adders
    and 22 multipliers) at the widths ``plan`` gives them."""
    units = tuple(inventory) if inventory is not None else load_unit_inventory()
    total = GateCount(0, 0, 0)
    for u in units:
        total = total + gate_counts(u.kind, unit_bits(u, plan))
    return total


def gate_breakdown(plan: Union[PrecisionPlan, int], inventory: Optional[Iterable[ArithUnit]] = None) -> list[dict]:
    """Per-unit rows: unit, group, kind, bits, and_gates, or_gates, xor_gates, total (for a DataFrame)."""
    units = tuple(inventory) if inventory is not None else load_unit_inventory()
    rows = []
    for u in units:
        b = unit_bits(u, plan)
        g = gate_counts(u.kind, b)
        rows.append(dict(unit=u.unit, group=u.group, kind=u.kind, bits=b, and_gates=g.and_gates,
                         or_gates=g.or_gates, xor_gates=g.xor_gates, total=g.total))
    return rows
