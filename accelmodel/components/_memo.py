"""A memo of a pure function of one frozen spec, looked up by object identity.

Hashing a nested frozen pydantic spec walks every sub-model (~100 hash calls for an
``Accelerator``, about as long as computing its component table), and a sweep asks for
the same design object's figures several times (tiling, design batch, report columns).
:class:`SpecMemo` answers repeats of the same object from an identity table (an entry
keeps its object alive, so its id cannot be reused while cached); an equal but distinct
spec is simply computed again.
"""

from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class SpecMemo(Generic[K, V]):
    """``fn(spec)`` memoised by object identity; at most ``size`` entries (oldest dropped)."""

    def __init__(self, fn: Callable[[K], V], size: int):
        self._fn = fn
        self._by_id: dict[int, tuple[K, V]] = {}
        self._size = size
        self._lock = threading.Lock()
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __call__(self, spec: K) -> V:
        hit = self._by_id.get(id(spec))
        if hit is not None and hit[0] is spec:
            return hit[1]
        value = self._fn(spec)
        with self._lock:
            if len(self._by_id) >= self._size:
                self._by_id.pop(next(iter(self._by_id)))
            self._by_id[id(spec)] = (spec, value)
        return value

    def cache_clear(self) -> None:
        with self._lock:
            self._by_id.clear()
