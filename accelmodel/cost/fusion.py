"""The fusion pass: which ops of a pass run fused on a design, before lowering.

:func:`fuse_sequence` rewrites an :class:`~accelmodel.workload.sequence.OpSequence`
for a design's :class:`~accelmodel.hardware.schedule.Schedule`: each op that may
fuse gets ``fusion`` (how) and ``fused_into`` (the op whose group it joins).
The costs of fused rows are set in :mod:`accelmodel.cost.fused_demand`.

Rules (legality comes from the hardware):

* ``path`` — an activation, scale/mask, RoPE, gated multiply or residual add
  whose first input is a matmul's output (or the output of an op already fused
  into one) runs on that matmul's output path, if the unit of its slot sits on
  the accumulator path (``schedule.accumulator_path``) and is not offloaded to
  the host CPU. Its first input and its output never touch DRAM; other inputs
  (the residual stream, the gated FFN's up projection) are still read.
* ``norm`` — a LayerNorm/RMSNorm whose input drains from a matmul group: the
  statistics are gathered on the accumulator read path, the apply pass happens
  where the data next moves (the consumer's move-in). No DRAM bytes of its own.
* ``attention`` — Q.K^T, scale/mask, softmax and softmax.V as one group (the MHA
  engine or tiled online softmax; which one, per design, is decided in
  :mod:`accelmodel.cost.fused_demand`), if the softmax and element-wise units
  are on the accelerator.

An op whose producer is in the previous block (a pre-norm's input) resolves to
that block's last op; a repeated block whose first layer fuses differently from
the others (its input comes from the embeddings) is split into two segments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from ..hardware.spec import Accelerator
from ..workload.graph import Op
from ..workload.sequence import LAYER_PREFIX, OpSequence, Segment, shift_layer
from ..workload.kinds import OpKind
from .design import SLOT_FOR_KIND, structure_key

ATTENTION_OPS = ("qk", "scale_mask", "softmax", "sv")
_PATH_KINDS = {OpKind.ACTIVATION.value, OpKind.ELEMENTWISE.value, OpKind.RESIDUAL.value, OpKind.ROPE.value}
_NORM_KINDS = {OpKind.LAYERNORM.value, OpKind.RMSNORM.value}


@dataclass(frozen=True)
class Plan:
    """The fusions a mode asks for."""

    path: bool
    norm: bool
    attention: bool

    @classmethod
    def of(cls, mode: str) -> "Plan":
        return cls(path=mode in ("elementwise", "norm", "all"), norm=mode in ("norm", "all"),
                   attention=mode in ("attention_engine", "flash", "all"))


@dataclass(frozen=True)
class _Exit:
    """The last op of a block: its name and the matmul group its output drains from ('' if none)."""

    name: str
    group: str

    def shifted(self, delta: int) -> "_Exit":
        return _Exit(shift_layer(self.name, delta), shift_layer(self.group, delta))


def _group_of(op: Op) -> str:
    """The matmul group an op's output drains from ('' if it is written by a unit alone)."""
    if op.fused_into:
        return op.fused_into
    return op.name if op.is_matmul else ""


