"""Transformer configurations: presets, YAML files and Hugging Face ``config.json``.

Knows nothing of hardware or cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, NonNegativeInt, PositiveInt, ValidationError, model_validator

from ..errors import SpecError, format_validation_error
from ..inputs import brief, read_json_mapping
from ..paths import bundled_dir, bundled_file, bundled_files
from ..specbase import Frozen, read_yaml_mapping


class TransformerConfig(Frozen):
    """Shape of an encoder-only or decoder-only transformer."""

    name: str = Field(min_length=1, max_length=200)
    """Label used in reports."""
    arch: Literal["encoder", "decoder"]
    """Encoder-only (BERT: bidirectional, no KV cache) or decoder-only (causal, KV cache)."""
    n_layers: PositiveInt = Field(le=1024)
    """Number of transformer blocks."""
    d_model: PositiveInt = Field(le=131072)
    """Embedding (hidden) size d."""
    n_heads: PositiveInt = Field(le=4096)
    """Query heads."""
    n_kv_heads: Optional[PositiveInt] = Field(default=None, le=4096)
    """Key/value heads (grouped-query attention); None = n_heads."""
    head_dim: Optional[PositiveInt] = Field(default=None, le=65536)
    """Per-head size; None = d_model / n_heads."""
    d_ff: PositiveInt = Field(le=1048576)
    """FFN intermediate size (per branch for gated FFNs)."""
    gated_ffn: bool = False
    """Gated FFN (SwiGLU / GeGLU): up and gate projections, activation on the gate, element-wise product."""
    activation: Literal["gelu", "gelu_tanh", "silu", "relu"] = "gelu"
    """FFN activation: erf-GELU, OpenAI tanh-GELU, SiLU or ReLU."""
    norm: Literal["layernorm", "rmsnorm"] = "layernorm"
    """Normalisation."""
    norm_affine: bool = True
    """Whether norms have learned scale (and bias for LayerNorm with ``bias``); OLMo uses non-parametric LayerNorm."""
    positions: Literal["learned", "rotary"] = "learned"
    """Learned absolute position embeddings or rotary (RoPE) on Q and K."""
    max_positions: PositiveInt = Field(default=512, le=16777216)
    """Rows of the learned position table (and the longest context for rotary models)."""
    vocab_size: PositiveInt = Field(le=16777216)
    """Vocabulary (rows of the token embedding)."""
    type_vocab_size: NonNegativeInt = Field(default=0, le=1024)
    """Token-type (segment) embeddings, BERT only."""
    bias: bool = True
    """Linear layers (and LayerNorm) have biases."""
    tie_embeddings: bool = True
    """LM head shares the token-embedding matrix (no extra parameters)."""
    lm_head: bool = True
    """Model ends in an LM head (decoders); BERT-base inference stops at the encoder."""
    pooler: bool = False
    """BERT pooler (d x d dense on the first token)."""
    post_norm: bool = False
    """Norm after the residual add (BERT) instead of before the sublayer (GPT-2, LLaMA)."""
    embedding_norm: bool = False
    """A norm right after the embeddings (BERT)."""
    final_norm: bool = True
    """A norm after the last block (pre-norm models)."""

    @model_validator(mode="after")
    def _check(self) -> "TransformerConfig":
        if self.head_dim is None and self.d_model % self.n_heads:
            raise ValueError(f"n_heads: d_model {self.d_model} is not divisible by n_heads {self.n_heads}; "
                             "give head_dim")
        if self.n_heads % self.kv_heads:
            raise ValueError(f"n_kv_heads: n_heads {self.n_heads} is not a multiple of n_kv_heads {self.kv_heads}")
        return self

    # ---- derived ---------------------------------------------------------
    @property
    def kv_heads(self) -> int:
        return self.n_kv_heads or self.n_heads

    @property
    def hd(self) -> int:
        return self.head_dim or self.d_model // self.n_heads

    @property
    def d_q(self) -> int:
        return self.n_heads * self.hd

    @property
    def d_kv(self) -> int:
        return self.kv_heads * self.hd

    @property
    def group(self) -> int:
        """Query heads per KV head."""
        return self.n_heads // self.kv_heads

    @property
    def norm_params(self) -> int:
        if not self.norm_affine:
            return 0
        if self.norm == "rmsnorm":
            return self.d_model
        return 2 * self.d_model if self.bias else self.d_model

    # ---- closed-form parameter counts ------------------------------------
    def layer_params(self) -> int:
        d, b = self.d_model, int(self.bias)
        attn = d * self.d_q + 2 * d * self.d_kv + self.d_q * d + b * (self.d_q + 2 * self.d_kv + d)
        n_up = 2 if self.gated_ffn else 1
        ffn = n_up * (d * self.d_ff + b * self.d_ff) + self.d_ff * d + b * d
        return attn + ffn + 2 * self.norm_params

    def embedding_params(self) -> int:
        p = self.vocab_size * self.d_model
        if self.positions == "learned":
            p += self.max_positions * self.d_model
        p += self.type_vocab_size * self.d_model
        if self.embedding_norm:
            p += self.norm_params
        return p

    def param_count(self) -> int:
        """Closed-form parameter count."""
        p = self.embedding_params() + self.n_layers * self.layer_params()
        if self.final_norm:
            p += self.norm_params
        if self.lm_head and not self.tie_embeddings:
            p += self.vocab_size * self.d_model
        if self.pooler:
            p += self.d_model * self.d_model + int(self.bias) * self.d_model
        return p


# ---------------------------------------------------------------------------
# loading

PRESET_NAMES = (
    "bert-base", "bert-large", "gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl",
    "llama3-8b", "llama3-70b", "olmo-1b", "olmo-7b",
)


def list_presets() -> list[str]:
    """Names of the bundled workload presets (``workloads/*.yaml``)."""
    return sorted(p.stem for p in bundled_dir("workloads").glob("*.yaml"))


def _validate(data: object, where: str) -> TransformerConfig:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: top level must be a mapping of fields")
    try:
        return TransformerConfig.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{where}: {format_validation_error(exc)}") from None


def load_config_file(path: str | Path) -> TransformerConfig:
    """A workload YAML (our fields) or a Hugging Face ``config.json``."""
    p = Path(path)
    if p.suffix != ".json":
        return _validate(read_yaml_mapping(p, "workload"), f"workload {p.name}")
    return from_hf_config(read_json_mapping(p, "workload"), name=p.stem)


def load_workload(name_or_path: str | Path) -> TransformerConfig:
    """A bundled preset by name (``bert-base``), a bundled Hugging Face config by name,
    file name or repository path (``gpt2.json``, ``OLMo-1B``, ``workloads/hf_configs/gpt2.json``,
    from any directory), or a workload YAML / ``config.json`` path."""
    s = str(name_or_path)
    is_name = "/" not in s and not s.endswith((".yaml", ".yml", ".json"))
    if not is_name and Path(s).is_file():
        return load_config_file(s)
    if not is_name and Path(s).is_dir():
        raise SpecError(f"workload: {brief(s)} is a directory, not a workload file")
    found = bundled_file(s, "workloads") or bundled_file(s, "workloads/hf_configs", (".json",))
    if found is not None:
        return load_config_file(found)
    hf = ", ".join(p.name for p in bundled_files("hf_config"))
    if is_name:
        raise SpecError(f"workload: unknown preset {brief(s)} (presets: {', '.join(list_presets())}; "
                        f"Hugging Face configs: {hf})")
    raise SpecError(f"workload: file not found: {brief(s)} (bundled Hugging Face configs: {hf})")


def from_hf_config(cfg: dict, name: str | None = None) -> TransformerConfig:
    """Build a config from a Hugging Face ``config.json`` dict (BERT, GPT-2, LLaMA, OLMo)."""
    if not isinstance(cfg, dict):
        raise SpecError("config.json: top level must be an object")
    mt = str(cfg.get("model_type", "")).lower()
    nm = name or cfg.get("_name_or_path") or mt or "hf-model"

    def need(*keys: str):
        for k in keys:
            if k in cfg:
                return cfg[k]
        raise SpecError(f"config.json ({mt or 'unknown model_type'}): missing key {keys[0]!r}")

    try:
        if mt == "bert":
            act = str(cfg.get("hidden_act", "gelu"))
            data = dict(
                name=nm, arch="encoder", n_layers=need("num_hidden_layers"), d_model=need("hidden_size"),
                n_heads=need("num_attention_heads"), d_ff=need("intermediate_size"),
                activation=_hf_act(act), norm="layernorm", positions="learned",
                max_positions=cfg.get("max_position_embeddings", 512), vocab_size=need("vocab_size"),
                type_vocab_size=cfg.get("type_vocab_size", 2), bias=True, tie_embeddings=True,
                lm_head=False, pooler=True, post_norm=True, embedding_norm=True, final_norm=False,
            )
        elif mt == "gpt2":
            d = need("n_embd", "hidden_size")
            data = dict(
                name=nm, arch="decoder", n_layers=need("n_layer", "num_hidden_layers"), d_model=d,
                n_heads=need("n_head", "num_attention_heads"), d_ff=cfg.get("n_inner") or 4 * d,
                activation=_hf_act(str(cfg.get("activation_function", "gelu_new"))), norm="layernorm",
                positions="learned", max_positions=need("n_positions", "max_position_embeddings"),
                vocab_size=need("vocab_size"), bias=True, tie_embeddings=True, lm_head=True,
            )
        elif mt in ("llama", "mistral", "qwen2"):
            data = dict(
                name=nm, arch="decoder", n_layers=need("num_hidden_layers"), d_model=need("hidden_size"),
                n_heads=need("num_attention_heads"), n_kv_heads=cfg.get("num_key_value_heads"),
                head_dim=cfg.get("head_dim"), d_ff=need("intermediate_size"), gated_ffn=True,
                activation=_hf_act(str(cfg.get("hidden_act", "silu"))), norm="rmsnorm", positions="rotary",
                max_positions=cfg.get("max_position_embeddings", 8192), vocab_size=need("vocab_size"),
                bias=_hf_bool(cfg, "attention_bias", False), tie_embeddings=_hf_bool(cfg, "tie_word_embeddings", False),
                lm_head=True,
            )
        elif mt in ("olmo", "hf_olmo"):
            d = need("d_model", "hidden_size")
            if "intermediate_size" in cfg:
                d_ff = cfg["intermediate_size"]
            else:  # AI2's own config: mlp_hidden_size covers both halves of the SwiGLU
                d_ff = need("mlp_hidden_size") // 2 if cfg.get("mlp_hidden_size") else need("mlp_ratio") * d // 2
            data = dict(
                name=nm, arch="decoder", n_layers=need("n_layers", "num_hidden_layers"), d_model=d,
                n_heads=need("n_heads", "num_attention_heads"),
                n_kv_heads=cfg.get("num_key_value_heads") or cfg.get("n_kv_heads"), d_ff=d_ff, gated_ffn=True,
                activation="silu", norm="layernorm", norm_affine=False, positions="rotary",
                max_positions=cfg.get("max_position_embeddings", cfg.get("max_sequence_length", 2048)),
                vocab_size=cfg.get("embedding_size") or need("vocab_size"),
                bias=_hf_bool(cfg, "attention_bias", _hf_bool(cfg, "include_bias", False)),
                tie_embeddings=_hf_bool(cfg, "tie_word_embeddings", _hf_bool(cfg, "weight_tying", False)),
                lm_head=True,
            )
        else:
            raise SpecError(f"config.json: model_type {brief(mt)} is not supported (bert, gpt2, llama, olmo)")
    except (TypeError, ValueError) as exc:
        raise SpecError(f"config.json ({brief(mt)}): {exc}") from None
    return _validate(data, f"config.json ({brief(mt)})")


def _hf_bool(cfg: dict, key: str, default: bool) -> bool:
    """A boolean of a HF config: JSON true/false only (the string "false" is not false)."""
    v = cfg.get(key, default)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise SpecError(f"config.json: {key}: must be true or false, got {brief(v)}")
    return v


def _hf_act(act: str) -> str:
    a = act.lower()
    if a in ("gelu", "gelu_python"):
        return "gelu"
    if a in ("gelu_new", "gelu_fast", "gelu_pytorch_tanh", "gelu_tanh"):
        return "gelu_tanh"
    if a in ("silu", "swish", "swiglu"):
        return "silu"
    if a == "relu":
        return "relu"
    raise SpecError(f"config.json: activation {brief(act)} is not supported (gelu, gelu_new, silu, relu)")
