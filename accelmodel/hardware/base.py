"""Shared base for frozen spec models."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from ..errors import SpecError


class Frozen(BaseModel):
    """Frozen pydantic model that rejects unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


def read_yaml_mapping(path: str | Path, what: str) -> dict:
    """Read a YAML file whose top level is a mapping (``yaml.safe_load``).
    ``what`` names the file's role in the one-line ``SpecError`` messages
    (e.g. "hardware spec")."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"{what}: file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise SpecError(f"{what} {p.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise SpecError(f"{what} {p.name}: top level must be a mapping of fields")
    return data