class _Fuser:
    def __init__(self, hw: Accelerator):
        self.hw = hw
        self.plan = Plan.of(hw.schedule.fusion)
        self.notes: dict[str, str] = {}

    def _unit_reason(self, slot: str) -> str:
        """Why the unit of ``slot`` cannot take fused work ('' if it can)."""
        unit = getattr(self.hw.nonlinear, slot)
        if unit.kind == "cpu_offload":
            return f"the {slot} unit is offloaded to the host CPU (a host op cannot fuse into the accelerator path)"
        return ""

    def _path_reason(self, slot: str) -> str:
        reason = self._unit_reason(slot)
        if not reason and slot not in self.hw.schedule.accumulator_path:
            reason = f"the {slot} unit is not on the accumulator path (schedule.accumulator_path)"
        return reason

    def attention_reason(self) -> str:
        for slot in ("softmax", "elementwise"):
            r = self._unit_reason(slot)
            if r:
                return r
        return ""

    def note(self, what: str, op: Op, reason: str) -> None:
        """Record once per op type and reason (the name is the first instance's)."""
        self.notes.setdefault(f"{what}:{op.op}:{reason}", f"{what}: {op.name} not fused: {reason}")

    def block(self, ops: Sequence[Op], prev: _Exit | None) -> tuple[tuple[Op, ...], _Exit | None]:
        seen: dict[str, Op] = {}
        out: list[Op] = []
        qk_name = ""
        attention_ok = self.plan.attention and not self.attention_reason()
        if self.plan.attention and not attention_ok:
            self.notes.setdefault("attention", f"attention: not fused: {self.attention_reason()}")
        for op in ops:
            producer_group = ""
            if op.src in seen:
                producer_group = _group_of(seen[op.src])
            elif op.src and prev is not None:
                producer_group = prev.group
            new = op
            if op.op in ATTENTION_OPS and attention_ok:
                if op.op == "qk":
                    qk_name = op.name
                new = replace(op, fusion="attention", fused_into="" if op.op == "qk" else qk_name)
            elif op.kind in _PATH_KINDS and self.plan.path:
                slot = SLOT_FOR_KIND[op.kind]
                reason = self._path_reason(slot) or ("" if producer_group else f"its input ({op.src or 'none'}) "
                                                     "is not a matmul's output on the accelerator")
                if reason:
                    self.note("elementwise", op, reason)
                else:
                    new = replace(op, fusion="path", fused_into=producer_group)
            elif op.kind in _NORM_KINDS and self.plan.norm:
                reason = self._path_reason("norm") or ("" if producer_group else f"its input ({op.src or 'none'}) "
                                                       "does not drain from a matmul")
                if reason:
                    self.note("norm", op, reason)
                else:
                    new = replace(op, fusion="norm", fused_into=producer_group)
            seen[op.op] = new
            out.append(new)
        last = out[-1] if out else None
        return tuple(out), (prev if last is None else _Exit(last.name, _group_of(last)))


def _relative(ops: Sequence[Op]) -> tuple:
    """What must match for two instances of a block to be one segment."""
    def rel(o: Op) -> str:
        m = LAYER_PREFIX.match(o.fused_into)
        return o.fused_into if not m else f"{int(m.group(1)) - o.layer}.{o.fused_into[m.end():]}"
    return tuple((o.op, o.signature(), rel(o)) for o in ops)


def _at_layer(ops: Sequence[Op], layer: int) -> tuple[Op, ...]:
    return tuple(replace(o, name=shift_layer(o.name, layer - o.layer), layer=layer) for o in ops)


def fuse_sequence(seq: OpSequence, hw: Accelerator) -> tuple[OpSequence, tuple[str, ...]]:
    """The pass as ``hw``'s schedule runs it, and the requested fusions that were
    not possible (one line each, with the reason). ``fusion: none`` returns
    ``seq`` itself."""
    if hw.schedule.fusion == "none":
        return seq, ()
    key = (seq, structure_key(hw))  # all the pass reads of the design
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) >= 256:
            _MEMO.clear()
        hit = _MEMO[key] = _fuse(seq, hw)
    return hit


_MEMO: dict[tuple, tuple[OpSequence, tuple[str, ...]]] = {}


def _fuse(seq: OpSequence, hw: Accelerator) -> tuple[OpSequence, tuple[str, ...]]:
    f = _Fuser(hw)
    segments: list[Segment] = []
    prev: _Exit | None = None
    for seg in seq.segments:
        first, exit0 = f.block(seg.ops, prev)
        if seg.repeat == 1:
            segments.append(Segment(first, seg.first_layer, 1))
            prev = exit0
            continue
        rest, exit1 = f.block(_at_layer(seg.ops, seg.first_layer + 1), exit0)
        if _relative(rest) == _relative(first):
            segments.append(Segment(first, seg.first_layer, seg.repeat))
        else:
            segments.append(Segment(first, seg.first_layer, 1))
            segments.append(Segment(rest, seg.first_layer + 1, seg.repeat - 1))
        prev = None if exit1 is None else exit1.shifted(seg.repeat - 2)
    return OpSequence(tuple(segments)), tuple(f.notes.values())
