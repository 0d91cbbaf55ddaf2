"""What is bundled: every design, workload preset, Hugging Face config, pruning plan and
sweep spec, each with a one-line description (``accelmodel list``)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .paths import BUNDLED_KINDS, bundled_files
from .workload.config import from_hf_config

_MAX = 110


_ABBREVIATIONS = ("al", "e.g", "i.e", "vs", "approx")


def _first_sentence(text: str) -> str:
    """The text without its parenthetical remarks, up to the end of its first sentence,
    at most ``_MAX`` characters."""
    plain, depth = [], 0
    for ch in text:
        depth += ch == "("
        if depth == 0:
            plain.append(ch)
        depth -= ch == ")" and depth > 0
    text = " ".join("".join(plain).split()).replace(" :", ":").replace(" ,", ",")
    for i, ch in enumerate(text):
        ends = ch == "." and (i + 1 == len(text) or text[i + 1] == " ")
        if ends and not text[:i].endswith(_ABBREVIATIONS):
            text = text[:i]
            break
    text = text.strip()
    return text if len(text) <= _MAX else text[: _MAX - 3].rstrip() + "..."


def _comment_paragraph(path: Path) -> str:
    """The file's leading ``#`` comment lines joined into one paragraph."""
    lines: list[str] = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        body = line.lstrip("#").strip()
        if not body and lines:
            break
        lines.append(body)
    return " ".join(x for x in lines if x)


def describe(path: Path) -> str:
    """One line saying what a bundled file is: a YAML's ``description`` field, else its
    leading comment's first sentence, else its ``name``; for a Hugging Face config.json
    its model type and size."""
    if path.suffix == ".json":
        raw = json.loads(path.read_text())
        cfg = from_hf_config(raw, name=path.stem)
        return (f"Hugging Face config.json ({raw.get('model_type', '?')}): {cfg.n_layers} layers, d_model "
                f"{cfg.d_model}, {cfg.n_heads} heads, {cfg.param_count() / 1e6:.0f}M parameters")
    data = yaml.safe_load(path.read_text()) or {}
    if isinstance(data, dict) and isinstance(data.get("description"), str):
        return _first_sentence(data["description"])
    comment = _comment_paragraph(path)
    if comment:
        return _first_sentence(comment)
    return str(data.get("name", path.stem)) if isinstance(data, dict) else path.stem


def catalog() -> dict[str, list[dict[str, str]]]:
    """``{kind: [{"name", "file", "description"}...]}`` for every kind of
    :data:`accelmodel.paths.BUNDLED_KINDS`; ``name`` is what ``--hw``/``--workload``/
    ``--pruning``/``sweep`` accept (the file name and the repository path work too)."""
    out: dict[str, list[dict[str, str]]] = {}
    for kind, (folder, _, _) in BUNDLED_KINDS.items():
        out[kind] = [{"name": p.stem, "file": f"{folder}/{p.name}", "description": describe(p)}
                     for p in bundled_files(kind)]
    return out
