"""No dead knobs: every numeric field of the hardware schema (Accelerator and its nested
models, every unit kind of the nonlinear union in every slot that can run it) changes
latency, energy, area or accuracy on a workload that exercises it -- or is in
:data:`ALLOWLIST` with its reason (also in docs/model.md, "No dead knobs").

Each field is perturbed (x2, or +1 / halved where x2 leaves its bounds; a null
optional gets a value) and simulated in the contexts of :data:`CONTEXTS` in order until
one observable moves: the component models (prefill, decode, a LLaMA-like and a ReLU
layer), the typed energy table (``energy.per_action: table``, where the units' typed
power counts), that at 28 nm (typed unit figures scale to the design's node), and a
pruned workload on a sparse design (sparsity fields); contexts that make a resource the
bound (element-wise ops on the host, slow DRAM and host memory, a slow decompressor)
compare the base context's value with the perturbed default."""

from __future__ import annotations

import types
import typing
from functools import lru_cache

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import accelmodel as am
from accelmodel.components import physical
from accelmodel.errors import AccelModelError
from accelmodel.hardware.nonlinear import supports
from accelmodel.hardware.spec import Accelerator, with_updates
from accelmodel.sweep.spec import nonlinear_area_mm2
from accelmodel.workload.config import load_workload
from accelmodel.workload.pruning import MatrixPlan, MatrixPruning, PruningPlan, Unstructured

ALLOWLIST: dict[str, str] = {
    "dram.capacity_gib": "a limit, not a cost: a request whose weights + KV cache + activations exceed it is "
                         "refused (one-line error; tested in tests/test_generation.py); it moves no number of "
                         "a request that fits",
}
"""Fields that move nothing, with the reason (docs/model.md, "No dead knobs")."""

SLOT_FUNCTIONS = {"softmax": ("softmax",), "activation": ("gelu", "gelu_tanh", "silu", "relu"),
                  "norm": ("layernorm", "rmsnorm"), "elementwise": ("add", "mul", "scale_mask", "rope")}


def _one_layer(name: str, **update):
    return load_workload(name).model_copy(update={"n_layers": 1, **update})


WORKLOADS = {
    "prefill": (lambda: _one_layer("bert-base"), dict(seq_len=32)),
    "decode": (lambda: _one_layer("gpt2"), dict(phase="decode", kv_len=64)),
    "llama": (lambda: _one_layer("llama3-8b"), dict(seq_len=16)),
    "relu": (lambda: _one_layer("bert-base", activation="relu"), dict(seq_len=32)),
    "short": (lambda: _one_layer("bert-base"), dict(seq_len=8)),
}
CONTEXTS = (  # (name, base updates, workload, pruned)
    ("model", {}, "prefill", False), ("model", {}, "decode", False), ("model", {}, "llama", False),
    ("model", {}, "relu", False), ("table", {"energy.per_action": "table"}, "prefill", False),
    ("table28", {"energy.per_action": "table", "technology_nm": 28.0}, "prefill", False),
    ("offload", {"nonlinear.elementwise": {"kind": "cpu_offload"}}, "prefill", False),
    ("offload", {"nonlinear.elementwise": {"kind": "cpu_offload"}}, "llama", False),
    ("slow memories", {"dram.bandwidth_gbps": 2.0, "host.memory_bandwidth_gbps": 0.05}, "decode", False),
    ("grouped weights", {"dtypes.weight_group_size": 128}, "decode", False),
    ("attention engine", {"schedule.fusion": "attention_engine", "nonlinear.softmax": {"kind": "ibert"},
                          "schedule.accumulator_path": ["softmax", "activation", "elementwise"]}, "short", False),
    ("sparse", {"sparsity": {"storage": "csr", "skip": "element"}}, "prefill", True),
    ("sparse slow decompressor", {"sparsity": {"storage": "csr", "skip": "element",
                                               "decompressor_bytes_per_cycle": 0.25}}, "prefill", True),
)
PLAN = PruningPlan(description="dead-knob probe",
                   all_matrices=MatrixPlan(default=MatrixPruning(pattern=Unstructured(), ratio=0.8)))


def _numeric(annotation) -> bool:
    for a in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(a) is typing.Annotated:
            a = typing.get_args(a)[0]
        if a in (int, float):
            return True
    return False


def _models(annotation) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (Optional, Annotated and unions unwrapped)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin is typing.Union or isinstance(annotation, types.UnionType):
        return [m for a in typing.get_args(annotation) for m in _models(a)]
    return []


def fields(model=Accelerator, prefix="") -> list[tuple[str, str | None, str, FieldInfo]]:
    """(dotted path, unit kind or None, field name, field info) of every numeric field."""
    out = []
    for name, f in model.model_fields.items():
        subs = _models(f.annotation)
        if len(subs) > 1:  # a union of unit kinds
            for sub in subs:
                kind = sub.model_fields["kind"].default
                out += [(f"{prefix}{name}", kind, n, g) for n, g in sub.model_fields.items() if _numeric(g.annotation)]
        elif subs:
            out += fields(subs[0], f"{prefix}{name}.")
        elif _numeric(f.annotation):
            out.append((f"{prefix}{name}", None, name, f))
    return out


