"""One way to print quantities in every text output: SI prefixes, binary prefixes for
memory capacities, and integers as integers in JSON.

>>> si(2.226115e-3, "J")
'2.23 mJ'
>>> si(4.766, "s")
'4.77 s'
>>> kib(512)
'512 KiB'
"""

from __future__ import annotations

import math
from typing import Any

_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "u"), (1e-9, "n"),
       (1e-12, "p"))
_BINARY = ((1024.0 ** 4, "Ti"), (1024.0 ** 3, "Gi"), (1024.0 ** 2, "Mi"), (1024.0, "Ki"), (1.0, ""))


def si(value: float, unit: str = "", digits: int = 3) -> str:
    """``value`` with a decimal SI prefix and ``digits`` significant digits:
    ``si(2.226e-3, "J") == "2.23 mJ"``; 0 prints as ``0 J``; ``u`` stands for micro."""
    x = float(value)
    if not math.isfinite(x):
        return f"{x} {unit}".rstrip()
    ax = abs(x)
    for factor, prefix in _SI:
        if ax >= factor * (1 - 5 * 10.0 ** -(digits + 1)):
            return f"{x / factor:.{digits}g} {prefix}{unit}".rstrip()
    return f"{x:.{digits}g} {unit}".rstrip()


def binary_bytes(n_bytes: float, digits: int = 3) -> str:
    """A memory size with a binary prefix: ``binary_bytes(262144) == "256 KiB"``."""
    x = float(n_bytes)
    for factor, prefix in _BINARY:
        if abs(x) >= factor:
            return f"{x / factor:.{digits}g} {prefix}B"
    return f"{x:.{digits}g} B"


def kib(size_kib: float) -> str:
    """A capacity given in KiB (as the spec's ``*_kib`` fields): ``kib(2048) == "2 MiB"``."""
    return binary_bytes(float(size_kib) * 1024.0)


def json_ready(obj: Any) -> Any:
    """A copy of ``obj`` (dicts, lists, numbers) with whole floats turned into ints, so
    JSON prints cycle and byte counts as ``1234``, not ``1234.0``. Fractions, NaN and
    infinities are left alone; numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):  # numpy scalar
        obj = obj.item()
    if isinstance(obj, float) and math.isfinite(obj) and obj.is_integer() and abs(obj) < 2 ** 63:
        return int(obj)
    return obj
