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
  without causal-tile skipping does; decoder prefill marks its attention ops
  ``causal`` so a tiled schedule can skip fully masked tiles
  (``accelmodel.cost.fusion``). Decode processes one new token per
  sequence and reads ``kv_len + 1`` cached keys/values (the cache plus the new
  entry, which the K/V projections append).
- The decoder LM head runs on the last position of each sequence only (what
  generation needs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Optional, Sequence


from ..errors import SpecError
from .limits import check_run_shape
from .config import TransformerConfig
from .kinds import OpKind

if TYPE_CHECKING:  # networkx is imported only when a graph is built
    import networkx as nx

Phase = Literal["prefill", "decode"]

MATMUL, EMBEDDING, SOFTMAX, ACTIVATION, RESIDUAL, ELEMENTWISE, ROPE = (
    OpKind.MATMUL.value, OpKind.EMBEDDING.value, OpKind.SOFTMAX.value, OpKind.ACTIVATION.value,
    OpKind.RESIDUAL.value, OpKind.ELEMENTWISE.value, OpKind.ROPE.value,
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
    """Function a nonlinear unit computes: softmax, gelu, gelu_tanh, silu, relu, layernorm, rmsnorm, add, mul,
    scale_mask, rope, gather."""
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
    group: int = 1
    """Query heads stacked along M in one instance (Q.K^T and softmax.V with GQA)."""
    causal: bool = False
    """Attention op of a causal (decoder) prefill: scores above the diagonal are masked."""
    src: str = ""
    """``op`` of the producer of this op's first input ('' if none or outside the block)."""
    fusion: str = ""
    """How a schedule runs it fused ('' alone; ``path``, ``norm``, ``attention``: see
    ``accelmodel.cost.fusion``). Set by the fusion pass, never by the graph."""
    fused_into: str = ""
    """Name of the op whose group this op was fused into ('' if none)."""

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
        base = (self.kind, self.function, self.m, self.k, self.n, self.count, self.weight is not None,
                self.elements, self.row_len, self.inputs)
        if self.causal or self.fusion:
            return base + (self.causal, self.fusion, self.group)
        return base


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

    def graph(self) -> "nx.DiGraph":
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        if g.number_of_nodes() != len(self.nodes):
            raise ValueError("duplicate op names in the graph")
        g.add_edges_from(self.edges)
        return g


def _check_pass(cfg: TransformerConfig, phase: str, batch: int, seq_len: int, kv_len: int) -> tuple[int, int]:
    """Validate the pass's arguments (and its size: :func:`check_run_shape`);
    return (query length, context length)."""
    check_run_shape(cfg, phase, batch, seq_len, kv_len)
    return (1, kv_len + 1) if phase == "decode" else (seq_len, seq_len)


def _check_kv_heads(cfg: TransformerConfig, kv_heads_kept: Sequence[int] | None) -> None:
    if kv_heads_kept is not None:
        if len(kv_heads_kept) != cfg.n_layers or any(not (1 <= int(v) <= cfg.kv_heads) for v in kv_heads_kept):
            raise SpecError(f"kv_heads_kept: need {cfg.n_layers} values in 1..{cfg.kv_heads}")


@dataclass(frozen=True)
class _Pass:
    """Sizes of one forward pass that every block shares."""

    cfg: TransformerConfig
    batch: int
    q_len: int
    ctx: int

    @property
    def tokens(self) -> int:
        return self.batch * self.q_len


def _norm(b: _Builder, ps: _Pass, name: str, layer: int, src: tuple) -> str:
    d, T, kind = ps.cfg.d_model, ps.tokens, ps.cfg.norm
    return b.add(Op(name, layer, name.split(".")[-1], kind, kind, elements=T * d, row_len=d, src=_short(src[0])),
                 (src[0], src[1], T * d))


def _short(name: str) -> str:
    """The ``op`` of a node name (``L3.q_proj`` -> ``q_proj``)."""
    return name.split(".")[-1]


def _linear(b: _Builder, name: str, layer: int, opn: str, weight: str, src: tuple, k: int, n: int, m: int) -> str:
    return b.add(Op(name, layer, opn, MATMUL, m=m, k=k, n=n, weight=weight, src=_short(src[0])),
                 (src[0], src[1], m * k))


def _embeddings(b: _Builder, ps: _Pass) -> str:
    cfg, T, d = ps.cfg, ps.tokens, ps.cfg.d_model
    n_emb = 1 + (cfg.positions == "learned") + (cfg.type_vocab_size > 0)
    x = b.add(Op("embed", -1, "embedding", EMBEDDING, "gather", elements=T * d, inputs=n_emb))
    if cfg.embedding_norm:
        x = _norm(b, ps, "embed_norm", -1, (x, "hidden"))
    return x


def _attention(b: _Builder, ps: _Pass, layer: int, kvh: int, h: str) -> str:
    """Attention sub-block of layer ``layer`` with ``kvh`` KV heads; returns the residual output."""
    cfg, T, d, p = ps.cfg, ps.tokens, ps.cfg.d_model, f"L{layer}."
    nh = kvh * cfg.group
    d_q, d_kv = nh * cfg.hd, kvh * cfg.hd
    a_in = h if cfg.post_norm else _norm(b, ps, p + "attn_norm", layer, (h, "hidden"))
    q = _linear(b, p + "q_proj", layer, "q_proj", "wq", (a_in, "normed"), d, d_q, T)
    k = _linear(b, p + "k_proj", layer, "k_proj", "wk", (a_in, "normed"), d, d_kv, T)
    v = _linear(b, p + "v_proj", layer, "v_proj", "wv", (a_in, "normed"), d, d_kv, T)
    if cfg.positions == "rotary":
        q = b.add(Op(p + "rope_q", layer, "rope_q", ROPE, "rope", elements=T * d_q, heads=nh, src="q_proj"),
                  (q, "q", T * d_q))
        k = b.add(Op(p + "rope_k", layer, "rope_k", ROPE, "rope", elements=T * d_kv, heads=kvh,
                          src="k_proj"), (k, "k", T * d_kv))
    cnt, gm = ps.batch * kvh, cfg.group * ps.q_len
    score_el = ps.batch * nh * ps.q_len * ps.ctx
    causal = cfg.arch == "decoder" and ps.q_len > 1
    qk = b.add(Op(p + "qk", layer, "qk", MATMUL, m=gm, k=cfg.hd, n=ps.ctx, count=cnt, group=cfg.group, src="q_proj",
                  heads=nh, causal=causal),
               (q, "q", T * d_q), (k, "k_cache", ps.batch * ps.ctx * d_kv))
    sm_in = b.add(Op(p + "scale_mask", layer, "scale_mask", ELEMENTWISE, "scale_mask", elements=score_el, src="qk",
                     heads=nh, causal=causal), (qk, "scores", score_el))
    sm = b.add(Op(p + "softmax", layer, "softmax", SOFTMAX, "softmax", elements=score_el, row_len=ps.ctx,
                  src="scale_mask", heads=nh, causal=causal), (sm_in, "scores", score_el))
    sv = b.add(Op(p + "sv", layer, "sv", MATMUL, m=gm, k=ps.ctx, n=cfg.hd, count=cnt, group=cfg.group,
                  src="softmax", heads=nh, causal=causal),
               (sm, "probs", score_el), (v, "v_cache", ps.batch * ps.ctx * d_kv))
    o = _linear(b, p + "o_proj", layer, "o_proj", "wo", (sv, "attn"), d_q, d, T)
    r1 = b.add(Op(p + "residual_attn", layer, "residual_attn", RESIDUAL, "add", elements=T * d, inputs=2,
                  src="o_proj"),
               (o, "attn_out", T * d), (h, "hidden", T * d))
    if cfg.post_norm:
        r1 = _norm(b, ps, p + "attn_norm", layer, (r1, "hidden"))
    return r1


def _ffn(b: _Builder, ps: _Pass, layer: int, r1: str) -> str:
    """FFN sub-block of layer ``layer``; returns the residual output."""
    cfg, T, d, p = ps.cfg, ps.tokens, ps.cfg.d_model, f"L{layer}."
    f_in = r1 if cfg.post_norm else _norm(b, ps, p + "ffn_norm", layer, (r1, "hidden"))
    up = _linear(b, p + "ffn_up", layer, "ffn_up", "w_up", (f_in, "normed"), d, cfg.d_ff, T)
    if cfg.gated_ffn:
        gate = _linear(b, p + "ffn_gate", layer, "ffn_gate", "w_gate", (f_in, "normed"), d, cfg.d_ff, T)
        act = b.add(Op(p + "act", layer, "act", ACTIVATION, cfg.activation, elements=T * cfg.d_ff, src="ffn_gate"),
                    (gate, "gate", T * cfg.d_ff))
        hid = b.add(Op(p + "gated_mul", layer, "gated_mul", ELEMENTWISE, "mul", elements=T * cfg.d_ff, inputs=2,
                       src="act"),
                    (act, "gate_act", T * cfg.d_ff), (up, "up", T * cfg.d_ff))
    else:
        hid = b.add(Op(p + "act", layer, "act", ACTIVATION, cfg.activation, elements=T * cfg.d_ff, src="ffn_up"),
                    (up, "up", T * cfg.d_ff))
    down = _linear(b, p + "ffn_down", layer, "ffn_down", "w_down", (hid, "ffn_hidden"), cfg.d_ff, d, T)
    r2 = b.add(Op(p + "residual_ffn", layer, "residual_ffn", RESIDUAL, "add", elements=T * d, inputs=2,
                  src="ffn_down"),
               (down, "ffn_out", T * d), (r1, "hidden", T * d))
    if cfg.post_norm:
        r2 = _norm(b, ps, p + "ffn_norm", layer, (r2, "hidden"))
    return r2


def _head(b: _Builder, ps: _Pass, x: str) -> None:
    cfg, d, L = ps.cfg, ps.cfg.d_model, ps.cfg.n_layers
    if cfg.final_norm:
        x = _norm(b, ps, "final_norm", L, (x, "hidden"))
    if cfg.pooler:
        _linear(b, "pooler", L, "pooler", "pooler", (x, "cls"), d, d, ps.batch)
    if cfg.lm_head:
        _linear(b, "lm_head", L, "lm_head", "lm_head", (x, "last_hidden"), d, cfg.vocab_size, ps.batch)


def build_graph(
    cfg: TransformerConfig,
    phase: Phase = "prefill",
    batch: int = 1,
    seq_len: int = 512,
    kv_len: int = 0,
    act_bytes: float = 1.0,
    weight_bytes: float = 1.0,
    kv_heads_kept: Sequence[int] | None = None,
) -> "nx.DiGraph":
    """Op graph of one forward pass.

    prefill: ``batch`` sequences of ``seq_len`` tokens. decode: one new token for
    each of ``batch`` sequences whose KV cache holds ``kv_len`` tokens.
    Edge ``bytes`` use ``act_bytes`` per activation element; graph attribute
    ``weight_bytes`` per weight element (the hardware spec's widths decide cost).

    ``kv_heads_kept`` (head-level pruning, one entry per layer): KV heads kept in
    each layer; each keeps its ``group`` query heads (whole groups are pruned, so
    plain MHA prunes single heads). Q/K/V/O projections and attention shrink.
    """
    q_len, ctx = _check_pass(cfg, phase, batch, seq_len, kv_len)
    _check_kv_heads(cfg, kv_heads_kept)
    ps = _Pass(cfg, batch, q_len, ctx)
    b = _Builder(cfg, act_bytes, weight_bytes)
    x = _embeddings(b, ps)
    for layer in range(cfg.n_layers):
        kvh = cfg.kv_heads if kv_heads_kept is None else int(kv_heads_kept[layer])
        x = _ffn(b, ps, layer, _attention(b, ps, layer, kvh, x))
    _head(b, ps, x)
    g = b.graph()
    g.graph.update(model=cfg.name, phase=phase, batch=batch, seq_len=q_len, kv_len=ctx if phase == "decode" else 0,
                   tokens=ps.tokens, act_bytes=act_bytes, weight_bytes=weight_bytes, order=b.order)
    return g


def ops_in_order(g: "nx.DiGraph") -> list[Op]:
    """Ops in forward-pass order."""
    return [g.nodes[n]["op"] for n in g.graph["order"]]


def total_macs(g: "nx.DiGraph") -> int:
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
