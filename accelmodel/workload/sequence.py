"""The ops of one forward pass without repeating identical layers: segments of ops
(embeddings, one transformer block repeated ``n_layers`` times, the head) and the
distinct ops with their instance counts — what the cost path evaluates, so that
its time does not grow with the layer count. Built with the same block builders
as :func:`accelmodel.workload.graph.build_graph` (same ops, same order)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Iterator, Sequence

from .config import TransformerConfig
from .graph import (Op, _attention, _Builder, _check_kv_heads, _check_pass, _embeddings, _ffn, _head, _Pass)


LAYER_PREFIX = re.compile(r"^L(\d+)\.")
"""The ``L<layer>.`` prefix of a block op's name."""


def shift_layer(name: str, delta: int) -> str:
    """``L3.x`` shifted by ``delta`` layers (names without a layer prefix unchanged)."""
    m = LAYER_PREFIX.match(name)
    if not m or delta == 0:
        return name
    return f"L{int(m.group(1)) + delta}." + name[m.end():]


def op_in_layer(op: Op, layer: int) -> Op:
    """A block op built for its own layer, as it runs in ``layer``: its name, layer
    and fused group shifted there."""
    delta = layer - op.layer
    if delta == 0:
        return op
    return replace(op, name=shift_layer(op.name, delta), layer=layer, fused_into=shift_layer(op.fused_into, delta))


@dataclass(frozen=True)
class Segment:
    """Ops that run ``repeat`` times in a row, once per layer ``first_layer``,
    ``first_layer + 1``, ... (their names and ``layer`` are those of the first)."""

    ops: tuple[Op, ...]
    first_layer: int
    repeat: int

    def layers(self) -> Iterator[tuple[int, tuple[Op, ...]]]:
        """(layer, its ops renamed for it) for each layer the segment runs."""
        for i in range(self.repeat):
            layer = self.first_layer + i
            yield layer, tuple(op_in_layer(op, layer) for op in self.ops)

    def instances(self) -> Iterator[Op]:
        """Every op instance, renamed for its layer."""
        for _, ops in self.layers():
            yield from ops


@dataclass(frozen=True)
class OpSequence:
    """The ops of one forward pass in order, without repeating identical layers:
    embeddings, one transformer block repeated ``n_layers`` times (or one
    segment per layer when layers differ, e.g. head pruning), the head."""

    segments: tuple[Segment, ...]

    def instances(self) -> Iterator[Op]:
        for seg in self.segments:
            yield from seg.instances()

    @property
    def n_instances(self) -> int:
        return sum(len(s.ops) * s.repeat for s in self.segments)

    @cached_property
    def unique(self) -> "UniqueOps":
        """The distinct ops (by :meth:`Op.signature`) and how often each runs."""
        index: dict[tuple, int] = {}
        ops: list[Op] = []
        mult: list[int] = []
        where: list[tuple[int, ...]] = []
        for seg in self.segments:
            pos = []
            for op in seg.ops:
                sig = op.signature()
                u = index.get(sig)
                if u is None:
                    u = index[sig] = len(ops)
                    ops.append(op)
                    mult.append(0)
                mult[u] += seg.repeat
                pos.append(u)
            where.append(tuple(pos))
        return UniqueOps(tuple(ops), tuple(mult), tuple(where))


@dataclass(frozen=True)
class UniqueOps:
    """Distinct ops of a pass: ``ops`` (first seen first), ``mult`` (instances of
    each), ``where`` (per segment, the distinct-op index of each of its ops)."""

    ops: tuple[Op, ...]
    mult: tuple[int, ...]
    where: tuple[tuple[int, ...], ...]


@lru_cache(maxsize=256)
def _op_sequence(cfg: TransformerConfig, phase: str, batch: int, seq_len: int, kv_len: int,
                 kv_heads_kept: tuple[int, ...] | None) -> OpSequence:
    q_len, ctx = _check_pass(cfg, phase, batch, seq_len, kv_len)
    _check_kv_heads(cfg, kv_heads_kept)
    ps = _Pass(cfg, batch, q_len, ctx)
    segments = []
    pre = _Builder(cfg, 1.0, 1.0)
    x = _embeddings(pre, ps)
    segments.append(Segment(tuple(op for _, op in ((n, a["op"]) for n, a in pre.nodes)), -1, 1))
    per_layer = [cfg.kv_heads] * cfg.n_layers if kv_heads_kept is None else list(kv_heads_kept)
    layer = 0
    while layer < cfg.n_layers:
        run = 1
        while layer + run < cfg.n_layers and per_layer[layer + run] == per_layer[layer]:
            run += 1
        blk = _Builder(cfg, 1.0, 1.0)
        x = _ffn(blk, ps, layer, _attention(blk, ps, layer, per_layer[layer], x))
        segments.append(Segment(tuple(a["op"] for _, a in blk.nodes), layer, run))
        layer += run
    post = _Builder(cfg, 1.0, 1.0)
    _head(post, ps, x)
    segments.append(Segment(tuple(a["op"] for _, a in post.nodes), cfg.n_layers, 1))
    return OpSequence(tuple(s for s in segments if s.ops))


def op_sequence(cfg: TransformerConfig, phase: str = "prefill", batch: int = 1, seq_len: int = 512,
                kv_len: int = 0, kv_heads_kept: Sequence[int] | None = None) -> OpSequence:
    """The ops of one forward pass (what :func:`build_graph` has, in the same
    order) as segments of repeated layers: the costly work is done once per
    distinct block, whatever the layer count. Memoised (a pure function of
    frozen values)."""
    kept = None if kv_heads_kept is None else tuple(int(v) for v in kv_heads_kept)
    return _op_sequence(cfg, phase, batch, seq_len, kv_len, kept)
