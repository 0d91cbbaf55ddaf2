"""Off-chip DRAM energy per bit by technology (``data/dram_energy.csv``, each row cited).

DRAM energy does not scale with the accelerator's logic node (it is the DRAM's own
process and interface). DDR4 and LPDDR5 have no cited row yet: pass the figure in
the hardware spec (``dram.energy_pj_per_bit``), which :func:`.accelerator.component_table`
uses as given.
"""

from __future__ import annotations

from functools import cache

from ._data import read_rows


@cache
def dram_table() -> dict[str, tuple[float, str]]:
    """{technology: (pJ per bit, source)}."""
    return {r["technology"].upper(): (float(r["pj_per_bit"]), r["source"]) for r in read_rows("dram_energy.csv")}


def dram_energy_j_per_bit(technology: str) -> float:
    """Access energy per bit of ``technology`` (e.g. ``"HBM2"``, ``"LPDDR4"``), J."""
    table = dram_table()
    try:
        return table[technology.upper()][0] * 1e-12
    except KeyError:
        raise ValueError(f"dram technology: unknown {technology!r} (known: {', '.join(sorted(table))})") from None
