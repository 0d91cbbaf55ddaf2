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
nearest integer (half up) and never negative. This is ``method="interpolate"``.

``method="library"`` is the source's own accounting: units exist only at the
table's widths (16, 24 and 32 bits), and a unit needing ``w`` bits is built from
the smallest library width ``>= w`` (a width above 32 bits is an error).

The inventory (``data/llama3_arith_units.csv``) lists the 18 adders and 22
multipliers by the source's groups. Two sizing rules say how wide a unit is under a
plan (node formats are integer + fraction + 1 sign bit):

* ``sizing="output"`` (default): the widest node the unit *writes* (its ``nodes``);
* ``sizing="read_write"``: the widest node it reads *or* writes (``nodes`` + ``reads``):
  a unit's operand ports hold its inputs unrounded, so e.g. the Q projection's MAC,
  which reads the 18-bit ``normalization`` output, is an 18-bit unit (a 24-bit library
  unit) although its own output needs 14 bits. With ``method="library"`` this is the
  accounting that reproduces the source's per-node shares (docs/validation.md).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from ..errors import SpecError
from ._data import data_file
from .fixed_point import PrecisionPlan

GATE_FILE = "gate_counts.csv"
INVENTORY_FILE = "llama3_arith_units.csv"
FIT_DEGREE = {"adder": 1, "multiplier": 2}
GateMethod = Literal["interpolate", "library"]
GATE_METHODS: tuple[str, ...] = ("interpolate", "library")
Sizing = Literal["output", "read_write"]
SIZINGS: tuple[str, ...] = ("output", "read_write")


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

    def scaled(self, n: int) -> GateCount:
        return GateCount(*(n * a for a in self))


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def load_gate_table(path: str | Path | None = None) -> dict[tuple[str, int], GateCount]:
    """The source's table: {(unit, bits): GateCount}, unit in {"adder", "multiplier"}."""
    p = Path(path) if path is not None else data_file(GATE_FILE)
    out = {}
    for row in _read_csv(p):
        out[(row["unit"].strip(), int(row["bits"]))] = GateCount(
            int(row["and_gates"]), int(row["or_gates"]), int(row["xor_gates"]))
    return out


@cache
def _bundled_table() -> dict[tuple[str, int], GateCount]:
    """The shipped table, read once (it is a read-only data file)."""
    return load_gate_table()


@cache
def _fit(kind: str) -> np.ndarray:
    """Polynomial coefficients (3 gate types x degree+1), highest power first."""
    table = _bundled_table()
    pts = sorted((b, g) for (k, b), g in table.items() if k == kind)
    if len(pts) < FIT_DEGREE[kind] + 1:
        raise SpecError(f"gate table: too few {kind} widths to fit degree {FIT_DEGREE[kind]}")
    bits = np.array([b for b, _ in pts], dtype=np.float64)
    counts = np.array([g for _, g in pts], dtype=np.float64)
    return np.stack([np.polyfit(bits, counts[:, j], FIT_DEGREE[kind]) for j in range(3)])


def library_bits(kind: str, bits: int) -> int:
    """Smallest width of the source's unit library (16, 24, 32 bits for each kind) that holds
    ``bits``; SpecError if ``bits`` exceeds the widest library unit."""
    _check_unit(kind, bits)
    widths = sorted(b for (k, b) in _bundled_table() if k == kind)
    for w in widths:
        if w >= bits:
            return w
    raise SpecError(f"gate counts: a {bits}-bit {kind} exceeds the widest library {kind} ({widths[-1]} bits)")


def _check_unit(kind: str, bits: int) -> None:
    if kind not in FIT_DEGREE:
        raise SpecError(f"gate counts: unit must be 'adder' or 'multiplier' (got {kind!r})")
    if int(bits) != bits or bits < 1:
        raise SpecError(f"gate counts: width must be a positive integer number of bits (got {bits!r})")


def _check_method(method: str) -> None:
    if method not in GATE_METHODS:
        raise SpecError(f"gate counts: method must be one of {', '.join(GATE_METHODS)} (got {method!r})")