NULL_VALUES = {"technology_nm": 28.0, "area_mm2": 10.0, "x_min": -4.0, "x_max": 4.0, "value_bits": 4,
               "kv_bits": 4, "weight_group_size": 128, "frac_bits": 8, "capacity_gib": 16.0}
"""The value an optional field that defaults to null gets."""


def perturbed(name: str, f: FieldInfo, value):
    """A different legal value: x2, else +1 or halved within the field's bounds."""
    if value is None:
        return NULL_VALUES[name]
    le = next((m.le for m in f.metadata if getattr(m, "le", None) is not None), None)
    if value == 0:
        return 1.0
    new = value * 2
    if le is not None and new > le:
        new = value + 1 if isinstance(value, int) and value + 1 <= le else value / 2
    return type(value)(new) if isinstance(value, int) and float(new).is_integer() else new


@lru_cache(maxsize=None)
def _workload(name: str):
    make, kw = WORKLOADS[name]
    return make(), kw


def observe(hw: Accelerator, workload: str, pruned: bool):
    cfg, kw = _workload(workload)
    rep = am.simulate(hw, cfg, pruning=PLAN if pruned else None, **kw)
    s = rep.summary()
    acc = s["accuracy"]
    acc = tuple(sorted((k, v["mae"]) for k, v in acc["by_function"].items())) if isinstance(acc, dict) else None
    return (s["latency_s"], s["energy_j"], s["area_mm2"], physical(hw).area_model_mm2, nonlinear_area_mm2(hw), acc)


_BASE: dict = {}


def moves(updates_base: dict, updates_new: dict, workload: str, pruned: bool) -> bool:
    key = (repr(sorted(updates_base.items())), workload, pruned)
    if key not in _BASE:
        _BASE[key] = observe(with_updates(Accelerator(), updates_base), workload, pruned)
    return observe(with_updates(Accelerator(), updates_new), workload, pruned) != _BASE[key]


def _cases():
    cases = []
    for path, kind, name, f in fields():
        if kind is None:
            cases.append(pytest.param(path, kind, name, f, id=path))
        else:
            cases.append(pytest.param(path, kind, name, f, id=f"{path}[{kind}].{name}"))
    return cases


def _default(path: str, kind: str | None, name: str, f: FieldInfo):
    if kind is not None:
        return f.default
    obj = Accelerator()
    for k in path.split("."):
        obj = getattr(obj, k)
    return obj


@pytest.mark.parametrize("path,kind,name,f", _cases())
def test_every_numeric_field_moves_something(path, kind, name, f):
    label = f"{path}[{kind}].{name}" if kind else path
    if label in ALLOWLIST:
        pytest.skip(ALLOWLIST[label])
    slot = path.split(".")[-1]
    if kind is not None and not any(supports(kind, fn) for fn in SLOT_FUNCTIONS[slot]):
        pytest.skip(f"a {kind} unit cannot run any {slot} function (the slot refuses it)")
    value = perturbed(name, f, _default(path, kind, name, f))
    tried = []
    for ctx, base_up, workload, pruned in CONTEXTS:
        if kind is not None:
            base = {**base_up, path: {"kind": kind}}
            new = {**base_up, path: {"kind": kind, name: value}}
        elif path.startswith("energy.") and ctx == "model":
            continue  # the typed table is not used by the component models (a spec error if set)
        elif path.startswith("sparsity.") and not pruned:
            continue
        else:
            base = dict(base_up)
            new = {**base_up, path: value} if not path.startswith("sparsity.") else {
                "sparsity": {**base_up["sparsity"], name: value}}
        try:
            if moves(base, new, workload, pruned):
                return
        except AccelModelError as exc:  # e.g. a unit that cannot run this workload's function
            tried.append(f"{ctx}/{workload}: {exc}")
            continue
        tried.append(f"{ctx}/{workload}: unchanged")
    pytest.fail(f"{label}: {_default(path, kind, name, f)!r} -> {value!r} moves no latency, energy, area or "
                f"accuracy ({'; '.join(tried)}); wire it or add it to ALLOWLIST with the reason")


def test_every_kind_field_is_exercised_in_some_slot():
    """Each (unit kind, field) runs in at least one slot (not skipped everywhere)."""
    covered = {(kind, name) for path, kind, name, _ in fields() if kind is not None
               and any(supports(kind, fn) for fn in SLOT_FUNCTIONS[path.split(".")[-1]])}
    every = {(kind, name) for _, kind, name, _ in fields() if kind is not None}
    assert every == covered
