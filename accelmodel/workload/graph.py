"""The op graph of one inference phase, built like the forward pass.

``build_graph(cfg, phase, batch, seq_len, kv_len)`` returns a networkx DiGraph
with one node per op (attribute ``op``: an :class:`Op`) and one edge per tensor
(attributes ``tensor``, ``elements``, ``bytes`` at the graph's element widths).
Ops are plain frozen records: shapes, element counts, MACs, FLOPs. No cost.

Conventions
- A linear layer is ``Y[M, N] = X[M, K] . W[K, N]`` with M = tokens.
- Attention with grouped-query attention (GQA) is lowered per KV head: the
  ``group`` query heads that share a KV head are stacked along M, so one
  Q.K^T is ``[group*q_len, head_dim] . [head_dim, kv_len]`` and there are
  ``batch * kv_heads`` of them (``count``). For plain MHA group = 1.
- Prefill computes the full (masked) l x l score matrix, as an accelerator
  without causal-tile skipping does. Decode processes one new token per
  sequence and reads ``kv_len + 1`` cached keys/values (the cache plus the new
  entry, which the K/V projections append).
- The decoder LM head runs on the last position of each sequence only (what
  generation needs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Sequence

import networkx as nx

from ..errors import SpecError
from .limits import check_run_shape
from .config import TransformerConfig

Phase = Literal["prefill", "decode"]

# op kinds used in reports
MATMUL, EMBEDDING, SOFTMAX, ACTIVATION, RESIDUAL, ELEMENTWISE, ROPE = (
    "matmul", "embedding", "softmax", "activation", "residual", "elementwise", "rope",
)


@dataclass(frozen=True, slots=True)
class Op:
    """One operation of the forward pass (all counts are totals over ``count``)."""

    name: str
    """Unique node name, e.g. ``L3.q_proj``."""
    layer: int
    """Block index, -1 before the first block, n_layers after the last."""
    op: str
    """Op type within the block: ``q_proj``, ``qk``, ``softmax``, ``ffn_up``, ..."""
    kind: str
    """Report kind: matmul, softmax, layernorm, rmsnorm, activation, residual, elementwise, rope, embedding."""
    function: str = ""
    """Function a nonlinear unit computes: softmax, gelu, gelu_tanh, silu, relu, layernorm, rmsnorm, add, mul, scale_mask, rope, gather."""
    m: int = 0
    """Matmul rows of X and Y (per instance)."""
    k: int = 0
    """Matmul reduction size (per instance)."""
    n: int = 0
    """Matmul columns of W and Y (per instance)."""
    count: int = 1
    """Independent instances (e.g. batch x KV heads for attention)."""
    weight: Optional[str] = None
    """Weight matrix name (``wq``, ``wk``, ``wv``, ``wo``, ``w_up``, ``w_gate``, ``w_down``, ``lm_head``, ``pooler``);
    None when both operands are activations (Q.K^T, softmax.V)."""
    elements: int = 0
    """Elements a non-matmul op processes (output elements)."""
    row_len: int = 0
    """Length of the vectors a row-wise op (softmax, norm) reduces over."""
    inputs: int = 1
    """Input tensors of an element-wise op (2 for add/multiply)."""
    heads: int = 0
    """Attention heads this op spans (for head-level pruning)."""

    @property
    def is_matmul(self) -> bool:
        return self.kind == MATMUL

    @property
    def macs(self) -> int:
        return self.m * self.k * self.n * self.count if self.is_matmul else 0

    @property
    def flops(self) -> int:
        """2 per MAC for matmuls; one per element (per input beyond the first) otherwise."""
        if self.is_matmul:
            return 2 * self.macs
        return self.elements * max(1, self.inputs - 1) if self.function in ("add", "mul") else self.elements

    @property
    def x_elements(self) -> int:
        return self.m * self.k * self.count

    @property
    def w_elements(self) -> int:
        return self.k * self.n * self.count

    @property
    def y_elements(self) -> int:
        return self.m * self.n * self.count if self.is_matmul else self.elements

    def signature(self) -> tuple:
        """Everything the cost depends on, but not the name or layer: identical
        ops in different layers share it and are mapped once."""
        return (self.kind, self.function, self.m, self.k, self.n, self.count, self.weight is not None,
                self.elements, self.row_len, self.inputs)


@dataclass
class _Builder:
    cfg: TransformerConfig
    act_bytes: float
    weight_bytes: float
    order: list = field(default_factory=list)
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)

    def add(self, op: Op, *srcs: tuple[str, str, int]) -> str:
        self.order.append(op.name)
        self.nodes.append((op.name, {"op": op}))
        for src, tensor, elems in srcs:
            self.edges.append((src, op.name, {"tensor": tensor, "elements": int(elems),
                                              "bytes": float(elems * self.act_bytes)}))
        return op.name

    def graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        if g.number_of_nodes() != len(self.nodes):
            raise ValueError("duplicate op names in the graph")
        g.add_edges_from(self.edges)
        return g


def build_graph(
    cfg: TransformerConfig,
    phase: Phase = "prefill",
    batch: int = 1,
    seq_len: int = 512,
    kv_len: int = 0,
    act_bytes: float = 1.0,
    weight_bytes: float = 1.0,
    kv_heads_kept: Sequence[int] | None = None,
) -> nx.DiGraph:
    """Op graph of one forward pass.

    prefill: ``batch`` sequences of ``seq_len`` tokens. decode: one new token for
    each of ``batch`` sequences whose KV cache holds ``kv_len`` tokens.
    Edge ``bytes`` use ``act_bytes`` per activation element; graph attribute
    ``weight_bytes`` per weight element (the hardware spec's widths decide cost).

    ``kv_heads_kept`` (head-level pruning, one entry per layer): KV heads kept in
    each layer; each keeps its ``group`` query heads (whole groups are pruned, so
    plain MHA prunes single heads). Q/K/V/O projections and attention shrink.
    """
    if phase not in ("prefill", "decode"):
        raise SpecError(f"phase: must be 'prefill' or 'decode', got {phase!r}")
    check_run_shape(cfg, phase, batch, seq_len, kv_len)
    q_len, ctx = (1, kv_len + 1) if phase == "decode" else (seq_len, seq_len)

    b = _Builder(cfg, act_bytes, weight_bytes)
    d, T = cfg.d_model, batch * q_len
    L = cfg.n_layers
    norm_kind = cfg.norm

    def norm(name: str, layer: int, src: tuple) -> str:
        return b.add(Op(name, layer, name.split(".")[-1], norm_kind, norm_kind, elements=T * d, row_len=d), (src[0], src[1], T * d))

    def linear(name, layer, opn, weight, src, k, n, m=T):
        return b.add(Op(name, layer, opn, MATMUL, m=m, k=k, n=n, weight=weight), (src[0], src[1], m * k))

    # ---- embeddings
    n_emb = 1 + (cfg.positions == "learned") + (cfg.type_vocab_size > 0)
    x = b.add(Op("embed", -1, "embedding", EMBEDDING, "gather", elements=T * d, inputs=n_emb))
    x_t = "hidden"
    if cfg.embedding_norm:
        x = norm("embed_norm", -1, (x, x_t))

    if kv_heads_kept is not None:
        if len(kv_heads_kept) != L or any(not (1 <= int(v) <= cfg.kv_heads) for v in kv_heads_kept):
            raise SpecError(f"kv_heads_kept: need {L} values in 1..{cfg.kv_heads}")
    for l in range(L):
        p = f"L{l}."
        h = x
        kvh = cfg.kv_heads if kv_heads_kept is None else int(kv_heads_kept[l])
        nh = kvh * cfg.group
        d_q, d_kv = nh * cfg.hd, kvh * cfg.hd
        # ---- attention
        a_in = h if cfg.post_norm else norm(p + "attn_norm", l, (h, "hidden"))
        q = linear(p + "q_proj", l, "q_proj", "wq", (a_in, "normed"), d, d_q)
        k = linear(p + "k_proj", l, "k_proj", "wk", (a_in, "normed"), d, d_kv)
        v = linear(p + "v_proj", l, "v_proj", "wv", (a_in, "normed"), d, d_kv)
        if cfg.positions == "rotary":
            q = b.add(Op(p + "rope_q", l, "rope_q", ROPE, "rope", elements=T * d_q, heads=nh),
                      (q, "q", T * d_q))
            k = b.add(Op(p + "rope_k", l, "rope_k", ROPE, "rope", elements=T * d_kv, heads=kvh),
                      (k, "k", T * d_kv))
        cnt, gm = batch * kvh, cfg.group * q_len
        score_el = batch * nh * q_len * ctx
        qk = b.add(Op(p + "qk", l, "qk", MATMUL, m=gm, k=cfg.hd, n=ctx, count=cnt, heads=nh),
                   (q, "q", T * d_q), (k, "k_cache", batch * ctx * d_kv))
        sm_in = b.add(Op(p + "scale_mask", l, "scale_mask", ELEMENTWISE, "scale_mask", elements=score_el,
                         heads=nh), (qk, "scores", score_el))
        sm = b.add(Op(p + "softmax", l, "softmax", SOFTMAX, "softmax", elements=score_el, row_len=ctx,
                      heads=nh), (sm_in, "scores", score_el))
        sv = b.add(Op(p + "sv", l, "sv", MATMUL, m=gm, k=ctx, n=cfg.hd, count=cnt, heads=nh),
                   (sm, "probs", score_el), (v, "v_cache", batch * ctx * d_kv))
        o = linear(p + "o_proj", l, "o_proj", "wo", (sv, "attn"), d_q, d)
        r1 = b.add(Op(p + "residual_attn", l, "residual_attn", RESIDUAL, "add", elements=T * d, inputs=2),
                   (o, "attn_out", T * d), (h, "hidden", T * d))
        if cfg.post_norm:
            r1 = norm(p + "attn_norm", l, (r1, "hidden"))
        # ---- FFN
        f_in = r1 if cfg.post_norm else norm(p + "ffn_norm", l, (r1, "hidden"))
        up = linear(p + "ffn_up", l, "ffn_up", "w_up", (f_in, "normed"), d, cfg.d_ff)
        if cfg.gated_ffn:
            gate = linear(p + "ffn_gate", l, "ffn_gate", "w_gate", (f_in, "normed"), d, cfg.d_ff)
            act = b.add(Op(p + "act", l, "act", ACTIVATION, cfg.activation, elements=T * cfg.d_ff),
                        (gate, "gate", T * cfg.d_ff))
            hid = b.add(Op(p + "gated_mul", l, "gated_mul", ELEMENTWISE, "mul", elements=T * cfg.d_ff, inputs=2),
                        (act, "gate_act", T * cfg.d_ff), (up, "up", T * cfg.d_ff))
        else:
            hid = b.add(Op(p + "act", l, "act", ACTIVATION, cfg.activation, elements=T * cfg.d_ff),
                        (up, "up", T * cfg.d_ff))
        down = linear(p + "ffn_down", l, "ffn_down", "w_down", (hid, "ffn_hidden"), cfg.d_ff, d)
        r2 = b.add(Op(p + "residual_ffn", l, "residual_ffn", RESIDUAL, "add", elements=T * d, inputs=2),
                   (down, "ffn_out", T * d), (r1, "hidden", T * d))
        if cfg.post_norm:
            r2 = norm(p + "ffn_norm", l, (r2, "hidden"))
        x = r2

    if cfg.final_norm:
        x = norm("final_norm", L, (x, "hidden"))
    if cfg.pooler:
        linear("pooler", L, "pooler", "pooler", (x, "cls"), d, d, m=batch)
    if cfg.lm_head:
        linear("lm_head", L, "lm_head", "lm_head", (x, "last_hidden"), d, cfg.vocab_size, m=batch)

    g = b.graph()
    g.graph.update(model=cfg.name, phase=phase, batch=batch, seq_len=q_len, kv_len=ctx if phase == "decode" else 0,
                     tokens=T, act_bytes=act_bytes, weight_bytes=weight_bytes, order=b.order)
    return g


def ops_in_order(g: nx.DiGraph) -> list[Op]:
    """Ops in forward-pass order."""
    return [g.nodes[n]["op"] for n in g.graph["order"]]


def total_macs(g: nx.DiGraph) -> int:
    return sum(op.macs for op in ops_in_order(g))


def closed_form_macs(cfg: TransformerConfig, phase: Phase, batch: int, seq_len: int, kv_len: int = 0) -> int:
    """MACs of one forward pass in closed form (what ``build_graph`` must add up to)."""
    q_len, ctx = (1, kv_len + 1) if phase == "decode" else (seq_len, seq_len)
    T, d = batch * q_len, cfg.d_model
    proj = T * d * (2 * cfg.d_q + 2 * cfg.d_kv)
    ffn = T * d * cfg.d_ff * (3 if cfg.gated_ffn else 2)
    attn = 2 * batch * cfg.n_heads * q_len * ctx * cfg.hd
    macs = cfg.n_layers * (proj + ffn + attn)
    if cfg.pooler:
        macs += batch * d * d
    if cfg.lm_head:
        macs += batch * d * cfg.vocab_size
    return macs