def gate_counts(kind: str, bits: int, method: GateMethod = "interpolate") -> GateCount:
    """AND/OR/XOR gates of one ``bits``-wide adder or multiplier.

    ``method="interpolate"``: the table value at 16/24/32 bits, the documented fit elsewhere.
    ``method="library"``: the table value of the smallest library width >= ``bits``.
    """
    _check_method(method)
    _check_unit(kind, bits)
    table = _bundled_table()
    if method == "library":
        return table[(kind, library_bits(kind, int(bits)))]
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
    reads: tuple[str, ...] = ()
    """Nodes the unit reads (used by ``sizing="read_write"``)."""


def load_unit_inventory(path: str | Path | None = None) -> tuple[ArithUnit, ...]:
    """The 18 adders and 22 multipliers (``data/llama3_arith_units.csv``)."""
    p = Path(path) if path is not None else data_file(INVENTORY_FILE)
    units = []
    for row in _read_csv(p):
        kind = row["kind"].strip()
        if kind not in FIT_DEGREE:
            raise SpecError(f"{p.name}: unit {row['unit']!r} has kind {kind!r}, expected adder or multiplier")
        units.append(ArithUnit(row["unit"].strip(), row["group"].strip(), kind, _node_list(row["nodes"]),
                               (row.get("role") or "").strip(), _node_list(row.get("reads") or "")))
    return tuple(units)


def _node_list(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(";") if n.strip())


def _check_sizing(sizing: str) -> None:
    if sizing not in SIZINGS:
        raise SpecError(f"gate counts: sizing must be one of {', '.join(SIZINGS)} (got {sizing!r})")


def unit_bits(unit: ArithUnit, plan: PrecisionPlan | int, sizing: Sizing = "output") -> int:
    """Width of ``unit`` under ``plan`` (an int = the same width for every unit): the widest node
    it writes (``sizing="output"``) or reads or writes (``"read_write"``)."""
    _check_sizing(sizing)
    if isinstance(plan, (int, np.integer)):
        return int(plan)
    nodes = unit.nodes + (unit.reads if sizing == "read_write" else ())
    return max(plan.bits(n) for n in nodes)


def total_gates(plan: PrecisionPlan | int, inventory: Iterable[ArithUnit] | None = None,
                method: GateMethod = "interpolate", sizing: Sizing = "output") -> GateCount:
    """Gates of every arithmetic unit in ``inventory`` (default: the LLaMA-3 block's 18 adders
    and 22 multipliers) at the widths ``plan`` gives them; ``method`` as in :func:`gate_counts`,
    ``sizing`` as in :func:`unit_bits`."""
    units = tuple(inventory) if inventory is not None else load_unit_inventory()
    total = GateCount(0, 0, 0)
    for u in units:
        total = total + gate_counts(u.kind, unit_bits(u, plan, sizing), method)
    return total


def gate_share(plan: PrecisionPlan | int, reference_bits: int = 32,
               inventory: Iterable[ArithUnit] | None = None,
               method: GateMethod = "interpolate", sizing: Sizing = "output") -> tuple[float, float, float]:
    """(AND, OR, XOR) gates of ``plan`` as fractions of the same inventory at a uniform
    ``reference_bits`` (default 32), both counted with ``method`` (``sizing``: :func:`unit_bits`)."""
    units = tuple(inventory) if inventory is not None else load_unit_inventory()
    num = total_gates(plan, units, method, sizing)
    den = total_gates(reference_bits, units, method)
    return (num.and_gates / den.and_gates, num.or_gates / den.or_gates, num.xor_gates / den.xor_gates)


def gate_breakdown(plan: PrecisionPlan | int, inventory: Iterable[ArithUnit] | None = None,
                   method: GateMethod = "interpolate", sizing: Sizing = "output") -> list[dict]:
    """Per-unit rows: unit, group, kind, bits (needed under ``sizing``), built_bits (the width
    counted: equal to ``bits`` for interpolate, the library width for library), and_gates,
    or_gates, xor_gates, total (for a DataFrame)."""
    _check_method(method)
    units = tuple(inventory) if inventory is not None else load_unit_inventory()
    rows = []
    for u in units:
        b = unit_bits(u, plan, sizing)
        built = library_bits(u.kind, b) if method == "library" else b
        g = gate_counts(u.kind, b, method)
        rows.append({"unit": u.unit, "group": u.group, "kind": u.kind, "bits": b, "built_bits": built,
                         "and_gates": g.and_gates, "or_gates": g.or_gates, "xor_gates": g.xor_gates, "total": g.total})
    return rows
