"""Shared base for frozen spec models (below hardware, workload and sweep specs),
and the one YAML reader for every spec kind."""

from __future__ import annotations

import typing
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from .inputs import read_yaml_mapping

__all__ = ["Frozen", "read_yaml_mapping"]


def _is_tuple_type(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return True
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return any(_is_tuple_type(a) for a in typing.get_args(tp))
    return False


class Frozen(BaseModel):
    """Frozen pydantic model that rejects unknown keys and validates strictly:
    no bool for a number, no string for a number or a bool, no fraction for a
    count, finite numbers only. A list is accepted for a tuple field (YAML and
    JSON have no tuples)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True, strict=True,
                              allow_inf_nan=False)
    _tuple_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._tuple_fields = frozenset(n for n, f in cls.model_fields.items() if _is_tuple_type(f.annotation))

    @model_validator(mode="before")
    @classmethod
    def _lists_as_tuples(cls, data: Any) -> Any:
        if not cls._tuple_fields or not isinstance(data, dict):
            return data
        if not any(isinstance(data.get(n), list) for n in cls._tuple_fields):
            return data
        return {k: tuple(v) if k in cls._tuple_fields and isinstance(v, list) else v for k, v in data.items()}
